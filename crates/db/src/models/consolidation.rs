//! What the clusterer's consolidation passes leave behind: how far the last pass saw (so
//! `api report --wait` knows when names and merges are current), and the merge suggestions it
//! records for a person to accept.

use diesel::prelude::*;
use diesel::sql_types::{
    Array, BigInt, Float, Integer, Nullable, Text, Timestamptz, Uuid as SqlUuid,
};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use domain::ClusterId;
use uuid::Uuid;

/// The mark a pass leaves: the highest centroid revision it saw.
const CONSOLIDATED_REV: &str = "consolidated_rev";

#[derive(QueryableByName)]
struct Rev {
    #[diesel(sql_type = Nullable<BigInt>)]
    rev: Option<i64>,
}

/// The highest centroid revision of any cluster (every placement, move and merge takes a new
/// one), 0 when there are none.
pub async fn latest_rev(conn: &mut AsyncPgConnection) -> QueryResult<i64> {
    let r: Rev = diesel::sql_query("SELECT max(centroid_rev) AS rev FROM issue_clusters")
        .get_result(conn)
        .await?;
    Ok(r.rev.unwrap_or(0))
}

/// Records that a pass finished having seen every change up to `rev`. Never moves the mark
/// back (two replicas' passes may finish in any order).
pub async fn mark_consolidated(conn: &mut AsyncPgConnection, rev: i64) -> QueryResult<()> {
    diesel::sql_query(
        "INSERT INTO clusterer_marks (name, value, at) VALUES ($1, $2, now())
         ON CONFLICT (name) DO UPDATE SET value = GREATEST(clusterer_marks.value, EXCLUDED.value),
             at = now()",
    )
    .bind::<Text, _>(CONSOLIDATED_REV)
    .bind::<BigInt, _>(rev)
    .execute(conn)
    .await?;
    Ok(())
}

/// Whether a consolidation pass has run since the last change to any centroid: merges, splits
/// and names are then current. True when no cluster has a centroid (the keyword method has
/// nothing to consolidate).
pub async fn is_current(conn: &mut AsyncPgConnection) -> QueryResult<bool> {
    #[derive(QueryableByName)]
    struct Current {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        current: bool,
    }
    let c: Current = diesel::sql_query(
        "SELECT NOT EXISTS (SELECT 1 FROM issue_clusters WHERE centroid_model IS NOT NULL)
             OR coalesce((SELECT value FROM clusterer_marks WHERE name = $1), -1)
                >= (SELECT coalesce(max(centroid_rev), 0) FROM issue_clusters) AS current",
    )
    .bind::<Text, _>(CONSOLIDATED_REV)
    .get_result(conn)
    .await?;
    Ok(c.current)
}

/// [`is_current`] on a connection of `pool`; false when it cannot be read (a caller waiting for
/// the pass simply asks again).
pub async fn is_current_in(pool: &crate::Pool) -> bool {
    match pool.get().await {
        Ok(mut conn) => is_current(&mut conn).await.unwrap_or(false),
        Err(_) => false,
    }
}

/// One suggested merge: two clusters of one subcategory and how alike they are (the average
/// similarity of their members).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Suggestion {
    pub a: ClusterId,
    pub b: ClusterId,
    pub similarity: f32,
}

/// Replaces the suggestions that involve the active clusters of one subcategory. Call under
/// the subcategory's advisory lock.
pub async fn replace_suggestions(
    conn: &mut AsyncPgConnection,
    category: &str,
    subcategory: &str,
    suggestions: &[Suggestion],
) -> QueryResult<()> {
    diesel::sql_query(
        "DELETE FROM cluster_merge_suggestions s USING issue_clusters c
         WHERE (c.id = s.cluster_a OR c.id = s.cluster_b)
           AND c.category = $1 AND c.subcategory = $2",
    )
    .bind::<Text, _>(category)
    .bind::<Text, _>(subcategory)
    .execute(conn)
    .await?;
    // One row per pair, the smaller id first; a pair listed twice keeps its last similarity.
    let mut pairs: std::collections::BTreeMap<(Uuid, Uuid), f32> = Default::default();
    for s in suggestions {
        let (a, b) = if s.a.0 < s.b.0 {
            (s.a.0, s.b.0)
        } else {
            (s.b.0, s.a.0)
        };
        if a != b {
            pairs.insert((a, b), s.similarity);
        }
    }
    if pairs.is_empty() {
        return Ok(());
    }
    let (a, b): (Vec<Uuid>, Vec<Uuid>) = pairs.keys().copied().unzip();
    let similarity: Vec<f32> = pairs.values().copied().collect();
    // One statement for the whole subcategory: a pass runs it under the subcategory's lock.
    diesel::sql_query(
        "INSERT INTO cluster_merge_suggestions (cluster_a, cluster_b, similarity)
         SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::real[])
         ON CONFLICT (cluster_a, cluster_b) DO UPDATE SET similarity = EXCLUDED.similarity,
             suggested_at = now()",
    )
    .bind::<Array<SqlUuid>, _>(a)
    .bind::<Array<SqlUuid>, _>(b)
    .bind::<Array<Float>, _>(similarity)
    .execute(conn)
    .await?;
    Ok(())
}

/// A cluster suggested as a merge partner of another, with what a person needs to decide.
#[derive(Debug, Clone, PartialEq, QueryableByName)]
pub struct SimilarCluster {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = Text)]
    pub cluster_name: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub cluster_summary: Option<String>,
    #[diesel(sql_type = Integer)]
    pub issue_count: i32,
    #[diesel(sql_type = Float)]
    pub similarity: f32,
    #[diesel(sql_type = Timestamptz)]
    pub suggested_at: chrono::DateTime<chrono::Utc>,
}

/// The active clusters suggested as merge partners of `cluster`, most alike first.
pub async fn similar_to(
    conn: &mut AsyncPgConnection,
    cluster: ClusterId,
    limit: i64,
) -> QueryResult<Vec<SimilarCluster>> {
    diesel::sql_query(
        "SELECT c.id, c.cluster_name, c.cluster_summary, c.issue_count, s.similarity,
                s.suggested_at
         FROM cluster_merge_suggestions s
         JOIN issue_clusters c
           ON c.id = CASE WHEN s.cluster_a = $1 THEN s.cluster_b ELSE s.cluster_a END
         WHERE (s.cluster_a = $1 OR s.cluster_b = $1) AND c.is_active
         ORDER BY s.similarity DESC, c.issue_count DESC, c.id
         LIMIT $2",
    )
    .bind::<SqlUuid, _>(cluster.0)
    .bind::<BigInt, _>(limit)
    .load(conn)
    .await
}
