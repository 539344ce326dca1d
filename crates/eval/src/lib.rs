//! Shared pieces of `make eval` and `make bench-analyzer`: data loading from ../shared/data,
//! an embedding cache, splits and metrics.

pub mod clustering_data;
pub mod tfidf;

use anyhow::Context;
use embed::Embedder;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Where the public evaluation data lives, relative to the repository root.
pub const DATA_DIR: &str = "../shared/data";

/// The repository root (the eval binaries may be started from anywhere inside it).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `../shared/data/<rel>` seen from the repository root.
pub fn data_path(rel: &str) -> PathBuf {
    repo_root().join(DATA_DIR).join(rel)
}

/// Reads a CSV file with a header into one map per row.
pub fn read_csv(path: &Path) -> anyhow::Result<Vec<BTreeMap<String, String>>> {
    let mut reader = csv::Reader::from_path(path)
        .with_context(|| format!("reading {} (is ../shared/data there?)", path.display()))?;
    let mut rows = Vec::new();
    for row in reader.deserialize() {
        rows.push(row.with_context(|| format!("parsing {}", path.display()))?);
    }
    Ok(rows)
}

/// Embeds `texts`, reusing the vectors of an earlier run with exactly the same texts (kept in
/// `.cache/eval`, gitignored): embedding thousands of texts takes minutes on two cores.
pub fn embed_cached(
    embedder: &Embedder,
    name: &str,
    texts: &[String],
) -> anyhow::Result<Vec<Vec<f32>>> {
    embed_cached_truncated(embedder, name, texts, embed::MAX_TOKENS)
}

/// [`embed_cached`] reading only the first `max_tokens` tokens of each text.
pub fn embed_cached_truncated(
    embedder: &Embedder,
    name: &str,
    texts: &[String],
    max_tokens: usize,
) -> anyhow::Result<Vec<Vec<f32>>> {
    let mut hasher = Sha256::new();
    hasher.update(embedder.model_name());
    hasher.update(max_tokens.to_le_bytes());
    for t in texts {
        hasher.update((t.len() as u64).to_le_bytes());
        hasher.update(t);
    }
    cached_rows(name, hasher, texts.len(), embed::DIM, || {
        let started = std::time::Instant::now();
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let mut vectors = Vec::with_capacity(texts.len());
        for chunk in refs.chunks(512) {
            vectors.extend(embedder.embed_truncated(chunk, max_tokens)?);
            eprint!("\r  embedding {name}: {}/{}", vectors.len(), texts.len());
        }
        eprintln!(" ({:.0} s)", started.elapsed().as_secs_f64());
        Ok(vectors)
    })
}

/// `rows` rows of `width` numbers that `make` computes, kept in `.cache/eval` (gitignored)
/// under `name` and the hash of everything they were computed from, and read back by a later
/// run that hashes the same.
pub fn cached_rows(
    name: &str,
    inputs: Sha256,
    rows: usize,
    width: usize,
    make: impl FnOnce() -> anyhow::Result<Vec<Vec<f32>>>,
) -> anyhow::Result<Vec<Vec<f32>>> {
    let key = hex::encode(&inputs.finalize()[..8]);
    let dir = repo_root().join(".cache/eval");
    let path = dir.join(format!("{name}-{key}.f32"));
    if let Ok(bytes) = std::fs::read(&path) {
        if bytes.len() == rows * width * 4 {
            return Ok(bytes
                .chunks_exact(width * 4)
                .map(|row| {
                    row.chunks_exact(4)
                        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                        .collect()
                })
                .collect());
        }
    }
    let made = make()?;
    anyhow::ensure!(
        made.len() == rows && made.iter().all(|r| r.len() == width),
        "{name}: expected {rows} rows of {width}"
    );
    std::fs::create_dir_all(&dir)?;
    let bytes: Vec<u8> = made
        .iter()
        .flatten()
        .flat_map(|v| v.to_le_bytes())
        .collect();
    std::fs::write(&path, bytes)?;
    Ok(made)
}

/// A deterministic shuffle (xorshift), so every run makes the same splits.
pub fn shuffled(n: usize, seed: u64) -> Vec<usize> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut idx: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        let j = (next() % (i as u64 + 1)) as usize;
        idx.swap(i, j);
    }
    idx
}

/// Splits example indices into (train, validation), taking `share` of each class for
/// validation: hyper-parameters are chosen on it, never on a test split.
pub fn stratified_split(labels: &[usize], share: f64, seed: u64) -> (Vec<usize>, Vec<usize>) {
    let mut by_class: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for i in shuffled(labels.len(), seed) {
        by_class.entry(labels[i]).or_default().push(i);
    }
    let (mut train, mut val) = (Vec::new(), Vec::new());
    for members in by_class.values() {
        let k = ((members.len() as f64) * share).round() as usize;
        val.extend_from_slice(&members[..k]);
        train.extend_from_slice(&members[k..]);
    }
    (train, val)
}

/// `k` examples of each class, chosen at random with `seed`.
pub fn k_per_class(labels: &[usize], k: usize, seed: u64) -> Vec<usize> {
    let mut taken: BTreeMap<usize, usize> = BTreeMap::new();
    shuffled(labels.len(), seed)
        .into_iter()
        .filter(|&i| {
            let n = taken.entry(labels[i]).or_default();
            *n += 1;
            *n <= k
        })
        .collect()
}

/// Share of predictions equal to the truth.
pub fn accuracy(predicted: &[usize], truth: &[usize]) -> f64 {
    let right = predicted.iter().zip(truth).filter(|(p, t)| p == t).count();
    right as f64 / truth.len().max(1) as f64
}

/// F1 of one class (0 when it is never predicted correctly).
pub fn class_f1(predicted: &[usize], truth: &[usize], class: usize) -> f64 {
    let (mut tp, mut fp, mut fn_) = (0.0, 0.0, 0.0);
    for (&p, &t) in predicted.iter().zip(truth) {
        match (p == class, t == class) {
            (true, true) => tp += 1.0,
            (true, false) => fp += 1.0,
            (false, true) => fn_ += 1.0,
            (false, false) => {}
        }
    }
    if tp == 0.0 {
        0.0
    } else {
        2.0 * tp / (2.0 * tp + fp + fn_)
    }
}

/// The unweighted mean of the per-class F1 scores.
pub fn macro_f1(predicted: &[usize], truth: &[usize], classes: usize) -> f64 {
    (0..classes)
        .map(|c| class_f1(predicted, truth, c))
        .sum::<f64>()
        / classes as f64
}

/// The index of the highest value.
pub fn argmax(values: &[f32]) -> usize {
    values
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(b.1))
        .map_or(0, |(i, _)| i)
}

/// The most probable class of each row of probabilities (or scores).
pub fn argmaxes(rows: &[Vec<f32>]) -> Vec<usize> {
    rows.iter().map(|r| argmax(r)).collect()
}

/// Micro-averaged precision, recall and F1 of predicted label sets against true label sets.
pub fn set_prf<T: Ord>(predicted: &[BTreeSet<T>], truth: &[BTreeSet<T>]) -> (f64, f64, f64) {
    let (mut tp, mut np, mut nt) = (0usize, 0usize, 0usize);
    for (p, t) in predicted.iter().zip(truth) {
        tp += p.intersection(t).count();
        np += p.len();
        nt += t.len();
    }
    let precision = tp as f64 / np.max(1) as f64;
    let recall = tp as f64 / nt.max(1) as f64;
    let f1 = if precision + recall > 0.0 {
        2.0 * precision * recall / (precision + recall)
    } else {
        0.0
    };
    (precision, recall, f1)
}

/// A ticket's labelled (category, subcategory) pairs.
pub type Labels = BTreeSet<(String, String)>;

/// The bundled demo tickets and their labels.
pub fn sample_tickets() -> anyhow::Result<Vec<(domain::IncomingTicket, Labels)>> {
    let dir = repo_root().join("services/ingest/data");
    let tickets = std::fs::read_to_string(dir.join("sample_tickets.jsonl"))?;
    let labels = std::fs::read_to_string(dir.join("sample_tickets.labels.jsonl"))?;
    let mut truth: BTreeMap<i64, Labels> = BTreeMap::new();
    for line in labels.lines().filter(|l| !l.trim().is_empty()) {
        let v: serde_json::Value = serde_json::from_str(line)?;
        let id = v["id"].as_i64().context("label without id")?;
        let set = v["issues"]
            .as_array()
            .context("label without issues")?
            .iter()
            .map(|i| {
                (
                    i["category"].as_str().unwrap_or_default().to_string(),
                    i["subcategory"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect();
        truth.insert(id, set);
    }
    let mut out = Vec::new();
    for line in tickets.lines().filter(|l| !l.trim().is_empty()) {
        let v: serde_json::Value = serde_json::from_str(line)?;
        let id = v["id"].as_i64().context("ticket without id")?;
        let created: chrono::DateTime<chrono::Utc> = v["created_at"]
            .as_str()
            .context("ticket without created_at")?
            .parse()?;
        let ticket = domain::IncomingTicket {
            source: domain::SourceKind::Zendesk,
            source_id: id.to_string(),
            subject: v["subject"].as_str().map(str::to_string),
            description: v["description"].as_str().map(str::to_string),
            public_comments: None,
            internal_notes: None,
            requester_email: None,
            requester_org_name: None,
            source_org_id: None,
            tags: vec![],
            status: None,
            priority: None,
            created_at: created,
            updated_at: created,
        };
        out.push((ticket, truth.remove(&id).unwrap_or_default()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stratified_split_keeps_every_class_on_both_sides() {
        let labels: Vec<usize> = (0..100).map(|i| i % 4).collect();
        let (train, val) = stratified_split(&labels, 0.2, 7);
        assert_eq!(train.len() + val.len(), 100);
        for c in 0..4 {
            assert_eq!(val.iter().filter(|&&i| labels[i] == c).count(), 5);
        }
    }

    #[test]
    fn macro_f1_weighs_each_class_equally() {
        // Class 0: perfect; class 1: never predicted.
        let f1 = macro_f1(&[0, 0, 0, 0], &[0, 0, 0, 1], 2);
        assert!((f1 - (6.0 / 7.0) / 2.0).abs() < 1e-9, "{f1}");
    }

    #[test]
    fn set_precision_and_recall_count_pairs() {
        let p = vec![BTreeSet::from([1, 2]), BTreeSet::new()];
        let t = vec![BTreeSet::from([1]), BTreeSet::from([3])];
        let (precision, recall, _) = set_prf(&p, &t);
        assert_eq!((precision, recall), (0.5, 0.5));
    }
}
