//! What the API returns: JSON shapes kept apart from the database rows so either can change.

use chrono::{DateTime, Utc};
use db::models::{cluster::ClusterRow, issue::IssueWithTicket};
use serde::Serialize;
use uuid::Uuid;

/// A page of results with the numbers a client needs to page through them.
#[derive(Debug, Serialize)]
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

#[derive(Debug, Serialize)]
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
        }
    }
}

#[derive(Debug, Serialize)]
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

#[derive(Debug, Serialize)]
pub struct Issue {
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
    pub ticket: TicketRef,
}

impl Issue {
    pub fn from_row(row: IssueWithTicket, url: Option<String>) -> Self {
        let i = row.issue;
        Issue {
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
            ticket: TicketRef {
                id: i.ticket_id,
                source: row.source,
                source_id: row.source_id,
                subject: row.subject,
                requester_org_name: row.requester_org_name,
                created_at: row.ticket_created_at,
                url,
            },
        }
    }
}

#[derive(Debug, Serialize)]
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

#[derive(Debug, Serialize)]
pub struct ClusterDetail {
    pub cluster: Cluster,
    pub issues: Vec<Issue>,
    pub tickets: Vec<ClusterTicket>,
}

#[derive(Debug, Serialize)]
pub struct CountBy {
    pub key: String,
    pub count: i64,
}

#[derive(Debug, Serialize)]
pub struct WeekCount {
    pub week_start: DateTime<Utc>,
    pub count: i64,
}

#[derive(Debug, Serialize)]
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
