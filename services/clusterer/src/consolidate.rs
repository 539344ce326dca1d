//! The clusterer's periodic pass over each subcategory: consolidation (merge clusters that
//! have converged, split a cluster that has become incoherent) under the subcategory's
//! advisory lock, then naming of clusters that are new or whose content shifted.
//!
//! Curation sticks: an issue a person moved is pinned (never moved); a cluster a person shaped
//! (renamed, PM status or notes, pinned issues) is never absorbed into another and two such
//! clusters are never merged; a person's name is never overwritten; merged clusters stay
//! inactive tombstones; inactive clusters are not considered at all. Clusters that did not
//! change keep their id, name, PM status and notes.

use crate::naming::Namer;
use clustering::naming::{distinctive_terms, materially_changed, TERMS};
use clustering::{Candidate, Centroid, Thresholds};
use db::models::centroid::{self, AutoName, ClusterState};
use db::models::cluster;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use domain::IssueId;
use std::collections::{BTreeMap, HashMap};

/// Who the audit trail names for automatic changes.
pub const ACTOR: &str = "clusterer";
/// Summaries per cluster read for its distinctive terms and name.
const NAMING_MEMBERS: i64 = 200;
/// Members of one cluster re-clustered when it is split.
const SPLIT_MEMBERS: i64 = 20_000;

/// What a pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    pub merged: usize,
    pub split: usize,
    pub named: usize,
}

impl std::ops::AddAssign for Report {
    fn add_assign(&mut self, o: Report) {
        self.merged += o.merged;
        self.split += o.split;
        self.named += o.named;
    }
}

fn centroid_of(s: &ClusterState, model: &str) -> Option<Centroid> {
    if s.centroid_model.as_deref() != Some(model) {
        return None;
    }
    Centroid::from_parts(s.centroid_sum.clone()?, s.centroid_count.max(0) as u32)
}

/// Merges and splits in one subcategory, in one transaction under its advisory lock.
pub async fn consolidate_subcategory(
    conn: &mut AsyncPgConnection,
    category: &str,
    subcategory: &str,
    thresholds: Thresholds,
    model: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> diesel::QueryResult<Report> {
    conn.transaction(async |conn| {
        centroid::lock_subcategory(conn, category, subcategory).await?;
        let states = centroid::active_states(conn, category, subcategory).await?;
        let with_centroid: Vec<(&ClusterState, Centroid)> = states
            .iter()
            .filter_map(|s| Some((s, centroid_of(s, model)?)))
            .collect();
        let candidates: Vec<Candidate> = with_centroid
            .iter()
            .map(|(s, c)| Candidate {
                centroid: c,
                curated: s.curated,
            })
            .collect();
        let merges = clustering::consolidate(&candidates, thresholds.merge);
        let mut report = Report::default();
        for m in &merges {
            let absorbed = with_centroid[m.absorbed].0.cluster_id();
            let into = with_centroid[m.into].0.cluster_id();
            if let cluster::Merged::Done { .. } =
                cluster::merge(conn, absorbed, into, ACTOR, now).await?
            {
                report.merged += 1;
            }
        }

        let states = centroid::active_states(conn, category, subcategory).await?;
        for s in &states {
            let Some(c) = centroid_of(s, model) else {
                continue;
            };
            if c.count >= thresholds.split_min && c.coherence() < thresholds.split_below {
                report.split +=
                    split_cluster(conn, (category, subcategory), s, thresholds, model, now).await?;
            }
        }
        let states = if report.split > 0 {
            centroid::active_states(conn, category, subcategory).await?
        } else {
            states
        };
        let suggestions = suggestions(&states, thresholds, model);
        db::models::consolidation::replace_suggestions(conn, category, subcategory, &suggestions)
            .await?;
        Ok(report)
    })
    .await
}

/// Suggestions a cluster keeps at most (the most alike first).
const SUGGESTIONS_PER_CLUSTER: usize = 5;

/// Pairs of active clusters that look like one problem but stay apart: their average
/// pairwise similarity is at least `suggest` and below `merge`, or above it with both shaped
/// by a person (never merged automatically). At most [`SUGGESTIONS_PER_CLUSTER`] per cluster.
fn suggestions(
    states: &[ClusterState],
    thresholds: Thresholds,
    model: &str,
) -> Vec<db::models::consolidation::Suggestion> {
    let with: Vec<(&ClusterState, Centroid)> = states
        .iter()
        .filter_map(|s| Some((s, centroid_of(s, model)?)))
        .collect();
    let mut pairs = Vec::new();
    for (i, (a, ca)) in with.iter().enumerate() {
        for (b, cb) in &with[i + 1..] {
            let link = ca.linkage(cb);
            let kept_apart = link < thresholds.merge || (a.curated && b.curated);
            if link >= thresholds.suggest && kept_apart {
                pairs.push((link, a.cluster_id(), b.cluster_id()));
            }
        }
    }
    pairs.sort_by(|x, y| y.0.total_cmp(&x.0));
    let mut per: HashMap<uuid::Uuid, usize> = HashMap::new();
    let mut out = Vec::new();
    for (link, a, b) in pairs {
        let (na, nb) = (*per.get(&a.0).unwrap_or(&0), *per.get(&b.0).unwrap_or(&0));
        if na >= SUGGESTIONS_PER_CLUSTER || nb >= SUGGESTIONS_PER_CLUSTER {
            continue;
        }
        *per.entry(a.0).or_default() += 1;
        *per.entry(b.0).or_default() += 1;
        out.push(db::models::consolidation::Suggestion {
            a,
            b,
            similarity: link,
        });
    }
    out
}

/// Re-clusters an incoherent cluster's members; the part holding the most pinned issues
/// (else the largest) stays under the cluster's id, every other part of two or more issues
/// becomes a new cluster. Returns the number of new clusters.
async fn split_cluster(
    conn: &mut AsyncPgConnection,
    group: (&str, &str),
    state: &ClusterState,
    thresholds: Thresholds,
    model: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> diesel::QueryResult<usize> {
    let members: Vec<centroid::Member> = centroid::members(conn, state.cluster_id(), SPLIT_MEMBERS)
        .await?
        .into_iter()
        .filter(|m| m.embedding.is_some() && m.embedding_model.as_deref() == Some(model))
        .collect();
    let vectors: Vec<&[f32]> = members
        .iter()
        .filter_map(|m| m.embedding.as_deref())
        .collect();
    let labels = clustering::split(&vectors, thresholds.join, thresholds.merge);
    let mut parts: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (i, l) in labels.iter().enumerate() {
        parts.entry(*l).or_default().push(i);
    }
    if parts.len() < 2 {
        return Ok(0);
    }
    let keep = *parts
        .iter()
        .max_by_key(|(l, idx)| {
            let pinned = idx.iter().filter(|&&i| members[i].pinned).count();
            (pinned, idx.len(), std::cmp::Reverse(**l))
        })
        .map(|(l, _)| l)
        .expect("two parts or more");
    let mut created = 0;
    for (label, idx) in &parts {
        let movable: Vec<usize> = idx
            .iter()
            .copied()
            .filter(|&i| !members[i].pinned)
            .collect();
        if *label == keep || movable.len() < 2 {
            continue;
        }
        let name = crate::assign::first_name(&members[movable[0]].summary);
        let new = cluster::create(conn, group.0, group.1, &name).await?;
        let ids: Vec<IssueId> = movable.iter().map(|&i| IssueId(members[i].id)).collect();
        let moved = centroid::move_unpinned(conn, &ids, new.cluster_id()).await?;
        cluster::record_event(
            conn,
            new.cluster_id(),
            "split_from",
            ACTOR,
            serde_json::json!({ "from": state.id, "moved_issues": moved }),
        )
        .await?;
        cluster::record_event(
            conn,
            state.cluster_id(),
            "split_into",
            ACTOR,
            serde_json::json!({ "into": new.id, "moved_issues": moved }),
        )
        .await?;
        cluster::recompute_stats(conn, now, Some(&[state.cluster_id(), new.cluster_id()])).await?;
        created += 1;
    }
    Ok(created)
}

/// Names the subcategory's clusters that are new or whose content shifted materially (their
/// distinctive terms moved away from those they were named from, or they were named after
/// their first issue and have grown since). A person's name is never touched. Runs outside
/// the advisory lock: naming may wait for Claude.
pub async fn name_subcategory(
    conn: &mut AsyncPgConnection,
    category: &str,
    subcategory: &str,
    namer: &Namer,
    model: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<usize> {
    let states = centroid::active_states(conn, category, subcategory).await?;
    let mut texts: HashMap<uuid::Uuid, Vec<String>> = HashMap::new();
    for (cluster, summary) in
        centroid::active_summaries(conn, category, subcategory, NAMING_MEMBERS).await?
    {
        texts.entry(cluster).or_default().push(summary);
    }
    let order: Vec<&ClusterState> = states
        .iter()
        .filter(|s| texts.contains_key(&s.id))
        .collect();
    let docs: Vec<Vec<&str>> = order
        .iter()
        .map(|s| texts[&s.id].iter().map(String::as_str).collect())
        .collect();
    let terms = distinctive_terms(&docs, TERMS);
    let mut named = 0;
    for (state, terms) in order.into_iter().zip(terms) {
        if state.name_locked
            || !materially_changed(
                &state.name_terms,
                &terms,
                state.named_from.max(0) as u32,
                state.issue_count.max(0) as u32,
            )
        {
            continue;
        }
        let members = centroid::members(conn, state.cluster_id(), NAMING_MEMBERS).await?;
        let Some((name, summary)) = namer
            .name(
                category,
                subcategory,
                &members,
                &terms,
                centroid_of(state, model).as_ref(),
                model,
            )
            .await
        else {
            continue;
        };
        let auto = AutoName {
            name: &name,
            summary: &summary,
            terms: &terms,
            named_from: state.issue_count,
        };
        if centroid::set_auto_name(conn, state.cluster_id(), &auto, now).await? {
            cluster::record_event(
                conn,
                state.cluster_id(),
                "auto_named",
                ACTOR,
                serde_json::json!({ "name": name, "before": state.cluster_name, "terms": terms }),
            )
            .await?;
            named += 1;
        }
    }
    Ok(named)
}

/// Consolidates and names every subcategory that has active clusters.
pub async fn pass(
    pool: &db::Pool,
    thresholds: Thresholds,
    namer: &Namer,
    model: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<Report> {
    let mut conn = pool.get().await?;
    let mut report = Report::default();
    for (category, subcategory) in centroid::active_subcategories(&mut conn).await? {
        report +=
            consolidate_subcategory(&mut conn, &category, &subcategory, thresholds, model, now)
                .await?;
        report.named +=
            name_subcategory(&mut conn, &category, &subcategory, namer, model, now).await?;
    }
    Ok(report)
}
