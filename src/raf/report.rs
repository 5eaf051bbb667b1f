//! "How does this activation's kernel trade rules against facts?" (`rmt-verify raf
//! check-activation`): the kernel's implicit ridge `r = mu_star^2/mu1^2`, the optimal ridge
//! `lambda_opt(eps)`, the compatibility threshold `eps_c(r)`, and, at one `alpha`, the errors at
//! `lambda_opt` against the ridgeless limit (`docs/raf.md §7`).

use super::kernel::KernelCoeffs;
use super::theory::{eps_c, krr_theory, lambda_opt, Errors};
use crate::activation::Activation;
use crate::error::{require_positive, Result};
use serde::Serialize;

/// Fractions of facts reported.
pub const EPSILONS: [f64; 5] = [0.0, 0.1, 0.2, 0.3, 0.5];
/// The ridge used for "lambda -> 0+" when the kernel has `mu_star = 0` (linear ridge).
pub const LAMBDA_TINY: f64 = 1e-10;

/// One fraction of facts.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct TradeoffRow {
    /// Fraction of facts.
    pub eps: f64,
    /// Optimal ridge.
    pub lambda_opt: f64,
    /// Errors at `lambda_opt`.
    pub at_opt: Errors,
    /// Errors as `lambda -> 0+`.
    pub ridgeless: Errors,
    /// `eps_gen(ridgeless) - eps_gen(lambda_opt) >= 0`: what memorizing every fact costs.
    pub memorization_cost: f64,
}

/// The report.
#[derive(Clone, Debug, Serialize)]
pub struct Tradeoff {
    /// Kernel coefficients.
    pub kernel: KernelCoeffs,
    /// `mu_star^2/mu1^2`: the implicit ridge of the kernel.
    pub ratio: f64,
    /// `eps_c(r) = 1 - sqrt(pi/(2(1 + r)))`; `None` when negative (no `eps` qualifies).
    pub eps_c: Option<f64>,
    /// `alpha = n/d` of the error columns.
    pub alpha: f64,
    /// Ridge used for the ridgeless column (0, or [`LAMBDA_TINY`] when `mu_star = 0`).
    pub ridgeless_lambda: f64,
    /// One row per entry of [`EPSILONS`].
    pub rows: Vec<TradeoffRow>,
}

/// The trade-off report of `act` at `alpha`.
pub fn tradeoff(act: &Activation, alpha: f64) -> Result<Tradeoff> {
    require_positive("alpha", alpha)?;
    let k = KernelCoeffs::from_activation(act)?;
    let r = k.ratio();
    let ec = eps_c(r);
    let l0 = if k.mustar2 > 0.0 { 0.0 } else { LAMBDA_TINY };
    let rows = EPSILONS
        .iter()
        .map(|&eps| {
            let lo = lambda_opt(eps, &k);
            // lambda_opt = 0 is the ridgeless limit itself
            let lo_eval = if lo > 0.0 { lo } else { l0 };
            let at_opt = krr_theory(alpha, eps, lo_eval, &k)?.errors;
            let ridgeless = krr_theory(alpha, eps, l0, &k)?.errors;
            Ok(TradeoffRow {
                eps,
                lambda_opt: lo,
                at_opt,
                ridgeless,
                memorization_cost: ridgeless.eps_gen - at_opt.eps_gen,
            })
        })
        .collect::<Result<_>>()?;
    Ok(Tradeoff {
        kernel: k,
        ratio: r,
        eps_c: (ec >= 0.0).then_some(ec),
        alpha,
        ridgeless_lambda: l0,
        rows,
    })
}
