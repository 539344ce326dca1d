//! Placing new issues into clusters, one subcategory at a time under its advisory lock.
//!
//! Two methods (`CLUSTERER_METHOD`):
//! - `embeddings` (default): the issue joins the active cluster of its subcategory whose mean
//!   direction is most similar to the issue's embedding, when the cosine clears the join
//!   threshold; otherwise it opens a cluster named after it. Centroids are sums kept by the
//!   database, so no member is ever reloaded, and the process keeps them between jobs
//!   ([`CentroidCache`]): a job reads only the centroids that changed since.
//! - `keywords`: the seed's keyword-overlap matcher, kept only so it can be measured side by
//!   side: the active cluster whose name shares most of the summary's words, above the seed's
//!   threshold. Issues without an embedding (no model anywhere) are placed this way too.

use clustering::Centroid;
use db::models::{centroid, cluster, issue::IssueRow};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use domain::clustering::keyword_match;
use domain::{ClusterId, IssueId};
use std::collections::HashMap;
use std::sync::Mutex;
use uuid::Uuid;

/// The name a cluster opened by one issue has until it is named from its members: the
/// issue's summary as a short statement ([`clustering::naming::first_name`]).
pub(crate) use clustering::naming::first_name;

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
    /// Centroids read by earlier jobs.
    pub cache: &'a CentroidCache,
}

/// The most clusters whose centroids are kept in memory (≈ 3 KB each with 384 dimensions).
const CACHE_CLUSTERS: usize = 10_000;

/// Revision of a cached centroid that is known to be out of date (a job added to it, or it
/// belongs to another model): real revisions are positive.
const STALE: i64 = -1;

/// The centroids of active clusters as read by earlier jobs, per subcategory, each with the
/// revision it was read at. A job reads the subcategory's cluster ids and revisions (small
/// rows) and fetches only the centroids whose revision changed — by this process, another
/// replica, a person's move or merge, a re-analysis — instead of every centroid (at 1,500
/// clusters of 384 floats that read was ~106 ms per job). A job takes its subcategory's
/// entries out while it works and puts them back after it commits, so a failed job leaves
/// nothing behind and two jobs never share entries.
#[derive(Debug, Default)]
pub struct CentroidCache {
    subcategories: Mutex<HashMap<(String, String), HashMap<Uuid, Cached>>>,
}

#[derive(Debug, Clone)]
struct Cached {
    rev: i64,
    centroid: Option<Centroid>,
    direction: Vec<f32>,
}

impl Cached {
    /// Nothing to compare with yet, and read again by the next job.
    fn stale() -> Self {
        Cached {
            rev: STALE,
            centroid: None,
            direction: Vec::new(),
        }
    }
}

impl CentroidCache {
    fn take(&self, category: &str, subcategory: &str) -> HashMap<Uuid, Cached> {
        let key = (category.to_string(), subcategory.to_string());
        self.lock().remove(&key).unwrap_or_default()
    }

    fn put(&self, category: &str, subcategory: &str, entries: HashMap<Uuid, Cached>) {
        let mut all = self.lock();
        let held: usize = all.values().map(HashMap::len).sum();
        if held + entries.len() > CACHE_CLUSTERS {
            all.clear();
        }
        if entries.len() <= CACHE_CLUSTERS {
            all.insert((category.to_string(), subcategory.to_string()), entries);
        }
    }

    /// How many clusters' centroids are held.
    pub fn len(&self) -> usize {
        self.lock().values().map(HashMap::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<(String, String), HashMap<Uuid, Cached>>> {
        // The map is consistent after every statement, so a panic elsewhere cannot corrupt it.
        self.subcategories
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// An active cluster during placement: its id, name and (when it has members with vectors of
/// the model) its centroid and mean direction.
struct Open {
    id: ClusterId,
    name: String,
    issue_count: i32,
    cached: Cached,
}

impl Open {
    fn add(&mut self, v: &[f32]) {
        let c = self.cached.centroid.get_or_insert_with(Centroid::default);
        c.add(v);
        self.cached.direction = c.direction();
        self.cached.rev = STALE;
    }
}

/// The subcategory's active clusters with their centroids: cached ones whose revision is
/// current, the others read now.
async fn open_clusters(
    conn: &mut AsyncPgConnection,
    category: &str,
    subcategory: &str,
    placement: &Placement<'_>,
) -> diesel::QueryResult<Vec<Open>> {
    let heads = centroid::placement_heads(conn, category, subcategory).await?;
    let mut cached = placement.cache.take(category, subcategory);
    let changed: Vec<Uuid> = heads
        .iter()
        .filter(|h| cached.get(&h.id).is_none_or(|c| c.rev != h.centroid_rev))
        .map(|h| h.id)
        .collect();
    if !changed.is_empty() {
        for row in centroid::centroids(conn, &changed).await? {
            let ours = row.centroid_model.as_deref() == Some(placement.model);
            let centroid = ours
                .then(|| {
                    Centroid::from_parts(
                        row.centroid_sum.unwrap_or_default(),
                        row.centroid_count.max(0) as u32,
                    )
                })
                .flatten();
            let direction = centroid
                .as_ref()
                .map(Centroid::direction)
                .unwrap_or_default();
            let rev = if ours || row.centroid_model.is_none() {
                row.centroid_rev
            } else {
                STALE
            };
            cached.insert(
                row.id,
                Cached {
                    rev,
                    centroid,
                    direction,
                },
            );
        }
    }
    Ok(heads
        .into_iter()
        .map(|h| Open {
            id: ClusterId(h.id),
            name: h.cluster_name,
            issue_count: h.issue_count,
            // A cluster deleted between the two reads: nothing to compare with.
            cached: cached.remove(&h.id).unwrap_or_else(Cached::stale),
        })
        .collect())
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
        let (mut in_group, open) = conn
            .transaction(async |conn| {
                // A placement lost to a crash leaves the issue unclustered: the reconciler
                // queues it again (see db::relaxed_commit).
                db::relaxed_commit(conn).await?;
                centroid::lock_subcategory(conn, category, subcategory).await?;
                let mut open = open_clusters(conn, category, subcategory, &placement).await?;
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
                            let name = first_name(&issue.summary);
                            let created =
                                cluster::create(conn, category, subcategory, &name).await?;
                            open.push(Open {
                                id: created.cluster_id(),
                                name: created.cluster_name,
                                issue_count: 0,
                                cached: Cached::stale(),
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
                Ok::<_, diesel::result::Error>((touched, open))
            })
            .await?;
        placement.cache.put(
            category,
            subcategory,
            open.into_iter().map(|o| (o.id.0, o.cached)).collect(),
        );
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
        let direction = &o.cached.direction;
        if direction.len() != v.len() {
            continue;
        }
        let s = clustering::dot(direction, v);
        if best.is_none_or(|(_, b)| s > b) {
            best = Some((i, s));
        }
    }
    best.filter(|(_, s)| *s >= join).map(|(i, _)| i)
}
