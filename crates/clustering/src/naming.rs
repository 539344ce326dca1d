//! Offline cluster names: the most distinctive terms of each cluster (c-TF-IDF: a term's
//! frequency in the cluster, weighted by how rare it is across the subcategory's clusters)
//! and the most central issue summary that carries them.

use crate::centroid::Centroid;
use domain::cleaning::{awkward_start, problem_statement, short_statement};
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

/// Words a cluster name has at most ("X2 terminal loses Wi-Fi after firmware 3.2"). At 8,
/// 5 of the demo's 30 biggest names were cut mid-phrase ("Web app and the phones have the
/// right").
pub const NAME_WORDS: usize = 10;

/// Names a cluster from its members' summaries and embeddings. Each summary is made a short
/// statement ([`domain::cleaning::short_statement`]: no greeting or opener, identifiers
/// masked, first clause, no first-person framing); the name is the statement of the member
/// closest to the cluster's mean direction, with a bonus for each distinctive term it carries
/// and a penalty for a statement that opens with a pronoun or a question word, says too
/// little, or had to be cut short. The summary states the problem in the central member's words and the terms reports
/// most often share.
pub fn offline_name(
    summaries: &[&str],
    vectors: &[&[f32]],
    centroid: &Centroid,
    terms: &[String],
) -> Option<OfflineName> {
    let statements: Vec<String> = summaries
        .iter()
        .map(|s| short_statement(s, NAME_WORDS))
        .collect();
    let best = (0..summaries.len())
        .map(|i| {
            let words = content_tokens(&statements[i]);
            let covered = terms.iter().filter(|t| words.contains(t)).count();
            let closeness = vectors.get(i).map_or(0.0, |v| centroid.cosine(v));
            let mut score = closeness + 0.05 * covered as f32;
            if awkward_start(&statements[i]) {
                score -= 0.3;
            }
            if summaries[i].trim_end().ends_with('?') {
                score -= 0.1;
            }
            if words.len() < 2 {
                score -= 0.3;
            }
            // A statement cut at NAME_WORDS reads clipped ("Web app and the phones have
            // the right"): a complete one from a member nearly as central reads better.
            if short_statement(summaries[i], NAME_WORDS + 12) != statements[i] {
                score -= 0.1;
            }
            (i, score)
        })
        .max_by(|a, b| a.1.total_cmp(&b.1).then_with(|| b.0.cmp(&a.0)))?
        .0;
    let name = if statements[best].is_empty() {
        truncate_words(summaries[best], NAME_CHARS)
    } else {
        truncate_words(&statements[best], NAME_CHARS)
    };
    // No count in the words: the cluster grows after it is named, and the page shows it.
    let said = problem_statement(summaries[best], 160);
    let said = said.trim_end_matches(['.', '!', '?']);
    let summary = match terms.len() {
        0 => format!("Customers report: {said}."),
        _ => format!(
            "Customers report: {said}. Reports most often mention {}.",
            join_terms(&terms[..terms.len().min(4)])
        ),
    };
    Some(OfflineName {
        name,
        summary,
        terms: terms.to_vec(),
    })
}

/// "a", "a and b", "a, b and c".
fn join_terms(terms: &[String]) -> String {
    match terms {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// The name of a cluster of one issue: its summary as a short statement (the summary itself
/// when nothing of it is left).
pub fn first_name(summary: &str) -> String {
    let statement = short_statement(summary, NAME_WORDS);
    if statement.split_whitespace().count() >= 2 {
        truncate_words(&statement, NAME_CHARS)
    } else {
        truncate_words(summary, NAME_CHARS)
    }
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
    (named_from < 2 && count >= 2)
        || (named_from < 3 && count >= 3)
        || count >= named_from.saturating_mul(2).max(4)
        || terms_overlap(before, now) < MIN_TERMS_OVERLAP
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
        assert_eq!(
            named.summary,
            "Customers report: Android clock-in button broken. Reports most often mention android \
             and clock-in."
        );
        assert!(offline_name(&[], &[], &centroid, &terms).is_none());
    }

    /// What the product owner's scorer counts as a raw ticket sentence used as a name.
    fn raw(name: &str) -> bool {
        let re = regex::Regex::new(
            r"(?i)^(hi|hello|hey|dear|thanks|thank you|re:|fw:|fwd:|out of office|also|p\.s|sorry|urgent|ok|so|and|but|the\b|our\b|my\b|we\b|i\b)|[?!]$|\[|#\d|\d{4,}",
        )
        .unwrap();
        re.is_match(name.trim()) || name.split_whitespace().count() > 12
    }

    #[test]
    fn names_made_from_raw_ticket_sentences_read_as_problems() {
        let summaries = [
            "Hi, the overtime calc seems wrong",
            "We're a California employer and daily overtime isn't being calculated",
            "Our wall clock (serial TCX2-103977) goes offline several times a day now",
            "I think the garnishment I set up broke payroll",
            "Re: [Request #40153] clocks dropping connection since firmware update",
            "All our Sunday night shift punches are off by an hour",
            "Why is the Q3 941 total different from the register?",
        ];
        for s in summaries {
            let name = first_name(s);
            assert!(!raw(&name), "{s:?} became {name:?}");
            assert!(name.split_whitespace().count() <= NAME_WORDS, "{name}");
        }
        let centroid = Centroid::default();
        let named = offline_name(&summaries, &[], &centroid, &[]).unwrap();
        assert!(!raw(&named.name), "{}", named.name);
        assert!(!named.summary.is_empty());
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
        // Every cluster of two issues or more gets a name of its own.
        assert!(materially_changed(&before, &before, 1, 2));
        assert!(!materially_changed(&before, &before, 2, 2));
        // Doubled since it was named: named again from the larger evidence.
        assert!(materially_changed(&before, &before, 10, 20));
        assert!(!materially_changed(&before, &before, 10, 19));
    }
}
