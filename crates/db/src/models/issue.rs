//! Extracted issues: written per ticket in one transaction by the analyzer, assigned to clusters
//! by the clusterer, listed and aggregated for the API.

use super::analysis_run::{NewRun, RunUsage};
use super::{like_pattern, Page, Paged};
use crate::schema::{analysis_runs, extracted_issues, tickets};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text, Timestamptz};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use domain::{ClusterId, IssueId, IssueType, Severity, TicketId, ValidatedIssue};
use std::collections::HashMap;
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
    /// Who last corrected the issue by hand (an API token's name), if anyone.
    pub corrected_by: Option<String>,
    pub corrected_at: Option<DateTime<Utc>>,
    /// A person placed the issue in its cluster (or out of every cluster): the clusterer
    /// never moves it.
    pub cluster_pinned: bool,
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
/// the same input leaves the same state. The run is recorded as free and started now (see
/// [`record_analysis_with_run`] for analyzers that report usage).
pub async fn record_analysis(
    conn: &mut AsyncPgConnection,
    ticket_id: TicketId,
    analyzed_hash: &str,
    issues: &[ValidatedIssue],
    provenance: Provenance<'_>,
) -> QueryResult<Recorded> {
    record_analysis_full(
        conn,
        ticket_id,
        analyzed_hash,
        issues,
        None,
        provenance,
        RunUsage::free(),
        Utc::now(),
    )
    .await
}

/// [`record_analysis`], also recording the run's token usage and cost (an `analysis_runs` row)
/// in the same transaction: a stored analysis always has its cost, and a failed one never
/// counts. A delivery of the same job twice records two runs, as both were paid for.
pub async fn record_analysis_with_run(
    conn: &mut AsyncPgConnection,
    ticket_id: TicketId,
    analyzed_hash: &str,
    issues: &[ValidatedIssue],
    provenance: Provenance<'_>,
    usage: RunUsage,
    started_at: DateTime<Utc>,
) -> QueryResult<Recorded> {
    record_analysis_full(
        conn,
        ticket_id,
        analyzed_hash,
        issues,
        None,
        provenance,
        usage,
        started_at,
    )
    .await
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
    record_analysis_full(
        conn,
        ticket_id,
        analyzed_hash,
        issues,
        embeddings,
        provenance,
        RunUsage::free(),
        Utc::now(),
    )
    .await
}

/// Everything an analysis writes, in one transaction: the issues (with their embeddings when
/// given), the ticket's `analyzed_at`/`analyzed_hash`, and the run's usage row.
#[allow(clippy::too_many_arguments)]
pub async fn record_analysis_full(
    conn: &mut AsyncPgConnection,
    ticket_id: TicketId,
    analyzed_hash: &str,
    issues: &[ValidatedIssue],
    embeddings: Option<Embeddings<'_>>,
    provenance: Provenance<'_>,
    usage: RunUsage,
    started_at: DateTime<Utc>,
) -> QueryResult<Recorded> {
    if let Some(e) = embeddings {
        if e.vectors.len() != issues.len() {
            return Err(diesel::result::Error::QueryBuilderError(
                format!("{} embeddings for {} issues", e.vectors.len(), issues.len()).into(),
            ));
        }
    }
    conn.transaction(async |conn| {
        // An offline analysis lost to a crash is redone by the analyzer's reconciler; one that
        // Claude was paid for is committed durably, so it is never paid for twice.
        if usage == RunUsage::free() {
            crate::relaxed_commit(conn).await?;
        }
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
        // Issues a person corrected are theirs: a re-analysis keeps them (labels, cluster,
        // id and audit trail) and only replaces what the analyzer alone produced.
        let old_clusters: Vec<Option<Uuid>> = diesel::delete(
            extracted_issues::table
                .filter(extracted_issues::ticket_id.eq(ticket_id.0))
                .filter(extracted_issues::corrected_by.is_null()),
        )
        .returning(extracted_issues::cluster_id)
        .get_results(conn)
        .await?;
        let covered = corrected_labels(conn, ticket_id).await?;
        let rows: Vec<NewIssue<'_>> = issues
            .iter()
            .enumerate()
            // A new finding in a subcategory a kept correction already covers (as corrected,
            // or as the analyzer first labelled it) is that same issue found again.
            .filter(|(_, i)| {
                !covered
                    .iter()
                    .any(|(c, s)| *c == i.category && *s == i.subcategory)
            })
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
        diesel::insert_into(analysis_runs::table)
            .values(&NewRun {
                ticket_id: ticket_id.0,
                analyzed_hash,
                analyzer: provenance.analyzer,
                model: provenance.model,
                input_tokens: usage.input_tokens,
                output_tokens: usage.output_tokens,
                cache_creation_input_tokens: usage.cache_creation_input_tokens,
                cache_read_input_tokens: usage.cache_read_input_tokens,
                batch: usage.batch,
                cost_usd: usage.cost_usd,
                issues: rows.len() as i32,
                outcome: if rows.is_empty() {
                    "no_product_issue"
                } else {
                    "issues"
                },
                started_at,
                error: None,
            })
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

/// The (category, subcategory) pairs the ticket's corrected issues cover: each one's current
/// labels and the labels the analyzer gave it before its first correction.
async fn corrected_labels(
    conn: &mut AsyncPgConnection,
    ticket_id: TicketId,
) -> QueryResult<Vec<(String, String)>> {
    use crate::schema::issue_corrections;
    let current: Vec<(Uuid, String, String)> = extracted_issues::table
        .filter(extracted_issues::ticket_id.eq(ticket_id.0))
        .filter(extracted_issues::corrected_by.is_not_null())
        .select((
            extracted_issues::id,
            extracted_issues::category,
            extracted_issues::subcategory,
        ))
        .load(conn)
        .await?;
    let ids: Vec<Uuid> = current.iter().map(|(id, _, _)| *id).collect();
    let befores: Vec<serde_json::Value> = issue_corrections::table
        .filter(issue_corrections::issue_id.eq_any(&ids))
        .select(issue_corrections::before)
        .load(conn)
        .await?;
    let mut labels: Vec<(String, String)> = current.into_iter().map(|(_, c, s)| (c, s)).collect();
    labels.extend(befores.iter().filter_map(|b| {
        Some((
            b["category"].as_str()?.to_string(),
            b["subcategory"].as_str()?.to_string(),
        ))
    }));
    labels.sort();
    labels.dedup();
    Ok(labels)
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

/// The ticket's issues the clusterer should place, oldest first: those without a cluster,
/// except the ones a person took out of their cluster.
pub async fn awaiting_cluster(
    conn: &mut AsyncPgConnection,
    ticket_id: TicketId,
) -> QueryResult<Vec<IssueRow>> {
    extracted_issues::table
        .filter(extracted_issues::ticket_id.eq(ticket_id.0))
        .filter(extracted_issues::cluster_id.is_null())
        .filter(diesel::dsl::sql::<diesel::sql_types::Bool>(
            NOT_UNCLUSTERED_BY_A_PERSON,
        ))
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
///
/// Raw SQL on purpose: diesel would prepare and cache this statement on the connection, and
/// after five executions PostgreSQL may switch it to a generic plan made once with the table
/// sizes of that moment. A clusterer started on an empty database (a fresh install, a backfill)
/// kept a plan made for an empty table: in the 10,000-ticket pipeline this primary-key lookup
/// scanned the whole issues table on every job (1,795 sequential scans reading 16.5 million
/// rows). A raw query is not cached, so each execution is planned for its own ids.
pub async fn embeddings(
    conn: &mut AsyncPgConnection,
    ids: &[IssueId],
) -> QueryResult<Vec<(IssueId, String, Vec<f32>)>> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Uuid)]
        id: Uuid,
        #[diesel(sql_type = diesel::sql_types::Text)]
        embedding_model: String,
        #[diesel(sql_type = diesel::sql_types::Array<diesel::sql_types::Float4>)]
        embedding: Vec<f32>,
    }
    let uuids: Vec<Uuid> = ids.iter().map(|i| i.0).collect();
    let rows: Vec<Row> = diesel::sql_query(
        "SELECT id, embedding_model, embedding FROM extracted_issues \
         WHERE id = ANY($1) AND embedding IS NOT NULL",
    )
    .bind::<diesel::sql_types::Array<diesel::sql_types::Uuid>, _>(uuids)
    .load(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (IssueId(r.id), r.embedding_model, r.embedding))
        .collect())
}

/// SQL condition on `extracted_issues`: no person took the issue out of a cluster (a
/// correction whose before had a cluster and whose after has none). Such an issue stays
/// unclustered: neither the clusterer nor its reconciler puts it back.
pub(crate) const NOT_UNCLUSTERED_BY_A_PERSON: &str =
    "(extracted_issues.corrected_by IS NULL OR NOT EXISTS (SELECT 1 FROM issue_corrections c \
      WHERE c.issue_id = extracted_issues.id AND c.before->>'cluster_id' IS NOT NULL \
        AND c.after->>'cluster_id' IS NULL))";

/// Tickets that have issues waiting for a cluster since before `before` (the reconciler's
/// question for the cluster queue).
pub async fn tickets_with_unclustered(
    conn: &mut AsyncPgConnection,
    before: DateTime<Utc>,
    limit: i64,
) -> QueryResult<Vec<TicketId>> {
    let ids: Vec<Uuid> = extracted_issues::table
        .filter(extracted_issues::cluster_id.is_null())
        .filter(diesel::dsl::sql::<diesel::sql_types::Bool>(
            NOT_UNCLUSTERED_BY_A_PERSON,
        ))
        .filter(extracted_issues::cluster_pinned.eq(false))
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
        // `search_text` is the three fields lower-cased by PostgreSQL (a generated column with
        // a trigram index): a LIKE of the lower-cased text is a case-insensitive search that
        // does not case-fold every row it checks.
        q = q.filter(extracted_issues::search_text.like(like_pattern(&text.to_lowercase())));
    }
    q
}

/// How `GET /api/issues` may sort.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IssueSort {
    /// The ticket's creation time (when the customer reported it).
    ReportedAt,
    ExtractedAt,
    /// Worst first when descending.
    Severity,
    Confidence,
    Category,
}

impl IssueSort {
    pub const ALL: &'static [(&'static str, IssueSort)] = &[
        ("reported_at", IssueSort::ReportedAt),
        ("extracted_at", IssueSort::ExtractedAt),
        ("severity", IssueSort::Severity),
        ("confidence", IssueSort::Confidence),
        ("category", IssueSort::Category),
    ];
}

/// Severity as a number that sorts low < medium < high < critical.
const SEVERITY_RANK: &str =
    "CASE extracted_issues.severity WHEN 'critical' THEN 4 WHEN 'high' THEN 3 \
     WHEN 'medium' THEN 2 ELSE 1 END";

/// One page of issues matching `filter`, newest reports first, with the total.
pub async fn list(
    conn: &mut AsyncPgConnection,
    filter: &IssueFilter,
    page: Page,
) -> QueryResult<Paged<IssueWithTicket>> {
    list_sorted(conn, filter, IssueSort::ReportedAt, true, page).await
}

/// One page of issues matching `filter` in the given order (ties broken by report time, then
/// id, so pages never overlap), with the total.
pub async fn list_sorted(
    conn: &mut AsyncPgConnection,
    filter: &IssueFilter,
    sort: IssueSort,
    descending: bool,
    page: Page,
) -> QueryResult<Paged<IssueWithTicket>> {
    use diesel::dsl::sql;
    use diesel::sql_types::Integer;
    use extracted_issues::dsl as i;
    let total: i64 = filtered(filter).count().get_result(conn).await?;
    let q = filtered(filter).inner_join(tickets::table);
    let q = match (sort, descending) {
        (IssueSort::ReportedAt, true) => q.order(tickets::ticket_created_at.desc()),
        (IssueSort::ReportedAt, false) => q.order(tickets::ticket_created_at.asc()),
        (IssueSort::ExtractedAt, true) => q.order(i::extracted_at.desc()),
        (IssueSort::ExtractedAt, false) => q.order(i::extracted_at.asc()),
        (IssueSort::Severity, true) => q.order(sql::<Integer>(SEVERITY_RANK).desc()),
        (IssueSort::Severity, false) => q.order(sql::<Integer>(SEVERITY_RANK).asc()),
        (IssueSort::Confidence, true) => q.order(i::confidence.desc().nulls_last()),
        (IssueSort::Confidence, false) => q.order(i::confidence.asc().nulls_last()),
        (IssueSort::Category, true) => q.order((i::category.desc(), i::subcategory.desc())),
        (IssueSort::Category, false) => q.order((i::category.asc(), i::subcategory.asc())),
    };
    let ids: Vec<Uuid> = q
        .then_order_by(tickets::ticket_created_at.desc())
        .then_order_by(i::id.asc())
        .limit(page.per_page)
        .offset(page.offset())
        .select(i::id)
        .load(conn)
        .await?;
    let mut items = with_tickets(conn, &ids).await?;
    items.sort_by_key(|i| ids.iter().position(|id| *id == i.issue.id));
    Ok(Paged { items, total })
}

/// The issues with these ids and their tickets (in no particular order).
async fn with_tickets(
    conn: &mut AsyncPgConnection,
    ids: &[Uuid],
) -> QueryResult<Vec<IssueWithTicket>> {
    let rows: Vec<(IssueRow, TicketColumns)> = extracted_issues::table
        .inner_join(tickets::table)
        .filter(extracted_issues::id.eq_any(ids))
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
    Ok(rows
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
        .collect())
}

/// Where an export chunk resumes: after the issue reported at this time with this id.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IssueCursor {
    pub reported_at: DateTime<Utc>,
    pub id: Uuid,
}

/// Up to `limit` issues matching `filter` after `after`, newest reports first (keyset
/// pagination: each chunk is an index range, however deep the export goes).
pub async fn export_chunk(
    conn: &mut AsyncPgConnection,
    filter: &IssueFilter,
    after: Option<IssueCursor>,
    limit: i64,
) -> QueryResult<Vec<IssueWithTicket>> {
    use diesel::dsl::sql;
    let mut q = filtered(filter).inner_join(tickets::table);
    if let Some(c) = after {
        q = q.filter(
            sql::<diesel::sql_types::Bool>("(tickets.ticket_created_at, extracted_issues.id) < (")
                .bind::<Timestamptz, _>(c.reported_at)
                .sql(", ")
                .bind::<diesel::sql_types::Uuid, _>(c.id)
                .sql(")"),
        );
    }
    let ids: Vec<Uuid> = q
        .order((
            tickets::ticket_created_at.desc(),
            extracted_issues::id.desc(),
        ))
        .limit(limit)
        .select(extracted_issues::id)
        .load(conn)
        .await?;
    let mut items = with_tickets(conn, &ids).await?;
    items.sort_by_key(|i| ids.iter().position(|id| *id == i.issue.id));
    Ok(items)
}

/// The issue with this id.
pub async fn find(conn: &mut AsyncPgConnection, id: IssueId) -> QueryResult<Option<IssueRow>> {
    extracted_issues::table
        .find(id.0)
        .select(IssueRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// A person's correction of an issue: the fields to change (None leaves a field alone).
/// Values must already be validated against the taxonomy.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Correction {
    pub category: Option<String>,
    pub subcategory: Option<String>,
    pub issue_type: Option<IssueType>,
    pub severity: Option<Severity>,
    /// `Some(None)` takes the issue out of its cluster.
    pub cluster_id: Option<Option<ClusterId>>,
}

/// What a correction did.
#[derive(Debug, Clone, PartialEq)]
pub enum Corrected {
    Done {
        issue: Box<IssueRow>,
        /// The issue's cluster before and after, when it moved.
        moved: Option<(Option<ClusterId>, Option<ClusterId>)>,
    },
    NoSuchIssue,
    NoSuchCluster,
}

fn correction_view(i: &IssueRow) -> serde_json::Value {
    serde_json::json!({
        "category": i.category,
        "subcategory": i.subcategory,
        "issue_type": i.issue_type,
        "severity": i.severity,
        "cluster_id": i.cluster_id,
    })
}

/// Applies a correction in one transaction: updates the issue, stamps who corrected it, writes
/// the before/after to `issue_corrections` and, when the issue moved between clusters,
/// recomputes both clusters' statistics as of `now`.
pub async fn correct(
    conn: &mut AsyncPgConnection,
    id: IssueId,
    correction: &Correction,
    corrected_by: &str,
    now: DateTime<Utc>,
) -> QueryResult<Corrected> {
    use crate::schema::{issue_clusters, issue_corrections};
    conn.transaction(async |conn| {
        let Some(before) = extracted_issues::table
            .find(id.0)
            .select(IssueRow::as_select())
            .for_update()
            .first(conn)
            .await
            .optional()?
        else {
            return Ok(Corrected::NoSuchIssue);
        };
        if let Some(Some(target)) = correction.cluster_id {
            let exists: i64 = issue_clusters::table
                .find(target.0)
                .count()
                .get_result(conn)
                .await?;
            if exists == 0 {
                return Ok(Corrected::NoSuchCluster);
            }
        }
        let new_cluster = correction
            .cluster_id
            .map_or(before.cluster_id, |c| c.map(|c| c.0));
        let after: IssueRow = diesel::update(extracted_issues::table.find(id.0))
            .set((
                extracted_issues::category
                    .eq(correction.category.as_deref().unwrap_or(&before.category)),
                extracted_issues::subcategory.eq(correction
                    .subcategory
                    .as_deref()
                    .unwrap_or(&before.subcategory)),
                extracted_issues::issue_type.eq(correction
                    .issue_type
                    .map_or(before.issue_type.as_str(), |t| t.as_str())),
                extracted_issues::severity.eq(correction
                    .severity
                    .map_or(before.severity.as_str(), |s| s.as_str())),
                extracted_issues::cluster_id.eq(new_cluster),
                // A person chose the cluster (or none): automatic passes never move it again.
                extracted_issues::cluster_pinned
                    .eq(before.cluster_pinned || correction.cluster_id.is_some()),
                extracted_issues::corrected_by.eq(corrected_by),
                extracted_issues::corrected_at.eq(now),
            ))
            .returning(IssueRow::as_returning())
            .get_result(conn)
            .await?;
        diesel::insert_into(issue_corrections::table)
            .values((
                issue_corrections::issue_id.eq(id.0),
                issue_corrections::ticket_id.eq(before.ticket_id),
                issue_corrections::corrected_by.eq(corrected_by),
                issue_corrections::corrected_at.eq(now),
                issue_corrections::before.eq(correction_view(&before)),
                issue_corrections::after.eq(correction_view(&after)),
            ))
            .execute(conn)
            .await?;
        let moved = (before.cluster_id != after.cluster_id).then(|| {
            (
                before.cluster_id.map(ClusterId),
                after.cluster_id.map(ClusterId),
            )
        });
        if let Some((from, to)) = moved {
            let touched: Vec<ClusterId> = from.into_iter().chain(to).collect();
            super::cluster::recompute_stats(conn, now, Some(&touched)).await?;
        }
        Ok(Corrected::Done {
            issue: Box::new(after),
            moved,
        })
    })
    .await
}

/// A correction as the audit trail holds it.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = crate::schema::issue_corrections)]
pub struct CorrectionRow {
    pub id: i64,
    pub issue_id: Uuid,
    pub ticket_id: Uuid,
    pub corrected_by: String,
    pub corrected_at: DateTime<Utc>,
    pub before: serde_json::Value,
    pub after: serde_json::Value,
}

/// The corrections of an issue, oldest first.
pub async fn corrections(
    conn: &mut AsyncPgConnection,
    id: IssueId,
) -> QueryResult<Vec<CorrectionRow>> {
    use crate::schema::issue_corrections;
    issue_corrections::table
        .filter(issue_corrections::issue_id.eq(id.0))
        .order(issue_corrections::id.asc())
        .select(CorrectionRow::as_select())
        .load(conn)
        .await
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
struct WeekStart {
    #[diesel(sql_type = Timestamptz)]
    week: DateTime<Utc>,
}

/// One row of the summary's grouping sets: exactly one of the keys is set.
#[derive(QueryableByName)]
struct GroupCount {
    #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
    severity: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
    category: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<Timestamptz>)]
    week: Option<DateTime<Utc>>,
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

/// Aggregates issues reported in `[since, now)` with SQL (no rows are loaded): one scan of the
/// period's issues grouped three ways (severity, category, week), one of its tickets.
pub async fn summary(
    conn: &mut AsyncPgConnection,
    since: DateTime<Utc>,
) -> QueryResult<IssueSummary> {
    let groups: Vec<GroupCount> = diesel::sql_query(
        "SELECT i.severity, i.category, \
                (date_trunc('week', t.ticket_created_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC') AS week, \
                COUNT(*) AS count \
         FROM extracted_issues i JOIN tickets t ON t.id = i.ticket_id \
         WHERE t.ticket_created_at >= $1 \
         GROUP BY GROUPING SETS ((i.severity), (i.category), (3))",
    )
    .bind::<Timestamptz, _>(since)
    .load(conn)
    .await?;
    // Every week of the period, empty ones included.
    let weeks: Vec<WeekStart> = diesel::sql_query(
        "SELECT (generate_series(date_trunc('week', $1 AT TIME ZONE 'UTC'), \
                                 date_trunc('week', NOW() AT TIME ZONE 'UTC'), \
                                 interval '1 week') AT TIME ZONE 'UTC') AS week",
    )
    .bind::<Timestamptz, _>(since)
    .load(conn)
    .await?;
    // Analyzed tickets without issues as an anti-join in WHERE (a NOT EXISTS inside
    // `COUNT(*) FILTER` is probed once per ticket: 3× slower at 100k tickets).
    let totals: TicketTotals = diesel::sql_query(
        "SELECT (SELECT COUNT(*) FROM tickets t WHERE t.ticket_created_at >= $1) AS tickets, \
                (SELECT COUNT(*) FROM tickets t \
                  WHERE t.ticket_created_at >= $1 AND t.analyzed_hash = t.content_hash \
                    AND NOT EXISTS (SELECT 1 FROM extracted_issues i WHERE i.ticket_id = t.id)) \
                AS without_issues",
    )
    .bind::<Timestamptz, _>(since)
    .get_result(conn)
    .await?;

    let mut severities: HashMap<String, i64> = HashMap::new();
    let mut categories: Vec<(String, i64)> = Vec::new();
    let mut weekly: HashMap<DateTime<Utc>, i64> = HashMap::new();
    for g in groups {
        match (g.severity, g.category, g.week) {
            (Some(s), _, _) => {
                severities.insert(s, g.count);
            }
            (_, Some(c), _) => categories.push((c, g.count)),
            (_, _, Some(w)) => {
                weekly.insert(w, g.count);
            }
            _ => {}
        }
    }
    categories.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let by_severity: Vec<(Severity, i64)> = Severity::ALL
        .iter()
        .map(|s| (*s, severities.get(s.as_str()).copied().unwrap_or(0)))
        .collect();
    Ok(IssueSummary {
        total: by_severity.iter().map(|(_, n)| n).sum(),
        by_severity,
        by_category: categories,
        weekly: weeks
            .into_iter()
            .map(|w| (w.week, weekly.get(&w.week).copied().unwrap_or(0)))
            .collect(),
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
