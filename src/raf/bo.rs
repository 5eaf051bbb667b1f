//! Bayes-optimal learning of the RAF rule (`docs/raf.md §6`).
//!
//! The RAF channel is a perceptron whose label flips with probability `eps/2`:
//! `Z_out(y, omega, V) = eps/2 + (1 - eps) Phi(y omega/sqrt V)`. With the Gaussian prior on
//! `w*` and Nishimori's identity `m = q`, the state evolution is one equation
//!
//! ```text
//! q_hat = alpha E_{xi, y} [ (d_omega log Z_out(y, sqrt q xi, 1 - q))^2 ],   q = q_hat/(1 + q_hat),
//! eps_gen_BO = arccos(sqrt q)/pi.
//! ```
//!
//! Writing `V = 1 - q`, `t = omega/sqrt V`, `s = sqrt(V/q)` and
//! `G(t) = phi(t)^2 (1/Z_+(t) + 1/Z_-(t))`, `Z_y(t) = eps/2 + (1 - eps) Phi(y t)`:
//! `q_hat = alpha (1 - eps)^2/V E_xi[G(xi/s)]`.
//!
//! **Adaptive grid.** At large `alpha`, `V -> 0` and `G(xi/s)` lives on the scale `s ~ sqrt V` of
//! `xi`: a fixed Gauss–Hermite rule in `xi` sees it at a handful of nodes and fails
//! ([`qhat_fixed_gh`] shows it). [`qhat`] integrates in `xi` when `s >= 1` and in `t` when `s < 1`
//! (`E_xi G(xi/s) = s int G(t) phi(s t) dt`), by tanh-sinh on the natural scale of the integrand,
//! so its cost and accuracy do not depend on `alpha`.
//!
//! The fixed point is solved for `ln V` by Brent (`h(V) = V (1 + q_hat(V)) - 1` goes from
//! `q_hat(0) > 0` at `V = 1` to `-1` at `V -> 0`).

use super::solve::brent_root;
use super::theory::{normal_cdf, require_eps};
use crate::error::{require_positive, Result};
use crate::quadrature::{gauss_hermite, gaussian_expectation_piecewise, INV_SQRT_2PI};
use serde::Serialize;
use std::f64::consts::PI;

/// Absolute target of the tanh-sinh integrals (`E G` is O(1)).
const QUAD_TOL: f64 = 1e-15;

/// Bayes-optimal state.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct BoPoint {
    /// `n/d`.
    pub alpha: f64,
    /// Fraction of facts.
    pub eps: f64,
    /// Overlap `q = m`.
    pub q: f64,
    /// `1 - q`.
    pub v: f64,
    /// `q_hat` at the fixed point.
    pub q_hat: f64,
    /// `arccos(sqrt q)/pi`.
    pub eps_gen: f64,
}

fn phi(t: f64) -> f64 {
    INV_SQRT_2PI * (-0.5 * t * t).exp()
}

/// `1/Z_+(t) + 1/Z_-(t)`, `Z_y(t) = f + (1 - 2f) Phi(y t)` (`f` = flip probability).
fn inv_z(t: f64, flip: f64) -> f64 {
    let zp = flip + (1.0 - 2.0 * flip) * normal_cdf(t);
    let zm = flip + (1.0 - 2.0 * flip) * normal_cdf(-t);
    1.0 / zp + 1.0 / zm
}

/// `G(t) = phi(t)^2 (1/Z_+(t) + 1/Z_-(t))`.
fn g_fn(t: f64, flip: f64) -> f64 {
    let p = phi(t);
    p * p * inv_z(t, flip)
}

/// `E_xi G(xi/s)` on the adaptive grid (see the module doc).
fn mean_g(s: f64, flip: f64) -> Result<f64> {
    if s.is_infinite() {
        return Ok(g_fn(0.0, flip));
    }
    let est = if s >= 1.0 {
        gaussian_expectation_piecewise(|x| g_fn(x / s, flip), &[0.0], 12.0, QUAD_TOL)?
    } else {
        // s int G(t) phi(s t) dt = E_t[ s G(t) phi(s t)/phi(t) ], t ~ N(0,1)
        gaussian_expectation_piecewise(
            |t| s * phi(t) * inv_z(t, flip) * phi(s * t),
            &[0.0],
            12.0,
            QUAD_TOL,
        )?
    };
    Ok(est.value)
}

/// `q_hat` at `V = 1 - q` on the adaptive grid, for the channel with flip probability `flip`
/// (`eps/2` for RAF data). `V` is the argument so that `q` close to 1 keeps its precision.
pub fn qhat(alpha: f64, flip: f64, v: f64) -> Result<f64> {
    let q = 1.0 - v;
    let s = if q > 0.0 {
        (v / q).sqrt()
    } else {
        f64::INFINITY
    };
    Ok(alpha * (1.0 - 2.0 * flip).powi(2) / v * mean_g(s, flip)?)
}

/// `q_hat` at `V = 1 - q` with a fixed `order`-point Gauss–Hermite rule in `xi` (what fails at
/// large `alpha`; kept to show it).
pub fn qhat_fixed_gh(alpha: f64, flip: f64, v: f64, order: usize) -> Result<f64> {
    let q = 1.0 - v;
    let s = (v / q).sqrt();
    let rule = gauss_hermite(order)?;
    Ok(alpha * (1.0 - 2.0 * flip).powi(2) / v * rule.expect(|x| g_fn(x / s, flip)))
}

/// Solves the Bayes-optimal fixed point with the given `q_hat(V)`.
fn solve_with(alpha: f64, eps: f64, qh: impl Fn(f64) -> Result<f64>) -> Result<BoPoint> {
    require_positive("alpha", alpha)?;
    require_eps(eps)?;
    let h = |lv: f64| {
        let v = lv.exp();
        match qh(v) {
            Ok(x) => v * (1.0 + x) - 1.0,
            Err(_) => f64::NAN,
        }
    };
    // V in [1e-30, 1 - 1e-15]: h(1) = q_hat(0) > 0, h(V) ~ sqrt(V) C alpha - 1 < 0 at tiny V
    let ln_v = brent_root(
        h,
        (1e-30f64).ln(),
        (-1e-15f64).ln_1p(),
        1e-15,
        "Bayes-optimal q",
    )?;
    let v = ln_v.exp();
    let q = 1.0 - v;
    let q_hat = qh(v)?;
    Ok(BoPoint {
        alpha,
        eps,
        q,
        v,
        q_hat,
        eps_gen: v.sqrt().asin() / PI,
    })
}

/// The Bayes-optimal fixed point at `(alpha, eps)` (adaptive grid).
pub fn bo_theory(alpha: f64, eps: f64) -> Result<BoPoint> {
    solve_with(alpha, eps, |v| qhat(alpha, 0.5 * eps, v))
}

/// The fixed point of a perceptron channel with an arbitrary flip probability `flip`
/// (`bo_theory(alpha, eps)` is `flip = eps/2`; the negative test uses `flip = eps`). The
/// returned point records `eps = 2 flip`.
pub fn bo_theory_flip(alpha: f64, flip: f64) -> Result<BoPoint> {
    solve_with(alpha, 2.0 * flip, |v| qhat(alpha, flip, v))
}

/// The same fixed point with a fixed Gauss–Hermite rule of `order` nodes.
pub fn bo_theory_fixed_gh(alpha: f64, eps: f64, order: usize) -> Result<BoPoint> {
    solve_with(alpha, eps, |v| qhat_fixed_gh(alpha, 0.5 * eps, v, order))
}

/// `lim_{alpha -> inf} alpha eps_gen_BO = 1/(pi (1 - eps)^2 phi(0) J)`,
/// `J = int G(t) dt` (derived, `docs/raf.md §6`).
pub fn bo_rate_prefactor(eps: f64) -> Result<f64> {
    require_eps(eps)?;
    // J = int G(t) dt = E_t[G(t)/phi(t)]
    let j =
        gaussian_expectation_piecewise(|t| phi(t) * inv_z(t, 0.5 * eps), &[0.0], 12.0, QUAD_TOL)?
            .value;
    Ok(1.0 / (PI * (1.0 - eps).powi(2) * INV_SQRT_2PI * j))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adaptive_and_fixed_rules_agree_at_small_alpha() {
        let a = bo_theory(1.0, 0.2).unwrap();
        let b = bo_theory_fixed_gh(1.0, 0.2, 121).unwrap();
        assert!((a.q - b.q).abs() < 1e-10, "{a:?} {b:?}");
        // docs/raf.md §6: q = 0.32162, eps_gen = 0.30806 at alpha = 1, eps = 0.2
        assert!((a.q - 0.32162).abs() < 5e-6);
        assert!((a.eps_gen - 0.30806).abs() < 1e-5);
    }
}
