//! Drawing the data of a replicate: labels, tokens `X = sum_k mu_k label_k^T + Z`, target.
//!
//! Variants (`docs/variants.md §4`): AR(1)-correlated tokens `Z = Z0 C^{1/2}`,
//! `C_ij = rho^|i-j|` (in law: the stationary AR(1) recursion across tokens applied to the iid
//! draws), and labels constant on blocks of `L` consecutive tokens.

use crate::model::{Labels, SimConfig};
use crate::random::stream;
use faer::Mat;
use rand::Rng as _;
use rand_distr::{Distribution, StandardNormal};

/// Draws the label vectors of replicate `r` from stream "y": `K` independent ±1 vectors (one
/// after the other), or one class per token (one-hot indicator vectors) with the model's
/// proportions. With `[tokens] label_blocks = L` one value is drawn per block of `L`
/// consecutive tokens (the last block may be shorter) and repeated; `L = 1` (the default) draws
/// exactly what iid labels draw.
pub fn sample_labels(cfg: &SimConfig, r: usize) -> Vec<Vec<f64>> {
    let n = cfg.n;
    let k = cfg.spec.labels();
    let l = cfg.spec.label_block().max(1);
    let blocks = n.div_ceil(l);
    let expand = |v: Vec<f64>| -> Vec<f64> {
        if l == 1 {
            v
        } else {
            (0..n).map(|j| v[j / l]).collect()
        }
    };
    let mut ry = stream(cfg.seed, r as u64, "y");
    match &cfg.spec.signal.labels {
        Labels::Signs => (0..k)
            .map(|_| {
                expand(
                    (0..blocks)
                        .map(|_| if ry.random::<bool>() { 1.0 } else { -1.0 })
                        .collect(),
                )
            })
            .collect(),
        Labels::Classes { proportions } => {
            let mut y = vec![vec![0.0; n]; k];
            let per_block: Vec<usize> = (0..blocks)
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
            for j in 0..n {
                y[per_block[j / l]][j] = 1.0;
            }
            y
        }
    }
}

/// AR(1) correlation across tokens, in place: column `j` of `z` (iid N(0,1) on entry) becomes
/// `rho z_{j-1} + sqrt(1 - rho^2) z_j` (column 0 unchanged). Each row is then a stationary
/// Gaussian AR(1) sequence with unit variance and `Cov(z_i, z_j) = rho^|i-j|`, i.e.
/// `Z = Z0 C^{1/2}` in law (`C^{1/2}` any square root, here the Cholesky factor of `C`).
/// Sequential over columns; the same arithmetic for any thread count.
pub fn ar1_filter(z: &mut Mat<f64>, rho: f64) {
    if rho == 0.0 {
        return;
    }
    let s = (1.0 - rho * rho).sqrt();
    for j in 1..z.ncols() {
        for i in 0..z.nrows() {
            let prev = z[(i, j - 1)];
            z[(i, j)] = rho * prev + s * z[(i, j)];
        }
    }
}

/// Draws `(X, y)` of replicate `r`: the labels from stream "y" ([`sample_labels`]), `Z` from
/// stream "z" column by column (then correlated across tokens by [`ar1_filter`] when
/// `[tokens] ar1 != 0`), `X = sum_k mu_k label_k^T + Z`, and the target
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
    ar1_filter(&mut x, cfg.spec.tokens.ar1);
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
