//! The exact model of the paper (SPEC §1, §3): data, kernel, features, and the configuration
//! of a Monte Carlo run ([`SimConfig`]).
//!
//! `X = mu y^T + Z` (`p x n`, `mu = sqrt(snr) e_1`), `W = I_p + w_K w_Q^T` with `w_K, w_Q` in
//! `span(e_1, e_2, e_3)`, `K = f_c(X^T W X / sqrt p) / sqrt p` (zero or literal diagonal),
//! `Phi = X K` (attention), `X` (ridge) or `X K~` (Gaussian equivalent, SPEC §3). The simulation
//! itself lives in [`crate::monte_carlo`]; the memory estimate here is what it checks before
//! allocating.

use crate::activation::Activation;
use crate::error::{Error, Result};
use serde::Serialize;

/// Which feature map the probe reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ModelKind {
    /// Nonlinear attention, `Phi = X K`.
    Attention,
    /// Ridge regression on raw tokens, `Phi = X`.
    Ridge,
    /// Attention with `K` replaced by its Gaussian equivalent `a1 X^T W X/p + sigma G/sqrt p + s I`.
    Equivalent,
}

/// Diagonal convention of the kernel matrix (SPEC §3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Diag {
    /// `K_ii := 0` (default); Gaussian-equivalent shift `s = -a1`.
    Zero,
    /// `K_ii = f(x_i^T W x_i / sqrt p) / sqrt p`; shift `s = tau_D - a1`.
    Literal,
}

impl Diag {
    /// The shift `s` of the Gaussian-equivalent kernel `a1 X^T W X/p + sigma G/sqrt p + s I`
    /// (SPEC §3): `-a1` for the zero diagonal, `tau_D - a1` for the literal one, where
    /// `tau_D = lim f(t)/t` (an error when it is infinite, e.g. `x^2 - 1`).
    pub fn shift(self, act: &crate::Activation, a1: f64) -> crate::Result<f64> {
        let s = match self {
            Diag::Zero => -a1,
            Diag::Literal => {
                let tau = act.diag_limit().ok_or_else(|| {
                    crate::Error::param(
                        "diag",
                        "literal",
                        format!(
                            "activation `{}` grows faster than linearly (tau_D = lim f(t)/t is infinite); use --diag zero",
                            act.name()
                        ),
                    )
                })?;
                tau - a1
            }
        };
        // `+ 0.0` turns -0.0 (a1 = 0) into 0.0 for display
        Ok(s + 0.0)
    }
}

/// Everything that defines a Monte Carlo run (SPEC §1, §3).
///
/// `mu = sqrt(snr) e_1`; `w_K`, `w_Q` are given by their coordinates on `(e_1, e_2, e_3)`.
#[derive(Clone, Debug)]
pub struct SimConfig {
    /// Feature map.
    pub model: ModelKind,
    /// Raw activation `f` (centred internally with the Hermite mean).
    pub activation: Activation,
    /// Number of tokens.
    pub n: usize,
    /// Token dimension.
    pub p: usize,
    /// `||mu||^2`.
    pub snr: f64,
    /// Coordinates of `w_K` on `(e_1, e_2, e_3)`.
    pub wk: [f64; 3],
    /// Coordinates of `w_Q` on `(e_1, e_2, e_3)`.
    pub wq: [f64; 3],
    /// Diagonal convention of `K`.
    pub diag: Diag,
    /// Ridge parameters `gamma > 0` of the path.
    pub gammas: Vec<f64>,
    /// Number of replicates.
    pub seeds: usize,
    /// Master seed.
    pub seed: u64,
}

impl SimConfig {
    /// A configuration with the CLI defaults (attention, tanh, n = 1024, p = 256, snr = 1,
    /// w = 0, gamma = 0.1, 4 seeds, seed 2506, zero diagonal).
    pub fn new(activation: Activation) -> SimConfig {
        SimConfig {
            model: ModelKind::Attention,
            activation,
            n: 1024,
            p: 256,
            snr: 1.0,
            wk: [0.0; 3],
            wq: [0.0; 3],
            diag: Diag::Zero,
            gammas: vec![0.1],
            seeds: 4,
            seed: 2506,
        }
    }

    /// Checks the parameters (sizes, `snr`, `gamma`s, `w`s) without touching memory limits.
    pub fn validate(&self) -> Result<()> {
        if self.n == 0 {
            return Err(Error::param("n", self.n, "must be at least 1"));
        }
        if self.p == 0 {
            return Err(Error::param("p", self.p, "must be at least 1"));
        }
        if self.seeds == 0 {
            return Err(Error::param("seeds", self.seeds, "must be at least 1"));
        }
        if !(self.snr.is_finite() && self.snr >= 0.0) {
            return Err(Error::param("snr", self.snr, "must be finite and >= 0"));
        }
        if self.gammas.is_empty() {
            return Err(Error::param("gamma", "(empty)", "give at least one gamma"));
        }
        for &g in &self.gammas {
            if !(g.is_finite() && g > 0.0) {
                return Err(Error::param("gamma", g, "must be finite and > 0"));
            }
        }
        for (name, w) in [("wk", &self.wk), ("wq", &self.wq)] {
            for (k, &v) in w.iter().enumerate() {
                if !v.is_finite() {
                    return Err(Error::param(name, v, "coordinates must be finite"));
                }
                if v != 0.0 && k >= self.p {
                    return Err(Error::param(
                        name,
                        format!("{w:?}"),
                        format!("coordinate on e_{} needs p >= {}", k + 1, k + 1),
                    ));
                }
            }
        }
        Ok(())
    }

    /// Whether `T = X^T W X` is symmetric (`w_K` parallel to `w_Q`, or one of them zero).
    pub fn is_symmetric(&self) -> bool {
        let (a, b) = (self.wk, self.wq);
        let cross = [
            a[1] * b[2] - a[2] * b[1],
            a[2] * b[0] - a[0] * b[2],
            a[0] * b[1] - a[1] * b[0],
        ];
        let na: f64 = a.iter().map(|v| v * v).sum::<f64>().sqrt();
        let nb: f64 = b.iter().map(|v| v * v).sum::<f64>().sqrt();
        cross.iter().all(|c| c.abs() <= 1e-14 * na * nb)
    }

    /// Estimated peak bytes of one replicate: `X` and `Phi` (`p n` each), the kernel `n^2`
    /// (not for ridge), the Gram matrix, its eigenvectors and the eigensolver workspace
    /// (`3 min(p, n)^2`), all `f64`.
    pub fn replicate_bytes(&self) -> u64 {
        let (n, p) = (self.n as u64, self.p as u64);
        let d = n.min(p);
        let kernel = if self.model == ModelKind::Ridge {
            0
        } else {
            n * n + p * n
        };
        8 * (p * n + kernel + 3 * d * d + 8 * (n + p))
    }

    /// Number of replicates run at the same time: the rayon thread count, capped by the number of
    /// seeds and by 80% of the available memory (at least one).
    pub fn concurrency(&self) -> usize {
        let per = self.replicate_bytes().max(1);
        let fit = (crate::linalg::mem_available_bytes() as f64 * 0.8 / per as f64) as usize;
        rayon::current_num_threads().min(self.seeds).min(fit).max(1)
    }

    /// Estimated peak bytes of the run: [`Self::replicate_bytes`] times [`Self::concurrency`].
    pub fn memory_bytes(&self) -> u64 {
        self.replicate_bytes() * self.concurrency() as u64
    }

    /// `Err(Error::Memory)` when even one replicate does not fit in the available memory.
    pub fn check_memory(&self) -> Result<()> {
        let avail = crate::linalg::mem_available_bytes();
        let need = self.replicate_bytes();
        if need > avail {
            let gib = |b: u64| b as f64 / (1u64 << 30) as f64;
            return Err(Error::Memory {
                needed_gib: gib(need),
                available_gib: gib(avail),
                what: format!(
                    "one replicate of the {:?} model at n = {}, p = {}",
                    self.model, self.n, self.p
                ),
            });
        }
        Ok(())
    }
}
