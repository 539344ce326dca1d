//! Tickets: one ticket with its issues, tickets pushed by integrations, and classifying a text
//! on the spot.

use crate::dto;
use crate::{ApiError, AppState};
use actix_web::{get, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use db::models::{issue, ticket};
use domain::{IncomingTicket, SourceKind};
use serde::Deserialize;
use std::time::Duration;
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TicketQuery {
    /// The ticket's source: zendesk (default), slack, intercom, whatsapp, api, csv.
    source: Option<String>,
}

/// `GET /api/tickets/{source_id}`: a ticket by its source's id, with its extracted issues.
#[utoipa::path(
    operation_id = "get_ticket",
    tag = "tickets",
    params(("source_id" = String, Path, description = "The id the source gives the ticket"), TicketQuery),
    responses(
        (status = 200, body = dto::TicketDetail),
        (status = 400, body = dto::ErrorBody),
        (status = 401, body = dto::ErrorBody),
        (status = 404, body = dto::ErrorBody),
    ),
    security(("bearer" = ["read"]))
)]
#[get("/api/tickets/{source_id}", wrap = "crate::access::Authorize")]
#[tracing::instrument(skip(state))]
pub async fn detail(
    state: web::Data<AppState>,
    source_id: web::Path<String>,
    query: web::Query<TicketQuery>,
) -> Result<HttpResponse, ApiError> {
    let source: SourceKind = query
        .source
        .as_deref()
        .unwrap_or("zendesk")
        .parse()
        .map_err(ApiError::BadRequest)?;
    let source_id = source_id.into_inner();
    let mut conn = state.pool.get().await?;
    let t = ticket::find_by_source(&mut conn, source, &source_id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no {source} ticket {source_id:?}")))?;
    let issues = issue::for_ticket(&mut conn, t.ticket_id()).await?;
    let analyzed = t.is_analyzed();
    Ok(HttpResponse::Ok().json(dto::TicketDetail {
        url: state.ticket_url(&t.source, &t.source_id),
        id: t.id,
        tags: serde_json::from_value(t.tags).unwrap_or_default(),
        source: t.source,
        source_id: t.source_id,
        subject: t.subject,
        description: t.description,
        requester_org_name: t.requester_org_name,
        status: t.status,
        priority: t.priority,
        ticket_created_at: t.ticket_created_at,
        ticket_updated_at: t.ticket_updated_at,
        analyzed_at: t.analyzed_at,
        analyzed,
        analysis_error: t.analysis_error,
        issues: issues.into_iter().map(Into::into).collect(),
    }))
}

/// A ticket pushed by an integration. `external_id` is the caller's id for it: sending the
/// same `external_id` again updates that ticket instead of adding one.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTicket {
    external_id: String,
    subject: Option<String>,
    description: Option<String>,
    public_comments: Option<String>,
    internal_notes: Option<String>,
    requester_email: Option<String>,
    requester_org_name: Option<String>,
    #[serde(default)]
    tags: Vec<String>,
    status: Option<String>,
    priority: Option<String>,
    /// When the customer reported it (default: now).
    created_at: Option<DateTime<Utc>>,
    /// Default: `created_at`.
    updated_at: Option<DateTime<Utc>>,
}

const MAX_EXTERNAL_ID: usize = 255;
const MAX_SUBJECT: usize = 500;
const MAX_SHORT: usize = 255;
const MAX_TAGS: usize = 50;
const MAX_TAG: usize = 100;

fn check_len(field: &str, value: &Option<String>, max: usize) -> Result<(), ApiError> {
    match value {
        Some(v) if v.chars().count() > max => Err(ApiError::Unprocessable(format!(
            "{field} must be at most {max} characters"
        ))),
        _ => Ok(()),
    }
}

impl NewTicket {
    /// Validates the ticket and normalizes it as an `api` ticket.
    fn into_incoming(self) -> Result<IncomingTicket, ApiError> {
        let external_id = self.external_id.trim().to_string();
        if external_id.is_empty()
            || external_id.chars().count() > MAX_EXTERNAL_ID
            || external_id.chars().any(char::is_control)
        {
            return Err(ApiError::Unprocessable(format!(
                "external_id must be 1 to {MAX_EXTERNAL_ID} printable characters"
            )));
        }
        let has_text = [&self.subject, &self.description, &self.public_comments]
            .into_iter()
            .any(|t| t.as_deref().is_some_and(|t| !t.trim().is_empty()));
        if !has_text {
            return Err(ApiError::Unprocessable(
                "a ticket needs a subject, description or public_comments".into(),
            ));
        }
        check_len("subject", &self.subject, MAX_SUBJECT)?;
        check_len("requester_email", &self.requester_email, MAX_SHORT)?;
        check_len("requester_org_name", &self.requester_org_name, MAX_SHORT)?;
        check_len("status", &self.status, 50)?;
        check_len("priority", &self.priority, 50)?;
        if self.tags.len() > MAX_TAGS || self.tags.iter().any(|t| t.chars().count() > MAX_TAG) {
            return Err(ApiError::Unprocessable(format!(
                "at most {MAX_TAGS} tags of at most {MAX_TAG} characters"
            )));
        }
        let created_at = self.created_at.unwrap_or_else(Utc::now);
        let updated_at = self.updated_at.unwrap_or(created_at);
        let incoming = IncomingTicket {
            source: SourceKind::Api,
            source_id: external_id,
            subject: self.subject,
            description: self.description,
            public_comments: self.public_comments,
            internal_notes: self.internal_notes,
            requester_email: self.requester_email,
            requester_org_name: self.requester_org_name,
            source_org_id: None,
            tags: self.tags,
            status: self.status,
            priority: self.priority,
            created_at,
            updated_at,
        };
        match runtime::intake::implausible_dates(&incoming, Utc::now()) {
            Some(why) => Err(ApiError::Unprocessable(why)),
            None => Ok(incoming),
        }
    }
}

/// `POST /api/tickets`: an integration hands over one ticket. It is stored (source `api`,
/// keyed by `external_id`, so a repeat updates it) and queued for analysis when its text is
/// new. 201 when created, 200 when it existed.
#[utoipa::path(
    tag = "tickets",
    request_body = NewTicket,
    responses(
        (status = 201, body = dto::AcceptedTicket),
        (status = 200, body = dto::AcceptedTicket),
        (status = 400, body = dto::ErrorBody),
        (status = 401, body = dto::ErrorBody),
        (status = 403, body = dto::ErrorBody),
        (status = 413, body = dto::ErrorBody),
        (status = 422, body = dto::ErrorBody),
    ),
    security(("bearer" = ["write"]))
)]
#[post("/api/tickets", wrap = "crate::access::Authorize")]
#[tracing::instrument(skip_all)]
pub async fn create(
    state: web::Data<AppState>,
    body: super::params::Body<NewTicket>,
) -> Result<HttpResponse, ApiError> {
    let incoming = body.into_inner().into_incoming()?;
    let mut conn = state.pool.get().await?;
    let upserted = runtime::intake::accept(&mut conn, &state.queues, &incoming)
        .await
        .map_err(ApiError::Internal)?;
    let accepted = dto::AcceptedTicket {
        id: upserted.id.0,
        source: incoming.source.as_str().into(),
        source_id: incoming.source_id,
        created: upserted.created,
        queued_for_analysis: upserted.content_changed,
    };
    Ok(if upserted.created {
        HttpResponse::Created().json(accepted)
    } else {
        HttpResponse::Ok().json(accepted)
    })
}

/// A text to classify.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnalyzeRequest {
    subject: Option<String>,
    text: String,
}

/// The longest text `POST /api/analyze` classifies.
const MAX_ANALYZE_CHARS: usize = 50_000;
/// How long an analysis may take before the request gives up.
const ANALYZE_TIMEOUT: Duration = Duration::from_secs(60);

/// `POST /api/analyze`: the issues the configured analyzer finds in a text, validated against
/// the taxonomy. Nothing is stored.
#[utoipa::path(
    tag = "tickets",
    request_body = AnalyzeRequest,
    responses(
        (status = 200, body = dto::AnalyzeResult),
        (status = 400, body = dto::ErrorBody),
        (status = 401, body = dto::ErrorBody),
        (status = 403, body = dto::ErrorBody),
        (status = 413, body = dto::ErrorBody),
        (status = 422, body = dto::ErrorBody),
        (status = 503, body = dto::ErrorBody),
    ),
    security(("bearer" = ["write"]))
)]
#[post("/api/analyze", wrap = "crate::access::Authorize")]
#[tracing::instrument(skip_all)]
pub async fn analyze(
    state: web::Data<AppState>,
    body: super::params::Body<AnalyzeRequest>,
) -> Result<HttpResponse, ApiError> {
    let req = body.into_inner();
    if req.text.trim().is_empty() {
        return Err(ApiError::Unprocessable("text must not be empty".into()));
    }
    if req.text.chars().count() > MAX_ANALYZE_CHARS {
        return Err(ApiError::Unprocessable(format!(
            "text must be at most {MAX_ANALYZE_CHARS} characters"
        )));
    }
    check_len("subject", &req.subject, MAX_SUBJECT)?;
    let now = Utc::now();
    let ticket = IncomingTicket {
        source: SourceKind::Api,
        source_id: "adhoc".into(),
        subject: req.subject,
        description: Some(req.text),
        public_comments: None,
        internal_notes: None,
        requester_email: None,
        requester_org_name: None,
        source_org_id: None,
        tags: Vec::new(),
        status: None,
        priority: None,
        created_at: now,
        updated_at: now,
    };
    let outcome = tokio::time::timeout(ANALYZE_TIMEOUT, state.analyzer.analyze(&ticket))
        .await
        .map_err(|_| ApiError::Unavailable("the analyzer did not answer in time".into()))?
        .map_err(|e| match e {
            analysis::AnalyzerError::Transient(m) => ApiError::Unavailable(m),
            analysis::AnalyzerError::InvalidOutput(m) => {
                ApiError::Unavailable(format!("the analyzer returned invalid output: {m}"))
            }
            analysis::AnalyzerError::Permanent(m) => ApiError::Unprocessable(m),
        })?;
    let issues = outcome.validate(&state.taxonomy).map_err(|e| {
        ApiError::Unavailable(format!(
            "the analyzer's answer is outside the taxonomy: {e}"
        ))
    })?;
    Ok(HttpResponse::Ok().json(dto::AnalyzeResult {
        analyzer: state.analyzer.name().into(),
        model: state.analyzer.model().map(str::to_string),
        no_product_issue: outcome.no_product_issue,
        skip_reason: outcome.skip_reason,
        issues: issues
            .into_iter()
            .map(|i| dto::AnalyzedIssue {
                category: i.category,
                subcategory: i.subcategory,
                issue_type: i.issue_type.as_str().into(),
                severity: i.severity.as_str().into(),
                summary: i.summary,
                detail: i.detail,
                representative_quote: i.representative_quote,
                confidence: i.confidence,
            })
            .collect(),
    }))
}

/// `GET /api/ops/tickets/{id}/redaction-preview`: the user message the Claude analyzer would
/// send for this ticket, PII scrubbed, with a count of what was redacted. Admin only: it shows
/// the ticket's text.
#[utoipa::path(
    operation_id = "redaction_preview",
    tag = "operations",
    params(("id" = uuid::Uuid, Path, description = "Ticket id")),
    responses(
        (status = 200, body = dto::RedactionPreview),
        (status = 400, body = dto::ErrorBody),
        (status = 401, body = dto::ErrorBody),
        (status = 403, body = dto::ErrorBody),
        (status = 404, body = dto::ErrorBody),
    ),
    security(("bearer" = ["admin"]))
)]
#[get(
    "/api/ops/tickets/{id}/redaction-preview",
    wrap = "crate::access::Authorize"
)]
#[tracing::instrument(skip(state))]
pub async fn redaction_preview(
    state: web::Data<AppState>,
    id: web::Path<uuid::Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let mut conn = state.pool.get().await?;
    let t = ticket::find(&mut conn, domain::TicketId(id))
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no ticket {id}")))?;
    let user_prompt = analysis::claude::extraction_user_prompt(&t.to_incoming());
    Ok(HttpResponse::Ok().json(dto::RedactionPreview {
        ticket_id: id,
        redactions: placeholders(&user_prompt),
        user_prompt,
    }))
}

/// The `[KIND]` placeholders of a scrubbed text, counted by kind.
fn placeholders(text: &str) -> std::collections::BTreeMap<String, usize> {
    let mut counts = std::collections::BTreeMap::new();
    for piece in text.split('[').skip(1) {
        if let Some((kind, _)) = piece.split_once(']') {
            if !kind.is_empty() && kind.chars().all(|c| c.is_ascii_uppercase() || c == '_') {
                *counts.entry(kind.to_string()).or_insert(0) += 1;
            }
        }
    }
    counts
}
