//! Square-loss theory of the RAF model: linear ridge in closed form, the KRR -> ridge map, the
//! three errors, the optimal regularisation and the compatibility threshold
//! (`docs/raf.md §4, §7`).
//!
//! * [`ridge_state`]: `(V, m, q)` of linear ridge `min_u sum (y - u.x/sqrt d)^2 + lambda_e |u|^2`
//!   on RAF data, in closed form (`V` is the Marchenko–Pastur Stieltjes transform at `-lambda_e`).
//! * [`krr_theory`]: kernel ridge with `(mu1, mu_star)`: ridge at
//!   `lambda_e = (lambda + mu_star^2)/mu1^2`, then `eps_gen = arccos(m/sqrt q)/pi`,
//!   `eps_mem = Phi(t/sqrt q)`, `eps_rt = E_zeta Phi((t - m|zeta|)/sqrt(q - m^2))` with
//!   `t = 1 - (1 + V)(lambda + mu_star^2)/lambda`.
//! * [`lambda_opt`], [`lambda_opt_numeric`], [`eps_c`], [`krr_rate_prefactor`].

use super::kernel::KernelCoeffs;
use super::solve::brent_min;
use crate::error::{require_positive, Error, Result};
use crate::quadrature::gaussian_expectation_piecewise;
use serde::Serialize;
use std::f64::consts::{PI, SQRT_2};

/// `sqrt(2/pi) = E|z|`.
pub const SQRT_2_OVER_PI: f64 = 0.797_884_560_802_865_4;

/// Target of the tanh-sinh quadratures of this module (absolute, on probabilities).
const QUAD_TOL: f64 = 1e-14;

/// Standard normal cdf `Phi(x) = erfc(-x/sqrt 2)/2` (libm: ~1 ulp; statrs' erfc is only ~1e-10
/// relative, DEPS.md).
pub fn normal_cdf(x: f64) -> f64 {
    0.5 * libm::erfc(-x / SQRT_2)
}

/// The effective linear teacher `a = E[y z] = (1 - eps) sqrt(2/pi)` (`docs/raf.md §4.1`).
pub fn a_eff(eps: f64) -> f64 {
    (1.0 - eps) * SQRT_2_OVER_PI
}

/// Validates `eps in [0, 1)`.
pub fn require_eps(eps: f64) -> Result<f64> {
    if !(eps.is_finite() && (0.0..1.0).contains(&eps)) {
        return Err(Error::param(
            "eps",
            eps,
            "the fraction of facts must be in [0, 1)",
        ));
    }
    Ok(eps)
}

/// Order parameters of linear ridge.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct RidgeState {
    /// `V = lim (1/d) tr (X^T X/d + lambda_e)^{-1}`.
    pub v: f64,
    /// `m = u.w*/d`.
    pub m: f64,
    /// `q = |u|^2/d`.
    pub q: f64,
}

/// Closed-form state of linear ridge at `(alpha, eps, lambda_e)` (`docs/raf.md §4.2`).
pub fn ridge_state(alpha: f64, eps: f64, lambda_e: f64) -> Result<RidgeState> {
    require_positive("alpha", alpha)?;
    require_eps(eps)?;
    require_positive("lambda_e", lambda_e)?;
    let a = a_eff(eps);
    let b = lambda_e + alpha - 1.0;
    let disc = (b * b + 4.0 * lambda_e).sqrt();
    // V = (-b + disc)/(2 lambda_e), written without cancellation when b > 0
    let v = if b > 0.0 {
        2.0 / (b + disc)
    } else {
        (disc - b) / (2.0 * lambda_e)
    };
    let m = a * alpha * v / (1.0 + v);
    let s = alpha * v * v / ((1.0 + v) * (1.0 + v));
    let q = s * (alpha * a * a + 1.0 - 2.0 * a * m) / (1.0 - s);
    if !(v.is_finite() && m.is_finite() && q.is_finite() && q > 0.0) {
        return Err(Error::param(
            "lambda_e",
            lambda_e,
            format!("ridge state not finite (alpha = {alpha}): V = {v}, m = {m}, q = {q}"),
        ));
    }
    Ok(RidgeState { v, m, q })
}

/// `arccos(m/sqrt q)/pi`, the probability that `sign(u.x) != sign(w*.x)` for Gaussian `x`.
pub fn angle_error(m: f64, q: f64) -> f64 {
    (m / q.sqrt()).clamp(-1.0, 1.0).acos() / PI
}

/// `E_zeta Phi((t - m|zeta|)/sqrt(q - m^2))`, `zeta ~ N(0,1)`: the training error on the rule
/// samples (`docs/raf.md §4.4`). tanh-sinh split at the kink of `|zeta|`.
pub fn rule_train_error(t: f64, m: f64, q: f64) -> Result<f64> {
    let s = (q - m * m).max(1e-300).sqrt();
    if t == f64::NEG_INFINITY {
        return Ok(0.0);
    }
    let est = gaussian_expectation_piecewise(
        |z: f64| normal_cdf((t - m * z.abs()) / s),
        &[0.0],
        12.0,
        QUAD_TOL,
    )?;
    Ok(est.value.clamp(0.0, 1.0))
}

/// The three RAF errors of a learner.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Errors {
    /// Generalization error against the rule on fresh inputs.
    pub eps_gen: f64,
    /// Training error on the facts.
    pub eps_mem: f64,
    /// Training error on the rule samples.
    pub eps_rt: f64,
}

/// Theory of kernel ridge regression at one point.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct KrrPoint {
    /// `n/d`.
    pub alpha: f64,
    /// Fraction of facts.
    pub eps: f64,
    /// Ridge of the kernel problem.
    pub lambda: f64,
    /// `(lambda + mu_star^2)/mu1^2`.
    pub lambda_e: f64,
    /// Ridge state at `lambda_e`.
    pub state: RidgeState,
    /// Threshold `t` of `y omega < t` (`-inf` at `lambda = 0`).
    pub t: f64,
    /// The errors.
    pub errors: Errors,
}

/// KRR with kernel `k` at `(alpha, eps, lambda)` (`docs/raf.md §4.3–4.4`). `lambda = 0` is the
/// ridgeless limit, allowed only when `mu_star > 0` (then `t = -inf`: every training sample is
/// interpolated).
pub fn krr_theory(alpha: f64, eps: f64, lambda: f64, k: &KernelCoeffs) -> Result<KrrPoint> {
    crate::error::require_nonnegative("lambda", lambda)?;
    if lambda == 0.0 && k.mustar2 == 0.0 {
        return Err(Error::param(
            "lambda",
            lambda,
            "must be > 0 for a kernel with mu_star = 0 (linear ridge)",
        ));
    }
    let c = lambda + k.mustar2;
    let lambda_e = c / (k.mu1 * k.mu1);
    let st = ridge_state(alpha, eps, lambda_e)?;
    let t = if lambda > 0.0 {
        1.0 - (1.0 + st.v) * c / lambda
    } else {
        f64::NEG_INFINITY
    };
    let errors = Errors {
        eps_gen: angle_error(st.m, st.q),
        eps_mem: normal_cdf(t / st.q.sqrt()),
        eps_rt: rule_train_error(t, st.m, st.q)?,
    };
    Ok(KrrPoint {
        alpha,
        eps,
        lambda,
        lambda_e,
        state: st,
        t,
        errors,
    })
}

/// The optimal ridge of KRR, `max(0, mu1^2 (1 - a^2)/a^2 - mu_star^2)`, independent of `alpha`
/// (`docs/raf.md §7`: the Bayes ridge `lambda_e = Delta/a^2` of the Gaussian-equivalent problem).
pub fn lambda_opt(eps: f64, k: &KernelCoeffs) -> f64 {
    let a = a_eff(eps);
    (k.mu1 * k.mu1 * (1.0 - a * a) / (a * a) - k.mustar2).max(0.0)
}

/// Bracket of the numerical minimisation of `eps_gen` over `ln lambda`.
pub const LN_LAMBDA_RANGE: (f64, f64) = (-18.0, 8.0);

/// `argmin_lambda eps_gen(lambda)` found numerically (Brent on `ln lambda` over
/// [`LN_LAMBDA_RANGE`]); a value at the lower end `e^-18 ~ 1.5e-8` means "lambda -> 0+".
pub fn lambda_opt_numeric(alpha: f64, eps: f64, k: &KernelCoeffs) -> Result<f64> {
    // minimise -m/sqrt(q) (same argmin as arccos(m/sqrt q), better conditioned at the minimum)
    let f = |l: f64| match ridge_state(alpha, eps, (l.exp() + k.mustar2) / (k.mu1 * k.mu1)) {
        Ok(s) => -s.m / s.q.sqrt(),
        Err(_) => f64::INFINITY,
    };
    let x = brent_min(f, LN_LAMBDA_RANGE.0, LN_LAMBDA_RANGE.1, 1e-10, 1e-12)?;
    Ok(x.exp())
}

/// The largest fraction of facts for which memorizing every fact (`lambda -> 0+`) is compatible
/// with the optimal generalization: `eps_c(r) = 1 - sqrt(pi/(2(1 + r)))`, `r = mu_star^2/mu1^2`
/// (`docs/raf.md §7`). Negative when no `eps >= 0` qualifies (`r < pi/2 - 1`).
pub fn eps_c(r: f64) -> f64 {
    1.0 - (PI / (2.0 * (1.0 + r))).sqrt()
}

/// The ratio `r_c(eps) = (1 - a^2)/a^2` above which ridgeless KRR is optimal at `eps`
/// (inverse of [`eps_c`]).
pub fn ratio_c(eps: f64) -> f64 {
    let a = a_eff(eps);
    (1.0 - a * a) / (a * a)
}

/// The large-`alpha` prefactor of KRR: `eps_gen ~ sqrt(1 - a^2)/(pi a) alpha^{-1/2}`, independent
/// of `lambda`, `mu1`, `mu_star` (`docs/raf.md §7`).
pub fn krr_rate_prefactor(eps: f64) -> f64 {
    let a = a_eff(eps);
    (1.0 - a * a).sqrt() / (PI * a)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The closed form against the damped iteration of the six saddle-point equations.
    #[test]
    fn closed_form_is_the_fixed_point() {
        for &(alpha, eps, le) in &[
            (0.5, 0.2, 0.1),
            (2.0, 0.2, 0.5),
            (3.0, 0.5, 0.05),
            (1.0, 0.0, 1e-3),
        ] {
            let s = ridge_state(alpha, eps, le).unwrap();
            let a = a_eff(eps);
            let (mut v, mut m, mut q) = (1.0f64, 0.1f64, 0.5f64);
            for _ in 0..20_000 {
                let vh = alpha / (1.0 + v);
                let mh = alpha * a / (1.0 + v);
                let qh = alpha * (1.0 + q - 2.0 * a * m) / ((1.0 + v) * (1.0 + v));
                let vn = 1.0 / (le + vh);
                let (mn, qn) = (mh * vn, (mh * mh + qh) * vn * vn);
                v = 0.5 * vn + 0.5 * v;
                m = 0.5 * mn + 0.5 * m;
                q = 0.5 * qn + 0.5 * q;
            }
            assert!((s.v - v).abs() < 1e-10 * v.max(1.0), "{alpha} {eps} {le}");
            assert!((s.m - m).abs() < 1e-10 && (s.q - q).abs() < 1e-10 * q.max(1.0));
        }
    }

    #[test]
    fn linear_ridge_memorization_at_lambda_to_zero() {
        // docs/raf.md §7 C5: eps = 0.2, eps_mem(lambda -> 0) = 0.057, 0.159, 0.276 at alpha = 1.5, 2, 3
        let k = KernelCoeffs::linear();
        for (alpha, want) in [(1.5, 0.057), (2.0, 0.159), (3.0, 0.276)] {
            let p = krr_theory(alpha, 0.2, 1e-9, &k).unwrap();
            assert!(
                (p.errors.eps_mem - want).abs() < 6e-4,
                "{alpha}: {:?}",
                p.errors
            );
        }
    }
}
