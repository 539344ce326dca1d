//! Sentence embeddings with all-MiniLM-L6-v2, run in-process on the CPU with candle.
//!
//! The model files (`config.json`, `model.safetensors`, `tokenizer.json`) are fetched at set-up
//! time by `make model` into `.cache/models/all-MiniLM-L6-v2` (never at run time: production
//! machines have no network to a model hub). [`Embedder::embed`] tokenizes a batch, runs the
//! BERT encoder, mean-pools the token vectors over the attention mask and L2-normalizes, which
//! is what sentence-transformers does for this model; cosine similarity is then a dot product.
//!
//! `EMBEDDING_KIND=static` selects the [`distilled`] version of the same model instead: one
//! vector per vocabulary token, distilled from the encoder by `make model`, summed per text.
//! Hundreds of times faster, somewhat less accurate (`make eval`, `make bench-analyzer`); for
//! backfills where throughput matters more than the last points of accuracy. Vectors of the
//! two kinds live in different spaces: each is stored with its [`Embedder::model_name`].

pub mod distilled;

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{BertModel, Config};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use tokenizers::{Tokenizer, TruncationParams};

/// Length of every embedding.
pub const DIM: usize = 384;
/// The model's name as stored with every issue it analyzed.
pub const MODEL_NAME: &str = "all-MiniLM-L6-v2";
/// The distilled (static) model's name, stored the same way.
pub const STATIC_MODEL_NAME: &str = "all-MiniLM-L6-v2-static";
/// The environment variable choosing the kind of embedder: `encoder` (default) or `static`.
pub const KIND_ENV: &str = "EMBEDDING_KIND";
/// Where `make model` puts the model, relative to the repository root.
pub const DEFAULT_MODEL_DIR: &str = ".cache/models/all-MiniLM-L6-v2";
/// The environment variable that overrides [`DEFAULT_MODEL_DIR`].
pub const MODEL_DIR_ENV: &str = "EMBEDDING_MODEL_DIR";
/// Tokens kept per text: sentence-transformers' `max_seq_length` for this model.
pub const MAX_TOKENS: usize = 256;
/// Tokens (padding included) run through the encoder in one pass. Bigger passes keep the
/// matrix products efficient; texts of similar length share a pass, so little of it is padding.
const PASS_TOKENS: usize = 4096;
/// Texts in one pass at most (a pass of very short texts would otherwise be thousands wide).
const PASS_TEXTS: usize = 256;

/// A text's token ids and attention mask, unpadded.
type Encoded = (Vec<u32>, Vec<u32>);

/// Which embedder: the transformer encoder or its distilled token table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Encoder,
    Static,
}

impl Kind {
    /// The kind named by `EMBEDDING_KIND` (unset or empty: the encoder).
    pub fn from_env() -> Result<Self, EmbedError> {
        Self::parse(&std::env::var(KIND_ENV).unwrap_or_default())
    }

    /// The name stored with the vectors of this kind (see [`Embedder::model_name`]).
    pub fn model_name(self) -> &'static str {
        match self {
            Kind::Encoder => MODEL_NAME,
            Kind::Static => STATIC_MODEL_NAME,
        }
    }

    /// Whether the files this kind loads are in `dir` (without loading them).
    pub fn present_in(self, dir: &Path) -> bool {
        match self {
            Kind::Encoder => model_present(dir),
            Kind::Static => {
                dir.join(distilled::FILE).is_file() && dir.join("tokenizer.json").is_file()
            }
        }
    }

    /// `encoder` (or nothing) or `static`.
    pub fn parse(value: &str) -> Result<Self, EmbedError> {
        match value.trim() {
            "" | "encoder" => Ok(Kind::Encoder),
            "static" => Ok(Kind::Static),
            other => Err(EmbedError::Kind(other.to_string())),
        }
    }
}

/// Why the model could not be loaded or run.
#[derive(Debug, thiserror::Error)]
pub enum EmbedError {
    #[error("embedding model file {path} is missing (run `make model`, or set {MODEL_DIR_ENV})")]
    Missing { path: PathBuf },
    #[error("embedding model config {path} is invalid: {reason}")]
    Config { path: PathBuf, reason: String },
    #[error("tokenizer: {0}")]
    Tokenizer(String),
    #[error("model: {0}")]
    Model(#[from] candle_core::Error),
    #[error("{KIND_ENV}={0:?} is not a kind of embedder (encoder or static)")]
    Kind(String),
    #[error("only the encoder can be distilled")]
    NotAnEncoder,
}

/// A loaded sentence-embedding model. Cheap to share behind an `Arc`; `embed` takes `&self`.
pub struct Embedder {
    backend: Backend,
    tokenizer: Tokenizer,
}

enum Backend {
    Encoder {
        model: Box<BertModel>,
        device: Device,
    },
    Static(distilled::Table),
}

impl std::fmt::Debug for Embedder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Embedder")
            .field("model", &self.model_name())
            .finish_non_exhaustive()
    }
}

/// The model directory to use: `EMBEDDING_MODEL_DIR` when set, otherwise
/// [`DEFAULT_MODEL_DIR`] found in the current directory or one of its parents (tests run in a
/// crate's directory, the services in the repository root).
pub fn model_dir_from_env() -> PathBuf {
    if let Some(dir) = std::env::var_os(MODEL_DIR_ENV).filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    cwd.ancestors()
        .map(|a| a.join(DEFAULT_MODEL_DIR))
        .find(|d| d.join("model.safetensors").is_file())
        .unwrap_or_else(|| cwd.join(DEFAULT_MODEL_DIR))
}

/// Whether the model files are present in `dir`.
pub fn model_present(dir: &Path) -> bool {
    ["config.json", "model.safetensors", "tokenizer.json"]
        .iter()
        .all(|f| dir.join(f).is_file())
}

/// The tokenizer in `dir`, unpadded and cut at [`MAX_TOKENS`].
fn load_tokenizer(dir: &Path) -> Result<Tokenizer, EmbedError> {
    let path = dir.join("tokenizer.json");
    if !path.is_file() {
        return Err(EmbedError::Missing { path });
    }
    let mut tokenizer =
        Tokenizer::from_file(&path).map_err(|e| EmbedError::Tokenizer(e.to_string()))?;
    // The shipped tokenizer pads every text to 128 tokens. Texts are tokenized unpadded and
    // padded here, per pass, only to the longest text of the pass: the same result (padding is
    // masked out) for a fraction of the work.
    tokenizer.with_padding(None);
    tokenizer
        .with_truncation(Some(TruncationParams {
            max_length: MAX_TOKENS,
            ..TruncationParams::default()
        }))
        .map_err(|e| EmbedError::Tokenizer(e.to_string()))?;
    Ok(tokenizer)
}

/// The process's embedder, loaded from [`model_dir_from_env`] on first use and shared by
/// everything that embeds (the analyzer and the issue embeddings it stores), so the 90 MB
/// model is in memory once. A failed load is remembered too: the files do not appear later.
pub fn shared() -> Result<Arc<Embedder>, Arc<EmbedError>> {
    static SHARED: OnceLock<Result<Arc<Embedder>, Arc<EmbedError>>> = OnceLock::new();
    SHARED
        .get_or_init(|| Embedder::from_env().map(Arc::new).map_err(Arc::new))
        .clone()
}

impl Embedder {
    /// Loads the kind of model `EMBEDDING_KIND` names from [`model_dir_from_env`].
    pub fn from_env() -> Result<Self, EmbedError> {
        Self::load_kind(&model_dir_from_env(), Kind::from_env()?)
    }

    /// Loads the encoder or the distilled table (`make model` writes both) from `dir`.
    pub fn load_kind(dir: &Path, kind: Kind) -> Result<Self, EmbedError> {
        match kind {
            Kind::Encoder => Self::load(dir),
            Kind::Static => Ok(Embedder {
                backend: Backend::Static(distilled::Table::load(&dir.join(distilled::FILE))?),
                tokenizer: load_tokenizer(dir)?,
            }),
        }
    }

    /// The encoder or the distilled table.
    pub fn kind(&self) -> Kind {
        match self.backend {
            Backend::Encoder { .. } => Kind::Encoder,
            Backend::Static(_) => Kind::Static,
        }
    }

    /// The name stored with the vectors this embedder makes.
    pub fn model_name(&self) -> &'static str {
        self.kind().model_name()
    }

    /// Distills the encoder into a static table and writes it to `dir`'s [`distilled::FILE`]
    /// (`make model` does this once; a few minutes on two cores). `progress` hears (tokens
    /// done, of).
    pub fn distill_into(
        &self,
        dir: &Path,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<(), EmbedError> {
        if !matches!(self.backend, Backend::Encoder { .. }) {
            return Err(EmbedError::NotAnEncoder);
        }
        let id = |token: &str| {
            self.tokenizer
                .token_to_id(token)
                .ok_or_else(|| EmbedError::Tokenizer(format!("no {token} token")))
        };
        let (cls, sep) = (id("[CLS]")?, id("[SEP]")?);
        // [PAD], [UNK], [CLS], [SEP], [MASK] and the [unusedN] slots carry no meaning.
        let special = |token_id: u32| {
            self.tokenizer
                .id_to_token(token_id)
                .is_none_or(|t| t.starts_with('[') && t.ends_with(']'))
        };
        let table = distilled::Table::distill(
            self.tokenizer.get_vocab_size(true),
            special,
            (cls, sep),
            |texts| self.encode_pass(texts),
            progress,
        )?;
        table.save(&dir.join(distilled::FILE))
    }

    /// Loads `config.json`, `model.safetensors` and `tokenizer.json` from `dir`.
    pub fn load(dir: &Path) -> Result<Self, EmbedError> {
        let file = |name: &str| {
            let path = dir.join(name);
            if path.is_file() {
                Ok(path)
            } else {
                Err(EmbedError::Missing { path })
            }
        };
        let config_path = file("config.json")?;
        let weights_path = file("model.safetensors")?;

        let config_text =
            std::fs::read_to_string(&config_path).map_err(|e| EmbedError::Config {
                path: config_path.clone(),
                reason: e.to_string(),
            })?;
        let config: Config =
            serde_json::from_str(&config_text).map_err(|e| EmbedError::Config {
                path: config_path.clone(),
                reason: e.to_string(),
            })?;

        let device = Device::Cpu;
        // Loaded into memory rather than memory-mapped: mapping needs `unsafe`, and 90 MB is
        // read once at start-up.
        let tensors = candle_core::safetensors::load(&weights_path, &device)?;
        let vb = VarBuilder::from_tensors(tensors, DType::F32, &device);
        let model = BertModel::load(vb, &config)?;
        Ok(Embedder {
            backend: Backend::Encoder {
                model: Box::new(model),
                device,
            },
            tokenizer: load_tokenizer(dir)?,
        })
    }

    /// The unit-length embedding of each text, in input order, reading up to [`MAX_TOKENS`]
    /// tokens of each.
    pub fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, EmbedError> {
        self.embed_truncated(texts, MAX_TOKENS)
    }

    /// [`Embedder::embed`] reading only the first `max_tokens` tokens of each text (special
    /// tokens included; at most [`MAX_TOKENS`]). The encoder's cost grows with the tokens it
    /// reads, so callers that know where the meaning is (the start of a sentence, the title
    /// and opening of an issue) save most of it.
    pub fn embed_truncated(
        &self,
        texts: &[&str],
        max_tokens: usize,
    ) -> Result<Vec<Vec<f32>>, EmbedError> {
        let encoded = self.tokenize(texts, max_tokens)?;
        if let Backend::Static(table) = &self.backend {
            return Ok(encoded.iter().map(|(ids, _)| table.embed(ids)).collect());
        }
        // Texts of similar length share a pass so little compute goes to padding.
        let mut order: Vec<usize> = (0..texts.len()).collect();
        order.sort_by_key(|&i| encoded[i].0.len());
        let mut out = vec![Vec::new(); texts.len()];
        let mut start = 0;
        while start < order.len() {
            // Sorted by length, so the last text of a pass is its longest.
            let mut end = start + 1;
            while end < order.len()
                && end - start < PASS_TEXTS
                && (end + 1 - start) * encoded[order[end]].0.len() <= PASS_TOKENS
            {
                end += 1;
            }
            let pass: Vec<&Encoded> = order[start..end].iter().map(|&i| &encoded[i]).collect();
            for (&i, v) in order[start..end].iter().zip(self.encode_pass(&pass)?) {
                out[i] = v;
            }
            start = end;
        }
        Ok(out)
    }

    /// Number of tokens the encoder reads for `text` (special tokens included), after
    /// truncation to `max_tokens`.
    pub fn token_count(&self, text: &str, max_tokens: usize) -> Result<usize, EmbedError> {
        Ok(self.tokenize(&[text], max_tokens)?[0].0.len())
    }

    /// One encoder pass over `texts`, padded to the longest of them.
    pub fn embed_batch(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, EmbedError> {
        let encoded = self.tokenize(texts, MAX_TOKENS)?;
        self.encode_pass(&encoded.iter().collect::<Vec<_>>())
    }

    /// Token ids and attention masks of `texts`, unpadded, cut to `max_tokens` (the closing
    /// `[SEP]` kept).
    fn tokenize(&self, texts: &[&str], max_tokens: usize) -> Result<Vec<Encoded>, EmbedError> {
        let max_tokens = max_tokens.clamp(2, MAX_TOKENS);
        let encodings = self
            .tokenizer
            .encode_batch(texts.to_vec(), true)
            .map_err(|e| EmbedError::Tokenizer(e.to_string()))?;
        Ok(encodings
            .iter()
            .map(|e| {
                let mut ids = e.get_ids().to_vec();
                let mut mask = e.get_attention_mask().to_vec();
                if ids.len() > max_tokens {
                    let sep = ids[ids.len() - 1];
                    ids.truncate(max_tokens);
                    ids[max_tokens - 1] = sep;
                    mask.truncate(max_tokens);
                }
                (ids, mask)
            })
            .collect())
    }

    /// Runs the encoder once over already tokenized texts, padding them to the longest (the
    /// static table sums each text's rows instead).
    fn encode_pass(&self, texts: &[&Encoded]) -> Result<Vec<Vec<f32>>, EmbedError> {
        let (model, device) = match &self.backend {
            Backend::Encoder { model, device } => (model, device),
            Backend::Static(table) => {
                return Ok(texts.iter().map(|(ids, _)| table.embed(ids)).collect())
            }
        };
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        let rows = texts.len();
        let len = texts.iter().map(|(ids, _)| ids.len()).max().unwrap_or(0);
        let mut ids = vec![0u32; rows * len];
        let mut mask = vec![0u32; rows * len];
        for (r, (i, m)) in texts.iter().map(|t| (&t.0, &t.1)).enumerate() {
            ids[r * len..r * len + i.len()].copy_from_slice(i);
            mask[r * len..r * len + m.len()].copy_from_slice(m);
        }
        let ids = Tensor::from_vec(ids, (rows, len), device)?;
        let mask = Tensor::from_vec(mask, (rows, len), device)?;
        let type_ids = ids.zeros_like()?;
        let hidden = model.forward(&ids, &type_ids, Some(&mask))?;
        Ok(mean_pool_normalized(&hidden, &mask)?.to_vec2::<f32>()?)
    }
}

/// The mean of the token vectors where `mask` is 1 (padding excluded), scaled to unit length.
fn mean_pool_normalized(hidden: &Tensor, mask: &Tensor) -> candle_core::Result<Tensor> {
    let mask = mask.to_dtype(DType::F32)?.unsqueeze(2)?;
    let summed = hidden.broadcast_mul(&mask)?.sum(1)?;
    let counts = mask.sum(1)?.clamp(1e-9, f64::MAX)?;
    let mean = summed.broadcast_div(&counts)?;
    let norms = mean.sqr()?.sum_keepdim(1)?.sqrt()?.clamp(1e-12, f64::MAX)?;
    mean.broadcast_div(&norms)
}

/// The dot product; for unit vectors, their cosine similarity.
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The model, loaded once for all tests of this binary. `make test` fetches it first.
    fn embedder() -> Arc<Embedder> {
        shared().expect("model present: run `make model`")
    }

    #[test]
    fn embeddings_have_384_dimensions_and_unit_length() {
        let v = embedder()
            .embed(&["The clock-in button does nothing.", "Payroll failed."])
            .unwrap();
        assert_eq!(v.len(), 2);
        for e in &v {
            assert_eq!(e.len(), DIM);
            let norm = dot(e, e).sqrt();
            assert!((norm - 1.0).abs() < 1e-4, "norm {norm}");
        }
    }

    #[test]
    fn padding_does_not_change_an_embedding() {
        let short = "Clock in fails";
        let alone = embedder().embed_batch(&[short]).unwrap().remove(0);
        let long = "Our whole team could not clock in this morning because the terminal in the \
                    warehouse kept showing a network error and then froze until we rebooted it";
        // In this batch the short text is padded to the long one's length.
        let padded = embedder().embed_batch(&[short, long]).unwrap().remove(0);
        let diff = alone
            .iter()
            .zip(&padded)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        assert!(diff < 1e-4, "max difference {diff}");
    }

    #[test]
    fn similar_sentences_are_closer_than_dissimilar_ones() {
        let v = embedder()
            .embed(&[
                "Employees cannot clock in on the mobile app.",
                "The app won't let my staff punch in for their shift.",
                "Please send me last month's invoice.",
            ])
            .unwrap();
        let similar = dot(&v[0], &v[1]);
        let dissimilar = dot(&v[0], &v[2]);
        assert!(similar > dissimilar + 0.2, "{similar} vs {dissimilar}");
    }

    #[test]
    fn order_of_the_input_is_kept_across_batches() {
        let texts: Vec<String> = (0..40)
            .map(|i| format!("ticket number {i} {}", "x ".repeat(i % 7)))
            .collect();
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let all = embedder().embed(&refs).unwrap();
        let one = embedder().embed_batch(&[refs[33]]).unwrap().remove(0);
        assert!(dot(&all[33], &one) > 0.9999);
    }

    /// The distilled table `make model` writes beside the encoder.
    fn static_embedder() -> Embedder {
        Embedder::load_kind(&model_dir_from_env(), Kind::Static)
            .expect("static table present: run `make model`")
    }

    #[test]
    fn the_static_table_keeps_the_encoders_sense_of_similarity() {
        let e = static_embedder();
        assert_eq!(e.model_name(), STATIC_MODEL_NAME);
        let v = e
            .embed(&[
                "Employees cannot clock in on the mobile app.",
                "The app won't let my staff punch in for their shift.",
                "Please send me last month's invoice.",
                "Where can I download my invoice for March?",
            ])
            .unwrap();
        for x in &v {
            assert_eq!(x.len(), DIM);
            assert!((dot(x, x).sqrt() - 1.0).abs() < 1e-4);
        }
        // Each sentence is closer to its paraphrase than to the other topic.
        assert!(dot(&v[0], &v[1]) > dot(&v[0], &v[2]) + 0.1);
        assert!(dot(&v[2], &v[3]) > dot(&v[2], &v[1]) + 0.1);
    }

    #[test]
    fn a_misspelt_kind_or_a_missing_table_is_a_clear_error() {
        assert_eq!(Kind::parse("").unwrap(), Kind::Encoder);
        assert_eq!(Kind::parse(" static ").unwrap(), Kind::Static);
        let typo = Kind::parse("statc").unwrap_err().to_string();
        assert!(typo.contains("encoder or static"), "{typo}");
        let missing = Embedder::load_kind(Path::new("/nonexistent/model"), Kind::Static);
        assert!(missing.unwrap_err().to_string().contains("make model"));
        assert!(matches!(
            static_embedder().distill_into(Path::new("/tmp"), &mut |_, _| {}),
            Err(EmbedError::NotAnEncoder)
        ));
    }

    #[test]
    fn a_missing_model_directory_is_a_clear_error() {
        let err = Embedder::load(Path::new("/nonexistent/model")).unwrap_err();
        assert!(err.to_string().contains("make model"), "{err}");
    }
}
