//! Nonlinear attention: the 6-block pencil of SPEC §5 (paper Proposition 1 / Theorem 1, as
//! reconstructed) and `E_A = -gamma^2 dq/dgamma` with the analytic (implicit) derivative.
//!
//! Blocks (vars u,a,c: n | e,b,g: p; equations R1,R2,Rc | Re,Rb,Rg), with `n = 1, p = c`:
//! ```text
//! R1: gamma u + a1 X^T W^T g/sqrt p + (sigma G/sqrt p + s) c = v
//! R2: a - a1 X^T W e/sqrt p - (sigma G/sqrt p + s) u = 0
//! Rc: c - X^T b/sqrt n = 0;  Re: e - X u/sqrt p = 0;  Rb: b - X a/sqrt n = 0;  Rg: g - X c/sqrt p = 0
//! ```
//! `sigma^2 = nu - a1^2`; `s = -a1` (zero diagonal) or `tau_D - a1` (literal diagonal, SPEC §3).
//! The low-rank part lives on `yhat = y/sqrt n` (n-blocks) and on `(e1, e2, e3)` (p-blocks), with
//! `mu = sqrt(snr) e1`, `W = I + w_K w_Q^T` (SPEC §5.4). `y^T Q y/n -> (R^{-1})[u, R1]`.

use super::pencil::{BlockType, Bulk, Kind, LowRank, Pencil, RandomBlock};
use super::TheoryPoint;
use crate::activation::Activation;
use crate::error::{require_finite, require_nonnegative, require_positive, Error, Result};
use crate::model::Diag;
use num_complex::Complex64 as C64;

/// Parameters of the attention equivalent.
#[derive(Clone, Debug, PartialEq)]
pub struct AttentionParams {
    /// `c = p/n`.
    pub c: f64,
    /// `||mu||^2`; `mu = sqrt(snr) e1`.
    pub snr: f64,
    /// `w_K` on `(e1, e2, e3)`.
    pub wk: [f64; 3],
    /// `w_Q` on `(e1, e2, e3)`.
    pub wq: [f64; 3],
    /// First Hermite coefficient `a1`.
    pub a1: f64,
    /// `nu = E f^2` of the centred activation.
    pub nu: f64,
    /// Diagonal shift `s` of the Gaussian-equivalent kernel.
    pub s: f64,
}

impl AttentionParams {
    /// Validates `c > 0`, `snr >= 0`, `nu >= a1^2` (up to 1e-12 relative), everything finite.
    pub fn new(
        c: f64,
        snr: f64,
        wk: [f64; 3],
        wq: [f64; 3],
        a1: f64,
        nu: f64,
        s: f64,
    ) -> Result<Self> {
        require_positive("c", c)?;
        require_nonnegative("snr", snr)?;
        for (i, v) in wk.iter().chain(wq.iter()).enumerate() {
            require_finite(if i < 3 { "wk" } else { "wq" }, *v)?;
        }
        require_finite("a1", a1)?;
        require_nonnegative("nu", nu)?;
        require_finite("s", s)?;
        // quadrature noise may give nu - a1^2 ~ -1e-16 for (nearly) linear f
        if nu < a1 * a1 * (1.0 - 1e-12) {
            return Err(Error::param(
                "nu",
                nu,
                format!("must be >= a1^2 = {}", a1 * a1),
            ));
        }
        Ok(AttentionParams {
            c,
            snr,
            wk,
            wq,
            a1,
            nu,
            s,
        })
    }

    /// `a1, nu` from the Hermite coefficients of `act`; `s = -a1` ([`Diag::Zero`]) or
    /// `tau_D - a1` ([`Diag::Literal`]; error if `tau_D` is infinite, e.g. `quad`).
    pub fn from_activation(
        act: &Activation,
        c: f64,
        snr: f64,
        wk: [f64; 3],
        wq: [f64; 3],
        diag: Diag,
    ) -> Result<Self> {
        let h = crate::hermite::hermite_coeffs(act, 2)?;
        let s = diag.shift(act, h.a1)?;
        Self::new(c, snr, wk, wq, h.a1, h.nu.max(h.a1 * h.a1), s)
    }

    /// `sigma = sqrt(nu - a1^2)`.
    pub fn sigma(&self) -> f64 {
        (self.nu - self.a1 * self.a1).max(0.0).sqrt()
    }
}

/// The bulk pencil (depends on `c, a1, nu, s` only).
pub fn attention_pencil(p: &AttentionParams) -> Result<Pencil> {
    let sp = p.c.sqrt();
    let sig = p.sigma();
    let rb = |row, col, coef, kind| RandomBlock {
        row,
        col,
        coef,
        kind,
    };
    Pencil::new(
        vec![
            BlockType::N,
            BlockType::N,
            BlockType::N,
            BlockType::P,
            BlockType::P,
            BlockType::P,
        ],
        p.c,
        &[
            (0, 2, p.s),
            (1, 1, 1.0),
            (1, 0, -p.s),
            (2, 2, 1.0),
            (3, 3, 1.0),
            (4, 4, 1.0),
            (5, 5, 1.0),
        ],
        &[(0, 0, 1.0)],
        &[
            rb(0, 5, p.a1 / sp, Kind::Zt { v: Some(1) }), // a1 Z^T W^T / sqrt p
            rb(1, 3, -p.a1 / sp, Kind::Zt { v: Some(0) }), // -a1 Z^T W / sqrt p
            rb(2, 4, -1.0, Kind::Zt { v: None }),
            rb(3, 0, -1.0 / sp, Kind::Z),
            rb(4, 1, -1.0, Kind::Z),
            rb(5, 2, -1.0 / sp, Kind::Z),
            rb(0, 2, sig / sp, Kind::G),
            rb(1, 0, -sig / sp, Kind::G),
        ],
    )
}

/// The low-rank part (SPEC §5.4) on `yhat` and `(e1, e2, e3)`.
pub fn attention_lowrank(p: &AttentionParams) -> LowRank {
    let r = 1.0 / p.c.sqrt();
    let mu = [p.snr.sqrt(), 0.0, 0.0];
    let mut wl = vec![0.0; 9]; // W - I = wk wq^T
    let mut wlt = vec![0.0; 9];
    for i in 0..3 {
        for j in 0..3 {
            wl[i * 3 + j] = p.wk[i] * p.wq[j];
            wlt[i * 3 + j] = p.wq[i] * p.wk[j];
        }
    }
    let wmu = |w: &[f64]| -> Vec<f64> {
        (0..3)
            .map(|i| mu[i] + (0..3).map(|j| w[i * 3 + j] * mu[j]).sum::<f64>())
            .collect()
    };
    let w_mu = wmu(&wl); // W mu
    let wt_mu = wmu(&wlt); // W^T mu
    let sc = |v: &[f64], f: f64| v.iter().map(|x| x * f).collect::<Vec<_>>();
    LowRank {
        dims: vec![1, 1, 1, 3, 3, 3],
        blocks: vec![
            (0, 5, sc(&w_mu, p.a1 * r)),
            (1, 3, sc(&wt_mu, -p.a1 * r)),
            (2, 4, sc(&mu, -1.0)),
            (3, 0, sc(&mu, -r)),
            (4, 1, sc(&mu, -1.0)),
            (5, 2, sc(&mu, -r)),
        ],
        v_low: vec![wl, wlt],
        target: vec![1.0],
        read: (0, 0),
    }
}

fn point(pen: &Pencil, low: &LowRank, b: &Bulk, gamma: f64) -> Result<TheoryPoint> {
    let (q, dq) = low.quad(pen, b)?;
    let e = -gamma * gamma * dq.re;
    if !(q.re.is_finite() && e.is_finite()) {
        return Err(Error::NoConvergence {
            solver: "attention reduced system".into(),
            iters: b.iterations as u64,
            residual: b.residual,
            context: format!(", non-finite result at gamma = {gamma}"),
        });
    }
    Ok(TheoryPoint {
        gamma,
        e,
        yqy: q.re,
        trq: pen.entry(&b.m, 0, 0).re,
        iterations: b.iterations,
        residual: b.residual,
        converged: b.converged,
    })
}

/// One point (cold start at `max(gamma, 10)` + continuation).
pub fn attention_point(p: &AttentionParams, gamma: f64) -> Result<TheoryPoint> {
    Ok(attention_path(p, &[gamma])?.remove(0))
}

/// A path of points in any order: solved from large to small `gamma` with continuation / warm
/// start; output in input order. `iterations` of a point = Newton (+ Picard) iterations spent
/// since the previous point of the path.
pub fn attention_path(p: &AttentionParams, gammas: &[f64]) -> Result<Vec<TheoryPoint>> {
    for &g in gammas {
        require_positive("gamma", g)?;
    }
    let pen = attention_pencil(p)?;
    let low = attention_lowrank(p);
    let mut order: Vec<usize> = (0..gammas.len()).collect();
    order.sort_by(|&a, &b| gammas[b].total_cmp(&gammas[a]));
    let mut out: Vec<Option<TheoryPoint>> = vec![None; gammas.len()];
    let mut cur: Option<Bulk> = None;
    for &i in &order {
        let g = gammas[i];
        let b = match &cur {
            None => pen.solve_real(g)?,
            Some(prev) => {
                let mut from = prev.clone();
                from.iterations = 0;
                pen.continue_to(&from, C64::new(g, 0.0))?
            }
        };
        out[i] = Some(point(&pen, &low, &b, g)?);
        cur = Some(b);
    }
    out.into_iter()
        .map(|o| o.ok_or_else(|| Error::param("gammas", "", "internal: missing point")))
        .collect()
}
