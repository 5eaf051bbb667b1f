//! Monte Carlo on the exact model (docs/model.md, docs/linearization.md): memorization error along a whole gamma path.
//!
//! Replicate `r` draws `y` (uniform +-1), `Z` (N(0,1), filled column by column) and, for the
//! Gaussian-equivalent model, `G` from the named streams `("y", "z", "goe")` of
//! [`crate::random::stream`]`(seed, r, ..)`. With `mu = sqrt(snr) e_1`, `X = mu y^T + Z`,
//!
//! ```text
//! T = X^T X + (X^T w_K)(X^T w_Q)^T                 (W = I + w_K w_Q^T never formed)
//! K = f_c(T / sqrt p) / sqrt p,  f_c = f - E f(xi)  (K_ii = 0, or f_c(T_ii/sqrt p)/sqrt p literal)
//! K~ = a1 T / p + sigma G / sqrt p + s I           (equivalent; s = -a1 or tau_D - a1)
//! Phi = X K  (attention/equivalent),  Phi = X  (ridge)
//! variants (docs/variants.md): Phi = X A^T | X A with A = softmax_rows(beta T / sqrt p);
//! Phi = X (I + alpha K) (skip); Z = Z0 C^{1/2}, C_ij = rho^|i-j| (stream "z", then the AR(1)
//! recursion across tokens); labels drawn per block of L tokens (stream "y")
//! Q = (Phi^T Phi / n + gamma I_n)^{-1},  E = (gamma^2/n) y^T Q^2 y,  yQy = y^T Q y / n,  trQ = tr Q / n
//! ```
//!
//! The whole path comes from ONE symmetric eigendecomposition per replicate on the smaller side.
//! For `p < n`, `Phi Phi^T / n = U diag(l) U^T`, `w_i = (u_i^T Phi y)^2 / n` and (Woodbury, using
//! `||y||^2 = n`; no division by a possibly zero `l_i`):
//!
//! ```text
//! yQy = (1/gamma) (1 - (1/n) sum_i w_i / (l_i + gamma))
//! E   = 1 - (1/n) sum_i w_i (l_i + 2 gamma) / (l_i + gamma)^2
//! trQ = (1/n) [ sum_i 1 / (l_i + gamma) + (n - p) / gamma ]
//! ```
//!
//! For `p >= n`, `Phi^T Phi / n = V diag(l) V^T`, `b_i = (v_i^T y)^2`: `yQy = (1/n) sum b_i/(l_i+gamma)`,
//! `E = (gamma^2/n) sum b_i/(l_i+gamma)^2`, `trQ = (1/n) sum 1/(l_i+gamma)`. `E` equals the ridge
//! probe's training residual `||y - Phi^T w*||^2 / n`, `w* = (Phi Phi^T + n gamma I)^{-1} Phi y`
//! (docs/model.md §6); `tests/monte_carlo.rs` checks every formula against that direct solve.
//!
//! Determinism: products use the fixed block partition of [`crate::linalg`]; random draws are
//! sequential within their stream; replicates run in parallel and are collected in replicate
//! order. Results are bit-identical for any rayon thread count.

use crate::error::{Error, Result};
use crate::model::SimConfig;
use rayon::prelude::*;
use serde::Serialize;

mod kernel;
mod path;
mod sample;
mod spectra;

pub(crate) use kernel::tanh_fast;
pub use kernel::{
    features, kernel_from_gram, kernel_into, kernel_matrix, kernel_matrix_head,
    softmax_attention_into,
};
use kernel::{features_with, kernel_coeffs, KernelCoeffs};
pub use path::{path_from_features, path_from_spectrum};
pub use sample::{ar1_filter, sample, sample_labels};
pub use spectra::{gram_eigenvalues, kernel_eigenvalues, stieltjes};

/// Per-replicate output.
#[derive(Clone, Debug, Serialize)]
pub struct ReplicateResult {
    /// `E(gamma)` for each gamma of the path.
    pub e: Vec<f64>,
    /// `y^T Q y / n` for each gamma.
    pub yqy: Vec<f64>,
    /// `tr Q / n` for each gamma.
    pub trq: Vec<f64>,
    /// `||Phi y||^2 / n^2`.
    pub r1: f64,
    /// Ridgeless error `||P_ker(Phi) y||^2 / n` (eigenvalues below `n eps l_max` count as zero).
    pub kappa0: f64,
    /// Largest eigenvalue of `Phi^T Phi / n`.
    pub lambda_max: f64,
}

/// Mean, standard error and 95% Student-t interval over replicates.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Summary {
    /// Sample mean.
    pub mean: f64,
    /// Standard error `sd / sqrt(R)` (sample sd with `R - 1`); 0 when `R = 1`.
    pub se: f64,
    /// `mean -+ t_{0.975, R-1} se`; `(mean, mean)` when `R = 1`.
    pub ci95: (f64, f64),
}

/// Summaries at one gamma.
#[derive(Clone, Debug, Serialize)]
pub struct SimPoint {
    /// Ridge parameter.
    pub gamma: f64,
    /// Memorization error.
    pub e: Summary,
    /// `y^T Q y / n`.
    pub yqy: Summary,
    /// `tr Q / n`.
    pub trq: Summary,
}

/// A whole run.
#[derive(Clone, Debug)]
pub struct SimResult {
    /// The configuration that produced it.
    pub config: SimConfig,
    /// Replicates in replicate order.
    pub replicates: Vec<ReplicateResult>,
    /// One summary per gamma, in the order of `config.gammas`.
    pub points: Vec<SimPoint>,
}

/// Runs replicate `r` of `cfg` (any `seeds`; `r` need not be below `seeds`).
pub fn run_replicate(cfg: &SimConfig, r: usize) -> Result<ReplicateResult> {
    cfg.validate()?;
    cfg.check_memory()?;
    let co = kernel_coeffs(cfg)?;
    replicate_with(cfg, &co, r)
}

fn replicate_with(cfg: &SimConfig, co: &KernelCoeffs, r: usize) -> Result<ReplicateResult> {
    let (phi, y) = features_with(cfg, co, r)?;
    let out = path_from_features(phi.as_ref(), &y, &cfg.gammas)?;
    if out
        .e
        .iter()
        .chain(&out.yqy)
        .chain(&out.trq)
        .any(|v| !v.is_finite())
    {
        return Err(Error::Linalg {
            op: "gamma path".into(),
            detail: format!(
                "non-finite result in replicate {r} (activation `{}` overflowing?)",
                if cfg.spec.is_softmax() {
                    "softmax"
                } else {
                    cfg.spec.activation().map_or("?", |a| a.name())
                }
            ),
        });
    }
    precision_guard(&out, phi.nrows(), phi.ncols(), &cfg.gammas, r)?;
    Ok(out)
}

/// Refuses a replicate whose `E` or `y^T Q y` lost its digits to cancellation. With fewer
/// feature rows than tokens (`d < n`) they are computed as `E = 1 - s2/n` and
/// `gamma yQy = 1 - s1/n` (module doc), where `s/n <= 1` carries a round-off of about
/// `(d + n) eps` (the sums, the Gram matrix, the eigenvectors). A strong signal (`snr = 1e12`)
/// or alignment fits `y` almost exactly and drives both to ~1e-13, below that round-off: `E`
/// came out negative. A result below 100 times the round-off (fewer than two digits) is an
/// error, never a printed number.
fn precision_guard(
    out: &ReplicateResult,
    d: usize,
    n: usize,
    gammas: &[f64],
    r: usize,
) -> Result<()> {
    if d >= n {
        return Ok(());
    }
    let round_off = (d + n) as f64 * f64::EPSILON;
    let floor = 100.0 * round_off;
    for (k, &g) in gammas.iter().enumerate() {
        let (e, fit) = (out.e[k], out.yqy[k] * g);
        if e < floor || fit < floor {
            let (what, v) = if e < floor {
                ("E", e)
            } else {
                ("gamma yQy", fit)
            };
            return Err(Error::Linalg {
                op: "gamma path".into(),
                detail: format!(
                    "{what} = 1 - (a sum close to 1) = {v:.2e} at gamma = {} in replicate {r} \
                     is below 100 times its round-off ~{round_off:.1e}: y is fitted almost \
                     exactly (signal --snr or alignment --wk/--wq too strong), no digit of it \
                     can be trusted",
                    crate::error::fmt_num(g)
                ),
            });
        }
    }
    Ok(())
}

/// Mean, standard error and 95% Student-t interval of `xs` (empty: NaN mean, infinite SE).
pub fn summarize(xs: &[f64]) -> Summary {
    let r = xs.len();
    if r == 0 {
        return Summary {
            mean: f64::NAN,
            se: f64::INFINITY,
            ci95: (f64::NEG_INFINITY, f64::INFINITY),
        };
    }
    let mean = xs.iter().sum::<f64>() / r as f64;
    if r == 1 {
        return Summary {
            mean,
            se: 0.0,
            ci95: (mean, mean),
        };
    }
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (r - 1) as f64;
    let mut se = (var / r as f64).sqrt();
    // Squares overflow for |x - mean| > 1e154 (an `inf` SE at `gamma = 1e-160`, issue 10) and
    // lose digits to underflow below 1e-154: then the same sum on deviations scaled by the
    // largest one (the ordinary range keeps the formula above, bit for bit).
    let scale = xs.iter().map(|x| (x - mean).abs()).fold(0.0, f64::max);
    if scale > 0.0 && !(1e-150..=1e150).contains(&scale) {
        let v = xs.iter().map(|x| ((x - mean) / scale).powi(2)).sum::<f64>() / (r - 1) as f64;
        se = scale * (v / r as f64).sqrt();
    }
    let t = t_quantile_975((r - 1) as f64);
    Summary {
        mean,
        se,
        ci95: (mean - t * se, mean + t * se),
    }
}

fn t_quantile_975(df: f64) -> f64 {
    use statrs::distribution::{ContinuousCDF, StudentsT};
    StudentsT::new(0.0, 1.0, df)
        .map(|d| d.inverse_cdf(0.975))
        .unwrap_or(1.959_963_984_540_054)
}

/// Runs every replicate of `cfg` (in parallel, at most [`SimConfig::concurrency`] at a time,
/// collected in replicate order) and summarizes each gamma. With one replicate there is no
/// standard error: [`Summary::se`] is 0 and callers print it as absent. `progress` draws an indicatif bar on stderr (the caller decides whether it is a tty).
pub fn simulate(cfg: &SimConfig, progress: bool) -> Result<SimResult> {
    cfg.validate()?;
    cfg.check_memory()?;
    let co = kernel_coeffs(cfg)?;
    let conc = cfg.concurrency();
    let bar = if progress {
        let b = indicatif::ProgressBar::new(cfg.seeds as u64);
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{spinner} replicates {pos}/{len} [{elapsed_precise}<{eta_precise}] {wide_bar}",
        ) {
            b.set_style(style);
        }
        b
    } else {
        indicatif::ProgressBar::hidden()
    };
    let mut replicates = Vec::with_capacity(cfg.seeds);
    let mut start = 0;
    while start < cfg.seeds {
        let end = (start + conc).min(cfg.seeds);
        let chunk: Vec<ReplicateResult> = (start..end)
            .into_par_iter()
            .map(|r| {
                let out = replicate_with(cfg, &co, r);
                bar.inc(1);
                out
            })
            .collect::<Result<_>>()?;
        replicates.extend(chunk);
        start = end;
    }
    bar.finish_and_clear();
    let points = cfg
        .gammas
        .iter()
        .enumerate()
        .map(|(k, &gamma)| {
            let col = |f: fn(&ReplicateResult) -> &Vec<f64>| -> Vec<f64> {
                replicates.iter().map(|r| f(r)[k]).collect()
            };
            SimPoint {
                gamma,
                e: summarize(&col(|r| &r.e)),
                yqy: summarize(&col(|r| &r.yqy)),
                trq: summarize(&col(|r| &r.trq)),
            }
        })
        .collect();
    Ok(SimResult {
        config: cfg.clone(),
        replicates,
        points,
    })
}
