//! Classifiers over sentence embeddings: nearest centroid and multinomial logistic regression.
//!
//! Both take unit-length embeddings and class indices `0..classes`. The embedding analyzer uses
//! [`NearestCentroid`] (its scores are cosine similarities, so a fixed "is this about the
//! product at all" threshold means the same thing for every taxonomy); `make eval` measures both
//! on Banking77 and NLBSE'24 and the README says which wins where.

use candle_core::{DType, Device, Tensor, Var};
use candle_nn::{AdamW, Optimizer, ParamsAdamW};

/// Something that scores every class for one embedding (higher is more likely).
pub trait Classifier: Send + Sync {
    /// One score per class.
    fn scores(&self, x: &[f32]) -> Vec<f32>;

    /// The best class, its score and the runner-up's score.
    fn predict(&self, x: &[f32]) -> Prediction {
        Prediction::from_scores(&self.scores(x))
    }
}

/// The outcome of classifying one embedding.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Prediction {
    pub class: usize,
    pub score: f32,
    /// The best score minus the second best: how sure the classifier is.
    pub margin: f32,
}

impl Prediction {
    /// The best of `scores` and its margin over the second best.
    pub fn from_scores(scores: &[f32]) -> Self {
        let mut best = (0, f32::NEG_INFINITY);
        let mut second = f32::NEG_INFINITY;
        for (i, &s) in scores.iter().enumerate() {
            if s > best.1 {
                second = best.1;
                best = (i, s);
            } else if s > second {
                second = s;
            }
        }
        let margin = if second.is_finite() {
            best.1 - second
        } else {
            best.1
        };
        Prediction {
            class: best.0,
            score: best.1,
            margin,
        }
    }
}

/// Why a classifier could not be trained.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    #[error("class {0} has no examples")]
    EmptyClass(usize),
    #[error("no training examples")]
    NoExamples,
    #[error("training failed: {0}")]
    Candle(#[from] candle_core::Error),
}

/// Each class is the normalized mean of its examples; an embedding's score for a class is its
/// cosine similarity to that mean.
#[derive(Debug, Clone)]
pub struct NearestCentroid {
    centroids: Vec<Vec<f32>>,
}

impl NearestCentroid {
    /// The centroids of `x` grouped by `y` (`classes` classes, each with at least one example).
    pub fn fit(x: &[Vec<f32>], y: &[usize], classes: usize) -> Result<Self, TrainError> {
        let dim = x.first().ok_or(TrainError::NoExamples)?.len();
        let mut sums = vec![vec![0.0f32; dim]; classes];
        let mut counts = vec![0usize; classes];
        for (v, &c) in x.iter().zip(y) {
            counts[c] += 1;
            for (s, e) in sums[c].iter_mut().zip(v) {
                *s += e;
            }
        }
        if let Some(empty) = counts.iter().position(|&n| n == 0) {
            return Err(TrainError::EmptyClass(empty));
        }
        for s in &mut sums {
            normalize(s);
        }
        Ok(NearestCentroid { centroids: sums })
    }

    /// Number of classes.
    pub fn classes(&self) -> usize {
        self.centroids.len()
    }
}

impl Classifier for NearestCentroid {
    fn scores(&self, x: &[f32]) -> Vec<f32> {
        self.centroids.iter().map(|c| embed::dot(c, x)).collect()
    }
}

/// Settings of [`LogisticRegression::fit`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LrParams {
    /// Weight decay (L2 regularization) of AdamW.
    pub weight_decay: f64,
    /// Full-batch optimizer steps.
    pub epochs: usize,
    pub learning_rate: f64,
}

impl Default for LrParams {
    fn default() -> Self {
        LrParams {
            weight_decay: 0.01,
            epochs: 300,
            learning_rate: 0.05,
        }
    }
}

/// Multinomial logistic regression (a softmax layer) trained with AdamW on the embeddings,
/// which is what the reference numbers for "MiniLM + logistic regression" use. Scores are class
/// probabilities.
#[derive(Debug, Clone)]
pub struct LogisticRegression {
    /// `classes` rows of `dim` weights.
    weights: Vec<Vec<f32>>,
    bias: Vec<f32>,
}

/// Unit embeddings have coordinates around 1/sqrt(384); scaling them to unit variance lets
/// the optimizer's default step sizes work.
fn input_scale(dim: usize) -> f32 {
    (dim as f32).sqrt()
}

impl LogisticRegression {
    /// Trains on `x` (unit embeddings) labelled `y` in `0..classes`.
    pub fn fit(
        x: &[Vec<f32>],
        y: &[usize],
        classes: usize,
        params: LrParams,
    ) -> Result<Self, TrainError> {
        let dim = x.first().ok_or(TrainError::NoExamples)?.len();
        let device = Device::Cpu;
        let scale = input_scale(dim);
        let flat: Vec<f32> = x.iter().flatten().map(|v| v * scale).collect();
        let xs = Tensor::from_vec(flat, (x.len(), dim), &device)?;
        let ys = Tensor::from_vec(
            y.iter().map(|&c| c as u32).collect::<Vec<_>>(),
            x.len(),
            &device,
        )?;
        let w = Var::zeros((dim, classes), DType::F32, &device)?;
        let b = Var::zeros(classes, DType::F32, &device)?;
        let mut opt = AdamW::new(
            vec![w.clone(), b.clone()],
            ParamsAdamW {
                lr: params.learning_rate,
                weight_decay: params.weight_decay,
                ..ParamsAdamW::default()
            },
        )?;
        for _ in 0..params.epochs {
            let logits = xs.matmul(w.as_tensor())?.broadcast_add(b.as_tensor())?;
            let loss = candle_nn::loss::cross_entropy(&logits, &ys)?;
            opt.backward_step(&loss)?;
        }
        let weights = w.as_tensor().t()?.to_vec2::<f32>()?;
        let bias = b.as_tensor().to_vec1::<f32>()?;
        Ok(LogisticRegression { weights, bias })
    }
}

impl Classifier for LogisticRegression {
    fn scores(&self, x: &[f32]) -> Vec<f32> {
        let scale = input_scale(x.len());
        let logits: Vec<f32> = self
            .weights
            .iter()
            .zip(&self.bias)
            .map(|(w, b)| embed::dot(w, x) * scale + b)
            .collect();
        let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let exp: Vec<f32> = logits.iter().map(|l| (l - max).exp()).collect();
        let sum: f32 = exp.iter().sum();
        exp.into_iter().map(|e| e / sum).collect()
    }
}

/// Scales `v` to unit length (a zero vector stays zero).
pub fn normalize(v: &mut [f32]) {
    let norm = embed::dot(v, v).sqrt();
    if norm > 0.0 {
        for e in v {
            *e /= norm;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two well separated classes around the first two axes of a 4-dimensional space.
    fn toy() -> (Vec<Vec<f32>>, Vec<usize>) {
        let mut x = Vec::new();
        let mut y = Vec::new();
        for i in 0..10 {
            let t = i as f32 / 20.0;
            let mut a = vec![1.0, t, 0.1, 0.0];
            let mut b = vec![t, 1.0, 0.0, 0.1];
            normalize(&mut a);
            normalize(&mut b);
            x.push(a);
            y.push(0);
            x.push(b);
            y.push(1);
        }
        (x, y)
    }

    #[test]
    fn nearest_centroid_separates_two_clear_classes() {
        let (x, y) = toy();
        let c = NearestCentroid::fit(&x, &y, 2).unwrap();
        assert_eq!(c.predict(&[0.9, 0.1, 0.0, 0.0]).class, 0);
        assert_eq!(c.predict(&[0.1, 0.9, 0.0, 0.0]).class, 1);
    }

    #[test]
    fn logistic_regression_separates_two_clear_classes_with_probabilities() {
        let (x, y) = toy();
        let lr = LogisticRegression::fit(&x, &y, 2, LrParams::default()).unwrap();
        let scores = lr.scores(&[0.9, 0.1, 0.0, 0.0]);
        assert!((scores.iter().sum::<f32>() - 1.0).abs() < 1e-5);
        assert!(scores[0] > 0.9, "{scores:?}");
        assert_eq!(lr.predict(&[0.1, 0.9, 0.0, 0.0]).class, 1);
    }

    #[test]
    fn a_class_without_examples_is_an_error() {
        let (x, y) = toy();
        assert!(matches!(
            NearestCentroid::fit(&x, &y, 3),
            Err(TrainError::EmptyClass(2))
        ));
    }

    #[test]
    fn the_margin_is_the_gap_to_the_runner_up() {
        let p = Prediction::from_scores(&[0.2, 0.7, 0.5]);
        assert_eq!(p.class, 1);
        assert!((p.margin - 0.2).abs() < 1e-6);
    }
}
