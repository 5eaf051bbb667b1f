//! The model: one description for every variant ([`ModelSpec`], read from a model file or
//! built from the single-head flags), its reduced coordinates for the theory ([`Geometry`]),
//! and the configuration of a Monte Carlo run ([`SimConfig`]).
//!
//! `X = sum_k mu_k label_k^T + Z` (`p x n`), `W = I_p + sum_j w_K,j w_Q,j^T`,
//! `K = f_c(X^T W X / sqrt p) / sqrt p` (zero or literal diagonal), `Phi = X K` (attention),
//! `X` (ridge) or `X K~` (Gaussian equivalent, docs/linearization.md). The simulation itself lives in
//! [`crate::monte_carlo`]; the memory estimate here is what it checks before allocating.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

pub mod flags;
mod geometry;
mod spec;

pub use geometry::Geometry;
pub use spec::{
    AttentionFile, AttentionOpts, Combine, Head, HeadFile, Labels, LabelsFile, ModelFile,
    ModelSpec, Normalize, Signal, SignalFile, SoftmaxSide, Tokens, TokensFile, MAX_BASIS,
    MAX_HEADS, MAX_LABELS, MAX_LABEL_BLOCK,
};

/// Which feature map the probe reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ModelKind {
    /// Nonlinear attention, `Phi = X K`.
    Attention,
    /// Ridge regression on raw tokens, `Phi = X`.
    Ridge,
    /// Attention with `K` replaced by its Gaussian equivalent `a1 X^T W X/p + sigma G/sqrt p + s I`.
    Equivalent,
}

/// Diagonal convention of the kernel matrix (docs/model.md §3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Diag {
    /// `K_ii := 0` (default); Gaussian-equivalent shift `s = -a1`.
    Zero,
    /// `K_ii = f(x_i^T W x_i / sqrt p) / sqrt p`; shift `s = tau_D - a1`.
    Literal,
}

impl ModelKind {
    /// The name used in model files and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            ModelKind::Attention => "attention",
            ModelKind::Ridge => "ridge",
            ModelKind::Equivalent => "equivalent",
        }
    }
}

impl Diag {
    /// The name used in model files and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Diag::Zero => "zero",
            Diag::Literal => "literal",
        }
    }

    /// The shift `s` of the Gaussian-equivalent kernel `a1 X^T W X/p + sigma G/sqrt p + s I`
    /// (docs/linearization.md): `-a1` for the zero diagonal, `tau_D - a1` for the literal one, where
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

/// Everything that defines a Monte Carlo run: the model, the sizes, the gamma path, the
/// replicates and the master seed.
#[derive(Clone, Debug)]
pub struct SimConfig {
    /// The model.
    pub spec: ModelSpec,
    /// Number of tokens.
    pub n: usize,
    /// Token dimension.
    pub p: usize,
    /// Ridge parameters `gamma > 0` of the path.
    pub gammas: Vec<f64>,
    /// Number of replicates.
    pub seeds: usize,
    /// Master seed.
    pub seed: u64,
}

/// Largest `n` or `p` accepted (the `n x n` kernel alone would need 2^61 bytes beyond this).
pub const MAX_SIZE: usize = 1 << 28;
/// Largest number of replicates accepted.
pub const MAX_SEEDS: usize = 1 << 24;
/// Largest number of gammas on a path.
pub const MAX_GAMMAS: usize = 1 << 20;
/// Largest signal `||mu_k||^2` the Monte Carlo engine accepts. The signal adds an eigenvalue
/// ~`snr` to the spectrum of `Phi^T Phi / n`, and the eigendecomposition perturbs the rest by
/// ~`eps * snr`: at `n = 32, p = 64` the results drift by 5e-5 (relative) at `snr = 1e12` and
/// by 25 % at `1e16`; at `1e8` the drift is ~1e-8, far below any standard error.
/// (`E = 1 - ...` can also cancel before that; `monte_carlo` refuses a result with fewer
/// than two significant digits left.)
pub const MAX_MC_SNR: f64 = 1e8;

impl SimConfig {
    /// A run of `spec` with the CLI defaults (n = 1024, p = 256, gamma = 0.1, 4 seeds, seed 2506).
    pub fn new(spec: ModelSpec) -> SimConfig {
        SimConfig {
            spec,
            n: 1024,
            p: 256,
            gammas: vec![0.1],
            seeds: 4,
            seed: 2506,
        }
    }

    /// The paper's single-head attention model with `activation` (snr = 1, w = 0, zero
    /// diagonal) and the CLI defaults.
    pub fn single_head(activation: crate::Activation) -> SimConfig {
        let spec =
            ModelSpec::single_head(ModelKind::Attention, activation, 1.0, &[], &[], Diag::Zero)
                .expect("the default single-head model is valid");
        SimConfig::new(spec)
    }

    /// Checks the parameters (sizes, `gamma`s, the model against `p`) without touching memory
    /// limits.
    pub fn validate(&self) -> Result<()> {
        for (name, v, max) in [
            ("n", self.n, MAX_SIZE),
            ("p", self.p, MAX_SIZE),
            ("seeds", self.seeds, MAX_SEEDS),
        ] {
            if v == 0 {
                return Err(Error::param(name, v, "must be at least 1"));
            }
            if v > max {
                return Err(Error::param(name, v, format!("must be at most {max}")));
            }
        }
        if self.gammas.is_empty() {
            return Err(Error::param("gamma", "(empty)", "give at least one gamma"));
        }
        if self.gammas.len() > MAX_GAMMAS {
            return Err(Error::param(
                "gamma",
                self.gammas.len(),
                format!("at most {MAX_GAMMAS} values"),
            ));
        }
        for &g in &self.gammas {
            crate::theory::require_gamma(g)?;
        }
        self.spec.validate()?;
        for (k, m) in self.spec.signal.means.iter().enumerate() {
            let snr = m.iter().map(|x| x * x).sum::<f64>();
            if snr.is_nan() || snr > MAX_MC_SNR {
                let name = if self.spec.signal.means.len() == 1 {
                    "snr".to_string()
                } else {
                    format!("signal.means[{k}] (squared norm)")
                };
                return Err(Error::param(
                    name,
                    crate::theory::short(snr),
                    format!(
                        "allowed [0, {MAX_MC_SNR:e}] in the Monte Carlo engine: a larger signal \
                         swamps the rest of the spectrum in double precision (README: Bad input)"
                    ),
                ));
            }
        }
        self.spec.require_supported("the Monte Carlo engine")?;
        let need = self.spec.min_p();
        if need > self.p {
            return Err(Error::param(
                "p",
                self.p,
                format!("the model has a nonzero coordinate on e_{need}: needs p >= {need}"),
            ));
        }
        Ok(())
    }

    /// Whether every `T_h = X^T W_h X` is symmetric (`sum_j w_K,j w_Q,j^T` symmetric).
    pub fn is_symmetric(&self) -> bool {
        self.spec.heads.iter().all(|h| {
            let d = self.spec.basis_dim();
            let w = Geometry::wlow(h, d);
            let scale = w.iter().map(|v| v.abs()).fold(0.0, f64::max);
            (0..d).all(|i| (0..i).all(|j| (w[i * d + j] - w[j * d + i]).abs() <= 1e-14 * scale))
        })
    }

    /// Rows of `Phi`: `H p` for concatenated heads (`docs/multihead.md §1`), else `p`.
    pub fn feature_rows(&self) -> usize {
        if self.spec.kind != ModelKind::Ridge && self.spec.attention.combine == Combine::Concat {
            self.p.saturating_mul(self.spec.heads.len().max(1))
        } else {
            self.p
        }
    }

    /// Estimated peak bytes of one replicate: `X` (`p n`), `Phi` (`rows n`, rows =
    /// [`Self::feature_rows`]) and the kernel `n^2` (one buffer reused by every head; not for
    /// ridge), the Gram matrix, its eigenvectors and the eigensolver workspace
    /// (`3 min(rows, n)^2`), all `f64`. Saturates at `u64::MAX` instead of overflowing.
    pub fn replicate_bytes(&self) -> u64 {
        let (n, p) = (self.n as u64, self.p as u64);
        let rows = self.feature_rows() as u64;
        let d = n.min(rows);
        let kernel = if self.spec.kind == ModelKind::Ridge {
            0
        } else {
            n.saturating_mul(n).saturating_add(rows.saturating_mul(n))
        };
        p.saturating_mul(n)
            .saturating_add(kernel)
            .saturating_add(d.saturating_mul(d).saturating_mul(3))
            .saturating_add(n.saturating_add(p).saturating_mul(8))
            .saturating_mul(8)
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
        self.replicate_bytes()
            .saturating_mul(self.concurrency() as u64)
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
                    "one replicate of the {} model at n = {}, p = {}",
                    self.spec.kind.name(),
                    self.n,
                    self.p
                ),
            });
        }
        Ok(())
    }
}
