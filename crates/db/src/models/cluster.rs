//! Issue clusters: created and grown by the clusterer, their statistics recomputed by SQL
//! aggregation, listed and curated through the API.

use super::{Page, Paged};
use crate::schema::{extracted_issues, issue_clusters};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, Bool, Float8, Int4, Nullable, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use domain::trend::{is_emerging, Trend};
use domain::{ClusterId, IssueId, PmStatus};
use uuid::Uuid;

/// A stored cluster.
#[derive(Debug, Clone, Queryable, Selectable, PartialEq)]
#[diesel(table_name = issue_clusters)]
pub struct ClusterRow {
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
    pub trend_pct: Option<f64>,
    pub is_emerging: bool,
    pub is_active: bool,
    pub pm_status: String,
    pub pm_notes: Option<String>,
    pub stats_updated_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// A person named the cluster: the clusterer must keep `cluster_name` as it is.
    pub name_locked: bool,
    pub renamed_by: Option<String>,
    /// Set when the cluster was merged into another (it is then inactive).
    pub merged_into: Option<Uuid>,
}

impl ClusterRow {
    pub fn cluster_id(&self) -> ClusterId {
        ClusterId(self.id)
    }
}

/// The active clusters of one subcategory, largest first.
pub async fn active_in(
    conn: &mut AsyncPgConnection,
    category: &str,
    subcategory: &str,
) -> QueryResult<Vec<ClusterRow>> {
    issue_clusters::table
        .filter(issue_clusters::category.eq(category))
        .filter(issue_clusters::subcategory.eq(subcategory))
        .filter(issue_clusters::is_active.eq(true))
        .order((
            issue_clusters::issue_count.desc(),
            issue_clusters::created_at.asc(),
        ))
        .select(ClusterRow::as_select())
        .load(conn)
        .await
}

/// Opens a cluster (with no issues yet).
pub async fn create(
    conn: &mut AsyncPgConnection,
    category: &str,
    subcategory: &str,
    name: &str,
) -> QueryResult<ClusterRow> {
    diesel::insert_into(issue_clusters::table)
        .values((
            issue_clusters::category.eq(category),
            issue_clusters::subcategory.eq(subcategory),
            issue_clusters::cluster_name.eq(domain::text::truncate_words(name, 200)),
        ))
        .returning(ClusterRow::as_returning())
        .get_result(conn)
        .await
}

/// Puts an unclustered issue into a cluster and keeps the cluster's count and first/last seen
/// current (the full statistics follow with [`recompute_stats`]). Returns false, changing
/// nothing, when the issue already has a cluster — so a repeated job cannot count it twice —
/// or when a person took it out of its cluster (`PATCH /api/issues/{id}` with
/// `cluster_id: null`), a decision the clusterer must not undo.
pub async fn assign(
    conn: &mut AsyncPgConnection,
    issue: IssueId,
    cluster: ClusterId,
    reported_at: DateTime<Utc>,
) -> QueryResult<bool> {
    let updated = diesel::update(
        extracted_issues::table
            .find(issue.0)
            .filter(extracted_issues::cluster_id.is_null())
            .filter(diesel::dsl::sql::<diesel::sql_types::Bool>(
                super::issue::NOT_UNCLUSTERED_BY_A_PERSON,
            )),
    )
    .set(extracted_issues::cluster_id.eq(cluster.0))
    .execute(conn)
    .await?;
    if updated == 0 {
        return Ok(false);
    }
    diesel::sql_query(
        "UPDATE issue_clusters SET issue_count = issue_count + 1, \
             first_seen = LEAST(first_seen, $2), last_seen = GREATEST(last_seen, $2), \
             updated_at = NOW() \
         WHERE id = $1",
    )
    .bind::<SqlUuid, _>(cluster.0)
    .bind::<Timestamptz, _>(reported_at)
    .execute(conn)
    .await?;
    Ok(true)
}

#[derive(QueryableByName)]
struct Aggregate {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    issue_count: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    unique_customers: i64,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    first_seen: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    last_seen: Option<DateTime<Utc>>,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    count_7d: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    count_prior_7d: i64,
}

/// Recomputes issue_count, unique_customers, first/last seen, the 7-day counts, trend and the
/// emerging flag of the given clusters (all clusters when `only` is `None`), as of `now`.
///
/// The counting is one SQL aggregation (no issue rows are loaded); the trend and the emerging
/// rule come from `domain::trend`, and one `UPDATE … FROM unnest(…)` writes the results back.
/// Returns the number of clusters updated.
pub async fn recompute_stats(
    conn: &mut AsyncPgConnection,
    now: DateTime<Utc>,
    only: Option<&[ClusterId]>,
) -> QueryResult<usize> {
    let ids: Option<Vec<Uuid>> = only.map(|ids| ids.iter().map(|c| c.0).collect());
    if ids.as_ref().is_some_and(Vec::is_empty) {
        return Ok(0);
    }
    // Reported time is the ticket's creation: a backfill of old tickets must not look like a
    // spike this week.
    let aggregates: Vec<Aggregate> = diesel::sql_query(
        "SELECT c.id, COUNT(i.id) AS issue_count, \
                COUNT(DISTINCT t.customer_key) AS unique_customers, \
                MIN(t.ticket_created_at) AS first_seen, MAX(t.ticket_created_at) AS last_seen, \
                COUNT(i.id) FILTER (WHERE t.ticket_created_at >= $1 - interval '7 days' \
                                      AND t.ticket_created_at < $1) AS count_7d, \
                COUNT(i.id) FILTER (WHERE t.ticket_created_at >= $1 - interval '14 days' \
                                      AND t.ticket_created_at < $1 - interval '7 days') AS count_prior_7d \
         FROM issue_clusters c \
         LEFT JOIN extracted_issues i ON i.cluster_id = c.id \
         LEFT JOIN tickets t ON t.id = i.ticket_id \
         WHERE ($2::uuid[] IS NULL OR c.id = ANY($2)) \
         GROUP BY c.id",
    )
    .bind::<Timestamptz, _>(now)
    .bind::<Nullable<Array<SqlUuid>>, _>(ids)
    .load(conn)
    .await?;
    if aggregates.is_empty() {
        return Ok(0);
    }

    let n = aggregates.len();
    let (mut id, mut count, mut customers, mut first, mut last) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    let (mut c7, mut p7, mut pct, mut emerging) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    for a in aggregates {
        let trend = Trend::from_counts(a.count_7d, a.count_prior_7d);
        id.push(a.id);
        count.push(a.issue_count as i32);
        customers.push(a.unique_customers as i32);
        first.push(a.first_seen);
        last.push(a.last_seen);
        c7.push(a.count_7d as i32);
        p7.push(a.count_prior_7d as i32);
        pct.push(trend.pct);
        emerging.push(is_emerging(a.first_seen, &trend, now));
    }
    diesel::sql_query(
        "UPDATE issue_clusters c SET issue_count = u.issue_count, unique_customers = u.customers, \
             first_seen = u.first_seen, last_seen = u.last_seen, count_7d = u.c7, count_prior_7d = u.p7, \
             trend_pct = u.pct, is_emerging = u.emerging, stats_updated_at = $10 \
         FROM unnest($1::uuid[], $2::int4[], $3::int4[], $4::timestamptz[], $5::timestamptz[], \
                     $6::int4[], $7::int4[], $8::float8[], $9::bool[]) \
              AS u(id, issue_count, customers, first_seen, last_seen, c7, p7, pct, emerging) \
         WHERE c.id = u.id",
    )
    .bind::<Array<SqlUuid>, _>(id)
    .bind::<Array<Int4>, _>(count)
    .bind::<Array<Int4>, _>(customers)
    .bind::<Array<Nullable<Timestamptz>>, _>(first)
    .bind::<Array<Nullable<Timestamptz>>, _>(last)
    .bind::<Array<Int4>, _>(c7)
    .bind::<Array<Int4>, _>(p7)
    .bind::<Array<Nullable<Float8>>, _>(pct)
    .bind::<Array<Bool>, _>(emerging)
    .bind::<Timestamptz, _>(now)
    .execute(conn)
    .await
}

/// How `GET /api/clusters` may sort.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClusterSort {
    IssueCount,
    UniqueCustomers,
    TrendPct,
    Count7d,
    LastSeen,
    FirstSeen,
    CreatedAt,
    Name,
}

impl ClusterSort {
    pub const ALL: &'static [(&'static str, ClusterSort)] = &[
        ("issue_count", ClusterSort::IssueCount),
        ("unique_customers", ClusterSort::UniqueCustomers),
        ("trend_pct", ClusterSort::TrendPct),
        ("count_7d", ClusterSort::Count7d),
        ("last_seen", ClusterSort::LastSeen),
        ("first_seen", ClusterSort::FirstSeen),
        ("created_at", ClusterSort::CreatedAt),
        ("cluster_name", ClusterSort::Name),
    ];
}

/// Filters of `GET /api/clusters`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ClusterFilter {
    pub category: Option<String>,
    pub subcategory: Option<String>,
    pub is_active: Option<bool>,
    pub pm_status: Option<PmStatus>,
    pub emerging: Option<bool>,
}

type ClusterQuery<'a> = issue_clusters::BoxedQuery<'a, diesel::pg::Pg>;

fn filtered(filter: &ClusterFilter) -> ClusterQuery<'_> {
    let mut q = issue_clusters::table.into_boxed();
    if let Some(c) = &filter.category {
        q = q.filter(issue_clusters::category.eq(c));
    }
    if let Some(s) = &filter.subcategory {
        q = q.filter(issue_clusters::subcategory.eq(s));
    }
    if let Some(a) = filter.is_active {
        q = q.filter(issue_clusters::is_active.eq(a));
    }
    if let Some(p) = filter.pm_status {
        q = q.filter(issue_clusters::pm_status.eq(p.as_str()));
    }
    if let Some(e) = filter.emerging {
        q = q.filter(issue_clusters::is_emerging.eq(e));
    }
    q
}

/// One page of clusters, sorted (`descending` or not) with a stable tie-break, with the total.
pub async fn list(
    conn: &mut AsyncPgConnection,
    filter: &ClusterFilter,
    sort: ClusterSort,
    descending: bool,
    page: Page,
) -> QueryResult<Paged<ClusterRow>> {
    use issue_clusters::dsl as c;
    let total: i64 = filtered(filter).count().get_result(conn).await?;
    let q = filtered(filter);
    let q = match (sort, descending) {
        (ClusterSort::IssueCount, true) => q.order(c::issue_count.desc()),
        (ClusterSort::IssueCount, false) => q.order(c::issue_count.asc()),
        (ClusterSort::UniqueCustomers, true) => q.order(c::unique_customers.desc()),
        (ClusterSort::UniqueCustomers, false) => q.order(c::unique_customers.asc()),
        (ClusterSort::TrendPct, true) => q.order(c::trend_pct.desc().nulls_last()),
        (ClusterSort::TrendPct, false) => q.order(c::trend_pct.asc().nulls_last()),
        (ClusterSort::Count7d, true) => q.order(c::count_7d.desc()),
        (ClusterSort::Count7d, false) => q.order(c::count_7d.asc()),
        (ClusterSort::LastSeen, true) => q.order(c::last_seen.desc().nulls_last()),
        (ClusterSort::LastSeen, false) => q.order(c::last_seen.asc().nulls_last()),
        (ClusterSort::FirstSeen, true) => q.order(c::first_seen.desc().nulls_last()),
        (ClusterSort::FirstSeen, false) => q.order(c::first_seen.asc().nulls_last()),
        (ClusterSort::CreatedAt, true) => q.order(c::created_at.desc()),
        (ClusterSort::CreatedAt, false) => q.order(c::created_at.asc()),
        (ClusterSort::Name, true) => q.order(c::cluster_name.desc()),
        (ClusterSort::Name, false) => q.order(c::cluster_name.asc()),
    };
    let items = q
        .then_order_by(c::issue_count.desc())
        .then_order_by(c::id.asc())
        .limit(page.per_page)
        .offset(page.offset())
        .select(ClusterRow::as_select())
        .load(conn)
        .await?;
    Ok(Paged { items, total })
}

/// The cluster with this id.
pub async fn find(conn: &mut AsyncPgConnection, id: ClusterId) -> QueryResult<Option<ClusterRow>> {
    issue_clusters::table
        .find(id.0)
        .select(ClusterRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// The largest active clusters.
pub async fn top(conn: &mut AsyncPgConnection, limit: i64) -> QueryResult<Vec<ClusterRow>> {
    issue_clusters::table
        .filter(issue_clusters::is_active.eq(true))
        .filter(issue_clusters::issue_count.gt(0))
        .order((
            issue_clusters::issue_count.desc(),
            issue_clusters::unique_customers.desc(),
            issue_clusters::id.asc(),
        ))
        .limit(limit)
        .select(ClusterRow::as_select())
        .load(conn)
        .await
}

/// Active clusters flagged emerging at the last stats run, fastest-growing first.
pub async fn emerging(conn: &mut AsyncPgConnection, limit: i64) -> QueryResult<Vec<ClusterRow>> {
    issue_clusters::table
        .filter(issue_clusters::is_active.eq(true))
        .filter(issue_clusters::is_emerging.eq(true))
        .order((issue_clusters::count_7d.desc(), issue_clusters::id.asc()))
        .limit(limit)
        .select(ClusterRow::as_select())
        .load(conn)
        .await
}

/// A ticket behind a cluster, for the cluster detail (seed 000's `tickets` list).
#[derive(Debug, Clone, PartialEq, QueryableByName)]
pub struct ClusterTicket {
    #[diesel(sql_type = SqlUuid)]
    pub ticket_id: Uuid,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub source: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub source_id: String,
    #[diesel(sql_type = Nullable<diesel::sql_types::Text>)]
    pub subject: Option<String>,
    #[diesel(sql_type = Nullable<diesel::sql_types::Text>)]
    pub requester_org_name: Option<String>,
    #[diesel(sql_type = Timestamptz)]
    pub ticket_created_at: DateTime<Utc>,
    /// The worst severity among the ticket's issues in this cluster.
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub severity: String,
}

/// The tickets whose issues are in the cluster, newest first, each once.
pub async fn tickets(
    conn: &mut AsyncPgConnection,
    id: ClusterId,
    limit: i64,
) -> QueryResult<Vec<ClusterTicket>> {
    let worst_first: Vec<&str> = domain::Severity::ALL.iter().map(|s| s.as_str()).collect();
    diesel::sql_query(
        "SELECT * FROM ( \
             SELECT DISTINCT ON (t.id) t.id AS ticket_id, t.source, t.source_id, t.subject, \
                    t.requester_org_name, t.ticket_created_at, i.severity \
             FROM extracted_issues i JOIN tickets t ON t.id = i.ticket_id \
             WHERE i.cluster_id = $1 \
             ORDER BY t.id, array_position($2::text[], i.severity::text)) x \
         ORDER BY ticket_created_at DESC, ticket_id LIMIT $3",
    )
    .bind::<SqlUuid, _>(id.0)
    .bind::<Array<diesel::sql_types::Text>, _>(worst_first)
    .bind::<diesel::sql_types::BigInt, _>(limit)
    .load(conn)
    .await
}

/// Cluster totals for pipeline progress: (clusters, active clusters).
pub async fn counts(conn: &mut AsyncPgConnection) -> QueryResult<(i64, i64)> {
    issue_clusters::table
        .select((
            diesel::dsl::count_star(),
            diesel::dsl::sql::<diesel::sql_types::BigInt>("COUNT(*) FILTER (WHERE is_active)"),
        ))
        .first(conn)
        .await
}

/// A person's edit of a cluster (None leaves a field alone). `pm_notes: Some(None)` clears
/// the notes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ClusterUpdate {
    pub pm_status: Option<PmStatus>,
    pub pm_notes: Option<Option<String>>,
    pub name: Option<String>,
    /// false closes the cluster: it takes no new issues (they open or join another cluster),
    /// keeps its own, and automatic passes never merge, split or reopen it. true reopens it.
    pub is_active: Option<bool>,
}

#[derive(AsChangeset)]
#[diesel(table_name = issue_clusters)]
struct ClusterChanges<'a> {
    pm_status: Option<&'a str>,
    pm_notes: Option<Option<&'a str>>,
    cluster_name: Option<&'a str>,
    name_locked: Option<bool>,
    renamed_by: Option<&'a str>,
    is_active: Option<bool>,
    updated_at: DateTime<Utc>,
}

/// What a person's edit did.
#[derive(Debug, Clone, PartialEq)]
pub enum Updated {
    Done(Box<ClusterRow>),
    NoSuchCluster,
    /// Reopening a cluster that was merged away (its issues live in the other cluster).
    Refused(String),
}

/// Applies a person's edit and records it in `cluster_events`. A new name locks the name, so
/// the clusterer's automatic naming never overwrites it.
pub async fn update(
    conn: &mut AsyncPgConnection,
    id: ClusterId,
    edit: &ClusterUpdate,
    actor: &str,
) -> QueryResult<Updated> {
    use diesel_async::AsyncConnection;
    conn.transaction(async |conn| {
        let Some(merged_into) = issue_clusters::table
            .find(id.0)
            .select(issue_clusters::merged_into)
            .for_update()
            .first::<Option<Uuid>>(conn)
            .await
            .optional()?
        else {
            return Ok(Updated::NoSuchCluster);
        };
        if let (Some(true), Some(into)) = (edit.is_active, merged_into) {
            return Ok(Updated::Refused(format!(
                "cluster {id} was merged into {into}; it cannot be reopened"
            )));
        }
        let changes = ClusterChanges {
            pm_status: edit.pm_status.map(|p| p.as_str()),
            pm_notes: edit.pm_notes.as_ref().map(|n| n.as_deref()),
            cluster_name: edit.name.as_deref(),
            name_locked: edit.name.as_ref().map(|_| true),
            renamed_by: edit.name.as_ref().map(|_| actor),
            is_active: edit.is_active,
            updated_at: Utc::now(),
        };
        let row = diesel::update(issue_clusters::table.find(id.0))
            .set(&changes)
            .returning(ClusterRow::as_returning())
            .get_result(conn)
            .await?;
        let detail = serde_json::json!({
            "pm_status": edit.pm_status.map(|p| p.as_str()),
            "pm_notes": edit.pm_notes,
            "name": edit.name,
            "is_active": edit.is_active,
        });
        record_event(conn, id, "updated", actor, detail).await?;
        Ok(Updated::Done(Box::new(row)))
    })
    .await
}

pub async fn record_event(
    conn: &mut AsyncPgConnection,
    id: ClusterId,
    kind: &str,
    actor: &str,
    detail: serde_json::Value,
) -> QueryResult<()> {
    use crate::schema::cluster_events;
    diesel::insert_into(cluster_events::table)
        .values((
            cluster_events::cluster_id.eq(id.0),
            cluster_events::kind.eq(kind),
            cluster_events::actor.eq(actor),
            cluster_events::detail.eq(detail),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// What a merge did.
#[derive(Debug, Clone, PartialEq)]
pub enum Merged {
    Done {
        into: Box<ClusterRow>,
        moved_issues: usize,
    },
    NoSuchSource,
    NoSuchTarget,
    /// Merging a cluster into itself, or into a cluster that was itself merged away.
    Refused(String),
}

/// Moves every issue of `source` into `into`, marks `source` inactive with `merged_into`,
/// recomputes both clusters' statistics as of `now` and records the merge on both clusters —
/// in one transaction. Merging across categories is allowed: a person decided they are one
/// problem, and the issues keep their own category.
pub async fn merge(
    conn: &mut AsyncPgConnection,
    source: ClusterId,
    into: ClusterId,
    actor: &str,
    now: DateTime<Utc>,
) -> QueryResult<Merged> {
    use diesel_async::AsyncConnection;
    if source == into {
        return Ok(Merged::Refused(
            "a cluster cannot be merged into itself".into(),
        ));
    }
    conn.transaction(async |conn| {
        // Lock both rows in a fixed order so two opposite merges cannot deadlock.
        let mut ids = [source.0, into.0];
        ids.sort();
        let locked: Vec<ClusterRow> = issue_clusters::table
            .filter(issue_clusters::id.eq_any(ids))
            .order(issue_clusters::id.asc())
            .select(ClusterRow::as_select())
            .for_update()
            .load(conn)
            .await?;
        let Some(src) = locked.iter().find(|c| c.id == source.0) else {
            return Ok(Merged::NoSuchSource);
        };
        let Some(target) = locked.iter().find(|c| c.id == into.0) else {
            return Ok(Merged::NoSuchTarget);
        };
        if let Some(m) = target.merged_into {
            return Ok(Merged::Refused(format!(
                "cluster {into} was merged into {m}; merge into that one"
            )));
        }
        if let Some(m) = src.merged_into {
            return Ok(Merged::Refused(format!(
                "cluster {source} was already merged into {m}"
            )));
        }
        let moved = diesel::update(
            extracted_issues::table.filter(extracted_issues::cluster_id.eq(source.0)),
        )
        .set(extracted_issues::cluster_id.eq(into.0))
        .execute(conn)
        .await?;
        diesel::update(issue_clusters::table.find(source.0))
            .set((
                issue_clusters::is_active.eq(false),
                issue_clusters::merged_into.eq(into.0),
                issue_clusters::updated_at.eq(now),
            ))
            .execute(conn)
            .await?;
        recompute_stats(conn, now, Some(&[source, into])).await?;
        record_event(
            conn,
            source,
            "merged_away",
            actor,
            serde_json::json!({ "into": into.0, "moved_issues": moved }),
        )
        .await?;
        record_event(
            conn,
            into,
            "merged_in",
            actor,
            serde_json::json!({ "from": source.0, "moved_issues": moved }),
        )
        .await?;
        let into_row = issue_clusters::table
            .find(into.0)
            .select(ClusterRow::as_select())
            .first(conn)
            .await?;
        Ok(Merged::Done {
            into: Box::new(into_row),
            moved_issues: moved,
        })
    })
    .await
}

/// An entry of a cluster's audit trail.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = crate::schema::cluster_events)]
pub struct ClusterEventRow {
    pub id: i64,
    pub cluster_id: Uuid,
    pub kind: String,
    pub actor: String,
    pub detail: serde_json::Value,
    pub created_at: DateTime<Utc>,
}

/// The cluster's audit trail, oldest first.
pub async fn events(
    conn: &mut AsyncPgConnection,
    id: ClusterId,
) -> QueryResult<Vec<ClusterEventRow>> {
    use crate::schema::cluster_events;
    cluster_events::table
        .filter(cluster_events::cluster_id.eq(id.0))
        .order(cluster_events::id.asc())
        .select(ClusterEventRow::as_select())
        .load(conn)
        .await
}

/// Up to `limit` clusters matching `filter` with an id after `after`, by id (keyset
/// pagination for the CSV export: stable while statistics change underneath).
pub async fn export_chunk(
    conn: &mut AsyncPgConnection,
    filter: &ClusterFilter,
    after: Option<Uuid>,
    limit: i64,
) -> QueryResult<Vec<ClusterRow>> {
    let mut q = filtered(filter);
    if let Some(after) = after {
        q = q.filter(issue_clusters::id.gt(after));
    }
    q.order(issue_clusters::id.asc())
        .limit(limit)
        .select(ClusterRow::as_select())
        .load(conn)
        .await
}
