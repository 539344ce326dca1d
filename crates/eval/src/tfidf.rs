//! A TF-IDF text classifier for `make eval`: word 1–2-grams and character 2–5-grams inside
//! words (sublinear term frequency, smoothed IDF, each block L2-normalized, as scikit-learn's
//! `TfidfVectorizer`), and a multinomial logistic regression over the sparse vectors. It is the
//! classic baseline next to the MiniLM embeddings, and a second opinion to combine with them on
//! long texts (GitHub issues) whose tokens the encoder only partly reads.

use std::collections::HashMap;

/// A sparse vector: (feature index, value), indices ascending.
pub type Sparse = Vec<(u32, f32)>;

/// Which n-grams become features.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TfidfParams {
    pub words: bool,
    pub chars: bool,
    /// A feature must occur in at least this many training texts.
    pub min_df: usize,
}

impl Default for TfidfParams {
    fn default() -> Self {
        TfidfParams {
            words: true,
            chars: true,
            min_df: 2,
        }
    }
}

/// A vocabulary with IDF weights, learnt from training texts.
#[derive(Debug, Clone)]
pub struct Tfidf {
    params: TfidfParams,
    index: HashMap<String, u32>,
    idf: Vec<f32>,
}

/// Lower-cased runs of letters and digits.
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

fn word_grams(words: &[String]) -> Vec<String> {
    let mut grams: Vec<String> = words.to_vec();
    grams.extend(words.windows(2).map(|w| format!("{} {}", w[0], w[1])));
    grams
}

/// Character 2–5-grams of each word padded with a space on both sides (`char_wb`).
fn char_grams(words: &[String]) -> Vec<String> {
    let mut grams = Vec::new();
    for w in words {
        let padded: Vec<char> = format!(" {w} ").chars().collect();
        for n in 2..=5 {
            grams.extend(padded.windows(n).map(|g| g.iter().collect::<String>()));
        }
    }
    grams
}

/// Prefixes keep a word that is also a character n-gram apart.
fn grams(text: &str, params: TfidfParams) -> (Vec<String>, Vec<String>) {
    let w = words(text);
    let word = if params.words {
        word_grams(&w)
            .into_iter()
            .map(|g| format!("w:{g}"))
            .collect()
    } else {
        Vec::new()
    };
    let chars = if params.chars {
        char_grams(&w)
            .into_iter()
            .map(|g| format!("c:{g}"))
            .collect()
    } else {
        Vec::new()
    };
    (word, chars)
}

impl Tfidf {
    /// Learns the vocabulary and IDF weights of `texts`.
    pub fn fit(texts: &[String], params: TfidfParams) -> Self {
        let mut df: [HashMap<String, usize>; 2] = [HashMap::new(), HashMap::new()];
        for t in texts {
            let (w, c) = grams(t, params);
            for (block, list) in [w, c].into_iter().enumerate() {
                let mut seen: Vec<String> = list;
                seen.sort_unstable();
                seen.dedup();
                for g in seen {
                    *df[block].entry(g).or_default() += 1;
                }
            }
        }
        let n = texts.len() as f32;
        let mut index = HashMap::new();
        let mut idf = Vec::new();
        for counts in df {
            let mut kept: Vec<(String, usize)> = counts
                .into_iter()
                .filter(|(_, d)| *d >= params.min_df)
                .collect();
            kept.sort_unstable();
            for (g, d) in kept {
                index.insert(g, idf.len() as u32);
                idf.push(((1.0 + n) / (1.0 + d as f32)).ln() + 1.0);
            }
        }
        Tfidf { params, index, idf }
    }

    /// Number of features.
    pub fn features(&self) -> usize {
        self.idf.len()
    }

    /// The TF-IDF vector of `text`; the word and character blocks each have unit length.
    pub fn transform(&self, text: &str) -> Sparse {
        let (w, c) = grams(text, self.params);
        let mut out = Vec::new();
        for list in [w, c] {
            let mut tf: HashMap<u32, f32> = HashMap::new();
            for g in list {
                if let Some(&i) = self.index.get(&g) {
                    *tf.entry(i).or_default() += 1.0;
                }
            }
            let mut block: Sparse = tf
                .into_iter()
                .map(|(i, n)| (i, (1.0 + n.ln()) * self.idf[i as usize]))
                .collect();
            let norm = block.iter().map(|(_, v)| v * v).sum::<f32>().sqrt();
            if norm > 0.0 {
                for (_, v) in &mut block {
                    *v /= norm;
                }
            }
            out.extend(block);
        }
        out.sort_unstable_by_key(|(i, _)| *i);
        out
    }
}

/// Multinomial logistic regression over sparse vectors, L2-regularized, trained full-batch
/// with Adam. `c` is the inverse regularization strength as in scikit-learn (loss summed over
/// examples plus ‖W‖²/2c).
#[derive(Debug, Clone)]
pub struct SparseLogisticRegression {
    /// `features × classes`, row-major.
    weights: Vec<f32>,
    bias: Vec<f32>,
    classes: usize,
}

impl SparseLogisticRegression {
    /// Trains on `x` labelled `y` in `0..classes`.
    pub fn fit(
        x: &[Sparse],
        y: &[usize],
        features: usize,
        classes: usize,
        c: f32,
        epochs: usize,
    ) -> Self {
        let mut model = SparseLogisticRegression {
            weights: vec![0.0; features * classes],
            bias: vec![0.0; classes],
            classes,
        };
        let n = x.len().max(1) as f32;
        let lambda = 1.0 / (c * n);
        let (lr, b1, b2, eps) = (0.05f32, 0.9f32, 0.999f32, 1e-8f32);
        let mut m = vec![0.0f32; model.weights.len() + classes];
        let mut v = vec![0.0f32; model.weights.len() + classes];
        let mut grad = vec![0.0f32; model.weights.len() + classes];
        for step in 1..=epochs {
            grad.iter_mut().for_each(|g| *g = 0.0);
            for (xi, &yi) in x.iter().zip(y) {
                let p = model.probabilities(xi);
                for (k, pk) in p.iter().enumerate() {
                    let d = (pk - f32::from(u8::from(k == yi))) / n;
                    for &(f, val) in xi {
                        grad[f as usize * classes + k] += d * val;
                    }
                    grad[model.weights.len() + k] += d;
                }
            }
            for (g, w) in grad.iter_mut().zip(&model.weights) {
                *g += lambda * w;
            }
            let (c1, c2) = (1.0 - b1.powi(step as i32), 1.0 - b2.powi(step as i32));
            let wlen = model.weights.len();
            for i in 0..grad.len() {
                m[i] = b1 * m[i] + (1.0 - b1) * grad[i];
                v[i] = b2 * v[i] + (1.0 - b2) * grad[i] * grad[i];
                let delta = lr * (m[i] / c1) / ((v[i] / c2).sqrt() + eps);
                if i < wlen {
                    model.weights[i] -= delta;
                } else {
                    model.bias[i - wlen] -= delta;
                }
            }
        }
        model
    }

    /// Class probabilities of one vector.
    pub fn probabilities(&self, x: &Sparse) -> Vec<f32> {
        let mut logits = self.bias.clone();
        for &(f, val) in x {
            let row = &self.weights[f as usize * self.classes..(f as usize + 1) * self.classes];
            for (l, w) in logits.iter_mut().zip(row) {
                *l += w * val;
            }
        }
        let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let exp: Vec<f32> = logits.iter().map(|l| (l - max).exp()).collect();
        let sum: f32 = exp.iter().sum();
        exp.into_iter().map(|e| e / sum).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_have_unit_length_and_unseen_words_are_ignored() {
        let train: Vec<String> = ["the app crashes", "the app is slow", "add a dark mode"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let tfidf = Tfidf::fit(&train, TfidfParams::default());
        let v = tfidf.transform("The app CRASHES zzzz");
        let norm2: f32 = v.iter().map(|(_, x)| x * x).sum();
        // Two blocks (words, characters), each of unit length.
        assert!((norm2 - 2.0).abs() < 1e-4, "{norm2}");
        assert!(tfidf.transform("qqqq").is_empty());
    }

    #[test]
    fn logistic_regression_learns_which_words_mean_which_class() {
        let texts: Vec<String> = [
            "crash on start",
            "crash when saving",
            "error and crash",
            "please add export",
            "add a new option",
            "please add filters",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let y = [0, 0, 0, 1, 1, 1];
        let tfidf = Tfidf::fit(
            &texts,
            TfidfParams {
                min_df: 1,
                ..TfidfParams::default()
            },
        );
        let x: Vec<Sparse> = texts.iter().map(|t| tfidf.transform(t)).collect();
        let lr = SparseLogisticRegression::fit(&x, &y, tfidf.features(), 2, 10.0, 200);
        let p = lr.probabilities(&tfidf.transform("it will crash"));
        assert!(p[0] > 0.7, "{p:?}");
        let p = lr.probabilities(&tfidf.transform("add this please"));
        assert!(p[1] > 0.7, "{p:?}");
    }
}
