//! A cluster as the sum of its members' unit vectors and their count.

/// The dot product; for unit vectors, their cosine similarity.
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    // Four lanes so the compiler vectorizes the loop (a plain fold is a serial dependency).
    let mut acc = [0.0f32; 4];
    let (ca, cb) = (a.chunks_exact(4), b.chunks_exact(4));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for l in 0..4 {
            acc[l] += x[l] * y[l];
        }
    }
    let tail: f32 = ra.iter().zip(rb).map(|(x, y)| x * y).sum();
    acc[0] + acc[1] + acc[2] + acc[3] + tail
}

/// The sum of a cluster's member embeddings (each of unit length) and how many there are.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Centroid {
    pub sum: Vec<f32>,
    pub count: u32,
}

impl Centroid {
    /// A cluster of one issue.
    pub fn of(v: &[f32]) -> Self {
        Centroid {
            sum: v.to_vec(),
            count: 1,
        }
    }

    /// Rebuilds a centroid from stored parts; `None` when there is nothing to compare with
    /// (no members with an embedding).
    pub fn from_parts(sum: Vec<f32>, count: u32) -> Option<Self> {
        (count > 0 && !sum.is_empty()).then_some(Centroid { sum, count })
    }

    pub fn add(&mut self, v: &[f32]) {
        if self.sum.is_empty() {
            self.sum = vec![0.0; v.len()];
        }
        for (s, x) in self.sum.iter_mut().zip(v) {
            *s += x;
        }
        self.count += 1;
    }

    pub fn remove(&mut self, v: &[f32]) {
        for (s, x) in self.sum.iter_mut().zip(v) {
            *s -= x;
        }
        self.count = self.count.saturating_sub(1);
    }

    /// Adds every member of `other`.
    pub fn absorb(&mut self, other: &Centroid) {
        if self.sum.is_empty() {
            self.sum = vec![0.0; other.sum.len()];
        }
        for (s, x) in self.sum.iter_mut().zip(&other.sum) {
            *s += x;
        }
        self.count += other.count;
    }

    pub fn norm(&self) -> f32 {
        dot(&self.sum, &self.sum).sqrt()
    }

    /// The mean direction, scaled to unit length (zero vector for an empty cluster).
    pub fn direction(&self) -> Vec<f32> {
        let n = self.norm();
        if n <= f32::EPSILON {
            return vec![0.0; self.sum.len()];
        }
        self.sum.iter().map(|x| x / n).collect()
    }

    /// Cosine between a unit vector and the cluster's mean direction.
    pub fn cosine(&self, v: &[f32]) -> f32 {
        let n = self.norm();
        if n <= f32::EPSILON {
            return 0.0;
        }
        dot(&self.sum, v) / n
    }

    /// Average similarity of every member of `self` to every member of `other` (average
    /// linkage), exact from the sums.
    pub fn linkage(&self, other: &Centroid) -> f32 {
        if self.count == 0 || other.count == 0 {
            return 0.0;
        }
        dot(&self.sum, &other.sum) / (self.count as f32 * other.count as f32)
    }

    /// Average similarity between two distinct members (1 for a cluster of one: nothing in
    /// it disagrees).
    pub fn coherence(&self) -> f32 {
        let n = self.count as f32;
        if self.count < 2 {
            return 1.0;
        }
        (dot(&self.sum, &self.sum) - n) / (n * (n - 1.0))
    }
}

/// `v` scaled to unit length (test fixtures).
#[cfg(test)]
pub(crate) fn unit(v: &[f32]) -> Vec<f32> {
    let n = dot(v, v).sqrt();
    v.iter().map(|x| x / n).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_matches_the_plain_sum_for_every_length() {
        for len in 0..11 {
            let a: Vec<f32> = (0..len).map(|i| i as f32 * 0.5 - 1.0).collect();
            let b: Vec<f32> = (0..len).map(|i| 2.0 - i as f32 * 0.25).collect();
            let plain: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
            assert!((dot(&a, &b) - plain).abs() < 1e-4, "length {len}");
        }
    }

    #[test]
    fn linkage_from_sums_equals_the_mean_of_pairwise_similarities() {
        let a = [unit(&[1.0, 0.2, 0.0]), unit(&[0.9, 0.1, 0.3])];
        let b = [
            unit(&[0.1, 1.0, 0.0]),
            unit(&[0.5, 0.5, 0.5]),
            unit(&[0.0, 0.3, 1.0]),
        ];
        let mut ca = Centroid::default();
        a.iter().for_each(|v| ca.add(v));
        let mut cb = Centroid::default();
        b.iter().for_each(|v| cb.add(v));
        let mut pairwise = 0.0;
        for x in &a {
            for y in &b {
                pairwise += dot(x, y);
            }
        }
        pairwise /= 6.0;
        assert!((ca.linkage(&cb) - pairwise).abs() < 1e-5);
    }

    #[test]
    fn coherence_from_the_sum_equals_the_mean_similarity_within() {
        let vs = [
            unit(&[1.0, 0.2, 0.0]),
            unit(&[0.9, 0.1, 0.3]),
            unit(&[0.2, 1.0, 0.1]),
        ];
        let mut c = Centroid::default();
        vs.iter().for_each(|v| c.add(v));
        let within = (dot(&vs[0], &vs[1]) + dot(&vs[0], &vs[2]) + dot(&vs[1], &vs[2])) / 3.0;
        assert!((c.coherence() - within).abs() < 1e-5);
        assert_eq!(Centroid::of(&vs[0]).coherence(), 1.0);
    }

    #[test]
    fn removing_a_member_undoes_adding_it() {
        let mut c = Centroid::of(&unit(&[1.0, 0.0, 0.0]));
        let before = c.clone();
        let v = unit(&[0.0, 1.0, 1.0]);
        c.add(&v);
        assert_eq!(c.count, 2);
        assert!((c.cosine(&v) - c.cosine(&unit(&[1.0, 0.0, 0.0]))).abs() < 1e-6);
        c.remove(&v);
        assert_eq!(c.count, 1);
        assert!(c
            .sum
            .iter()
            .zip(&before.sum)
            .all(|(a, b)| (a - b).abs() < 1e-6));
    }
}
