//! The clustering data sets of `make eval`: Banking77 and CLINC150 in-scope texts with their
//! intents, embedded once (cached in `.cache/eval`).

use crate::{data_path, embed_cached, read_csv};
use anyhow::Context;
use embed::Embedder;
use std::collections::BTreeMap;

/// Texts, their embeddings and their true intents (as indices).
pub struct Labelled {
    pub name: &'static str,
    pub texts: Vec<String>,
    pub vectors: Vec<Vec<f32>>,
    pub labels: Vec<usize>,
}

fn index_labels(names: impl IntoIterator<Item = String>) -> (Vec<usize>, usize) {
    let mut index: BTreeMap<String, usize> = BTreeMap::new();
    let labels = names
        .into_iter()
        .map(|n| {
            let next = index.len();
            *index.entry(n).or_insert(next)
        })
        .collect();
    (labels, index.len())
}

/// A Banking77 split (`train` or `test`).
pub fn banking77(embedder: &Embedder, split: &'static str) -> anyhow::Result<Labelled> {
    let rows = read_csv(&data_path(&format!("banking77/{split}.csv")))?;
    let name = if split == "train" {
        "banking77-train"
    } else {
        "banking77-test"
    };
    embedded(
        embedder,
        name,
        rows.iter()
            .map(|r| (r["text"].clone(), r["category"].clone())),
    )
}

/// A CLINC150 in-scope split (`val` or `test`; out-of-scope queries are left out).
pub fn clinc150(embedder: &Embedder, split: &'static str) -> anyhow::Result<Labelled> {
    let path = data_path("clinc150/data_full.json");
    let all: BTreeMap<String, Vec<(String, String)>> = serde_json::from_str(
        &std::fs::read_to_string(&path)
            .with_context(|| format!("reading {} (is ../shared/data there?)", path.display()))?,
    )?;
    let rows = all.get(split).context("no such CLINC150 split")?;
    let name = if split == "val" {
        "clinc150-val"
    } else {
        "clinc150-test"
    };
    embedded(embedder, name, rows.iter().cloned())
}

/// (text, label) rows as a [`Labelled`] set, embedded (through the eval cache) under `name`.
fn embedded(
    embedder: &Embedder,
    name: &'static str,
    rows: impl Iterator<Item = (String, String)>,
) -> anyhow::Result<Labelled> {
    let (texts, names): (Vec<String>, Vec<String>) = rows.unzip();
    let (labels, _) = index_labels(names);
    let vectors = embed_cached(embedder, name, &texts)?;
    Ok(Labelled {
        name,
        texts,
        vectors,
        labels,
    })
}
