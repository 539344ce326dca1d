//! The seed's keyword-overlap cluster matcher (seed 000, `find_matching_cluster`).
//!
//! It is the baseline the semantic clusterer has to beat, kept so the two can be measured side
//! by side. An issue joins the cluster whose name shares the largest share of the issue
//! summary's words, if that share exceeds [`KEYWORD_MATCH_THRESHOLD`].

use crate::text::tokens;
use std::collections::HashSet;

/// The share of the summary's words that must appear in a cluster name (seed: 0.3).
pub const KEYWORD_MATCH_THRESHOLD: f64 = 0.3;

/// The index of the best-matching cluster name, if any clears the threshold. Ties go to the
/// earlier cluster, as in the seed.
pub fn keyword_match<'a>(
    summary: &str,
    cluster_names: impl IntoIterator<Item = &'a str>,
) -> Option<usize> {
    let issue_words: HashSet<String> = tokens(summary).into_iter().collect();
    let denominator = issue_words.len().max(1) as f64;
    let mut best: Option<(usize, f64)> = None;
    for (i, name) in cluster_names.into_iter().enumerate() {
        let name_words: HashSet<String> = tokens(name).into_iter().collect();
        let score = issue_words.intersection(&name_words).count() as f64 / denominator;
        if score > KEYWORD_MATCH_THRESHOLD && best.is_none_or(|(_, b)| score > b) {
            best = Some((i, score));
        }
    }
    best.map(|(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cluster_sharing_most_words_wins() {
        let names = [
            "PTO balance wrong after accrual",
            "Clock-in button unresponsive on Android",
        ];
        assert_eq!(
            keyword_match("Android clock-in button needs several taps", names),
            Some(1)
        );
    }

    #[test]
    fn overlap_at_or_below_thirty_percent_opens_a_new_cluster() {
        // 3 of 10 words shared = 0.3, which is not above the threshold.
        let names = ["alpha beta gamma"];
        assert_eq!(keyword_match("alpha beta gamma d e f g h i j", names), None);
        assert_eq!(
            keyword_match("alpha beta gamma d e f g h i", names),
            Some(0)
        );
        assert_eq!(keyword_match("anything", []), None);
    }
}
