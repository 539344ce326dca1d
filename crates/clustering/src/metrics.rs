//! External clustering metrics: V-measure, adjusted Rand index, singleton share, and the
//! stability of a clustering as more data arrives.

use std::collections::HashMap;

fn counts(labels: &[usize]) -> HashMap<usize, f64> {
    let mut m = HashMap::new();
    for &l in labels {
        *m.entry(l).or_insert(0.0) += 1.0;
    }
    m
}

fn contingency(truth: &[usize], predicted: &[usize]) -> HashMap<(usize, usize), f64> {
    let mut m = HashMap::new();
    for (&t, &p) in truth.iter().zip(predicted) {
        *m.entry((t, p)).or_insert(0.0) += 1.0;
    }
    m
}

fn entropy(counts: &HashMap<usize, f64>, n: f64) -> f64 {
    counts
        .values()
        .map(|&c| {
            let p = c / n;
            -p * p.ln()
        })
        .sum()
}

/// V-measure (β = 1): the harmonic mean of homogeneity (each cluster holds one class) and
/// completeness (each class sits in one cluster), as scikit-learn computes it.
pub fn v_measure(truth: &[usize], predicted: &[usize]) -> f64 {
    assert_eq!(truth.len(), predicted.len());
    let n = truth.len() as f64;
    if truth.is_empty() {
        return 1.0;
    }
    let (classes, clusters) = (counts(truth), counts(predicted));
    let (h_c, h_k) = (entropy(&classes, n), entropy(&clusters, n));
    let mut h_c_given_k = 0.0;
    let mut h_k_given_c = 0.0;
    for (&(t, p), &nij) in &contingency(truth, predicted) {
        h_c_given_k -= nij / n * (nij / clusters[&p]).ln();
        h_k_given_c -= nij / n * (nij / classes[&t]).ln();
    }
    let homogeneity = if h_c == 0.0 {
        1.0
    } else {
        1.0 - h_c_given_k / h_c
    };
    let completeness = if h_k == 0.0 {
        1.0
    } else {
        1.0 - h_k_given_c / h_k
    };
    if homogeneity + completeness == 0.0 {
        0.0
    } else {
        2.0 * homogeneity * completeness / (homogeneity + completeness)
    }
}

fn pairs(x: f64) -> f64 {
    x * (x - 1.0) / 2.0
}

/// The adjusted Rand index (Hubert and Arabie): pair agreement corrected for chance.
pub fn adjusted_rand(truth: &[usize], predicted: &[usize]) -> f64 {
    assert_eq!(truth.len(), predicted.len());
    let n = truth.len() as f64;
    let index: f64 = contingency(truth, predicted)
        .values()
        .map(|&c| pairs(c))
        .sum();
    let a: f64 = counts(truth).values().map(|&c| pairs(c)).sum();
    let b: f64 = counts(predicted).values().map(|&c| pairs(c)).sum();
    let expected = a * b / pairs(n);
    let max = (a + b) / 2.0;
    if max == expected {
        return 1.0;
    }
    (index - expected) / (max - expected)
}

/// Number of distinct clusters.
pub fn cluster_count(predicted: &[usize]) -> usize {
    counts(predicted).len()
}

/// Share of the items that are alone in their cluster.
pub fn singleton_share(predicted: &[usize]) -> f64 {
    let c = counts(predicted);
    let alone = predicted.iter().filter(|p| c[p] == 1.0).count();
    alone as f64 / predicted.len().max(1) as f64
}

/// Share of items whose cluster id differs between `before` and `after` (same items, same
/// order; ids, not dense labels, so a renumbering counts as the change it is for a user).
pub fn changed_share(before: &[usize], after: &[usize]) -> f64 {
    let changed = before.iter().zip(after).filter(|(a, b)| a != b).count();
    changed as f64 / before.len().max(1) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    // Reference values from scikit-learn 1.9 (v_measure_score, adjusted_rand_score).
    const TRUTH: [usize; 6] = [0, 0, 0, 1, 1, 1];

    #[test]
    fn a_perfect_clustering_scores_one_whatever_its_labels() {
        let predicted = [5, 5, 5, 2, 2, 2];
        assert!((v_measure(&TRUTH, &predicted) - 1.0).abs() < 1e-12);
        assert!((adjusted_rand(&TRUTH, &predicted) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn metrics_match_scikit_learn_on_a_known_case() {
        let predicted = [0, 0, 1, 1, 2, 2];
        // v_measure_score([0,0,0,1,1,1],[0,0,1,1,2,2]) = 0.5158037429793889
        assert!((v_measure(&TRUTH, &predicted) - 0.515_803_742_979_388_9).abs() < 1e-9);
        // adjusted_rand_score(same) = 0.24242424242424243
        assert!((adjusted_rand(&TRUTH, &predicted) - 0.242_424_242_424_242_43).abs() < 1e-9);
    }

    #[test]
    fn all_in_one_cluster_has_zero_v_measure_and_ari() {
        let predicted = [0; 6];
        assert!(v_measure(&TRUTH, &predicted).abs() < 1e-12);
        assert!(adjusted_rand(&TRUTH, &predicted).abs() < 1e-12);
    }

    #[test]
    fn singletons_and_changes_are_shares_of_items() {
        assert_eq!(cluster_count(&[1, 1, 2, 3]), 3);
        assert_eq!(singleton_share(&[1, 1, 2, 3]), 0.5);
        assert_eq!(changed_share(&[1, 1, 2, 3], &[1, 4, 2, 3]), 0.25);
    }
}
