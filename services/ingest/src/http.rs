//! The ingest service's HTTP server: `/health` and the webhooks of every channel.
//!
//! Every webhook goes through the same steps, in this order:
//! 1. the channel must be configured (its secret set), else 503 `not_configured`;
//! 2. the body is read up to the size limit, else 413 `payload_too_large`;
//! 3. the signature is checked over the raw bytes, else 401 `invalid_signature`;
//! 4. the body must be JSON (a form for Slack slash commands), else 400 `malformed_payload`;
//! 5. the channel's normalizer turns it into tickets, each accepted through
//!    `runtime::intake::accept` (upsert by source id, so a redelivery creates nothing new);
//!    a verified payload it cannot normalize is stored in `intake_dead_letters` and logged,
//!    and answered 202 so the platform does not redeliver what can never succeed.
//!
//! Nothing is stored for a request refused in steps 1–4.

use crate::verify::{self, SignatureError};
use crate::zendesk_api::{self, Directory};
use actix_web::http::StatusCode;
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer, ResponseError};
use db::models::dead_letter;
use domain::SourceKind;
use futures::StreamExt as _;
use runtime::channels::{self, Normalized};
use runtime::Secret;
use serde_json::{json, Value};

/// The channels' secrets; a channel whose secret is unset refuses its webhook (503).
#[derive(Debug, Clone, Default)]
pub struct WebhookSecrets {
    /// `ZENDESK_WEBHOOK_SECRET`: the webhook's signing secret (Admin Center → Webhooks).
    pub zendesk: Option<Secret>,
    /// `SLACK_SIGNING_SECRET`.
    pub slack: Option<Secret>,
    /// `INTERCOM_CLIENT_SECRET`: the app's client secret, which signs its webhooks.
    pub intercom: Option<Secret>,
    /// `WHATSAPP_APP_SECRET`: the Meta app secret, which signs its webhooks.
    pub whatsapp: Option<Secret>,
    /// `WHATSAPP_VERIFY_TOKEN`: what Meta's subscription handshake must present.
    pub whatsapp_verify_token: Option<Secret>,
}

/// What the handlers share.
#[derive(Clone)]
pub struct AppState {
    pub pool: db::Pool,
    pub queues: queue::Queues,
    pub secrets: WebhookSecrets,
    /// The largest webhook body accepted.
    pub max_body_bytes: usize,
    /// `ZENDESK_WEBHOOK_TOLERANCE_SECS`: how far a Zendesk webhook's signature timestamp may
    /// be from now (replay protection).
    pub zendesk_tolerance_secs: i64,
    /// The Zendesk API, when configured: a Zendesk webhook makes the ticket be fetched.
    pub zendesk: Option<(zendesk::Client, Directory)>,
    /// Webhook deliveries per sender address (`RATE_LIMIT_WEBHOOK_PER_MIN`).
    pub limits: std::sync::Arc<auth::limit::Limits>,
}

/// A refused request, rendered as `{ "error": code, "message": … }`.
#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    #[error("the {channel} webhook is not configured ({variable} is unset)")]
    NotConfigured {
        channel: &'static str,
        variable: &'static str,
    },
    #[error("the body is larger than the {limit} bytes accepted")]
    TooLarge { limit: usize },
    #[error("the request body could not be read: {0}")]
    Unreadable(String),
    #[error("signature check failed: {0}")]
    Signature(#[from] SignatureError),
    #[error("the body is not valid JSON: {0}")]
    Malformed(String),
    #[error("the verification token does not match")]
    Forbidden,
    #[error("could not store the payload: {0}")]
    Storage(String),
}

impl ResponseError for IntakeError {
    fn status_code(&self) -> StatusCode {
        match self {
            IntakeError::NotConfigured { .. } => StatusCode::SERVICE_UNAVAILABLE,
            IntakeError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            IntakeError::Unreadable(_) | IntakeError::Malformed(_) => StatusCode::BAD_REQUEST,
            IntakeError::Signature(_) => StatusCode::UNAUTHORIZED,
            IntakeError::Forbidden => StatusCode::FORBIDDEN,
            IntakeError::Storage(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let code = match self {
            IntakeError::NotConfigured { .. } => "not_configured",
            IntakeError::TooLarge { .. } => "payload_too_large",
            IntakeError::Unreadable(_) => "unreadable_body",
            IntakeError::Signature(_) => "invalid_signature",
            IntakeError::Malformed(_) => "malformed_payload",
            IntakeError::Forbidden => "forbidden",
            IntakeError::Storage(_) => "internal",
        };
        HttpResponse::build(self.status_code())
            .json(json!({"error": code, "message": self.to_string()}))
    }
}

/// Reads the body, refusing it as soon as it passes `limit` (before buffering the rest).
async fn read_body(mut payload: web::Payload, limit: usize) -> Result<web::Bytes, IntakeError> {
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| match e {
            actix_web::error::PayloadError::Overflow => IntakeError::TooLarge { limit },
            other => IntakeError::Unreadable(other.to_string()),
        })?;
        if body.len() + chunk.len() > limit {
            return Err(IntakeError::TooLarge { limit });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

fn header<'a>(req: &'a HttpRequest, name: &str) -> Option<&'a str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

fn parse_json(body: &[u8]) -> Result<Value, IntakeError> {
    serde_json::from_slice(body).map_err(|e| IntakeError::Malformed(e.to_string()))
}

fn secret<'a>(
    s: &'a Option<Secret>,
    channel: &'static str,
    variable: &'static str,
) -> Result<&'a str, IntakeError> {
    s.as_ref()
        .map(Secret::expose)
        .ok_or(IntakeError::NotConfigured { channel, variable })
}

/// Headers worth keeping with a dead letter: what identifies and dates the delivery, never
/// the signatures.
const KEPT_HEADERS: &[&str] = &[
    "content-type",
    "user-agent",
    "x-slack-request-timestamp",
    "x-slack-retry-num",
    "x-slack-retry-reason",
    "x-zendesk-webhook-id",
    "x-zendesk-webhook-invocation-id",
    "x-zendesk-webhook-signature-timestamp",
];

/// What storing a verified payload did.
enum Stored {
    /// It could not be normalized and was kept as this dead letter, for this reason.
    DeadLettered(i64, String),
    /// It is not a ticket (an edit, a receipt, a ping).
    Ignored(String),
    /// These tickets were accepted (one JSON object each); the unreadable rest of the
    /// delivery, if any, is this dead letter.
    Accepted(Vec<Value>, Option<i64>),
    /// The platform's id for this delivery was seen within the replay window: nothing done.
    Duplicate,
}

impl Stored {
    /// The answer to the platform: 202 naming a dead letter, 200 otherwise.
    fn response(self) -> HttpResponse {
        match self {
            Stored::DeadLettered(id, error) => HttpResponse::Accepted().json(json!({
                "status": "dead_lettered",
                "dead_letter_id": id,
                "message": format!("the payload was verified but could not be turned into a ticket: {error}; it is kept for inspection"),
            })),
            Stored::Ignored(reason) => {
                HttpResponse::Ok().json(json!({"status": "ignored", "reason": reason}))
            }
            Stored::Accepted(tickets, None) => {
                HttpResponse::Ok().json(json!({"status": "accepted", "tickets": tickets}))
            }
            Stored::Accepted(tickets, Some(id)) => HttpResponse::Ok().json(json!({
                "status": "partially_accepted", "tickets": tickets, "dead_letter_id": id,
            })),
            Stored::Duplicate => HttpResponse::Ok().json(json!({
                "status": "duplicate",
                "message": "this delivery was already received; nothing was changed",
            })),
        }
    }
}

/// Logs a refused webhook (401/403) with its route and reason; the request's secrets and
/// signatures are never logged.
fn refused(req: &HttpRequest, error: IntakeError) -> IntakeError {
    tracing::warn!(
        route = req.path(),
        method = %req.method(),
        status = error.status_code().as_u16(),
        reason = %error,
        "webhook refused"
    );
    error
}

/// Stores a verified delivery unless its platform id was seen within the replay window
/// (a captured delivery sent again, or a platform retry of one already stored).
async fn store_once(
    state: &AppState,
    source: SourceKind,
    req: &HttpRequest,
    body: &[u8],
    ids: Vec<String>,
    normalize: impl FnOnce() -> Result<Normalized, String>,
) -> Result<Stored, IntakeError> {
    let storage = |e: db::PoolError| IntakeError::Storage(e.to_string());
    if !ids.is_empty() {
        let mut conn = state.pool.get().await.map_err(storage)?;
        let new = db::models::webhook_delivery::first_seen(
            &mut conn,
            source.as_str(),
            &ids,
            chrono::Utc::now(),
        )
        .await
        .map_err(|e| IntakeError::Storage(e.to_string()))?;
        if new.is_empty() {
            tracing::info!(%source, ids = ?ids, "webhook delivery seen before; ignored");
            return Ok(Stored::Duplicate);
        }
    }
    let stored = store(state, source, req, body, normalize()).await;
    if stored.is_err() && !ids.is_empty() {
        // Let the platform's retry through: this delivery was not stored.
        if let Ok(mut conn) = state.pool.get().await {
            let _ = db::models::webhook_delivery::forget(&mut conn, source.as_str(), &ids).await;
        }
    }
    stored
}

/// Stores a verified payload that could not be normalized and logs it.
async fn dead_letter(
    state: &AppState,
    source: SourceKind,
    req: &HttpRequest,
    body: &[u8],
    error: &str,
) -> Result<Stored, IntakeError> {
    let id = keep_dead_letter(state, source, req, body, error).await?;
    Ok(Stored::DeadLettered(id, error.to_string()))
}

/// Stores `body` as a dead letter (a repeat of the same body counts on its first row).
async fn keep_dead_letter(
    state: &AppState,
    source: SourceKind,
    req: &HttpRequest,
    body: &[u8],
    error: &str,
) -> Result<i64, IntakeError> {
    let headers: serde_json::Map<String, Value> = KEPT_HEADERS
        .iter()
        .filter_map(|h| Some((h.to_string(), Value::from(header(req, h)?))))
        .collect();
    let text = String::from_utf8_lossy(body);
    let mut conn = state
        .pool
        .get()
        .await
        .map_err(|e| IntakeError::Storage(e.to_string()))?;
    let id = dead_letter::insert(
        &mut conn,
        &dead_letter::NewDeadLetter {
            source: source.as_str(),
            headers: Value::Object(headers),
            body: &text,
            error,
        },
    )
    .await
    .map_err(|e| IntakeError::Storage(e.to_string()))?;
    tracing::warn!(%source, dead_letter = id, %error, "verified webhook could not be normalized; kept as a dead letter");
    Ok(id)
}

/// Accepts what a normalizer produced.
async fn store(
    state: &AppState,
    source: SourceKind,
    req: &HttpRequest,
    body: &[u8],
    normalized: Result<Normalized, String>,
) -> Result<Stored, IntakeError> {
    match normalized {
        Err(error) => dead_letter(state, source, req, body, &error).await,
        Ok(Normalized::Ignored(reason)) => {
            tracing::debug!(%source, %reason, "webhook acknowledged, nothing to store");
            Ok(Stored::Ignored(reason))
        }
        Ok(Normalized::Tickets(tickets)) => Ok(Stored::Accepted(
            accept_all(state, source, &tickets).await?,
            None,
        )),
        Ok(Normalized::Partial {
            tickets,
            unreadable,
            error,
        }) => {
            let stored = accept_all(state, source, &tickets).await?;
            let unreadable = unreadable.to_string();
            let id = keep_dead_letter(state, source, req, unreadable.as_bytes(), &error).await?;
            Ok(Stored::Accepted(stored, Some(id)))
        }
    }
}

/// Accepts each ticket through `runtime::intake::accept`; one JSON object per ticket.
async fn accept_all(
    state: &AppState,
    source: SourceKind,
    tickets: &[domain::IncomingTicket],
) -> Result<Vec<Value>, IntakeError> {
    let mut conn = state
        .pool
        .get()
        .await
        .map_err(|e| IntakeError::Storage(e.to_string()))?;
    let mut stored = Vec::with_capacity(tickets.len());
    for t in tickets {
        let u = runtime::intake::accept(&mut conn, &state.queues, t)
            .await
            .map_err(|e| IntakeError::Storage(format!("{e:#}")))?;
        stored.push(json!({
            "ticket_id": u.id,
            "source_id": t.source_id,
            "created": u.created,
            "queued_for_analysis": u.content_changed,
            "stale": u.stale,
        }));
    }
    tracing::info!(%source, tickets = stored.len(), "webhook stored");
    Ok(stored)
}

/// The answer to a slash command, which Slack shows to the person who typed it (only to
/// them: `ephemeral`); our own fields ride along.
fn slash_command_response(stored: Stored) -> HttpResponse {
    let (text, status) = match &stored {
        Stored::Accepted(t, _) => (
            format!(
                "Thanks, recorded as ticket {}. It will be analyzed shortly.",
                t.first().and_then(|t| t["source_id"].as_str()).unwrap_or("?")
            ),
            "accepted",
        ),
        Stored::Ignored(reason) => (format!("Nothing recorded: {reason}."), "ignored"),
        Stored::Duplicate => ("Already recorded.".to_string(), "duplicate"),
        Stored::DeadLettered(id, error) => (
            format!("Could not record this ({error}); it was kept for the operators (dead letter {id})."),
            "dead_lettered",
        ),
    };
    let mut body = json!({"response_type": "ephemeral", "text": text, "status": status});
    match stored {
        Stored::Accepted(tickets, _) => body["tickets"] = json!(tickets),
        Stored::Ignored(reason) => body["reason"] = json!(reason),
        Stored::Duplicate => {}
        Stored::DeadLettered(id, _) => body["dead_letter_id"] = json!(id),
    }
    // 200 even for a dead letter: Slack shows a non-200 as a failure to the user.
    HttpResponse::Ok().json(body)
}

async fn slack(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, IntakeError> {
    let secret = secret(&state.secrets.slack, "slack", "SLACK_SIGNING_SECRET")?;
    let body = read_body(payload, state.max_body_bytes).await?;
    let now = chrono::Utc::now();
    verify::slack(
        secret,
        header(&req, "X-Slack-Request-Timestamp"),
        header(&req, "X-Slack-Signature"),
        &body,
        now.timestamp(),
    )
    .map_err(|e| refused(&req, e.into()))?;
    // Slash commands (and interactions) are forms, signed like events.
    if channels::slack_is_form(header(&req, "content-type"), &body) {
        let form = channels::parse_form(&body).map_err(IntakeError::Malformed)?;
        // The signed request time (checked above to be within minutes of now).
        let at = header(&req, "X-Slack-Request-Timestamp")
            .and_then(|t| t.trim().parse::<i64>().ok())
            .and_then(|t| chrono::DateTime::from_timestamp(t, 0))
            .unwrap_or(now);
        let stored = store(
            &state,
            SourceKind::Slack,
            &req,
            &body,
            channels::slack_command(&form, at),
        )
        .await?;
        return Ok(slash_command_response(stored));
    }
    let value = parse_json(&body)?;
    // Slack checks the endpoint by asking it to echo a challenge (signed like any event).
    if value["type"].as_str() == Some("url_verification") {
        let challenge = value["challenge"].as_str().unwrap_or_default();
        return Ok(HttpResponse::Ok().json(json!({"challenge": challenge})));
    }
    let ids = channels::delivery_ids(SourceKind::Slack, &value);
    Ok(store_once(&state, SourceKind::Slack, &req, &body, ids, || {
        channels::slack(&value)
    })
    .await?
    .response())
}

async fn intercom(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, IntakeError> {
    let secret = secret(
        &state.secrets.intercom,
        "intercom",
        "INTERCOM_CLIENT_SECRET",
    )?;
    let body = read_body(payload, state.max_body_bytes).await?;
    verify::intercom(secret, header(&req, "X-Hub-Signature"), &body)
        .map_err(|e| refused(&req, e.into()))?;
    let value = parse_json(&body)?;
    let ids = channels::delivery_ids(SourceKind::Intercom, &value);
    Ok(
        store_once(&state, SourceKind::Intercom, &req, &body, ids, || {
            channels::intercom(&value)
        })
        .await?
        .response(),
    )
}

async fn whatsapp(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, IntakeError> {
    let secret = secret(&state.secrets.whatsapp, "whatsapp", "WHATSAPP_APP_SECRET")?;
    let body = read_body(payload, state.max_body_bytes).await?;
    verify::whatsapp(secret, header(&req, "X-Hub-Signature-256"), &body)
        .map_err(|e| refused(&req, e.into()))?;
    let value = parse_json(&body)?;
    let ids = channels::delivery_ids(SourceKind::Whatsapp, &value);
    Ok(
        store_once(&state, SourceKind::Whatsapp, &req, &body, ids, || {
            channels::whatsapp(&value)
        })
        .await?
        .response(),
    )
}

#[derive(Debug, serde::Deserialize)]
struct Handshake {
    #[serde(rename = "hub.mode")]
    mode: Option<String>,
    #[serde(rename = "hub.verify_token")]
    verify_token: Option<String>,
    #[serde(rename = "hub.challenge")]
    challenge: Option<String>,
}

/// Meta's subscription handshake: echo `hub.challenge` when the token matches.
async fn whatsapp_handshake(
    req: HttpRequest,
    query: web::Query<Handshake>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, IntakeError> {
    let token = secret(
        &state.secrets.whatsapp_verify_token,
        "whatsapp",
        "WHATSAPP_VERIFY_TOKEN",
    )?;
    let matches = query.mode.as_deref() == Some("subscribe")
        && query.verify_token.as_deref().is_some_and(|t| {
            use sha2::Digest as _;
            // Compared as digests so the comparison time does not depend on the token.
            sha2::Sha256::digest(t.as_bytes()) == sha2::Sha256::digest(token.as_bytes())
        });
    if !matches {
        return Err(refused(&req, IntakeError::Forbidden));
    }
    Ok(HttpResponse::Ok()
        .content_type("text/plain")
        .body(query.challenge.clone().unwrap_or_default()))
}

async fn zendesk_webhook(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, IntakeError> {
    let secret = secret(&state.secrets.zendesk, "zendesk", "ZENDESK_WEBHOOK_SECRET")?;
    let body = read_body(payload, state.max_body_bytes).await?;
    verify::zendesk(
        secret,
        header(&req, "X-Zendesk-Webhook-Signature-Timestamp"),
        header(&req, "X-Zendesk-Webhook-Signature"),
        &body,
        chrono::Utc::now().timestamp(),
        state.zendesk_tolerance_secs,
    )
    .map_err(|e| refused(&req, e.into()))?;
    let value = parse_json(&body)?;
    if let Some(invocation) = header(&req, "x-zendesk-webhook-invocation-id") {
        let mut conn = state
            .pool
            .get()
            .await
            .map_err(|e| IntakeError::Storage(e.to_string()))?;
        let new = db::models::webhook_delivery::first_seen(
            &mut conn,
            SourceKind::Zendesk.as_str(),
            &[invocation.to_string()],
            chrono::Utc::now(),
        )
        .await
        .map_err(|e| IntakeError::Storage(e.to_string()))?;
        if new.is_empty() {
            return Ok(Stored::Duplicate.response());
        }
    }
    let id = match channels::zendesk_ticket_id(&value) {
        Ok(id) => id,
        Err(error) => {
            return Ok(
                dead_letter(&state, SourceKind::Zendesk, &req, &body, &error)
                    .await?
                    .response(),
            )
        }
    };
    let Some((client, directory)) = state.zendesk.clone() else {
        return Err(IntakeError::NotConfigured {
            channel: "zendesk API",
            variable: "ZENDESK_SUBDOMAIN/ZENDESK_EMAIL/ZENDESK_API_TOKEN",
        });
    };
    // The webhook only says which ticket changed; its current state comes from the API. Done
    // in the background so Zendesk gets its answer at once; if this process dies first, the
    // next export run brings the ticket anyway.
    let (pool, queues) = (state.pool.clone(), state.queues.clone());
    tokio::spawn(async move {
        match fetch_and_accept(&client, &directory, &pool, &queues, id).await {
            Ok(true) => tracing::info!(ticket = id, "Zendesk webhook: ticket fetched and stored"),
            Ok(false) => {
                tracing::info!(ticket = id, "Zendesk webhook: the ticket no longer exists")
            }
            Err(e) => tracing::warn!(
                ticket = id,
                error = format!("{e:#}"),
                "Zendesk webhook: fetching the ticket failed; the next export run brings it"
            ),
        }
    });
    Ok(HttpResponse::Accepted().json(json!({"status": "fetching", "zendesk_ticket_id": id})))
}

async fn fetch_and_accept(
    client: &zendesk::Client,
    directory: &Directory,
    pool: &db::Pool,
    queues: &queue::Queues,
    id: i64,
) -> anyhow::Result<bool> {
    let Some(ticket) = zendesk_api::fetch_ticket(client, directory, id).await? else {
        return Ok(false);
    };
    let mut conn = pool.get().await?;
    runtime::intake::accept(&mut conn, queues, &ticket).await?;
    Ok(true)
}

async fn health(state: web::Data<AppState>) -> HttpResponse {
    let (ok, mut body) = runtime::health::check(&state.pool, &state.queues).await;
    body["service"] = json!("ingest");
    if ok {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}

/// The routes, for the server and for in-process tests.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/health", web::get().to(health))
        .route("/ready", web::get().to(health))
        .service(
            web::scope("/webhooks")
                .wrap(actix_web::middleware::from_fn(rate_limit))
                .route("/zendesk", web::post().to(zendesk_webhook))
                .route("/slack", web::post().to(slack))
                .route("/intercom", web::post().to(intercom))
                .route("/whatsapp", web::post().to(whatsapp))
                .route("/whatsapp", web::get().to(whatsapp_handshake)),
        );
}

/// A sender over its budget gets 429 with Retry-After before its body is read: every
/// source retries a 429 later, so nothing is lost.
async fn rate_limit<B: actix_web::body::MessageBody>(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<B>,
) -> Result<actix_web::dev::ServiceResponse<actix_web::body::EitherBody<B>>, actix_web::Error> {
    if let Some(state) = req.app_data::<web::Data<AppState>>() {
        if let Err(limited) = state.limits.check_address(req.request()) {
            tracing::warn!(path = req.path(), peer = ?req.peer_addr().map(|a| a.ip()), reason = %limited, "webhook rate limited");
            return Ok(req.error_response(limited).map_into_right_body());
        }
    }
    next.call(req)
        .await
        .map(actix_web::dev::ServiceResponse::map_into_left_body)
}

/// A running HTTP server.
pub struct Running {
    pub addr: std::net::SocketAddr,
    handle: actix_web::dev::ServerHandle,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Running {
    /// Finishes in-flight requests and stops.
    pub async fn stop(self) -> anyhow::Result<()> {
        self.handle.stop(true).await;
        self.task.await??;
        Ok(())
    }
}

/// Binds (port 0 picks a free port) and starts the server in the background.
pub fn spawn(state: AppState, host: &str, port: u16) -> std::io::Result<Running> {
    let state = web::Data::new(state);
    let server = HttpServer::new(move || App::new().app_data(state.clone()).configure(configure))
        .workers(2)
        .disable_signals()
        .bind((host, port))?;
    let addr = server.addrs()[0];
    let server = server.run();
    tracing::info!(%addr, "ingest HTTP listening (health, webhooks)");
    Ok(Running {
        addr,
        handle: server.handle(),
        task: tokio::spawn(server),
    })
}
