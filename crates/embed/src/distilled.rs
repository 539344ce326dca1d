//! A static (distilled) version of the encoder: one vector per vocabulary token, computed once
//! by running the encoder on that token alone, so that embedding a text is a weighted sum of
//! table rows instead of a transformer pass — hundreds of times cheaper, at some cost in
//! quality (`make eval` measures both).
//!
//! This is the Model2Vec recipe (Tulkens & van Dongen, 2024): each token's row is the encoder's
//! mean-pooled output for `[CLS] token [SEP]`; the rows are centred on their mean (so the
//! direction every token shares does not dominate every sum) and weighted by a smooth inverse
//! frequency, `1e-4 / (1e-4 + p(rank))` with `p` Zipf's law over the vocabulary order (BERT's
//! WordPiece vocabulary lists words roughly by frequency), so "the" and "," count for little and
//! rare, meaningful words for a lot. Special and unused tokens get a zero row.

use crate::{EmbedError, Encoded, DIM};
use candle_core::{Device, Tensor};
use std::collections::HashMap;
use std::path::Path;

/// The file `make model` distills into the model directory.
pub const FILE: &str = "static.safetensors";
/// The tensor's name inside [`FILE`].
const TENSOR: &str = "embeddings";
/// Smooth-inverse-frequency coefficient (Model2Vec's default).
const SIF: f64 = 1e-4;
/// Tokens run through the encoder in one distillation pass.
const PASS: usize = 512;

/// One weighted vector per token id.
#[derive(Clone)]
pub(crate) struct Table {
    rows: Vec<f32>,
    vocab: usize,
}

impl Table {
    /// Reads a table written by [`Table::save`].
    pub(crate) fn load(path: &Path) -> Result<Self, EmbedError> {
        if !path.is_file() {
            return Err(EmbedError::Missing {
                path: path.to_path_buf(),
            });
        }
        let mut tensors = candle_core::safetensors::load(path, &Device::Cpu)?;
        let tensor = tensors.remove(TENSOR).ok_or_else(|| EmbedError::Config {
            path: path.to_path_buf(),
            reason: format!("no tensor named {TENSOR}"),
        })?;
        let (vocab, dim) = tensor.dims2()?;
        if dim != DIM {
            return Err(EmbedError::Config {
                path: path.to_path_buf(),
                reason: format!("{dim} dimensions, expected {DIM}"),
            });
        }
        Ok(Table {
            rows: tensor.flatten_all()?.to_vec1::<f32>()?,
            vocab,
        })
    }

    /// Writes the table as a safetensors file (atomically: a temporary file renamed).
    pub(crate) fn save(&self, path: &Path) -> Result<(), EmbedError> {
        let tensor = Tensor::from_slice(&self.rows, (self.vocab, DIM), &Device::Cpu)?;
        let part = path.with_extension("safetensors.part");
        candle_core::safetensors::save(&HashMap::from([(TENSOR, tensor)]), &part)?;
        // Readable by every user, like the model files beside it (a service may run as another
        // user than the one who ran `make model`).
        let readable = std::os::unix::fs::PermissionsExt::from_mode(0o644);
        std::fs::set_permissions(&part, readable)
            .and_then(|()| std::fs::rename(&part, path))
            .map_err(|e| EmbedError::Config {
                path: path.to_path_buf(),
                reason: e.to_string(),
            })
    }

    /// The unit-length sum of the rows of `ids` (a zero vector when every token is special).
    pub(crate) fn embed(&self, ids: &[u32]) -> Vec<f32> {
        let mut sum = vec![0f32; DIM];
        for &id in ids {
            let id = id as usize;
            if id < self.vocab {
                for (s, r) in sum.iter_mut().zip(&self.rows[id * DIM..(id + 1) * DIM]) {
                    *s += r;
                }
            }
        }
        let norm = sum.iter().map(|x| x * x).sum::<f32>().sqrt();
        if norm > 1e-12 {
            sum.iter_mut().for_each(|x| *x /= norm);
        }
        sum
    }

    /// Distills the table from `encode` (the encoder's mean-pooled output of tokenized texts).
    /// `special` tells which token ids get a zero row; `progress` hears (tokens done, of).
    pub(crate) fn distill(
        vocab: usize,
        special: impl Fn(u32) -> bool,
        (cls, sep): (u32, u32),
        mut encode: impl FnMut(&[&Encoded]) -> Result<Vec<Vec<f32>>, EmbedError>,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<Self, EmbedError> {
        let ids: Vec<u32> = (0..vocab as u32).filter(|&id| !special(id)).collect();
        let mut rows = vec![0f32; vocab * DIM];
        for (done, chunk) in ids.chunks(PASS).enumerate() {
            let inputs: Vec<Encoded> = chunk
                .iter()
                .map(|&id| (vec![cls, id, sep], vec![1, 1, 1]))
                .collect();
            let refs: Vec<&Encoded> = inputs.iter().collect();
            for (&id, v) in chunk.iter().zip(encode(&refs)?) {
                rows[id as usize * DIM..(id as usize + 1) * DIM].copy_from_slice(&v);
            }
            progress(((done + 1) * PASS).min(ids.len()), ids.len());
        }
        // Centre on the mean of the real tokens.
        let mut mean = vec![0f64; DIM];
        for &id in &ids {
            for (m, r) in mean.iter_mut().zip(&rows[id as usize * DIM..]) {
                *m += f64::from(*r);
            }
        }
        mean.iter_mut().for_each(|m| *m /= ids.len().max(1) as f64);
        // Zipf over the vocabulary order: rank k (from 0) has probability 1/(k+2) / H.
        let harmonic: f64 = (0..ids.len()).map(|k| 1.0 / (k as f64 + 2.0)).sum();
        for (rank, &id) in ids.iter().enumerate() {
            let p = 1.0 / (rank as f64 + 2.0) / harmonic;
            let weight = SIF / (SIF + p);
            let row = &mut rows[id as usize * DIM..(id as usize + 1) * DIM];
            for (r, m) in row.iter_mut().zip(&mean) {
                *r = ((f64::from(*r) - m) * weight) as f32;
            }
        }
        Ok(Table { rows, vocab })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fake encoder whose output for `[CLS] t [SEP]` is the unit vector on axis `t % DIM`
    /// plus a shared component, so centring and weighting can be checked by hand.
    fn fake(inputs: &[&Encoded]) -> Result<Vec<Vec<f32>>, EmbedError> {
        Ok(inputs
            .iter()
            .map(|(ids, _)| {
                let mut v = vec![0.0f32; DIM];
                v[ids[1] as usize % DIM] = 1.0;
                v[DIM - 1] += 1.0;
                v
            })
            .collect())
    }

    #[test]
    fn special_tokens_are_zero_and_the_shared_direction_is_removed() {
        let t = Table::distill(10, |id| id < 2, (100, 101), fake, &mut |_, _| {}).unwrap();
        assert!(t.rows[..2 * DIM].iter().all(|&x| x == 0.0));
        // Every real token had +1 on the last axis: centring removes it.
        for id in 2..10 {
            assert!(t.rows[id * DIM + DIM - 1].abs() < 1e-6);
        }
        // Earlier (more frequent) tokens weigh less than later ones.
        assert!(t.rows[2 * DIM + 2] < t.rows[9 * DIM + 9]);
        assert!(t.rows[2 * DIM + 2] > 0.0);
    }

    #[test]
    fn an_embedding_is_the_normalized_sum_of_its_rows() {
        let t = Table::distill(10, |id| id < 2, (100, 101), fake, &mut |_, _| {}).unwrap();
        let v = t.embed(&[0, 5, 5, 1, 999]);
        let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-5);
        assert!(v[5] > 0.9, "{}", v[5]);
        // Only special or unknown tokens: a zero vector, not NaN.
        assert!(t.embed(&[0, 1, 12345]).iter().all(|&x| x == 0.0));
    }

    #[test]
    fn a_saved_table_loads_back_unchanged() {
        let t = Table::distill(10, |id| id < 2, (100, 101), fake, &mut |_, _| {}).unwrap();
        let dir = std::env::temp_dir().join(format!("embed-static-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(FILE);
        t.save(&path).unwrap();
        let back = Table::load(&path).unwrap();
        assert_eq!(back.vocab, 10);
        assert_eq!(back.rows, t.rows);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
