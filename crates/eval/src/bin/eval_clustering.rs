//! `make eval` (clustering part): the semantic clusterer against the seed's keyword matcher
//! on Banking77 test and CLINC150 in-scope test, each data set clustered as the issues of one
//! subcategory without being told the number of intents.
//!
//! Issues arrive one at a time in a fixed random order, exactly as the service sees them: each
//! joins the most similar cluster or opens one, consolidation runs every 500 issues and once at
//! the end ([`clustering::Stream`], the same code the service runs over PostgreSQL).
//!
//! `eval-clustering tune [JOINS] [MERGES]` (comma-separated) prints the threshold grid on
//! Banking77 train (whole, and 40 per intent = the test split's size) and CLINC150 validation,
//! where the defaults of [`clustering::Thresholds`] were chosen; test splits are only scored.

use clustering::metrics::{
    adjusted_rand, changed_share, cluster_count, singleton_share, v_measure,
};
use clustering::{Params, Stream, Thresholds};
use domain::clustering::keyword_match;
use eval::clustering_data::{banking77, clinc150, Labelled};
use std::time::Instant;

/// Consolidation runs after every this many issues, as a busy service's schedule would.
const CONSOLIDATE_EVERY: usize = 500;
/// The fixed arrival order.
const ORDER_SEED: u64 = 5;

struct Scores {
    v: f64,
    ari: f64,
    clusters: usize,
    singletons: f64,
    changed: f64,
}

fn score(truth: &[usize], predicted: &[usize], changed: f64) -> Scores {
    Scores {
        v: v_measure(truth, predicted),
        ari: adjusted_rand(truth, predicted),
        clusters: cluster_count(predicted),
        singletons: singleton_share(predicted),
        changed,
    }
}

/// Streams the data set in a fixed random order, in two halves; returns the scores at the
/// end and the share of first-half issues whose cluster id changed during the second half.
fn semantic(data: &Labelled, params: Params) -> Scores {
    let order = eval::shuffled(data.vectors.len(), ORDER_SEED);
    let half = order.len() / 2;
    let mut stream = Stream::new(params);
    for &i in &order[..half] {
        stream.add(&data.vectors[i]);
    }
    stream.consolidate();
    let first = stream.current();
    for &i in &order[half..] {
        stream.add(&data.vectors[i]);
    }
    stream.consolidate();
    let now = stream.current();
    let truth: Vec<usize> = order.iter().map(|&i| data.labels[i]).collect();
    score(
        &truth,
        &stream.labels(),
        changed_share(&first, &now[..half]),
    )
}

/// The seed's matcher: an issue joins the cluster (largest first) whose name shares more than
/// 30 % of its words, else opens a cluster named after it. It never merges, so no issue
/// changes cluster.
fn keywords(data: &Labelled) -> Scores {
    let order = eval::shuffled(data.texts.len(), ORDER_SEED);
    let mut names: Vec<String> = Vec::new();
    let mut sizes: Vec<usize> = Vec::new();
    let mut assigned = Vec::with_capacity(order.len());
    for &i in &order {
        let mut by_size: Vec<usize> = (0..names.len()).collect();
        by_size.sort_by_key(|&c| std::cmp::Reverse(sizes[c]));
        let text = &data.texts[i];
        let cluster = match keyword_match(text, by_size.iter().map(|&c| names[c].as_str())) {
            Some(k) => by_size[k],
            None => {
                names.push(domain::text::truncate_words(text, 100));
                sizes.push(0);
                names.len() - 1
            }
        };
        sizes[cluster] += 1;
        assigned.push(cluster);
    }
    let truth: Vec<usize> = order.iter().map(|&i| data.labels[i]).collect();
    score(&truth, &assigned, 0.0)
}

fn params(t: Thresholds) -> Params {
    Params {
        join: t.join,
        merge: t.merge,
        consolidate_every: CONSOLIDATE_EVERY,
    }
}

fn row(dataset: &str, method: &str, s: &Scores, reference: &str) {
    println!(
        "| {dataset} | {method} | {:.3} | {:.3} | {} | {:.1} % | {:.1} % | {reference} |",
        s.v,
        s.ari,
        s.clusters,
        100.0 * s.singletons,
        100.0 * s.changed
    );
}

fn header(first: &str) {
    println!();
    println!(
        "| {first} | method | V-measure | ARI | clusters | in singletons | first half moved | reference |"
    );
    println!("|---|---|---|---|---|---|---|---|");
}

fn tune(embedder: &embed::Embedder) -> anyhow::Result<()> {
    let train = banking77(embedder, "train")?;
    // 40 per intent: the size of the test split (3,080), drawn from train.
    let pick = eval::k_per_class(&train.labels, 40, 77);
    let small = Labelled {
        name: "banking77-train-3080",
        texts: pick.iter().map(|&i| train.texts[i].clone()).collect(),
        vectors: pick.iter().map(|&i| train.vectors[i].clone()).collect(),
        labels: pick.iter().map(|&i| train.labels[i]).collect(),
    };
    let sets = [train, small, clinc150(embedder, "val")?];
    let joins: Vec<f32> = std::env::args()
        .nth(2)
        .map_or(vec![0.65, 0.7, 0.75, 0.8], |a| {
            a.split(',').filter_map(|x| x.parse().ok()).collect()
        });
    let merges: Vec<f32> = std::env::args()
        .nth(3)
        .map_or(vec![0.5, 0.55, 0.6, 0.65], |a| {
            a.split(',').filter_map(|x| x.parse().ok()).collect()
        });
    header("tuning set");
    for &join in &joins {
        for &merge in &merges {
            let t = Thresholds {
                join,
                merge,
                ..Thresholds::default()
            };
            for data in &sets {
                let started = Instant::now();
                let s = semantic(data, params(t));
                row(
                    data.name,
                    &format!("join {join}, merge {merge}"),
                    &s,
                    &format!("{:.1} s", started.elapsed().as_secs_f64()),
                );
            }
        }
    }
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let embedder = embed::shared().map_err(|e| anyhow::anyhow!("{e}"))?;
    if std::env::args().nth(1).as_deref() == Some("tune") {
        return tune(&embedder);
    }
    let t = Thresholds::default();
    let method = format!("embeddings (join {}, merge {})", t.join, t.merge);
    header("dataset (test split)");
    let b = banking77(&embedder, "test")?;
    row(
        "Banking77 (3,080, 77 intents)",
        &method,
        &semantic(&b, params(t)),
        "goal V ≥ 0.80; MiniLM + k-means given k=77: V 0.787, ARI 0.489",
    );
    row(
        "Banking77 (3,080, 77 intents)",
        "seed keyword matcher",
        &keywords(&b),
        "TF-IDF + k-means given k: V 0.528",
    );
    let c = clinc150(&embedder, "test")?;
    row(
        "CLINC150 in-scope (4,500, 150 intents)",
        &method,
        &semantic(&c, params(t)),
        "MiniLM + k-means given k=150: V 0.893, ARI 0.666",
    );
    row(
        "CLINC150 in-scope (4,500, 150 intents)",
        "seed keyword matcher",
        &keywords(&c),
        "TF-IDF + k-means given k: V 0.668",
    );
    Ok(())
}
