//! Offline cluster names: the most distinctive terms of each cluster (c-TF-IDF: a term's
//! frequency in the cluster, weighted by how rare it is across the subcategory's clusters)
//! and the most central issue summary that carries them.

use crate::centroid::Centroid;
use domain::text::{content_tokens, truncate_words};
use std::collections::HashMap;

/// Longest cluster name (seed 000: ≤ 100 characters).
pub const NAME_CHARS: usize = 100;
/// Distinctive terms kept per cluster.
pub const TERMS: usize = 5;
/// A cluster whose distinctive terms share less than this with the terms it was named from
/// has materially changed and may be renamed.
pub const MIN_TERMS_OVERLAP: f64 = 0.4;

/// The `n` most distinctive terms of each cluster, given each cluster's texts.
///
/// c-TF-IDF (as BERTopic): `tf(t, c) / words(c) · ln(1 + A / f(t))`, with `A` the average
/// number of words per cluster and `f(t)` the frequency of `t` over all clusters. Ties go to
/// the alphabetically first term so names are deterministic.
pub fn distinctive_terms(clusters: &[Vec<&str>], n: usize) -> Vec<Vec<String>> {
    let per_cluster: Vec<HashMap<String, f64>> = clusters
        .iter()
        .map(|texts| {
            let mut tf = HashMap::new();
            for t in texts.iter().flat_map(|t| content_tokens(t)) {
                *tf.entry(t).or_insert(0.0) += 1.0;
            }
            tf
        })
        .collect();
    let mut total: HashMap<&str, f64> = HashMap::new();
    let mut words = 0.0;
    for tf in &per_cluster {
        for (t, c) in tf {
            *total.entry(t.as_str()).or_insert(0.0) += c;
            words += c;
        }
    }
    let average = words / per_cluster.len().max(1) as f64;
    per_cluster
        .iter()
        .map(|tf| {
            let size: f64 = tf.values().sum::<f64>().max(1.0);
            let mut scored: Vec<(&String, f64)> = tf
                .iter()
                .map(|(t, c)| (t, c / size * (1.0 + average / total[t.as_str()]).ln()))
                .collect();
            scored.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(b.0)));
            scored.into_iter().take(n).map(|(t, _)| t.clone()).collect()
        })
        .collect()
}

/// A cluster's offline name and summary.
#[derive(Debug, Clone, PartialEq)]
pub struct OfflineName {
    pub name: String,
    pub summary: String,
    /// The distinctive terms the name was made from (stored, to tell later whether the
    /// cluster's content has shifted).
    pub terms: Vec<String>,
}

/// Names a cluster from its members' summaries and embeddings: the summary closest to the
/// cluster's mean direction, with a small bonus for each distinctive term it contains (so a
/// central but vague summary loses to an equally central, specific one).
pub fn offline_name(
    summaries: &[&str],
    vectors: &[&[f32]],
    centroid: &Centroid,
    terms: &[String],
) -> Option<OfflineName> {
    let best = (0..summaries.len())
        .map(|i| {
            let words = content_tokens(summaries[i]);
            let covered = terms.iter().filter(|t| words.contains(t)).count();
            let closeness = vectors.get(i).map_or(0.0, |v| centroid.cosine(v));
            (i, closeness + 0.05 * covered as f32)
        })
        .max_by(|a, b| a.1.total_cmp(&b.1).then_with(|| b.0.cmp(&a.0)))?
        .0;
    let name = truncate_words(summaries[best], NAME_CHARS);
    let n = summaries.len();
    let summary = if terms.is_empty() {
        format!("{n} issue{}.", if n == 1 { "" } else { "s" })
    } else {
        format!(
            "{n} issue{} most distinctively about: {}.",
            if n == 1 { "" } else { "s" },
            terms.join(", ")
        )
    };
    Some(OfflineName {
        name,
        summary,
        terms: terms.to_vec(),
    })
}

/// Share of the earlier terms still among the current ones (1 when there were none).
pub fn terms_overlap(before: &[String], now: &[String]) -> f64 {
    if before.is_empty() {
        return 1.0;
    }
    let kept = before.iter().filter(|t| now.contains(t)).count();
    kept as f64 / before.len() as f64
}

/// Whether a cluster named from `named_from` issues with terms `before` should be renamed
/// now that it has `count` issues and terms `now`: its distinctive terms moved on, or it was
/// named after its first issue or two and has grown to a real cluster since.
pub fn materially_changed(before: &[String], now: &[String], named_from: u32, count: u32) -> bool {
    (named_from < 3 && count >= 3) || terms_overlap(before, now) < MIN_TERMS_OVERLAP
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distinctive_terms_favour_what_sets_a_cluster_apart() {
        let clusters = vec![
            vec![
                "clock-in button broken on android",
                "android clock-in fails",
                "app crashes",
            ],
            vec![
                "payroll export fails",
                "payroll export is empty",
                "app crashes",
            ],
        ];
        let terms = distinctive_terms(&clusters, 2);
        assert_eq!(terms[0], vec!["android", "clock-in"]);
        assert_eq!(terms[1], vec!["export", "payroll"]);
    }

    #[test]
    fn the_name_is_the_central_summary_carrying_the_terms() {
        let v = |x: f32| vec![x, (1.0 - x * x).sqrt()];
        let vectors = [v(1.0), v(0.98), v(0.2)];
        let mut centroid = Centroid::default();
        vectors.iter().for_each(|x| centroid.add(x));
        let refs: Vec<&[f32]> = vectors.iter().map(Vec::as_slice).collect();
        let terms = vec!["android".to_string(), "clock-in".to_string()];
        let named = offline_name(
            &[
                "it does not work",
                "Android clock-in button broken",
                "other",
            ],
            &refs,
            &centroid,
            &terms,
        )
        .unwrap();
        assert_eq!(named.name, "Android clock-in button broken");
        assert!(named.summary.starts_with("3 issues"), "{}", named.summary);
        assert!(offline_name(&[], &[], &centroid, &terms).is_none());
    }

    #[test]
    fn a_rename_needs_a_material_change() {
        let t = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        let before = t(&["android", "clock-in", "button", "taps", "pixel"]);
        // Three of five terms kept: the same topic.
        let similar = t(&["android", "clock-in", "button", "samsung", "slow"]);
        assert!(!materially_changed(&before, &similar, 10, 14));
        // One of five kept: the content moved.
        let moved = t(&["android", "geofence", "location", "gps", "radius"]);
        assert!(materially_changed(&before, &moved, 10, 14));
        // Named after its first issue, now a real cluster.
        assert!(materially_changed(&before, &before, 1, 3));
        assert!(!materially_changed(&before, &before, 1, 2));
    }
}
