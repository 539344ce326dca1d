//! Fine-tuning MiniLM as a text classifier: the encoder's transformer layers and a linear head on
//! its mean-pooled, unit-length sentence vector, trained together with cross-entropy and AdamW.
//!
//! candle-transformers' BERT cannot be trained: for contiguous inputs it normalizes with
//! candle-nn's fused layer norm, which has no backward pass. This is the same network written
//! with operations that all have one (a layer norm of means and square roots, softmax of
//! exponentials, exact GELU). The word, position and type embeddings stay frozen — they are most
//! of the parameters and the training sets are small.

use anyhow::Context;
use candle_core::{DType, Device, Tensor, Var, D};
use candle_nn::{AdamW, Optimizer, ParamsAdamW};
use std::collections::HashMap;
use std::path::Path;

const HIDDEN: usize = 384;
const HEADS: usize = 12;
const HEAD_DIM: usize = HIDDEN / HEADS;
const LAYERS: usize = 6;
const EPS: f64 = 1e-12;
/// The head's logits are cosine similarities times this (a temperature; unit vectors).
const SCALE: f64 = 20.0;

/// Training settings.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    pub epochs: usize,
    pub batch: usize,
    pub learning_rate: f64,
    pub weight_decay: f64,
    /// The fraction of the steps over which the learning rate rises from 0 (then falls linearly).
    pub warmup: f64,
    pub seed: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            epochs: 4,
            batch: 16,
            learning_rate: 5e-5,
            weight_decay: 0.01,
            warmup: 0.1,
            seed: 7,
        }
    }
}

/// `y = x wᵀ + b`, as in the checkpoint (`w` is out × in).
struct Linear {
    w: Var,
    b: Var,
}

impl Linear {
    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        x.broadcast_matmul(&self.w.t()?)?.broadcast_add(&self.b)
    }
}

struct Norm {
    w: Var,
    b: Var,
}

impl Norm {
    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        let mean = x.mean_keepdim(D::Minus1)?;
        let centred = x.broadcast_sub(&mean)?;
        let var = centred.sqr()?.mean_keepdim(D::Minus1)?;
        centred
            .broadcast_div(&(var + EPS)?.sqrt()?)?
            .broadcast_mul(&self.w)?
            .broadcast_add(&self.b)
    }
}

struct Layer {
    query: Linear,
    key: Linear,
    value: Linear,
    attention_out: Linear,
    attention_norm: Norm,
    intermediate: Linear,
    output: Linear,
    output_norm: Norm,
}

impl Layer {
    /// `x`: batch × tokens × hidden; `bias`: batch × 1 × 1 × tokens (0 or −10⁹ for padding).
    fn forward(&self, x: &Tensor, bias: &Tensor) -> candle_core::Result<Tensor> {
        let (batch, tokens, _) = x.dims3()?;
        let heads = |t: Tensor| {
            t.reshape((batch, tokens, HEADS, HEAD_DIM))?
                .transpose(1, 2)?
                .contiguous()
        };
        let q = heads(self.query.forward(x)?)?;
        let k = heads(self.key.forward(x)?)?;
        let v = heads(self.value.forward(x)?)?;
        let scores = (q.matmul(&k.t()?)? / (HEAD_DIM as f64).sqrt())?.broadcast_add(bias)?;
        let probabilities = candle_nn::ops::softmax(&scores, D::Minus1)?;
        let context = probabilities
            .matmul(&v)?
            .transpose(1, 2)?
            .reshape((batch, tokens, HIDDEN))?;
        let x = self
            .attention_norm
            .forward(&(self.attention_out.forward(&context)? + x)?)?;
        let h = self.intermediate.forward(&x)?.gelu_erf()?;
        self.output_norm.forward(&(self.output.forward(&h)? + x)?)
    }
}

/// Token ids of a batch, padded with 0, and its mask (1 for a token, 0 for padding).
pub struct Batch {
    ids: Tensor,
    mask: Tensor,
}

impl Batch {
    /// Pads `texts` (token ids, `[CLS]` … `[SEP]`) to the longest of them.
    pub fn new<T: AsRef<[u32]>>(texts: &[T]) -> candle_core::Result<Batch> {
        let rows = texts.len();
        let len = texts
            .iter()
            .map(|t| t.as_ref().len())
            .max()
            .unwrap_or(0)
            .max(1);
        let mut ids = vec![0u32; rows * len];
        let mut mask = vec![0f32; rows * len];
        for (r, t) in texts.iter().map(AsRef::as_ref).enumerate() {
            ids[r * len..r * len + t.len()].copy_from_slice(t);
            mask[r * len..r * len + t.len()].fill(1.0);
        }
        Ok(Batch {
            ids: Tensor::from_vec(ids, (rows, len), &Device::Cpu)?,
            mask: Tensor::from_vec(mask, (rows, len), &Device::Cpu)?,
        })
    }
}

/// MiniLM with a classification head.
pub struct Model {
    word: Tensor,
    position: Tensor,
    token_type: Tensor,
    embedding_norm: Norm,
    layers: Vec<Layer>,
    head: Linear,
}

impl Model {
    /// The checkpoint in `dir` (`model.safetensors` of all-MiniLM-L6-v2) and a head for `classes`
    /// classes, its rows at zero until [`Model::init_head`].
    pub fn load(dir: &Path, classes: usize) -> anyhow::Result<Model> {
        let path = dir.join("model.safetensors");
        let mut tensors: HashMap<String, Tensor> =
            candle_core::safetensors::load(&path, &Device::Cpu)
                .with_context(|| format!("reading {}", path.display()))?;
        let mut take = |name: &str| -> anyhow::Result<Tensor> {
            let t = tensors
                .remove(name)
                .with_context(|| format!("{} has no {name}", path.display()))?;
            Ok(t.to_dtype(DType::F32)?)
        };
        let mut var = |name: &str| -> anyhow::Result<Var> { Ok(Var::from_tensor(&take(name)?)?) };
        let mut linear = |prefix: &str| -> anyhow::Result<Linear> {
            Ok(Linear {
                w: var(&format!("{prefix}.weight"))?,
                b: var(&format!("{prefix}.bias"))?,
            })
        };
        let mut layers = Vec::with_capacity(LAYERS);
        for l in 0..LAYERS {
            let p = format!("encoder.layer.{l}");
            layers.push(Layer {
                query: linear(&format!("{p}.attention.self.query"))?,
                key: linear(&format!("{p}.attention.self.key"))?,
                value: linear(&format!("{p}.attention.self.value"))?,
                attention_out: linear(&format!("{p}.attention.output.dense"))?,
                attention_norm: norm(linear(&format!("{p}.attention.output.LayerNorm"))?),
                intermediate: linear(&format!("{p}.intermediate.dense"))?,
                output: linear(&format!("{p}.output.dense"))?,
                output_norm: norm(linear(&format!("{p}.output.LayerNorm"))?),
            });
        }
        let embedding_norm = norm(linear("embeddings.LayerNorm")?);
        Ok(Model {
            word: take("embeddings.word_embeddings.weight")?,
            position: take("embeddings.position_embeddings.weight")?,
            token_type: take("embeddings.token_type_embeddings.weight")?,
            embedding_norm,
            layers,
            head: Linear {
                w: Var::zeros((classes, HIDDEN), DType::F32, &Device::Cpu)?,
                b: Var::zeros(classes, DType::F32, &Device::Cpu)?,
            },
        })
    }

    /// The trainable parameters.
    fn vars(&self) -> Vec<Var> {
        let mut out = vec![self.embedding_norm.w.clone(), self.embedding_norm.b.clone()];
        for l in &self.layers {
            for lin in [
                &l.query,
                &l.key,
                &l.value,
                &l.attention_out,
                &l.intermediate,
                &l.output,
            ] {
                out.extend([lin.w.clone(), lin.b.clone()]);
            }
            for n in [&l.attention_norm, &l.output_norm] {
                out.extend([n.w.clone(), n.b.clone()]);
            }
        }
        out.extend([self.head.w.clone(), self.head.b.clone()]);
        out
    }

    /// A copy of the trainable parameters, for [`Model::restore`].
    pub fn snapshot(&self) -> candle_core::Result<Vec<Tensor>> {
        self.vars().iter().map(|v| v.as_tensor().copy()).collect()
    }

    /// Puts back parameters taken by [`Model::snapshot`].
    pub fn restore(&self, snapshot: &[Tensor]) -> candle_core::Result<()> {
        for (var, value) in self.vars().iter().zip(snapshot) {
            var.set(value)?;
        }
        Ok(())
    }

    /// The unit-length mean-pooled sentence vectors of a batch (batch × hidden).
    fn embed(&self, batch: &Batch) -> candle_core::Result<Tensor> {
        let (rows, len) = batch.ids.dims2()?;
        let words = self
            .word
            .index_select(&batch.ids.flatten_all()?, 0)?
            .reshape((rows, len, HIDDEN))?;
        let positions = self.position.narrow(0, 0, len)?.unsqueeze(0)?;
        let types = self.token_type.narrow(0, 0, 1)?.unsqueeze(0)?;
        let mut x = self
            .embedding_norm
            .forward(&words.broadcast_add(&positions)?.broadcast_add(&types)?)?;
        let bias = ((batch.mask.clone() - 1.0)? * 1e9)?.reshape((rows, 1, 1, len))?;
        for layer in &self.layers {
            x = layer.forward(&x, &bias)?;
        }
        let mask = batch.mask.unsqueeze(2)?;
        let mean = x
            .broadcast_mul(&mask)?
            .sum(1)?
            .broadcast_div(&mask.sum(1)?)?;
        mean.broadcast_div(&mean.sqr()?.sum_keepdim(1)?.sqrt()?)
    }

    fn logits(&self, batch: &Batch) -> candle_core::Result<Tensor> {
        self.head.forward(&self.embed(batch)?)? * SCALE
    }

    /// Starts the head at the classes' mean vectors (nearest centroid), so training begins
    /// from a sensible classifier rather than from chance.
    pub fn init_head(&self, texts: &[Vec<u32>], y: &[usize], batch: usize) -> anyhow::Result<()> {
        let (rows, _) = self.head.w.dims2()?;
        let mut sums = vec![vec![0f32; HIDDEN]; rows];
        for (chunk, labels) in texts.chunks(batch).zip(y.chunks(batch)) {
            let vectors = self.embed(&Batch::new(chunk)?)?.to_vec2::<f32>()?;
            for (v, &c) in vectors.iter().zip(labels) {
                for (s, x) in sums[c].iter_mut().zip(v) {
                    *s += x;
                }
            }
        }
        for s in &mut sums {
            let norm = s.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-12);
            s.iter_mut().for_each(|x| *x /= norm);
        }
        let flat: Vec<f32> = sums.into_iter().flatten().collect();
        self.head
            .w
            .set(&Tensor::from_vec(flat, (rows, HIDDEN), &Device::Cpu)?)?;
        Ok(())
    }

    /// Class probabilities of each text, in order.
    pub fn probabilities(&self, texts: &[Vec<u32>], batch: usize) -> anyhow::Result<Vec<Vec<f32>>> {
        let mut out = Vec::with_capacity(texts.len());
        for chunk in texts.chunks(batch) {
            let logits = self.logits(&Batch::new(chunk)?)?.detach();
            out.extend(candle_nn::ops::softmax(&logits, D::Minus1)?.to_vec2::<f32>()?);
        }
        Ok(out)
    }

    /// Trains on `texts` with labels `y`; after each epoch `after_epoch(epoch, model)` may look
    /// at the model (to score a validation set) and stop training by returning false.
    pub fn train(
        &self,
        texts: &[Vec<u32>],
        y: &[usize],
        settings: Settings,
        after_epoch: &mut dyn FnMut(usize, &Model) -> anyhow::Result<bool>,
    ) -> anyhow::Result<()> {
        let steps_per_epoch = texts.len().div_ceil(settings.batch);
        let total = (steps_per_epoch * settings.epochs).max(1);
        let warmup = ((total as f64 * settings.warmup) as usize).max(1);
        let mut optimizer = AdamW::new(
            self.vars(),
            ParamsAdamW {
                lr: 0.0,
                weight_decay: settings.weight_decay,
                ..ParamsAdamW::default()
            },
        )?;
        let mut rng = SplitMix(settings.seed);
        let mut step = 0;
        for epoch in 0..settings.epochs {
            let started = std::time::Instant::now();
            let mut order: Vec<usize> = (0..texts.len()).collect();
            for i in (1..order.len()).rev() {
                order.swap(i, (rng.next() % (i as u64 + 1)) as usize);
            }
            let mut loss_sum = 0.0;
            for chunk in order.chunks(settings.batch) {
                let lr = if step < warmup {
                    settings.learning_rate * step as f64 / warmup as f64
                } else {
                    settings.learning_rate * (total - step) as f64 / (total - warmup) as f64
                };
                optimizer.set_learning_rate(lr);
                let refs: Vec<&[u32]> = chunk.iter().map(|&i| texts[i].as_slice()).collect();
                let labels: Vec<u32> = chunk.iter().map(|&i| y[i] as u32).collect();
                let labels = Tensor::from_vec(labels, chunk.len(), &Device::Cpu)?;
                let loss =
                    candle_nn::loss::cross_entropy(&self.logits(&Batch::new(&refs)?)?, &labels)?;
                optimizer.backward_step(&loss)?;
                loss_sum += loss.to_scalar::<f32>()? as f64;
                step += 1;
                eprint!(
                    "\r  fine-tuning: epoch {} step {}/{steps_per_epoch} loss {:.3}",
                    epoch + 1,
                    step - epoch * steps_per_epoch,
                    loss_sum / (step - epoch * steps_per_epoch) as f64
                );
            }
            eprintln!(" ({:.0} s)", started.elapsed().as_secs_f64());
            if !after_epoch(epoch, self)? {
                break;
            }
        }
        Ok(())
    }
}

fn norm(l: Linear) -> Norm {
    Norm { w: l.w, b: l.b }
}

/// A small deterministic generator for shuffling (SplitMix64).
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model_dir() -> std::path::PathBuf {
        embed::model_dir_from_env()
    }

    fn token_ids(texts: &[&str]) -> Vec<Vec<u32>> {
        let embedder = embed::shared().expect("model present: run `make model`");
        embedder.token_ids(texts, 64).unwrap()
    }

    #[test]
    fn the_trainable_network_embeds_as_the_shipped_encoder_does() {
        let texts = [
            "The clock-in button does nothing on Android.",
            "Payroll failed for three employees this week and nobody was told why.",
            "Please add dark mode.",
        ];
        let shipped = embed::shared()
            .unwrap()
            .embed_truncated(&texts, 64)
            .unwrap();
        let model = Model::load(&model_dir(), 2).unwrap();
        let ids = token_ids(&texts);
        // One padded batch: the padding must not change any text's vector.
        let ours = model.embed(&Batch::new(&ids).unwrap()).unwrap();
        let ours = ours.to_vec2::<f32>().unwrap();
        for (a, b) in ours.iter().zip(&shipped) {
            let cosine = embed::dot(a, b);
            assert!(cosine > 0.9999, "cosine {cosine}");
        }
    }

    const TEXTS: [&str; 8] = [
        "The app crashes when I open the schedule.",
        "Please add a dark mode to the dashboard.",
        "Exporting a report gives an error 500.",
        "It would be great to export reports as PDF.",
        "Login fails with a blank screen since the update.",
        "Could you support single sign-on with Okta?",
        "The totals are wrong after I edit a shift.",
        "I would like a way to copy last week's schedule.",
    ];

    /// The mean probability the model gives each text's label.
    fn right(model: &Model, ids: &[Vec<u32>], y: &[usize]) -> f32 {
        let p = model.probabilities(ids, 8).unwrap();
        p.iter().zip(y).map(|(p, &c)| p[c]).sum::<f32>() / y.len() as f32
    }

    #[test]
    fn the_head_starts_as_a_nearest_centroid_classifier() {
        let ids = token_ids(&TEXTS);
        let y = [0, 1, 0, 1, 0, 1, 0, 1]; // bugs and wishes
        let model = Model::load(&model_dir(), 2).unwrap();
        assert!(
            (right(&model, &ids, &y) - 0.5).abs() < 1e-6,
            "a zero head is undecided"
        );
        model.init_head(&ids, &y, 3).unwrap();
        let p = model.probabilities(&ids, 8).unwrap();
        let predicted: Vec<usize> = p.iter().map(|p| crate::argmax(p)).collect();
        assert_eq!(predicted, y);
    }

    #[test]
    fn training_fits_the_labels_and_reaches_the_bottom_layer() {
        // Labels that cut across meaning, from an undecided (zero) head.
        let ids = token_ids(&TEXTS);
        let y = [0, 0, 1, 1, 0, 0, 1, 1];
        let model = Model::load(&model_dir(), 2).unwrap();
        let start = model.snapshot().unwrap();
        let mut epochs = 0;
        let settings = Settings {
            epochs: 10,
            batch: 4,
            learning_rate: 1e-3,
            ..Settings::default()
        };
        model
            .train(&ids, &y, settings, &mut |_, _| {
                epochs += 1;
                Ok(epochs < 8)
            })
            .unwrap();
        assert_eq!(epochs, 8, "training stops when asked");
        let after = right(&model, &ids, &y);
        assert!(after > 0.8, "mean probability of the right label {after}");
        // The first layer's query weights moved: the gradient reached the bottom of the encoder.
        let moved = (model.snapshot().unwrap()[2].clone() - &start[2])
            .unwrap()
            .abs()
            .unwrap()
            .max_all()
            .unwrap()
            .to_scalar::<f32>()
            .unwrap();
        assert!(moved > 1e-5, "first layer moved by {moved}");
        // A snapshot puts it all back.
        model.restore(&start).unwrap();
        assert!((right(&model, &ids, &y) - 0.5).abs() < 1e-6);
    }
}
