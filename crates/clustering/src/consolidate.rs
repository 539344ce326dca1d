//! Consolidation: merging clusters that have converged, by average linkage computed from the
//! centroid sums, and splitting a cluster that has become incoherent.

use crate::centroid::Centroid;
use std::cmp::Ordering;
use std::collections::{BTreeSet, BinaryHeap};

/// One active cluster as consolidation sees it. Pass candidates oldest first: on equal size
/// the older cluster survives a merge and keeps its id.
#[derive(Debug, Clone, Copy)]
pub struct Candidate<'a> {
    pub centroid: &'a Centroid,
    /// A person shaped this cluster (renamed it, gave it a PM status or notes): it always
    /// survives a merge, and two curated clusters are never merged automatically — the person
    /// may have kept them apart on purpose.
    pub curated: bool,
}

/// Cluster `absorbed` goes into cluster `into` (indices into the candidates). Merges are
/// listed in the order they were decided; `into` may itself be absorbed by a later merge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Merge {
    pub absorbed: usize,
    pub into: usize,
}

#[derive(PartialEq)]
struct Pair {
    link: f32,
    a: usize,
    b: usize,
    versions: (u32, u32),
}

impl Eq for Pair {}

impl PartialOrd for Pair {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Pair {
    fn cmp(&self, other: &Self) -> Ordering {
        self.link
            .total_cmp(&other.link)
            // Deterministic among equal links: lower indices (older clusters) first.
            .then_with(|| other.a.cmp(&self.a))
            .then_with(|| other.b.cmp(&self.b))
    }
}

/// Average-linkage agglomeration of the given clusters: repeatedly merges the two clusters
/// with the highest average pairwise similarity while it is at least `threshold`.
///
/// The average similarity of a merged cluster to a third is the size-weighted mean of its
/// parts' similarities, so a pair below the threshold can only rise above it through a part
/// that was above it: only neighbours above the threshold are tracked (memory grows with the
/// close pairs, not with k²), and every similarity is recomputed exactly from the sums.
pub fn consolidate(candidates: &[Candidate<'_>], threshold: f32) -> Vec<Merge> {
    let k = candidates.len();
    let mut sums: Vec<Centroid> = candidates.iter().map(|c| c.centroid.clone()).collect();
    let mut curated: Vec<bool> = candidates.iter().map(|c| c.curated).collect();
    let mut alive: Vec<bool> = sums.iter().map(|c| c.count > 0).collect();
    let mut version = vec![0u32; k];
    let mut neighbours: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); k];
    let mut heap = BinaryHeap::new();
    let mergeable = |curated: &[bool], a: usize, b: usize| !(curated[a] && curated[b]);

    for a in 0..k {
        if !alive[a] {
            continue;
        }
        for b in (a + 1)..k {
            if !alive[b] {
                continue;
            }
            let link = sums[a].linkage(&sums[b]);
            if link >= threshold {
                neighbours[a].insert(b);
                neighbours[b].insert(a);
                if mergeable(&curated, a, b) {
                    heap.push(Pair {
                        link,
                        a,
                        b,
                        versions: (0, 0),
                    });
                }
            }
        }
    }

    let mut merges = Vec::new();
    while let Some(pair) = heap.pop() {
        let (a, b) = (pair.a, pair.b);
        if !alive[a] || !alive[b] || pair.versions != (version[a], version[b]) {
            continue;
        }
        // Curated first, then the larger, then the older (lower index).
        let keep_a = match (curated[a], curated[b]) {
            (true, false) => true,
            (false, true) => false,
            _ => sums[a].count > sums[b].count || (sums[a].count == sums[b].count && a < b),
        };
        let (into, absorbed) = if keep_a { (a, b) } else { (b, a) };
        let gone = std::mem::take(&mut sums[absorbed]);
        sums[into].absorb(&gone);
        curated[into] |= curated[absorbed];
        alive[absorbed] = false;
        version[into] += 1;
        merges.push(Merge { absorbed, into });

        let mut around: BTreeSet<usize> = std::mem::take(&mut neighbours[absorbed]);
        around.extend(std::mem::take(&mut neighbours[into]));
        for c in around {
            if c == into || c == absorbed || !alive[c] {
                continue;
            }
            neighbours[c].remove(&absorbed);
            let link = sums[into].linkage(&sums[c]);
            if link >= threshold {
                neighbours[into].insert(c);
                neighbours[c].insert(into);
                if mergeable(&curated, into, c) {
                    let (x, y) = if into < c { (into, c) } else { (c, into) };
                    heap.push(Pair {
                        link,
                        a: x,
                        b: y,
                        versions: (version[x], version[y]),
                    });
                }
            } else {
                neighbours[c].remove(&into);
            }
        }
    }
    merges
}

/// Clusters `vectors` from scratch (incremental assignment then consolidation, as the service
/// does over time) and returns a group label per vector; used to split an incoherent cluster.
pub fn split(vectors: &[&[f32]], join: f32, merge: f32) -> Vec<usize> {
    let mut stream = crate::Stream::new(crate::Params {
        join,
        merge,
        consolidate_every: 0,
    });
    for v in vectors {
        stream.add(v);
    }
    stream.consolidate();
    stream.labels()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::centroid::unit;

    fn cluster(vs: &[Vec<f32>]) -> Centroid {
        let mut c = Centroid::default();
        vs.iter().for_each(|v| c.add(v));
        c
    }

    #[test]
    fn converged_clusters_merge_into_the_larger_and_distant_ones_stay() {
        let big = cluster(&[unit(&[1.0, 0.1, 0.0]), unit(&[1.0, 0.0, 0.1])]);
        let small = cluster(&[unit(&[1.0, 0.05, 0.05])]);
        let far = cluster(&[unit(&[0.0, 0.0, 1.0])]);
        let c = [&small, &big, &far].map(|centroid| Candidate {
            centroid,
            curated: false,
        });
        assert_eq!(
            consolidate(&c, 0.8),
            vec![Merge {
                absorbed: 0,
                into: 1
            }]
        );
    }

    #[test]
    fn a_curated_cluster_survives_and_two_curated_ones_are_never_merged() {
        let a = cluster(&[unit(&[1.0, 0.1, 0.0]), unit(&[1.0, 0.0, 0.1])]);
        let b = cluster(&[unit(&[1.0, 0.05, 0.05])]);
        let curated = [
            Candidate {
                centroid: &a,
                curated: false,
            },
            Candidate {
                centroid: &b,
                curated: true,
            },
        ];
        assert_eq!(
            consolidate(&curated, 0.8),
            vec![Merge {
                absorbed: 0,
                into: 1
            }]
        );
        let both = [
            Candidate {
                centroid: &a,
                curated: true,
            },
            Candidate {
                centroid: &b,
                curated: true,
            },
        ];
        assert!(consolidate(&both, 0.8).is_empty());
    }

    #[test]
    fn consolidation_equals_naive_average_linkage() {
        // Points on a circle in groups; the sparse neighbour tracking must reach the same
        // partition as recomputing every pair after every merge.
        let vs: Vec<Vec<f32>> = (0..40)
            .map(|i| {
                let t = (i / 5) as f32 * 0.7 + (i % 5) as f32 * 0.03;
                unit(&[t.cos(), t.sin(), 0.2 * ((i * 7) % 3) as f32])
            })
            .collect();
        let singles: Vec<Centroid> = vs.iter().map(|v| Centroid::of(v)).collect();
        let cands: Vec<Candidate> = singles
            .iter()
            .map(|centroid| Candidate {
                centroid,
                curated: false,
            })
            .collect();
        let threshold = 0.9;
        let fast = consolidate(&cands, threshold);

        let mut groups: Vec<Option<Centroid>> = singles.iter().cloned().map(Some).collect();
        let mut naive = 0;
        loop {
            let mut best: Option<(f32, usize, usize)> = None;
            for a in 0..groups.len() {
                for b in (a + 1)..groups.len() {
                    if let (Some(x), Some(y)) = (&groups[a], &groups[b]) {
                        let l = x.linkage(y);
                        if l >= threshold && best.is_none_or(|(bl, _, _)| l > bl) {
                            best = Some((l, a, b));
                        }
                    }
                }
            }
            let Some((_, a, b)) = best else { break };
            let gone = groups[b].take().unwrap();
            groups[a].as_mut().unwrap().absorb(&gone);
            naive += 1;
        }
        assert!(naive > 5, "the fixture must need several merges");
        assert_eq!(fast.len(), naive);
    }
}
