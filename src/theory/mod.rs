//! Deterministic equivalents: the ridge closed form (docs/ridge.md), a generic linear-pencil / matrix
//! Dyson equation solver (docs/pencil.md) and its attention instance, the spectral laws of
//! `K` and `Phi^T Phi/n` (docs/spectra.md) and the helpers for the bounds (docs/bounds.md).
//!
//! Every computed point is a [`TheoryPoint`] carrying the solver status.

pub mod attention;
pub mod bounds;
pub mod correlated;
pub mod modes;
pub mod multihead;
pub mod pencil;
pub mod ridge;
pub mod spectral;
pub mod variants;

pub use attention::{attention_path, attention_point, AttentionParams};
pub use bounds::{first_moment_gram, psi_c, psi_inf, r1_closed, r1_pencil, r1_ridge};
pub use multihead::{multihead_path, multihead_point, MultiHeadParams};
pub use ridge::{ridge_path_geometry, ridge_point, ridge_point_pencil};
pub use spectral::{
    gram_density, gram_edges, gram_stieltjes, gram_stieltjes_a1zero, kernel_density, kernel_edges,
    kernel_stieltjes,
};
pub use variants::{equivalent, Equivalent, Standing};

use crate::error::{Error, Result};
use crate::model::ModelSpec;
use serde::Serialize;

/// The aspect ratios `c = p/n` at which [`equivalent`] is evaluated: the pencil's Newton
/// continuation converges for every built-in activation over the whole [`GAMMA_RANGE`] in
/// this range (checked at its corners: at most ~2,100 iterations, 0.1 s); at `c = 1e20` it
/// does not converge, and at `c = 1e308` or `1e-300` the reduced system is singular in double
/// precision. The ridge closed form shares the range (one rule for every model).
pub const C_RANGE: (f64, f64) = (1e-6, 1e6);

/// The ridge parameters `gamma` at which theory and Monte Carlo are evaluated. Below `1e-10`
/// the pencil needs tens of thousands of Newton steps and loses digits (at `c = 2`,
/// `gamma = 1e-30` gave `E` a factor 1000 too small after 527,890 iterations); far outside it
/// the Monte Carlo path overflows (`(l + gamma)^-2` at `gamma = 1e-160`, `gamma^2` at `1e160`).
pub const GAMMA_RANGE: (f64, f64) = (1e-10, 1e10);

/// Refuses `value` of `name` outside `range` (inclusive), naming the range and why.
pub fn require_in_range(name: &str, value: f64, range: (f64, f64), why: &str) -> Result<f64> {
    if !(value >= range.0 && value <= range.1) {
        return Err(Error::param(
            name,
            short(value),
            format!(
                "allowed [{:e}, {:e}], {why} (README: Bad input)",
                range.0, range.1
            ),
        ));
    }
    Ok(value)
}

/// A value for a range message: scientific from 1e6 on (`1e12`, not `1000000000000`).
pub(crate) fn short(x: f64) -> String {
    if x.abs() >= 1e6 && x.is_finite() {
        format!("{x:e}")
    } else {
        crate::error::fmt_num(x)
    }
}

/// Refuses a gamma outside [`GAMMA_RANGE`] (theory and Monte Carlo).
pub fn require_gamma(gamma: f64) -> Result<f64> {
    crate::error::require_positive("gamma", gamma)?;
    require_in_range(
        "gamma",
        gamma,
        GAMMA_RANGE,
        "the range where the solvers are trusted",
    )
}

/// Sizes at which a deterministic equivalent is evaluated.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Dims {
    /// The proportional limit at `c = p/n` (every model whose equivalent depends on `c` only).
    Ratio(f64),
    /// Finite `n` and `p`: needed by the softmax (gamma map `gamma (n-1)^2/p`, mask correction
    /// `-1/sqrt p`) and by AR(1) tokens (eigenvalues of the `n x n` covariance); the other models
    /// use `c = p/n`.
    Sizes {
        /// Number of tokens.
        n: usize,
        /// Token dimension.
        p: usize,
    },
}

impl Dims {
    /// `c = p/n` (validated `> 0`).
    pub fn c(&self) -> Result<f64> {
        let c = match *self {
            Dims::Ratio(c) => c,
            Dims::Sizes { n, p } => {
                if n == 0 || p == 0 {
                    return Err(Error::param(
                        "n, p",
                        format!("{n}, {p}"),
                        "must be at least 1",
                    ));
                }
                p as f64 / n as f64
            }
        };
        crate::error::require_positive("c", c)
    }
}

/// The deterministic equivalent of `spec` at `c = p/n` along `gammas` (any order; output in
/// input order): ridge by its closed form or pencil, attention and its Gaussian equivalent by the
/// attention pencil (one head; skip connections by the mapped pencil) or the multi-head
/// equivalent (several heads, `docs/multihead.md`). A model without a deterministic equivalent
/// yet is an error naming the key ("no deterministic equivalent for ... yet"), never a wrong
/// number; variants whose equivalent depends on `n` and `p` separately (softmax, AR(1) tokens)
/// are an error asking for them ([`model_path_at`]).
pub fn model_path(spec: &ModelSpec, c: f64, gammas: &[f64]) -> Result<Vec<TheoryPoint>> {
    model_path_at(spec, Dims::Ratio(c), gammas)
}

/// [`model_path`] at given sizes ([`Dims`]): the dispatch of [`variants::equivalent`].
pub fn model_path_at(spec: &ModelSpec, dims: Dims, gammas: &[f64]) -> Result<Vec<TheoryPoint>> {
    equivalent(spec, dims)?.path(gammas)
}

/// One deterministic-equivalent point with its solver status.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TheoryPoint {
    /// Ridge parameter.
    pub gamma: f64,
    /// Memorization error `E = -gamma^2 d/dgamma (y^T Q y/n)`.
    #[serde(rename = "E")]
    pub e: f64,
    /// Limit of `y^T Q y / n`.
    #[serde(rename = "yQy")]
    pub yqy: f64,
    /// Limit of `tr Q / n`.
    #[serde(rename = "trQ")]
    pub trq: f64,
    /// Solver iterations (0 for closed forms).
    pub iterations: usize,
    /// Final relative residual of the fixed point (0 for closed forms).
    pub residual: f64,
    /// Whether the solver reached its tolerance.
    pub converged: bool,
}

/// Parses a gamma list: `"0.1,1,10"` or `"logspace:LO:HI:K"` (K values from LO to HI, equally
/// spaced in log; LO, HI are the values themselves, e.g. `logspace:1e-3:10:50`). Every gamma must
/// be finite and > 0.
pub fn parse_gammas(s: &str) -> Result<Vec<f64>> {
    let num = |t: &str| -> Result<f64> {
        let v: f64 = t
            .trim()
            .parse()
            .map_err(|_| Error::param("gamma", t, "not a number"))?;
        crate::error::require_positive("gamma", v)
    };
    let s = s.trim();
    if let Some(rest) = s.strip_prefix("logspace:") {
        let parts: Vec<&str> = rest.split(':').collect();
        if parts.len() != 3 {
            return Err(Error::param("gamma", s, "expected logspace:LO:HI:K"));
        }
        let bound = |t: &str| {
            num(t).map_err(|_| Error::param("gamma", s, "logspace bounds must be finite and > 0"))
        };
        let (lo, hi) = (bound(parts[0])?, bound(parts[1])?);
        let k: usize = parts[2]
            .trim()
            .parse()
            .map_err(|_| Error::param("gamma", s, "K must be a positive integer"))?;
        if k == 0 {
            return Err(Error::param("gamma", s, "K must be >= 1"));
        }
        if k == 1 {
            return Ok(vec![lo]);
        }
        let (a, b) = (lo.ln(), hi.ln());
        return Ok((0..k)
            .map(|i| (a + (b - a) * i as f64 / (k - 1) as f64).exp())
            .collect());
    }
    if s.is_empty() {
        return Err(Error::param("gamma", s, "empty list"));
    }
    s.split(',').map(num).collect()
}
