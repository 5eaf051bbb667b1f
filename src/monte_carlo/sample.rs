//! Drawing the data of a replicate: labels, tokens `X = sum_k mu_k label_k^T + Z`, target.

use crate::model::{Labels, SimConfig};
use crate::random::stream;
use faer::Mat;
use rand::Rng as _;
use rand_distr::{Distribution, StandardNormal};

/// Draws the label vectors of replicate `r` from stream "y": `K` independent ±1 vectors (one
/// after the other), or one class per token (one-hot indicator vectors) with the model's
/// proportions.
pub fn sample_labels(cfg: &SimConfig, r: usize) -> Vec<Vec<f64>> {
    let n = cfg.n;
    let k = cfg.spec.labels();
    let mut ry = stream(cfg.seed, r as u64, "y");
    match &cfg.spec.signal.labels {
        Labels::Signs => (0..k)
            .map(|_| {
                (0..n)
                    .map(|_| if ry.random::<bool>() { 1.0 } else { -1.0 })
                    .collect()
            })
            .collect(),
        Labels::Classes { proportions } => {
            let mut y = vec![vec![0.0; n]; k];
            let classes: Vec<usize> = (0..n)
                .map(|_| {
                    let u: f64 = ry.random();
                    let mut acc = 0.0;
                    proportions
                        .iter()
                        .position(|&pc| {
                            acc += pc;
                            u < acc
                        })
                        .unwrap_or(k - 1)
                })
                .collect();
            for (j, &class) in classes.iter().enumerate() {
                y[class][j] = 1.0;
            }
            y
        }
    }
}

/// Draws `(X, y)` of replicate `r`: the labels from stream "y" ([`sample_labels`]), `Z` from
/// stream "z" column by column, `X = sum_k mu_k label_k^T + Z`, and the target
/// `y = sum_k target_k label_k` rescaled to `||y||^2 = n` (unchanged for ±1 labels).
pub fn sample(cfg: &SimConfig, r: usize) -> (Mat<f64>, Vec<f64>) {
    let (n, p) = (cfg.n, cfg.p);
    let labels = sample_labels(cfg, r);
    let mut rz = stream(cfg.seed, r as u64, "z");
    let mut x = Mat::<f64>::zeros(p, n);
    for j in 0..n {
        for i in 0..p {
            x[(i, j)] = StandardNormal.sample(&mut rz);
        }
    }
    for (mu, lab) in cfg.spec.signal.means.iter().zip(&labels) {
        for (i, &m) in mu.iter().enumerate() {
            if m == 0.0 || i >= p {
                continue;
            }
            for (j, &l) in lab.iter().enumerate() {
                x[(i, j)] += m * l;
            }
        }
    }
    let target = &cfg.spec.signal.target;
    let mut y: Vec<f64> = (0..n)
        .map(|j| target.iter().zip(&labels).map(|(t, l)| t * l[j]).sum())
        .collect();
    let norm2: f64 = y.iter().map(|v| v * v).sum();
    if norm2 > 0.0 && norm2 != n as f64 {
        let s = (n as f64 / norm2).sqrt();
        y.iter_mut().for_each(|v| *v *= s);
    }
    (x, y)
}
