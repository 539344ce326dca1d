//! The clusterer's life cycle in memory — issues arrive one at a time and join or open a
//! cluster, consolidation runs periodically, merged clusters stay as tombstones pointing at
//! their survivor — for `make eval` (quality, stability) and `make bench-cluster` (speed).
//! The service does the same over PostgreSQL.

use crate::centroid::{dot, Centroid};
use crate::consolidate::{consolidate, Candidate};
use std::collections::BTreeMap;

/// How a stream clusters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Params {
    /// Cosine to a cluster's mean direction needed to join it.
    pub join: f32,
    /// Average linkage needed for consolidation to merge two clusters.
    pub merge: f32,
    /// Consolidate after every this many issues (0: only when asked).
    pub consolidate_every: usize,
}

#[derive(Debug, Clone)]
struct Cluster {
    centroid: Centroid,
    direction: Vec<f32>,
    merged_into: Option<usize>,
}

/// Clusters in the order they were opened (the index is the cluster's id) and, per issue
/// added, the cluster it joined.
#[derive(Debug, Clone)]
pub struct Stream {
    params: Params,
    clusters: Vec<Cluster>,
    assigned: Vec<usize>,
}

impl Stream {
    pub fn new(params: Params) -> Self {
        Stream {
            params,
            clusters: Vec::new(),
            assigned: Vec::new(),
        }
    }

    /// The active cluster most similar to `v` (by cosine to its mean direction) and the
    /// similarity.
    pub fn nearest(&self, v: &[f32]) -> Option<(usize, f32)> {
        let mut best: Option<(usize, f32)> = None;
        for (i, c) in self.clusters.iter().enumerate() {
            if c.merged_into.is_some() {
                continue;
            }
            let s = dot(&c.direction, v);
            if best.is_none_or(|(_, b)| s > b) {
                best = Some((i, s));
            }
        }
        best
    }

    /// Places one issue; returns the id of the cluster it joined or opened.
    pub fn add(&mut self, v: &[f32]) -> usize {
        let id = match self.nearest(v) {
            Some((i, s)) if s >= self.params.join => {
                let c = &mut self.clusters[i];
                c.centroid.add(v);
                c.direction = c.centroid.direction();
                i
            }
            _ => {
                self.clusters.push(Cluster {
                    centroid: Centroid::of(v),
                    direction: v.to_vec(),
                    merged_into: None,
                });
                self.clusters.len() - 1
            }
        };
        self.assigned.push(id);
        let every = self.params.consolidate_every;
        if every > 0 && self.assigned.len().is_multiple_of(every) {
            self.consolidate();
        }
        id
    }

    /// Merges converged clusters (the survivor keeps its id); returns how many merges.
    pub fn consolidate(&mut self) -> usize {
        let active: Vec<usize> = (0..self.clusters.len())
            .filter(|&i| self.clusters[i].merged_into.is_none())
            .collect();
        let candidates: Vec<Candidate> = active
            .iter()
            .map(|&i| Candidate {
                centroid: &self.clusters[i].centroid,
                curated: false,
            })
            .collect();
        let merges = consolidate(&candidates, self.params.merge);
        for m in &merges {
            let (into, absorbed) = (active[m.into], active[m.absorbed]);
            let gone = std::mem::take(&mut self.clusters[absorbed].centroid);
            self.clusters[into].centroid.absorb(&gone);
            self.clusters[absorbed].merged_into = Some(into);
            self.clusters[absorbed].direction.clear();
        }
        for m in &merges {
            let c = &mut self.clusters[active[m.into]];
            if c.merged_into.is_none() {
                c.direction = c.centroid.direction();
            }
        }
        merges.len()
    }

    /// The cluster an id ended up in (following merges).
    pub fn resolve(&self, mut id: usize) -> usize {
        while let Some(next) = self.clusters[id].merged_into {
            id = next;
        }
        id
    }

    /// Each issue's current cluster id, in the order they were added.
    pub fn current(&self) -> Vec<usize> {
        self.assigned.iter().map(|&c| self.resolve(c)).collect()
    }

    /// Each issue's current cluster as a dense label 0..k.
    pub fn labels(&self) -> Vec<usize> {
        let mut dense: BTreeMap<usize, usize> = BTreeMap::new();
        self.current()
            .into_iter()
            .map(|c| {
                let next = dense.len();
                *dense.entry(c).or_insert(next)
            })
            .collect()
    }

    /// Active clusters.
    pub fn active(&self) -> usize {
        self.clusters
            .iter()
            .filter(|c| c.merged_into.is_none())
            .count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::centroid::unit;

    #[test]
    fn similar_issues_share_a_cluster_and_different_ones_do_not() {
        let mut s = Stream::new(Params {
            join: 0.9,
            merge: 0.9,
            consolidate_every: 0,
        });
        let a = s.add(&unit(&[1.0, 0.0, 0.0]));
        let b = s.add(&unit(&[0.0, 1.0, 0.0]));
        let a2 = s.add(&unit(&[1.0, 0.1, 0.0]));
        assert_eq!(a, a2);
        assert_ne!(a, b);
        assert_eq!(s.active(), 2);
    }

    #[test]
    fn consolidation_keeps_the_survivors_id_and_tombstones_resolve_to_it() {
        let mut s = Stream::new(Params {
            join: 0.999,
            merge: 0.9,
            consolidate_every: 0,
        });
        let first = s.add(&unit(&[1.0, 0.0, 0.0]));
        s.add(&unit(&[1.0, 0.0, 0.0]));
        let second = s.add(&unit(&[1.0, 0.2, 0.0]));
        let other = s.add(&unit(&[0.0, 0.0, 1.0]));
        assert_ne!(first, second);
        assert_eq!(s.consolidate(), 1);
        assert_eq!(s.resolve(second), first);
        assert_eq!(s.current(), vec![first, first, first, other]);
        assert_eq!(s.labels(), vec![0, 0, 0, 1]);
    }
}
