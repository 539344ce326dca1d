//! What the API returns: JSON shapes kept apart from the database rows so either can change.

use chrono::{DateTime, Utc};
use db::models::{cluster::ClusterRow, issue::IssueWithTicket};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// `value` as a JSON body, ready to cache.
pub fn json_bytes(value: &impl Serialize) -> Result<bytes::Bytes, crate::ApiError> {
    serde_json::to_vec(value)
        .map(bytes::Bytes::from)
        .map_err(|e| crate::ApiError::Internal(e.into()))
}

/// A page of results with the numbers a client needs to page through them.
#[derive(Debug, Serialize, ToSchema)]
pub struct Paginated<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
    pub pages: i64,
}

impl<T> Paginated<T> {
    pub fn new(items: Vec<T>, total: i64, page: i64, per_page: i64) -> Self {
        Paginated {
            items,
            total,
            page,
            per_page,
            pages: (total + per_page - 1) / per_page,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Cluster {
    pub id: Uuid,
    pub category: String,
    pub subcategory: String,
    pub cluster_name: String,
    pub cluster_summary: Option<String>,
    pub issue_count: i32,
    pub unique_customers: i32,
    pub first_seen: Option<DateTime<Utc>>,
    pub last_seen: Option<DateTime<Utc>>,
    pub count_7d: i32,
    pub count_prior_7d: i32,
    /// Week-over-week change in percent; null when the prior week had no issues.
    pub trend_pct: Option<f64>,
    pub is_emerging: bool,
    pub is_active: bool,
    pub pm_status: String,
    pub pm_notes: Option<String>,
    pub stats_updated_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// A person named the cluster; automatic naming leaves the name alone.
    pub name_locked: bool,
    pub renamed_by: Option<String>,
    /// The cluster this one was merged into (it is then inactive).
    pub merged_into: Option<Uuid>,
}

impl From<ClusterRow> for Cluster {
    fn from(c: ClusterRow) -> Self {
        Cluster {
            id: c.id,
            category: c.category,
            subcategory: c.subcategory,
            cluster_name: c.cluster_name,
            cluster_summary: c.cluster_summary,
            issue_count: c.issue_count,
            unique_customers: c.unique_customers,
            first_seen: c.first_seen,
            last_seen: c.last_seen,
            count_7d: c.count_7d,
            count_prior_7d: c.count_prior_7d,
            trend_pct: c.trend_pct,
            is_emerging: c.is_emerging,
            is_active: c.is_active,
            pm_status: c.pm_status,
            pm_notes: c.pm_notes,
            stats_updated_at: c.stats_updated_at,
            created_at: c.created_at,
            updated_at: c.updated_at,
            name_locked: c.name_locked,
            renamed_by: c.renamed_by,
            merged_into: c.merged_into,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TicketRef {
    pub id: Uuid,
    pub source: String,
    pub source_id: String,
    pub subject: Option<String>,
    pub requester_org_name: Option<String>,
    pub created_at: DateTime<Utc>,
    /// A link to the ticket in its source system, when configured (Zendesk).
    pub url: Option<String>,
}

/// An issue with the ticket it came from.
#[derive(Debug, Serialize, ToSchema)]
pub struct Issue {
    #[serde(flatten)]
    pub issue: TicketIssue,
    pub ticket: TicketRef,
}

impl Issue {
    pub fn from_row(row: IssueWithTicket, url: Option<String>) -> Self {
        let ticket = TicketRef {
            id: row.issue.ticket_id,
            source: row.source,
            source_id: row.source_id,
            subject: row.subject,
            requester_org_name: row.requester_org_name,
            created_at: row.ticket_created_at,
            url,
        };
        Issue {
            issue: row.issue.into(),
            ticket,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ClusterTicket {
    pub id: Uuid,
    pub source: String,
    pub source_id: String,
    pub subject: Option<String>,
    pub requester_org_name: Option<String>,
    pub ticket_created_at: DateTime<Utc>,
    pub severity: String,
    pub url: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ClusterDetail {
    pub cluster: Cluster,
    pub issues: Vec<Issue>,
    pub tickets: Vec<ClusterTicket>,
}

/// A cluster the clusterer suggests merging with another: the two look like one problem
/// (average similarity of their members at least the suggestion threshold) but were kept
/// apart (below the merge threshold, or both shaped by a person).
#[derive(Debug, Serialize, ToSchema)]
pub struct SimilarCluster {
    pub id: uuid::Uuid,
    pub cluster_name: String,
    pub cluster_summary: Option<String>,
    pub issue_count: i32,
    /// Average cosine similarity between the two clusters' issues (0–1).
    pub similarity: f32,
    pub suggested_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SimilarClusters {
    pub items: Vec<SimilarCluster>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CountBy {
    pub key: String,
    pub count: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WeekCount {
    pub week_start: DateTime<Utc>,
    pub count: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Summary {
    pub days: i64,
    pub since: DateTime<Utc>,
    pub total_issues: i64,
    pub critical_count: i64,
    pub high_count: i64,
    pub medium_count: i64,
    pub low_count: i64,
    pub tickets: i64,
    pub tickets_without_issues: i64,
    pub by_severity: Vec<CountBy>,
    pub by_category: Vec<CountBy>,
    pub weekly_trend: Vec<WeekCount>,
    pub top_clusters: Vec<Cluster>,
    pub emerging_clusters: Vec<Cluster>,
}

/// An issue of one ticket (the ticket is the enclosing object, or `ticket` beside it in
/// [`Issue`]).
#[derive(Debug, Serialize, ToSchema)]
pub struct TicketIssue {
    pub id: Uuid,
    pub category: String,
    pub subcategory: String,
    pub issue_type: String,
    pub severity: String,
    pub summary: String,
    pub detail: Option<String>,
    pub representative_quote: Option<String>,
    pub confidence: Option<f64>,
    pub cluster_id: Option<Uuid>,
    pub analyzer: String,
    pub model: Option<String>,
    pub extracted_at: DateTime<Utc>,
    /// Who corrected the issue by hand (the API token's name), if anyone.
    pub corrected_by: Option<String>,
    pub corrected_at: Option<DateTime<Utc>>,
}

impl From<db::models::issue::IssueRow> for TicketIssue {
    fn from(i: db::models::issue::IssueRow) -> Self {
        TicketIssue {
            id: i.id,
            category: i.category,
            subcategory: i.subcategory,
            issue_type: i.issue_type,
            severity: i.severity,
            summary: i.summary,
            detail: i.detail,
            representative_quote: i.representative_quote,
            // f32 in the database; round so 0.92 does not print as 0.9200000166893005.
            confidence: i.confidence.map(|c| (f64::from(c) * 100.0).round() / 100.0),
            cluster_id: i.cluster_id,
            analyzer: i.analyzer,
            model: i.model,
            extracted_at: i.extracted_at,
            corrected_by: i.corrected_by,
            corrected_at: i.corrected_at,
        }
    }
}

/// What would be sent to Claude for a ticket: the user message of the extraction prompt,
/// after PII scrubbing (seed 004's redaction preview).
#[derive(Debug, Serialize, ToSchema)]
pub struct RedactionPreview {
    pub ticket_id: uuid::Uuid,
    /// The user message, exactly as the Claude analyzer builds it.
    pub user_prompt: String,
    /// Placeholders in it, by kind (`EMAIL`, `NAME`, `PHONE` …).
    pub redactions: std::collections::BTreeMap<String, usize>,
}

/// A ticket with the issues extracted from it.
#[derive(Debug, Serialize, ToSchema)]
pub struct TicketDetail {
    pub id: Uuid,
    pub source: String,
    pub source_id: String,
    pub subject: Option<String>,
    pub description: Option<String>,
    pub requester_org_name: Option<String>,
    pub tags: Vec<String>,
    pub status: Option<String>,
    pub priority: Option<String>,
    pub ticket_created_at: DateTime<Utc>,
    pub ticket_updated_at: DateTime<Utc>,
    pub analyzed_at: Option<DateTime<Utc>>,
    /// Whether the issues below come from the ticket's current text.
    pub analyzed: bool,
    pub analysis_error: Option<String>,
    pub url: Option<String>,
    pub issues: Vec<TicketIssue>,
}

/// What `POST /api/tickets` did.
#[derive(Debug, Serialize, ToSchema)]
pub struct AcceptedTicket {
    pub id: Uuid,
    pub source: String,
    pub source_id: String,
    /// The ticket was not stored before.
    pub created: bool,
    /// It was queued for analysis (new, or its text changed).
    pub queued_for_analysis: bool,
}

/// An issue found in a posted text (not stored).
#[derive(Debug, Serialize, ToSchema)]
pub struct AnalyzedIssue {
    pub category: String,
    pub subcategory: String,
    pub issue_type: String,
    pub severity: String,
    pub summary: String,
    pub detail: Option<String>,
    pub representative_quote: Option<String>,
    pub confidence: Option<f64>,
}

/// What `POST /api/analyze` found.
#[derive(Debug, Serialize, ToSchema)]
pub struct AnalyzeResult {
    pub analyzer: String,
    pub model: Option<String>,
    pub no_product_issue: bool,
    pub skip_reason: Option<String>,
    pub issues: Vec<AnalyzedIssue>,
}

/// What a merge did.
#[derive(Debug, Serialize, ToSchema)]
pub struct MergeResult {
    pub merged: Uuid,
    pub into: Cluster,
    pub moved_issues: usize,
}

/// The ingest side as operators see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct SyncStatus {
    pub source: String,
    /// The latest sync run, if any (running, interrupted or completed: see its `state`).
    pub last_run: Option<SyncRun>,
    /// The run in progress now (it holds the sync lock), with its cursor and progress so far.
    pub in_progress: Option<SyncRun>,
    /// Runs that stopped without completing (crash, error, shutdown), newest first, at most
    /// 20; the next run resumes from the newest stored cursor.
    pub interrupted: Vec<SyncRun>,
    /// Sync jobs waiting for the ingest service.
    pub queued: u64,
    pub running: u64,
    pub dead: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SyncRun {
    pub id: i32,
    /// `running`, `interrupted` or `completed`.
    pub state: String,
    pub cursor: Option<String>,
    pub last_ticket_updated_at: DateTime<Utc>,
    pub tickets_synced: i32,
    pub tickets_changed: i32,
    pub issues_extracted: i32,
    pub sync_started_at: DateTime<Utc>,
    pub sync_completed_at: Option<DateTime<Utc>>,
}

impl SyncRun {
    /// `run` in the given state.
    pub fn new(run: db::models::sync_state::SyncRun, state: &str) -> Self {
        SyncRun {
            id: run.id,
            state: state.into(),
            cursor: run.cursor,
            last_ticket_updated_at: run.last_ticket_updated_at,
            tickets_synced: run.tickets_synced,
            tickets_changed: run.tickets_changed,
            issues_extracted: run.issues_extracted,
            sync_started_at: run.sync_started_at,
            sync_completed_at: run.sync_completed_at,
        }
    }
}

/// A job was queued.
#[derive(Debug, Serialize, ToSchema)]
pub struct Queued {
    pub queued: bool,
    pub queue: String,
    pub message: String,
}

/// One queue's job counts.
#[derive(Debug, Serialize, ToSchema)]
pub struct QueueView {
    pub queue: String,
    /// Waiting to be fetched.
    pub pending: u64,
    /// Waiting for a later run time.
    pub scheduled: u64,
    pub running: u64,
    /// Failed and waiting for another attempt.
    pub failed: u64,
    pub done: u64,
    /// Given up on.
    pub dead: u64,
    pub workers: u64,
    /// Seconds the oldest pending job has waited.
    pub oldest_pending_secs: Option<u64>,
}

impl From<queue::QueueDepth> for QueueView {
    fn from(d: queue::QueueDepth) -> Self {
        QueueView {
            queue: d.queue,
            pending: d.pending,
            scheduled: d.scheduled,
            running: d.running,
            failed: d.failed,
            done: d.done,
            dead: d.dead,
            workers: d.workers,
            oldest_pending_secs: d.oldest_pending_secs,
        }
    }
}

/// One failed or dead job.
#[derive(Debug, Serialize, ToSchema)]
pub struct JobView {
    pub id: String,
    /// `failed` or `dead`.
    pub state: String,
    pub attempts: Option<u32>,
    pub status: Option<String>,
    pub error: Option<String>,
    #[schema(value_type = Object)]
    pub args: Option<serde_json::Value>,
    pub enqueued_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
}

impl From<queue::JobInfo> for JobView {
    fn from(j: queue::JobInfo) -> Self {
        let at = |secs: Option<u64>| secs.and_then(|s| DateTime::from_timestamp(s as i64, 0));
        JobView {
            id: j.id,
            state: match j.state {
                queue::JobState::Failed => "failed".into(),
                queue::JobState::Dead => "dead".into(),
            },
            attempts: j.attempts,
            status: j.status,
            error: j.error,
            args: j.args,
            enqueued_at: at(j.enqueued_at),
            finished_at: at(j.finished_at),
        }
    }
}

/// Characters of a dead letter's body shown in the list.
pub const BODY_PREVIEW_CHARS: usize = 500;

/// A dead letter as listed: what arrived, when, and why it could not become a ticket.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeadLetterSummary {
    pub id: i64,
    /// The channel it came in on: zendesk, slack, intercom, whatsapp.
    pub channel: String,
    pub received_at: DateTime<Utc>,
    /// Why it could not be normalized (the latest replay's reason, once replayed).
    pub error: String,
    /// The body's first characters.
    pub body_preview: String,
    pub body_bytes: usize,
    pub replay_count: i32,
    pub last_replayed_at: Option<DateTime<Utc>>,
    /// When a replay resolved it (stored its tickets, or found it is not a ticket).
    pub resolved_at: Option<DateTime<Utc>>,
    pub resolution: Option<String>,
}

impl From<db::models::dead_letter::DeadLetter> for DeadLetterSummary {
    fn from(d: db::models::dead_letter::DeadLetter) -> Self {
        DeadLetterSummary {
            id: d.id,
            channel: d.source,
            received_at: d.received_at,
            error: d.error,
            body_preview: d.body.chars().take(BODY_PREVIEW_CHARS).collect(),
            body_bytes: d.body.len(),
            replay_count: d.replay_count,
            last_replayed_at: d.last_replayed_at,
            resolved_at: d.resolved_at,
            resolution: d.resolution,
        }
    }
}

/// A dead letter whole: the listed fields, the body and the headers kept with it (content
/// type, delivery ids and timestamps; never signatures).
#[derive(Debug, Serialize, ToSchema)]
pub struct DeadLetter {
    #[serde(flatten)]
    pub summary: DeadLetterSummary,
    pub body: String,
    #[schema(value_type = Object)]
    pub headers: serde_json::Value,
}

impl From<db::models::dead_letter::DeadLetter> for DeadLetter {
    fn from(mut d: db::models::dead_letter::DeadLetter) -> Self {
        let body = std::mem::take(&mut d.body);
        let headers = std::mem::take(&mut d.headers);
        let mut summary = DeadLetterSummary::from(d);
        summary.body_preview = body.chars().take(BODY_PREVIEW_CHARS).collect();
        summary.body_bytes = body.len();
        DeadLetter {
            summary,
            body,
            headers,
        }
    }
}

/// What a replay did.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeadLetterReplay {
    pub resolved: bool,
    pub resolution: String,
    /// The tickets stored (none when the payload is not a ticket, or for Zendesk, whose
    /// ticket the queued sync brings).
    pub tickets: Vec<AcceptedTicket>,
    pub dead_letter: DeadLetterSummary,
}

/// The error body of every 4xx/5xx.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// A stable code: bad_request, unauthorized, forbidden, not_found, payload_too_large,
    /// unprocessable, conflict, too_many_requests, unavailable, internal.
    pub error: String,
    pub message: String,
}
