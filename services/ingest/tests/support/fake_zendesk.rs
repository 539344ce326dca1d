//! A fake Zendesk (actix-web on port 0) speaking the wire format of the endpoints the client
//! uses: the cursor-based incremental ticket export (`after_cursor`, `after_url`,
//! `end_of_stream`, side-loaded users and organizations), ticket show, paginated comments
//! (`next_page`), users/organizations `show_many`, basic auth with an API token — and the
//! failures a real account produces: 429 with `Retry-After`, 500s and connections dropped
//! mid-body, scripted per request.

#![allow(dead_code)]

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use base64::Engine as _;
use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Instant;

pub const EMAIL: &str = "bot@acme.example";
pub const TOKEN: &str = "fake-api-token";

/// A failure to produce instead of the normal answer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Fault {
    RateLimited {
        retry_after_secs: f64,
    },
    ServerError,
    /// Starts a 200 response and cuts the connection half-way through the body.
    DropConnection,
    /// Answers nothing for this many seconds (past the client's timeout), then 504.
    Stall {
        secs: f64,
    },
}

/// One request the fake answered (or refused).
#[derive(Debug, Clone)]
pub struct Seen {
    pub path: String,
    pub query: HashMap<String, String>,
    pub at: Instant,
    pub status: u16,
}

#[derive(Debug, Clone)]
pub struct FakeTicket {
    pub id: i64,
    pub subject: String,
    pub description: String,
    pub requester_id: i64,
    pub organization_id: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// (public, text)
    pub comments: Vec<(bool, String)>,
}

#[derive(Default)]
pub struct State {
    /// Ordered by `updated_at`, as the export is.
    pub tickets: Vec<FakeTicket>,
    pub faults: VecDeque<(String, Fault)>,
    pub seen: Vec<Seen>,
    /// Whether the export side-loads users and organizations (else the client must look
    /// them up with `show_many`).
    pub side_load: bool,
    pub base_url: String,
}

/// The fake's tickets: `n` of them, updated one minute apart ending an hour ago, each with the
/// description as first public comment, a public reply and an internal note; 50 requesters in
/// 10 organizations.
pub fn tickets(n: usize) -> Vec<FakeTicket> {
    tickets_ending(n, Utc::now() - Duration::hours(1))
}

/// [`tickets`] whose last update is at `end`.
pub fn tickets_ending(n: usize, end: DateTime<Utc>) -> Vec<FakeTicket> {
    (0..n)
        .map(|i| {
            let id = 1000 + i as i64;
            let updated = end - Duration::minutes((n - i) as i64);
            let description = format!(
                "Ticket {id}: the time clock at site {} rejects badge punches.",
                i % 37
            );
            FakeTicket {
                id,
                subject: format!("Clock problem {id}"),
                description: description.clone(),
                requester_id: 500 + (i % 50) as i64,
                organization_id: 90 + (i % 10) as i64,
                created_at: updated - Duration::hours(2),
                updated_at: updated,
                comments: vec![
                    (true, description),
                    (
                        true,
                        format!("Agent reply to {id}: please power-cycle the clock."),
                    ),
                    (false, format!("Internal: firmware 3.2 suspected for {id}.")),
                ],
            }
        })
        .collect()
}

fn user(id: i64) -> Value {
    json!({"id": id, "name": format!("User {id}"), "email": format!("user{id}@customer{}.example", id % 10), "organization_id": 90 + (id - 500) % 10, "role": "end-user"})
}

fn organization(id: i64) -> Value {
    json!({"id": id, "name": format!("Customer {id} Inc"), "created_at": "2020-01-01T00:00:00Z"})
}

fn ticket_json(t: &FakeTicket) -> Value {
    json!({
        "id": t.id, "url": format!("https://acme.zendesk.com/api/v2/tickets/{}.json", t.id),
        "subject": t.subject, "raw_subject": t.subject, "description": t.description,
        "status": "open", "priority": "normal", "type": "incident", "tags": ["clock", "hardware"],
        "requester_id": t.requester_id, "submitter_id": t.requester_id, "organization_id": t.organization_id,
        "created_at": t.created_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "updated_at": t.updated_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "custom_fields": [], "via": {"channel": "web"}
    })
}

/// The export cursor that continues after ticket `t`.
pub fn cursor_of(t: &FakeTicket) -> String {
    format!("cur-{}-{}", t.updated_at.timestamp(), t.id)
}

fn parse_cursor(c: &str) -> Option<(i64, i64)> {
    let rest = c.strip_prefix("cur-")?;
    let (ts, id) = rest.rsplit_once('-')?;
    Some((ts.parse().ok()?, id.parse().ok()?))
}

/// A running fake.
pub struct FakeZendesk {
    pub url: String,
    pub state: Arc<Mutex<State>>,
    handle: actix_web::dev::ServerHandle,
}

impl FakeZendesk {
    pub async fn start(tickets: Vec<FakeTicket>) -> Self {
        let state = Arc::new(Mutex::new(State {
            tickets,
            side_load: true,
            ..State::default()
        }));
        let data = web::Data::from(state.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .default_service(web::to(handle))
        })
        .workers(2)
        .disable_signals()
        .bind(("127.0.0.1", 0))
        .expect("bind the fake Zendesk");
        let url = format!("http://{}", server.addrs()[0]);
        state.lock().unwrap().base_url = url.clone();
        let server = server.run();
        let handle = server.handle();
        tokio::spawn(server);
        FakeZendesk { url, state, handle }
    }

    /// The client configuration for this fake, without rate limits and with short backoffs.
    pub fn config(&self) -> zendesk::Config {
        let mut c = zendesk::Config::new("fake", EMAIL, zendesk::Secret::new(TOKEN));
        c.base_url = self.url.clone();
        c.requests_per_minute = 0;
        c.export_requests_per_minute = 0;
        c.backoff_base = std::time::Duration::from_millis(10);
        c.timeout = std::time::Duration::from_secs(5);
        c.max_retries = 3;
        c
    }

    /// Makes the next request whose path (plus `?cursor=…` for export pages) contains
    /// `matcher` fail with `fault`.
    pub fn fail_next(&self, matcher: &str, fault: Fault) {
        self.state
            .lock()
            .unwrap()
            .faults
            .push_back((matcher.to_string(), fault));
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.state.lock().unwrap().seen.clone()
    }

    /// The cursor after the `index`-th ticket of the export (0-based).
    pub fn cursor_after(&self, index: usize) -> String {
        cursor_of(&self.state.lock().unwrap().tickets[index])
    }

    pub fn set_side_load(&self, on: bool) {
        self.state.lock().unwrap().side_load = on;
    }

    /// Changes a ticket as an agent would: new text, and moved to the end of the export.
    pub fn update_ticket(&self, id: i64, new_comment: &str) {
        let mut s = self.state.lock().unwrap();
        let pos = s
            .tickets
            .iter()
            .position(|t| t.id == id)
            .expect("ticket exists");
        let mut t = s.tickets.remove(pos);
        t.comments.push((true, new_comment.to_string()));
        t.updated_at = Utc::now() - Duration::seconds(90);
        s.tickets.push(t);
    }

    pub async fn stop(self) {
        self.handle.stop(false).await;
    }
}

/// The key a fault matcher is compared with: the path, plus `?cursor=…` for export pages.
fn request_key(path: &str, query: &HashMap<String, String>) -> String {
    match query.get("cursor") {
        Some(c) => format!("{path}?cursor={c}"),
        None => path.to_string(),
    }
}

async fn handle(req: HttpRequest, state: web::Data<Mutex<State>>) -> HttpResponse {
    let path = req.path().to_string();
    let query: HashMap<String, String> =
        web::Query::<HashMap<String, String>>::from_query(req.query_string())
            .map(|q| q.into_inner())
            .unwrap_or_default();
    let expected = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{EMAIL}/token:{TOKEN}"))
    );
    let authorized = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        == Some(expected.as_str());
    let key = request_key(&path, &query);
    let fault = {
        let mut s = state.lock().unwrap();
        s.faults
            .iter()
            .position(|(m, _)| key.contains(m.as_str()))
            .and_then(|i| s.faults.remove(i))
            .map(|(_, f)| f)
    };
    if let Some(Fault::Stall { secs }) = fault {
        // Recorded on arrival (status 0: never answered in time); the client gives up first.
        state.lock().unwrap().seen.push(Seen {
            path: path.clone(),
            query: query.clone(),
            at: Instant::now(),
            status: 0,
        });
        tokio::time::sleep(std::time::Duration::from_secs_f64(secs)).await;
        return HttpResponse::GatewayTimeout().finish();
    }
    let mut s = state.lock().unwrap();
    let (status, response) = if !authorized {
        (
            401,
            HttpResponse::Unauthorized().json(json!({"error": "Couldn't authenticate you"})),
        )
    } else {
        match fault {
            Some(Fault::RateLimited { retry_after_secs }) => (
                429,
                HttpResponse::TooManyRequests()
                    .insert_header(("Retry-After", retry_after_secs.to_string()))
                    .json(json!({"error": "APIRateLimitExceeded", "description": "Number of allowed API requests per minute exceeded"})),
            ),
            Some(Fault::ServerError) => (
                500,
                HttpResponse::InternalServerError()
                    .json(json!({"error": "InternalError", "description": "Something went wrong"})),
            ),
            Some(Fault::DropConnection) => {
                let chunks: Vec<Result<web::Bytes, std::io::Error>> = vec![
                    Ok(web::Bytes::from_static(b"{\"tickets\": [{\"id\": 1, \"subj")),
                    Err(std::io::Error::new(std::io::ErrorKind::ConnectionReset, "dropped")),
                ];
                (
                    200,
                    HttpResponse::Ok()
                        .content_type("application/json")
                        .streaming(futures::stream::iter(chunks)),
                )
            }
            Some(Fault::Stall { .. }) | None => answer(&mut s, &path, &query),
        }
    };
    s.seen.push(Seen {
        path,
        query,
        at: Instant::now(),
        status,
    });
    response
}

fn answer(s: &mut State, path: &str, query: &HashMap<String, String>) -> (u16, HttpResponse) {
    let not_found = || {
        (
            404,
            HttpResponse::NotFound()
                .json(json!({"error": "RecordNotFound", "description": "Not found"})),
        )
    };
    if path == "/api/v2/incremental/tickets/cursor.json" {
        let per_page: usize = query
            .get("per_page")
            .and_then(|p| p.parse().ok())
            .unwrap_or(1000);
        let start = match (query.get("cursor"), query.get("start_time")) {
            (Some(c), _) => match parse_cursor(c) {
                Some((ts, id)) => s
                    .tickets
                    .iter()
                    .position(|x| (x.updated_at.timestamp(), x.id) > (ts, id))
                    .unwrap_or(s.tickets.len()),
                None => {
                    return (
                        400,
                        HttpResponse::BadRequest()
                            .json(json!({"error": "InvalidPaginationParameter"})),
                    )
                }
            },
            (None, Some(t)) => {
                let t: i64 = t.parse().unwrap_or(0);
                s.tickets
                    .iter()
                    .position(|x| x.updated_at.timestamp() >= t)
                    .unwrap_or(s.tickets.len())
            }
            (None, None) => {
                return (
                    400,
                    HttpResponse::BadRequest()
                        .json(json!({"error": "start_time or cursor required"})),
                )
            }
        };
        let page: Vec<&FakeTicket> = s.tickets.iter().skip(start).take(per_page).collect();
        let next = start + page.len();
        // The cursor points after the last ticket returned (or, for an empty page, where the
        // request started), so tickets updated later are found by the next request.
        let after = match page.last() {
            Some(t) => cursor_of(t),
            None => match query.get("cursor") {
                Some(c) => c.clone(),
                None => format!(
                    "cur-{}-0",
                    query
                        .get("start_time")
                        .and_then(|t| t.parse::<i64>().ok())
                        .unwrap_or(0)
                        - 1
                ),
            },
        };
        let mut body = json!({
            "tickets": page.iter().map(|t| ticket_json(t)).collect::<Vec<_>>(),
            "after_cursor": after,
            "after_url": format!("{}/api/v2/incremental/tickets/cursor.json?cursor={after}", s.base_url),
            "before_cursor": null, "before_url": null,
            "end_of_stream": next >= s.tickets.len(),
        });
        if s.side_load {
            let mut users: Vec<i64> = page.iter().map(|t| t.requester_id).collect();
            users.sort_unstable();
            users.dedup();
            let mut orgs: Vec<i64> = page.iter().map(|t| t.organization_id).collect();
            orgs.sort_unstable();
            orgs.dedup();
            body["users"] = users.into_iter().map(user).collect();
            body["organizations"] = orgs.into_iter().map(organization).collect();
        }
        return (200, HttpResponse::Ok().json(body));
    }
    if let Some(rest) = path.strip_prefix("/api/v2/tickets/") {
        if let Some(id) = rest.strip_suffix("/comments.json") {
            let Some(t) = id
                .parse::<i64>()
                .ok()
                .and_then(|id| s.tickets.iter().find(|t| t.id == id))
            else {
                return not_found();
            };
            // Two comments a page, so pagination is exercised on every ticket.
            let page: usize = query.get("page").and_then(|p| p.parse().ok()).unwrap_or(1);
            let all: Vec<Value> = t.comments.iter().enumerate().map(|(i, (public, text))| json!({
                "id": t.id * 100 + i as i64, "type": "Comment", "public": public,
                "body": text, "html_body": format!("<p>{text}</p>"), "plain_body": text,
                "author_id": if i == 0 { t.requester_id } else { 7 },
                "created_at": (t.created_at + Duration::minutes(i as i64 * 10)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            })).collect();
            let chunk: Vec<Value> = all.iter().skip((page - 1) * 2).take(2).cloned().collect();
            let next_page = (page * 2 < all.len()).then(|| {
                format!(
                    "{}/api/v2/tickets/{}/comments.json?page={}",
                    s.base_url,
                    t.id,
                    page + 1
                )
            });
            return (200, HttpResponse::Ok().json(json!({"comments": chunk, "next_page": next_page, "previous_page": null, "count": all.len()})));
        }
        if let Some(id) = rest.strip_suffix(".json") {
            let Some(t) = id
                .parse::<i64>()
                .ok()
                .and_then(|id| s.tickets.iter().find(|t| t.id == id))
            else {
                return not_found();
            };
            return (
                200,
                HttpResponse::Ok().json(json!({
                    "ticket": ticket_json(t),
                    "users": [user(t.requester_id)],
                    "organizations": [organization(t.organization_id)],
                })),
            );
        }
    }
    let ids = || -> Vec<i64> {
        query
            .get("ids")
            .map(|v| v.split(',').filter_map(|x| x.parse().ok()).collect())
            .unwrap_or_default()
    };
    if path == "/api/v2/users/show_many.json" {
        return (
            200,
            HttpResponse::Ok()
                .json(json!({"users": ids().into_iter().map(user).collect::<Vec<_>>()})),
        );
    }
    if path == "/api/v2/organizations/show_many.json" {
        return (
            200,
            HttpResponse::Ok().json(
                json!({"organizations": ids().into_iter().map(organization).collect::<Vec<_>>()}),
            ),
        );
    }
    not_found()
}
