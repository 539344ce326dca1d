//! What the semantic clusterer reads and writes besides [`super::cluster`]: each active
//! cluster's centroid (the sum of its members' embeddings and their count, kept exact by the
//! triggers of migration `2026-11-30-060200_cluster_centroids`), whether a person curated it,
//! its automatic name's provenance, and the moves that consolidation and splitting make.

use crate::schema::{extracted_issues, issue_clusters};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::Text;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use domain::{ClusterId, IssueId};
use uuid::Uuid;

/// An active cluster as the clusterer sees it.
#[derive(Debug, Clone, PartialEq, Queryable)]
pub struct ClusterState {
    pub id: Uuid,
    pub cluster_name: String,
    pub created_at: DateTime<Utc>,
    pub issue_count: i32,
    pub centroid_sum: Option<Vec<f32>>,
    pub centroid_count: i32,
    pub centroid_model: Option<String>,
    pub name_locked: bool,
    pub name_terms: Vec<String>,
    pub named_from: i32,
    /// A person shaped it: renamed it, gave it a PM status other than `new` or notes, or
    /// moved an issue into it. Consolidation never absorbs such a cluster into another.
    pub curated: bool,
}

impl ClusterState {
    pub fn cluster_id(&self) -> ClusterId {
        ClusterId(self.id)
    }
}

/// SQL for [`ClusterState::curated`].
const CURATED: &str = "(issue_clusters.name_locked OR issue_clusters.pm_status <> 'new' \
     OR issue_clusters.pm_notes IS NOT NULL OR EXISTS (SELECT 1 FROM extracted_issues p \
     WHERE p.cluster_id = issue_clusters.id AND p.cluster_pinned))";

/// Takes the subcategory's advisory lock until the end of the current transaction: one
/// clusterer (job or scheduled pass, on any replica) changes a subcategory's clusters at a
/// time, so two replicas never open two clusters for the same new problem.
pub async fn lock_subcategory(
    conn: &mut AsyncPgConnection,
    category: &str,
    subcategory: &str,
) -> QueryResult<()> {
    diesel::sql_query("SELECT pg_advisory_xact_lock($1, hashtext($2))")
        .bind::<diesel::sql_types::Integer, _>(crate::locks::SUBCATEGORY_SPACE)
        .bind::<Text, _>(format!("cluster:{category}/{subcategory}"))
        .execute(conn)
        .await?;
    Ok(())
}

/// The active clusters of one subcategory, oldest first (on equal size the older cluster
/// survives a merge): the rows [`active_states`] and [`placement_heads`] read.
fn active_in<'a>(
    category: &'a str,
    subcategory: &'a str,
) -> issue_clusters::BoxedQuery<'a, diesel::pg::Pg> {
    issue_clusters::table
        .filter(issue_clusters::category.eq(category))
        .filter(issue_clusters::subcategory.eq(subcategory))
        .filter(issue_clusters::is_active.eq(true))
        .order((issue_clusters::created_at.asc(), issue_clusters::id.asc()))
        .into_boxed()
}

/// The active clusters of one subcategory, in [`active_in`]'s order, with all the clusterer
/// knows of them.
pub async fn active_states(
    conn: &mut AsyncPgConnection,
    category: &str,
    subcategory: &str,
) -> QueryResult<Vec<ClusterState>> {
    active_in(category, subcategory)
        .select((
            issue_clusters::id,
            issue_clusters::cluster_name,
            issue_clusters::created_at,
            issue_clusters::issue_count,
            issue_clusters::centroid_sum,
            issue_clusters::centroid_count,
            issue_clusters::centroid_model,
            issue_clusters::name_locked,
            issue_clusters::name_terms,
            issue_clusters::named_from,
            diesel::dsl::sql::<diesel::sql_types::Bool>(CURATED),
        ))
        .load(conn)
        .await
}

/// What placing a new issue needs of an active cluster, besides its centroid: read on every
/// clusterer job, so it is small (no curation probe, no naming fields, no vector).
#[derive(Debug, Clone, PartialEq, Queryable)]
pub struct PlacementHead {
    pub id: Uuid,
    pub cluster_name: String,
    pub issue_count: i32,
    /// Changes whenever the centroid does (see migration `2026-11-30-120000_centroid_rev`).
    pub centroid_rev: i64,
}

/// The active clusters of one subcategory for placement, in [`active_states`]' order.
pub async fn placement_heads(
    conn: &mut AsyncPgConnection,
    category: &str,
    subcategory: &str,
) -> QueryResult<Vec<PlacementHead>> {
    active_in(category, subcategory)
        .select((
            issue_clusters::id,
            issue_clusters::cluster_name,
            issue_clusters::issue_count,
            issue_clusters::centroid_rev,
        ))
        .load(conn)
        .await
}

/// A cluster's centroid as of `rev`.
#[derive(Debug, Clone, PartialEq, Queryable)]
pub struct CentroidRow {
    pub id: Uuid,
    pub centroid_rev: i64,
    pub centroid_sum: Option<Vec<f32>>,
    pub centroid_count: i32,
    pub centroid_model: Option<String>,
}

/// The centroids of the given clusters (in no particular order; unknown ids are left out).
pub async fn centroids(
    conn: &mut AsyncPgConnection,
    ids: &[Uuid],
) -> QueryResult<Vec<CentroidRow>> {
    issue_clusters::table
        .filter(issue_clusters::id.eq_any(ids))
        .select((
            issue_clusters::id,
            issue_clusters::centroid_rev,
            issue_clusters::centroid_sum,
            issue_clusters::centroid_count,
            issue_clusters::centroid_model,
        ))
        .load(conn)
        .await
}

/// The (category, subcategory) pairs that have active clusters.
pub async fn active_subcategories(
    conn: &mut AsyncPgConnection,
) -> QueryResult<Vec<(String, String)>> {
    issue_clusters::table
        .filter(issue_clusters::is_active.eq(true))
        .select((issue_clusters::category, issue_clusters::subcategory))
        .distinct()
        .order((issue_clusters::category, issue_clusters::subcategory))
        .load(conn)
        .await
}

/// Stores an embedding for an issue that has none (an issue from an analyzer that ran
/// without the model). Returns false when the issue already has one.
pub async fn set_embedding(
    conn: &mut AsyncPgConnection,
    issue: IssueId,
    model: &str,
    vector: &[f32],
) -> QueryResult<bool> {
    let n = diesel::update(
        extracted_issues::table
            .find(issue.0)
            .filter(extracted_issues::embedding.is_null()),
    )
    .set((
        extracted_issues::embedding.eq(vector.to_vec()),
        extracted_issues::embedding_model.eq(model),
    ))
    .execute(conn)
    .await?;
    Ok(n == 1)
}

/// A member of a cluster, for naming and splitting.
#[derive(Debug, Clone, PartialEq, Queryable)]
pub struct Member {
    pub id: Uuid,
    pub summary: String,
    pub representative_quote: Option<String>,
    pub embedding: Option<Vec<f32>>,
    pub embedding_model: Option<String>,
    pub pinned: bool,
}

/// Up to `limit` members of a cluster, most recently extracted first.
pub async fn members(
    conn: &mut AsyncPgConnection,
    cluster: ClusterId,
    limit: i64,
) -> QueryResult<Vec<Member>> {
    extracted_issues::table
        .filter(extracted_issues::cluster_id.eq(cluster.0))
        .order((
            extracted_issues::extracted_at.desc(),
            extracted_issues::id.asc(),
        ))
        .limit(limit)
        .select((
            extracted_issues::id,
            extracted_issues::summary,
            extracted_issues::representative_quote,
            extracted_issues::embedding,
            extracted_issues::embedding_model,
            extracted_issues::cluster_pinned,
        ))
        .load(conn)
        .await
}

/// Moves issues into `to`, except pinned ones (a person placed those); returns how many
/// moved.
pub async fn move_unpinned(
    conn: &mut AsyncPgConnection,
    issues: &[IssueId],
    to: ClusterId,
) -> QueryResult<usize> {
    let ids: Vec<Uuid> = issues.iter().map(|i| i.0).collect();
    diesel::update(
        extracted_issues::table
            .filter(extracted_issues::id.eq_any(ids))
            .filter(extracted_issues::cluster_pinned.eq(false)),
    )
    .set(extracted_issues::cluster_id.eq(to.0))
    .execute(conn)
    .await
}

/// An automatic name.
#[derive(Debug, Clone, PartialEq)]
pub struct AutoName<'a> {
    pub name: &'a str,
    pub summary: &'a str,
    /// The distinctive terms it was made from.
    pub terms: &'a [String],
    /// The cluster's size when named.
    pub named_from: i32,
}

/// Writes an automatic name unless a person named the cluster (`name_locked`): automatic
/// naming never overrides a person's name. Returns whether the name was written.
pub async fn set_auto_name(
    conn: &mut AsyncPgConnection,
    cluster: ClusterId,
    name: &AutoName<'_>,
    now: DateTime<Utc>,
) -> QueryResult<bool> {
    let n = diesel::update(
        issue_clusters::table
            .find(cluster.0)
            .filter(issue_clusters::name_locked.eq(false)),
    )
    .set((
        issue_clusters::cluster_name.eq(domain::text::truncate_words(name.name, 200)),
        issue_clusters::cluster_summary.eq(name.summary),
        issue_clusters::name_terms.eq(name.terms),
        issue_clusters::named_from.eq(name.named_from),
        issue_clusters::named_at.eq(now),
        issue_clusters::updated_at.eq(now),
    ))
    .execute(conn)
    .await?;
    Ok(n == 1)
}

#[derive(QueryableByName)]
struct ClusterSummary {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    cluster_id: Uuid,
    #[diesel(sql_type = Text)]
    summary: String,
}

/// The summaries of the subcategory's active clusters, at most `per_cluster` (the most
/// recent) of each — what the distinctive terms of each cluster are computed from.
pub async fn active_summaries(
    conn: &mut AsyncPgConnection,
    category: &str,
    subcategory: &str,
    per_cluster: i64,
) -> QueryResult<Vec<(Uuid, String)>> {
    let rows: Vec<ClusterSummary> = diesel::sql_query(
        "SELECT cluster_id, summary FROM ( \
             SELECT i.cluster_id, i.summary, row_number() OVER \
                    (PARTITION BY i.cluster_id ORDER BY i.extracted_at DESC, i.id) AS rn \
             FROM extracted_issues i JOIN issue_clusters c ON c.id = i.cluster_id \
             WHERE c.is_active AND c.category = $1 AND c.subcategory = $2) x \
         WHERE rn <= $3",
    )
    .bind::<Text, _>(category)
    .bind::<Text, _>(subcategory)
    .bind::<diesel::sql_types::BigInt, _>(per_cluster)
    .load(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.cluster_id, r.summary))
        .collect())
}
