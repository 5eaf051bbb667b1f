//! Helpers for the bounds of docs/bounds.md §3–§4.
//!
//! * `r1 = lim ||Phi y||^2/n^2`: closed form (W = I) `r1_A = sigma^2 + a1^2 t3/c^2 + 2 a1 s t2/c
//!   + s^2 t1`, `t1 = S, t2 = S(S+1), t3 = S((S+1)^2 + c)`, `S = c + snr`; ridge `r1_RR = c + snr`;
//!   from the pencil for any `w`: `r1 = lim_g g(1 - g q(g))` (Richardson at g = 1e4, 2e4).
//! * First moment of `F = Phi^T Phi/n` (mu = 0):
//!   `c[a1^2(1 + 3/c + 1/c^2) + 2 a1 s (1 + 1/c) + s^2 + sigma^2/c]` (zero diagonal: `nu + a1^2/c`).
//! * `a1 = 0, s = 0`: `E_A = Psi_c(g/nu)`, `Psi_c(t) = u - t c (1-u)/(c t + 3u^2 + 2(c-1)u)`,
//!   `u in (0,1]` the root of `c t (1 - u) = u^2 (u + c - 1)`; floor `Psi_inf(t) = sqrt(t/(t+4))`.

use super::attention::{attention_lowrank, attention_pencil, AttentionParams};
use crate::error::{require_positive, Result};
use num_complex::Complex64 as C64;

/// Closed-form `r1_A` (W = I; any `s`).
pub fn r1_closed(c: f64, a1: f64, nu: f64, snr: f64, s: f64) -> f64 {
    let ss = c + snr;
    let (t1, t2, t3) = (ss, ss * (ss + 1.0), ss * ((ss + 1.0).powi(2) + c));
    nu - a1 * a1 + a1 * a1 * t3 / (c * c) + 2.0 * a1 * s * t2 / c + s * s * t1
}

/// Ridge `r1_RR = c + snr`.
pub fn r1_ridge(c: f64, snr: f64) -> f64 {
    c + snr
}

/// `r1` from the pencil: `v(g) = g(1 - g q(g)) = r1 - r2/g + r3/g^2 - ...`, two-level Richardson
/// extrapolation on `g = 1e4, 2e4, 4e4` (truncation `O(r4/g^3)`; the one-level version of
/// docs/bounds.md §3 leaves `O(r3/g^2)`, ~1e-5 relative when the spectrum reaches ~50).
pub fn r1_pencil(p: &AttentionParams) -> Result<f64> {
    let pen = attention_pencil(p)?;
    let low = attention_lowrank(p);
    let mut v = [0.0; 3];
    for (k, g) in [1e4, 2e4, 4e4].into_iter().enumerate() {
        let b = pen.solve_cold(C64::new(g, 0.0))?;
        if !b.converged {
            return Err(super::pencil::no_conv(&b));
        }
        let (q, _) = low.quad(&pen, &b)?;
        v[k] = g * (1.0 - g * q.re);
    }
    let (a, b) = (2.0 * v[1] - v[0], 2.0 * v[2] - v[1]);
    Ok((4.0 * b - a) / 3.0)
}

/// First moment `(1/n) tr Phi^T Phi / n` at `mu = 0`.
pub fn first_moment_gram(c: f64, a1: f64, nu: f64, s: f64) -> f64 {
    let sig2 = nu - a1 * a1;
    let l = 1.0 / c;
    c * (a1 * a1 * (1.0 + 3.0 * l + l * l) + 2.0 * a1 * s * (1.0 + l) + s * s + sig2 * l)
}

/// `Psi_c(t)` (a1 = 0, s = 0 closed form of `E_A` at `t = gamma/nu`).
pub fn psi_c(t: f64, c: f64) -> Result<f64> {
    require_positive("t", t)?;
    require_positive("c", c)?;
    // f(u) = u^2 (u + c - 1) - c t (1 - u): f(0) < 0 < f(1) = c and the root in (0, 1] is unique
    // (c >= 1: f increasing; c < 1: roots only in (1 - c, 1], where f is increasing).
    let f = |u: f64| u * u * (u + c - 1.0) - c * t * (1.0 - u);
    let (mut lo, mut hi) = (0.0f64, 1.0f64);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if f(mid) < 0.0 {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo <= f64::EPSILON * hi {
            break;
        }
    }
    let u = 0.5 * (lo + hi);
    Ok(u - t * c * (1.0 - u) / (c * t + 3.0 * u * u + 2.0 * (c - 1.0) * u))
}

/// Floor `Psi_inf(t) = sqrt(t/(t+4))` (c -> infinity).
pub fn psi_inf(t: f64) -> f64 {
    (t / (t + 4.0)).sqrt()
}
