//! Reduced coordinates of the signal for the deterministic equivalents (`docs/rank-k.md`).
//!
//! The low-rank part of the pencil lives on `span(labels)` (n side) and on the basis
//! `e_1..e_d` of the model (p side). With `Y/sqrt n -> U A` (`A^T A = lim Y^T Y / n`):
//! `A = I_K` for independent ±1 labels, `A = diag(sqrt pi)` for one-hot classes with
//! proportions `pi`. The target `y = Y beta` has coordinates `t = A beta`, normalised to `|t| = 1`
//! (the error is reported for `||y||^2 = n`). On the p side the whole basis is used (`d` is
//! small): the means are the columns of `M` (`d x K`), and `W - I = sum_j w_K,j w_Q,j^T` is a
//! `d x d` matrix. Directions of the basis that carry no signal only add copies of the bulk
//! to the reduced system and do not change the quadratic form.

use super::{Head, Labels, ModelSpec};
use crate::error::{Error, Result};

/// The signal in reduced coordinates (row-major small matrices).
#[derive(Clone, Debug, PartialEq)]
pub struct Geometry {
    /// Number of label vectors `K` (n-side reduced dimension).
    pub k: usize,
    /// Basis dimension `d` (p-side reduced dimension).
    pub d: usize,
    /// `A` (`K x K`).
    pub a: Vec<f64>,
    /// `M` (`d x K`): column `k` is the mean `mu_k`.
    pub means: Vec<f64>,
    /// `W - I` on the basis (`d x d`).
    pub wlow: Vec<f64>,
    /// Target coordinates `t = A beta / |A beta|` (length `K`).
    pub t: Vec<f64>,
}

impl Geometry {
    /// The geometry of head `head` of `spec` (`head` is ignored for ridge).
    pub fn of(spec: &ModelSpec, head: usize) -> Result<Geometry> {
        let k = spec.labels();
        let d = spec.basis_dim();
        let mut a = vec![0.0; k * k];
        match &spec.signal.labels {
            Labels::Signs => (0..k).for_each(|i| a[i * k + i] = 1.0),
            Labels::Classes { proportions } => {
                (0..k).for_each(|i| a[i * k + i] = proportions[i].sqrt())
            }
        }
        let mut means = vec![0.0; d * k];
        for (j, m) in spec.signal.means.iter().enumerate() {
            for (i, &v) in m.iter().enumerate() {
                means[i * k + j] = v;
            }
        }
        let mut t: Vec<f64> = (0..k)
            .map(|i| (0..k).map(|j| a[i * k + j] * spec.signal.target[j]).sum())
            .collect();
        let norm = t.iter().map(|v| v * v).sum::<f64>().sqrt();
        if !(norm.is_finite() && norm > 0.0) {
            return Err(Error::param(
                "signal.target",
                format!("{:?}", spec.signal.target),
                "the target has zero norm",
            ));
        }
        t.iter_mut().for_each(|v| *v /= norm);
        let wlow = match spec.heads.get(head) {
            Some(h) => Self::wlow(h, d),
            None => vec![0.0; d * d],
        };
        Ok(Geometry {
            k,
            d,
            a,
            means,
            wlow,
            t,
        })
    }

    /// `sum_j w_K,j w_Q,j^T` on a basis of dimension `d` (row-major `d x d`).
    pub fn wlow(h: &Head, d: usize) -> Vec<f64> {
        let mut w = vec![0.0; d * d];
        for (wk, wq) in h.wk.iter().zip(&h.wq) {
            for (i, &a) in wk.iter().enumerate() {
                for (j, &b) in wq.iter().enumerate() {
                    w[i * d + j] += a * b;
                }
            }
        }
        w
    }

    /// `A M^T` (`K x d`): the n-side image of the means.
    pub fn a_mt(&self) -> Vec<f64> {
        let (k, d) = (self.k, self.d);
        let mut out = vec![0.0; k * d];
        for i in 0..k {
            for j in 0..d {
                out[i * d + j] = (0..k)
                    .map(|l| self.a[i * k + l] * self.means[j * k + l])
                    .sum();
            }
        }
        out
    }

    /// `||mu_1||^2` when there is a single ±1 label vector (the paper's setting), else `None`.
    pub fn rank_one_snr(&self) -> Option<f64> {
        (self.k == 1 && self.a[0] == 1.0).then(|| self.means.iter().map(|v| v * v).sum())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_and_targets() {
        let s = ModelSpec::from_toml(
            "[signal]\nmeans = [[1.0], [0.5, 1.0]]\nlabels = \"classes\"\n\
             proportions = [0.7, 0.3]\ntarget = [0.3, -0.7]\n[[heads]]\nactivation = \"tanh\"\n\
             wk = [[0.0, 1.0]]\nwq = [[0.0, 1.0]]",
        )
        .unwrap();
        let g = Geometry::of(&s, 0).unwrap();
        assert_eq!((g.k, g.d), (2, 2));
        // t = diag(sqrt pi) beta / norm
        let t0 = 0.7f64.sqrt() * 0.3;
        let t1 = 0.3f64.sqrt() * -0.7;
        let nrm = (t0 * t0 + t1 * t1).sqrt();
        assert!((g.t[0] - t0 / nrm).abs() < 1e-15 && (g.t[1] - t1 / nrm).abs() < 1e-15);
        assert_eq!(g.means, vec![1.0, 0.5, 0.0, 1.0]);
        assert_eq!(g.wlow, vec![0.0, 0.0, 0.0, 1.0]);
        assert_eq!(g.rank_one_snr(), None);
    }
}
