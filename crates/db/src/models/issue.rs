//! Extracted issues: written per ticket in one transaction by the analyzer, assigned to clusters
//! by the clusterer, listed and aggregated for the API.

use super::{like_pattern, Page, Paged};
use crate::schema::{extracted_issues, tickets};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text, Timestamptz};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use domain::{ClusterId, IssueId, IssueType, Severity, TicketId, ValidatedIssue};
use uuid::Uuid;

/// A stored issue.
#[derive(Debug, Clone, Queryable, Selectable, PartialEq)]
#[diesel(table_name = extracted_issues)]
pub struct IssueRow {
    pub id: Uuid,
    pub ticket_id: Uuid,
    pub category: String,
    pub subcategory: String,
    pub issue_type: String,
    pub severity: String,
    pub summary: String,
    pub detail: Option<String>,
    pub representative_quote: Option<String>,
    pub cluster_id: Option<Uuid>,
    pub confidence: Option<f32>,
    pub analyzer: String,
    pub model: Option<String>,
    pub extracted_at: DateTime<Utc>,
}

impl IssueRow {
    pub fn issue_id(&self) -> IssueId {
        IssueId(self.id)
    }
}

#[derive(Insertable)]
#[diesel(table_name = extracted_issues)]
struct NewIssue<'a> {
    ticket_id: Uuid,
    category: &'a str,
    subcategory: &'a str,
    issue_type: &'a str,
    severity: &'a str,
    summary: &'a str,
    detail: Option<&'a str>,
    representative_quote: Option<&'a str>,
    confidence: Option<f32>,
    analyzer: &'a str,
    model: Option<&'a str>,
    embedding: Option<&'a Vec<f32>>,
    embedding_model: Option<&'a str>,
}

/// Sentence embeddings of a set of issues, one per issue in the same order, and the model
/// that computed them (stored with each, so vectors of different models are never compared).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Embeddings<'a> {
    pub model: &'a str,
    pub vectors: &'a [Vec<f32>],
}

/// Which analyzer produced a set of issues.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Provenance<'a> {
    pub analyzer: &'a str,
    pub model: Option<&'a str>,
}

/// What recording an analysis did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recorded {
    /// The issues were written; these clusters lost issues of the ticket's earlier analysis and
    /// need their statistics recomputed.
    Written {
        issues: usize,
        touched_clusters: Vec<ClusterId>,
    },
    /// The ticket's text changed while it was analyzed; nothing was written (a newer job is
    /// on its way).
    Stale,
    /// The ticket no longer exists.
    Missing,
}

/// Replaces the ticket's issues with `issues` and marks the text with hash `analyzed_hash` as
/// analyzed — all in one transaction, so a ticket is never half-analyzed. Running it twice with
/// the same input leaves the same state.
pub async fn record_analysis(
    conn: &mut AsyncPgConnection,
    ticket_id: TicketId,
    analyzed_hash: &str,
    issues: &[ValidatedIssue],
    provenance: Provenance<'_>,
) -> QueryResult<Recorded> {
    record_analysis_with_embeddings(conn, ticket_id, analyzed_hash, issues, None, provenance).await
}

/// [`record_analysis`], storing each issue's embedding with it in the same transaction.
/// `embeddings` must hold exactly one vector per issue.
pub async fn record_analysis_with_embeddings(
    conn: &mut AsyncPgConnection,
    ticket_id: TicketId,
    analyzed_hash: &str,
    issues: &[ValidatedIssue],
    embeddings: Option<Embeddings<'_>>,
    provenance: Provenance<'_>,
) -> QueryResult<Recorded> {
    if let Some(e) = embeddings {
        if e.vectors.len() != issues.len() {
            return Err(diesel::result::Error::QueryBuilderError(
                format!("{} embeddings for {} issues", e.vectors.len(), issues.len()).into(),
            ));
        }
    }
    conn.transaction(async |conn| {
        let current: Option<String> = tickets::table
            .find(ticket_id.0)
            .select(tickets::content_hash)
            .for_update()
            .first(conn)
            .await
            .optional()?;
        match current {
            None => return Ok(Recorded::Missing),
            Some(hash) if hash != analyzed_hash => return Ok(Recorded::Stale),
            Some(_) => {}
        }
        let old_clusters: Vec<Option<Uuid>> = diesel::delete(
            extracted_issues::table.filter(extracted_issues::ticket_id.eq(ticket_id.0)),
        )
        .returning(extracted_issues::cluster_id)
        .get_results(conn)
        .await?;
        let rows: Vec<NewIssue<'_>> = issues
            .iter()
            .enumerate()
            .map(|(n, i)| NewIssue {
                ticket_id: ticket_id.0,
                category: &i.category,
                subcategory: &i.subcategory,
                issue_type: i.issue_type.as_str(),
                severity: i.severity.as_str(),
                summary: &i.summary,
                detail: i.detail.as_deref(),
                representative_quote: i.representative_quote.as_deref(),
                confidence: i.confidence.map(|c| c as f32),
                analyzer: provenance.analyzer,
                model: provenance.model,
                embedding: embeddings.map(|e| &e.vectors[n]),
                embedding_model: embeddings.map(|e| e.model),
            })
            .collect();
        diesel::insert_into(extracted_issues::table)
            .values(&rows)
            .execute(conn)
            .await?;
        diesel::update(tickets::table.find(ticket_id.0))
            .set((
                tickets::analyzed_at.eq(diesel::dsl::now),
                tickets::analyzed_hash.eq(analyzed_hash),
            ))
            .execute(conn)
            .await?;
        let mut touched: Vec<ClusterId> =
            old_clusters.into_iter().flatten().map(ClusterId).collect();
        touched.sort();
        touched.dedup();
        Ok(Recorded::Written {
            issues: rows.len(),
            touched_clusters: touched,
        })
    })
    .await
}

/// The ticket's issues, oldest first.
pub async fn for_ticket(
    conn: &mut AsyncPgConnection,
    ticket_id: TicketId,
) -> QueryResult<Vec<IssueRow>> {
    extracted_issues::table
        .filter(extracted_issues::ticket_id.eq(ticket_id.0))
        .order((
            extracted_issues::extracted_at.asc(),
            extracted_issues::id.asc(),
        ))
        .select(IssueRow::as_select())
        .load(conn)
        .await
}

/// The stored embeddings of these issues with the model that made them (issues without one
/// are left out), for the clusterer.
pub async fn embeddings(
    conn: &mut AsyncPgConnection,
    ids: &[IssueId],
) -> QueryResult<Vec<(IssueId, String, Vec<f32>)>> {
    let uuids: Vec<Uuid> = ids.iter().map(|i| i.0).collect();
    let rows: Vec<(Uuid, Option<String>, Option<Vec<f32>>)> = extracted_issues::table
        .filter(extracted_issues::id.eq_any(uuids))
        .filter(extracted_issues::embedding.is_not_null())
        .select((
            extracted_issues::id,
            extracted_issues::embedding_model,
            extracted_issues::embedding,
        ))
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, model, v)| Some((IssueId(id), model?, v?)))
        .collect())
}

/// Tickets that have issues waiting for a cluster since before `before` (the reconciler's
/// question for the cluster queue).
pub async fn tickets_with_unclustered(
    conn: &mut AsyncPgConnection,
    before: DateTime<Utc>,
    limit: i64,
) -> QueryResult<Vec<TicketId>> {
    let ids: Vec<Uuid> = extracted_issues::table
        .filter(extracted_issues::cluster_id.is_null())
        .filter(extracted_issues::extracted_at.lt(before))
        .select(extracted_issues::ticket_id)
        .distinct()
        .limit(limit)
        .load(conn)
        .await?;
    Ok(ids.into_iter().map(TicketId).collect())
}

/// Filters of `GET /api/issues` (seed 000).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IssueFilter {
    pub category: Option<String>,
    pub subcategory: Option<String>,
    pub issue_type: Option<IssueType>,
    /// Any of these severities; empty means all.
    pub severities: Vec<Severity>,
    pub cluster_id: Option<ClusterId>,
    /// Reported on or after (the ticket's creation time).
    pub start: Option<DateTime<Utc>>,
    /// Reported before.
    pub end: Option<DateTime<Utc>>,
    /// Case-insensitive text in the summary, detail or quote.
    pub search: Option<String>,
}

/// An issue with the ticket it came from, as the API lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct IssueWithTicket {
    pub issue: IssueRow,
    pub source: String,
    pub source_id: String,
    pub subject: Option<String>,
    pub requester_org_name: Option<String>,
    pub ticket_created_at: DateTime<Utc>,
}

/// The ticket columns listed with an issue: source, source id, subject, organization, created.
type TicketColumns = (
    String,
    String,
    Option<String>,
    Option<String>,
    DateTime<Utc>,
);

type IssueQuery<'a> = extracted_issues::BoxedQuery<'a, diesel::pg::Pg>;

fn filtered(filter: &IssueFilter) -> IssueQuery<'_> {
    let mut q = extracted_issues::table.into_boxed();
    if let Some(c) = &filter.category {
        q = q.filter(extracted_issues::category.eq(c));
    }
    if let Some(s) = &filter.subcategory {
        q = q.filter(extracted_issues::subcategory.eq(s));
    }
    if let Some(t) = filter.issue_type {
        q = q.filter(extracted_issues::issue_type.eq(t.as_str()));
    }
    if !filter.severities.is_empty() {
        let s: Vec<&str> = filter.severities.iter().map(|s| s.as_str()).collect();
        q = q.filter(extracted_issues::severity.eq_any(s));
    }
    if let Some(c) = filter.cluster_id {
        q = q.filter(extracted_issues::cluster_id.eq(c.0));
    }
    if filter.start.is_some() || filter.end.is_some() {
        let mut reported = tickets::table.select(tickets::id).into_boxed();
        if let Some(start) = filter.start {
            reported = reported.filter(tickets::ticket_created_at.ge(start));
        }
        if let Some(end) = filter.end {
            reported = reported.filter(tickets::ticket_created_at.lt(end));
        }
        q = q.filter(extracted_issues::ticket_id.eq_any(reported));
    }
    if let Some(text) = filter
        .search
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        let pattern = like_pattern(text);
        q = q.filter(
            extracted_issues::summary
                .ilike(pattern.clone())
                .or(extracted_issues::detail.ilike(pattern.clone()))
                .or(extracted_issues::representative_quote.ilike(pattern)),
        );
    }
    q
}

/// One page of issues matching `filter`, newest reports first, with the total.
pub async fn list(
    conn: &mut AsyncPgConnection,
    filter: &IssueFilter,
    page: Page,
) -> QueryResult<Paged<IssueWithTicket>> {
    let total: i64 = filtered(filter).count().get_result(conn).await?;
    let ids: Vec<Uuid> = filtered(filter)
        .inner_join(tickets::table)
        .order((
            tickets::ticket_created_at.desc(),
            extracted_issues::id.asc(),
        ))
        .limit(page.per_page)
        .offset(page.offset())
        .select(extracted_issues::id)
        .load(conn)
        .await?;
    let rows: Vec<(IssueRow, TicketColumns)> = extracted_issues::table
        .inner_join(tickets::table)
        .filter(extracted_issues::id.eq_any(&ids))
        .select((
            IssueRow::as_select(),
            (
                tickets::source,
                tickets::source_id,
                tickets::subject,
                tickets::requester_org_name,
                tickets::ticket_created_at,
            ),
        ))
        .load(conn)
        .await?;
    let mut items: Vec<IssueWithTicket> = rows
        .into_iter()
        .map(
            |(issue, (source, source_id, subject, org, created))| IssueWithTicket {
                issue,
                source,
                source_id,
                subject,
                requester_org_name: org,
                ticket_created_at: created,
            },
        )
        .collect();
    items.sort_by_key(|i| ids.iter().position(|id| *id == i.issue.id));
    Ok(Paged { items, total })
}

/// Issue counts over a period, for the dashboard's summary (seed 000).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct IssueSummary {
    pub total: i64,
    /// Every severity, worst first, zero counts included.
    pub by_severity: Vec<(Severity, i64)>,
    /// Categories with at least one issue, largest first.
    pub by_category: Vec<(String, i64)>,
    /// Issues per ISO week (Monday), oldest first, empty weeks included.
    pub weekly: Vec<(DateTime<Utc>, i64)>,
    pub tickets: i64,
    pub tickets_without_issues: i64,
}

#[derive(QueryableByName)]
struct KeyCount {
    #[diesel(sql_type = Text)]
    key: String,
    #[diesel(sql_type = BigInt)]
    count: i64,
}

#[derive(QueryableByName)]
struct WeekCount {
    #[diesel(sql_type = Timestamptz)]
    week: DateTime<Utc>,
    #[diesel(sql_type = BigInt)]
    count: i64,
}

#[derive(QueryableByName)]
struct TicketTotals {
    #[diesel(sql_type = BigInt)]
    tickets: i64,
    #[diesel(sql_type = BigInt)]
    without_issues: i64,
}

/// Aggregates issues reported in `[since, now)` with SQL (no rows are loaded).
pub async fn summary(
    conn: &mut AsyncPgConnection,
    since: DateTime<Utc>,
) -> QueryResult<IssueSummary> {
    const IN_PERIOD: &str = "FROM extracted_issues i JOIN tickets t ON t.id = i.ticket_id \
                             WHERE t.ticket_created_at >= $1";
    let severities: Vec<KeyCount> = diesel::sql_query(format!(
        "SELECT i.severity AS key, COUNT(*) AS count {IN_PERIOD} GROUP BY i.severity"
    ))
    .bind::<Timestamptz, _>(since)
    .load(conn)
    .await?;
    let categories: Vec<KeyCount> = diesel::sql_query(format!(
        "SELECT i.category AS key, COUNT(*) AS count {IN_PERIOD} GROUP BY i.category ORDER BY count DESC, key"
    ))
    .bind::<Timestamptz, _>(since)
    .load(conn)
    .await?;
    let weekly: Vec<WeekCount> = diesel::sql_query(format!(
        "WITH weeks AS (SELECT generate_series(date_trunc('week', $1 AT TIME ZONE 'UTC'), \
                                               date_trunc('week', NOW() AT TIME ZONE 'UTC'), \
                                               interval '1 week') AS week), \
              counts AS (SELECT date_trunc('week', t.ticket_created_at AT TIME ZONE 'UTC') AS week, \
                                COUNT(*) AS count {IN_PERIOD} GROUP BY 1) \
         SELECT (w.week AT TIME ZONE 'UTC') AS week, COALESCE(c.count, 0)::BIGINT AS count \
         FROM weeks w LEFT JOIN counts c ON c.week = w.week ORDER BY w.week"
    ))
    .bind::<Timestamptz, _>(since)
    .load(conn)
    .await?;
    let totals: TicketTotals = diesel::sql_query(
        "SELECT COUNT(*) AS tickets, \
                COUNT(*) FILTER (WHERE analyzed_hash = content_hash \
                    AND NOT EXISTS (SELECT 1 FROM extracted_issues i WHERE i.ticket_id = t.id)) AS without_issues \
         FROM tickets t WHERE t.ticket_created_at >= $1",
    )
    .bind::<Timestamptz, _>(since)
    .get_result(conn)
    .await?;

    let by_severity: Vec<(Severity, i64)> = Severity::ALL
        .iter()
        .map(|s| {
            let n = severities
                .iter()
                .find(|r| r.key == s.as_str())
                .map_or(0, |r| r.count);
            (*s, n)
        })
        .collect();
    Ok(IssueSummary {
        total: by_severity.iter().map(|(_, n)| n).sum(),
        by_severity,
        by_category: categories.into_iter().map(|r| (r.key, r.count)).collect(),
        weekly: weekly.into_iter().map(|w| (w.week, w.count)).collect(),
        tickets: totals.tickets,
        tickets_without_issues: totals.without_issues,
    })
}

/// Issue totals for pipeline progress.
pub async fn counts(conn: &mut AsyncPgConnection) -> QueryResult<(i64, i64)> {
    extracted_issues::table
        .select((
            diesel::dsl::count_star(),
            diesel::dsl::sql::<BigInt>("COUNT(*) FILTER (WHERE cluster_id IS NULL)"),
        ))
        .first(conn)
        .await
}
