//! Placing issues into clusters (the seed's approach, kept until the semantic clusterer
//! replaces it): within the issue's category/subcategory, the active cluster whose name shares
//! most of the summary's words, above the seed's threshold; otherwise a new cluster named after
//! the issue.

use db::models::{cluster, issue::IssueRow};
use diesel::sql_types::Text;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use domain::clustering::keyword_match;
use domain::{ClusterId, IssueId};

/// Longest cluster name made from an issue summary (seed: ≤ 100 characters).
const NAME_CHARS: usize = 100;

/// Assigns the given unclustered issues of one ticket; returns the clusters touched.
///
/// Each subcategory is handled in its own transaction holding a PostgreSQL advisory lock on
/// the subcategory, so two clusterer replicas cannot both open a cluster for the same new
/// problem. An issue clustered meanwhile (a duplicate job) is skipped, not counted twice.
pub async fn assign_issues(
    conn: &mut AsyncPgConnection,
    issues: &[IssueRow],
    reported_at: chrono::DateTime<chrono::Utc>,
) -> diesel::QueryResult<Vec<ClusterId>> {
    let mut groups: Vec<(&str, &str)> = issues
        .iter()
        .map(|i| (i.category.as_str(), i.subcategory.as_str()))
        .collect();
    groups.sort();
    groups.dedup();
    let mut touched = Vec::new();
    for (category, subcategory) in groups {
        let members: Vec<&IssueRow> = issues
            .iter()
            .filter(|i| i.category == category && i.subcategory == subcategory)
            .collect();
        let mut in_group = conn
            .transaction(async |conn| {
                diesel::sql_query("SELECT pg_advisory_xact_lock(hashtext($1))")
                    .bind::<Text, _>(format!("cluster:{category}/{subcategory}"))
                    .execute(conn)
                    .await?;
                let mut clusters = cluster::active_in(conn, category, subcategory).await?;
                let mut touched = Vec::new();
                for issue in members {
                    let names = clusters.iter().map(|c| c.cluster_name.as_str());
                    let target = match keyword_match(&issue.summary, names) {
                        Some(i) => clusters[i].cluster_id(),
                        None => {
                            let name = domain::text::truncate_words(&issue.summary, NAME_CHARS);
                            let created =
                                cluster::create(conn, category, subcategory, &name).await?;
                            let id = created.cluster_id();
                            clusters.push(created);
                            id
                        }
                    };
                    if cluster::assign(conn, IssueId(issue.id), target, reported_at).await? {
                        touched.push(target);
                    }
                }
                Ok::<_, diesel::result::Error>(touched)
            })
            .await?;
        touched.append(&mut in_group);
    }
    touched.sort();
    touched.dedup();
    Ok(touched)
}
