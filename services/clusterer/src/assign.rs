//! Placing new issues into clusters, one subcategory at a time under its advisory lock.
//!
//! Two methods (`CLUSTERER_METHOD`):
//! - `embeddings` (default): the issue joins the active cluster of its subcategory whose mean
//!   direction is most similar to the issue's embedding, when the cosine clears the join
//!   threshold; otherwise it opens a cluster named after it. Centroids are sums kept by the
//!   database, so no member is ever reloaded.
//! - `keywords`: the seed's keyword-overlap matcher, kept only so it can be measured side by
//!   side: the active cluster whose name shares most of the summary's words, above the seed's
//!   threshold. Issues without an embedding (no model anywhere) are placed this way too.

use clustering::Centroid;
use db::models::{centroid, cluster, issue::IssueRow};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use domain::clustering::keyword_match;
use domain::{ClusterId, IssueId};
use std::collections::HashMap;

/// Longest cluster name made from an issue summary (seed: ≤ 100 characters).
pub(crate) const NAME_CHARS: usize = clustering::naming::NAME_CHARS;

/// How issues are placed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Method {
    #[default]
    Embeddings,
    Keywords,
}

impl std::str::FromStr for Method {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "embeddings" => Ok(Method::Embeddings),
            "keywords" => Ok(Method::Keywords),
            other => Err(format!(
                "CLUSTERER_METHOD must be `embeddings` or `keywords`, not `{other}`"
            )),
        }
    }
}

/// What placement needs besides the issues.
#[derive(Debug, Clone, Copy)]
pub struct Placement<'a> {
    pub method: Method,
    /// Cosine to a cluster's mean direction needed to join it.
    pub join: f32,
    /// The model whose vectors are compared (vectors of another model are ignored).
    pub model: &'a str,
    /// The issues' embeddings (those that have one).
    pub vectors: &'a HashMap<IssueId, Vec<f32>>,
}

/// An active cluster during placement: its id, name and (when it has members with vectors of
/// the model) its centroid and mean direction.
struct Open {
    id: ClusterId,
    name: String,
    issue_count: i32,
    centroid: Option<Centroid>,
    direction: Vec<f32>,
}

impl Open {
    fn add(&mut self, v: &[f32]) {
        let c = self.centroid.get_or_insert_with(Centroid::default);
        c.add(v);
        self.direction = c.direction();
    }
}

/// Assigns the given unclustered issues of one ticket; returns the clusters touched.
///
/// Each subcategory is handled in its own transaction holding a PostgreSQL advisory lock on
/// the subcategory, so two clusterer replicas cannot both open a cluster for the same new
/// problem. An issue clustered meanwhile (a duplicate job) is skipped, not counted twice.
pub async fn assign_issues(
    conn: &mut AsyncPgConnection,
    issues: &[IssueRow],
    reported_at: chrono::DateTime<chrono::Utc>,
    placement: Placement<'_>,
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
                centroid::lock_subcategory(conn, category, subcategory).await?;
                let mut open: Vec<Open> = centroid::placement_states(conn, category, subcategory)
                    .await?
                    .into_iter()
                    .map(|s| {
                        let centroid = (s.centroid_model.as_deref() == Some(placement.model))
                            .then(|| {
                                Centroid::from_parts(
                                    s.centroid_sum.unwrap_or_default(),
                                    s.centroid_count.max(0) as u32,
                                )
                            })
                            .flatten();
                        let direction = centroid.as_ref().map(Centroid::direction);
                        Open {
                            id: ClusterId(s.id),
                            name: s.cluster_name,
                            issue_count: s.issue_count,
                            centroid,
                            direction: direction.unwrap_or_default(),
                        }
                    })
                    .collect();
                // The keyword matcher ranks ties by order: largest first, as the seed did.
                if placement.method == Method::Keywords {
                    open.sort_by_key(|o| std::cmp::Reverse(o.issue_count));
                }
                let mut touched = Vec::new();
                for issue in members {
                    let vector = placement.vectors.get(&issue.issue_id());
                    let found = match (placement.method, vector) {
                        (Method::Embeddings, Some(v)) => nearest(&open, v, placement.join),
                        _ => keyword_match(&issue.summary, open.iter().map(|o| o.name.as_str())),
                    };
                    let index = match found {
                        Some(i) => i,
                        None => {
                            let name = domain::text::truncate_words(&issue.summary, NAME_CHARS);
                            let created =
                                cluster::create(conn, category, subcategory, &name).await?;
                            open.push(Open {
                                id: created.cluster_id(),
                                name: created.cluster_name,
                                issue_count: 0,
                                centroid: None,
                                direction: Vec::new(),
                            });
                            open.len() - 1
                        }
                    };
                    let target = open[index].id;
                    if cluster::assign(conn, IssueId(issue.id), target, reported_at).await? {
                        if let Some(v) = vector {
                            open[index].add(v);
                        }
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

/// The cluster most similar to `v`, when the cosine reaches `join`.
fn nearest(open: &[Open], v: &[f32], join: f32) -> Option<usize> {
    let mut best: Option<(usize, f32)> = None;
    for (i, o) in open.iter().enumerate() {
        if o.direction.len() != v.len() {
            continue;
        }
        let s = clustering::dot(&o.direction, v);
        if best.is_none_or(|(_, b)| s > b) {
            best = Some((i, s));
        }
    }
    best.filter(|(_, s)| *s >= join).map(|(i, _)| i)
}
