//! Ridge regression on raw tokens (paper Proposition 2; docs/ridge.md).
//!
//! `m(gamma, c)` is the positive root of `gamma m^2 + (gamma + c - 1) m - 1 = 0` (Marchenko–Pastur
//! Stieltjes transform of `X^T X/n` at `-gamma`), `g = m(1+m)/(1 + m(1+snr))` is the limit of
//! `y^T Q y/n`, and `E_RR = -gamma^2 g'(gamma)` with `m' = -(m^2+m)/(2 gamma m + gamma + c - 1)`,
//! `dg/dm = [(1+2m)(1+a m) - a m(1+m)]/(1+a m)^2`, `a = 1 + snr`. The same quantities come out
//! of the 2-block pencil [`ridge_pencil`] (cross-check, docs/pencil.md §7).

use super::pencil::{BlockType, Kind, LowRank, Pencil, RandomBlock};
use super::TheoryPoint;
use crate::error::{require_nonnegative, require_positive, Result};
use crate::model::Geometry;

/// Closed-form ridge point: `trQ = m`, `yQy = g`, `E = -gamma^2 g'`.
pub fn ridge_point(c: f64, snr: f64, gamma: f64) -> Result<TheoryPoint> {
    require_positive("c", c)?;
    require_nonnegative("snr", snr)?;
    require_positive("gamma", gamma)?;
    let b = gamma + c - 1.0;
    let disc = (b * b + 4.0 * gamma).sqrt();
    // stable form of the positive root: (-b + disc)/(2 gamma) = 2/(b + disc) when b > 0
    let m = if b > 0.0 {
        2.0 / (b + disc)
    } else {
        (-b + disc) / (2.0 * gamma)
    };
    let dm = -(m * m + m) / (2.0 * gamma * m + gamma + c - 1.0);
    let a = 1.0 + snr;
    let g = m * (1.0 + m) / (1.0 + a * m);
    let dg_dm = ((1.0 + 2.0 * m) * (1.0 + a * m) - a * m * (1.0 + m)) / (1.0 + a * m).powi(2);
    Ok(TheoryPoint {
        gamma,
        e: -gamma * gamma * dg_dm * dm,
        yqy: g,
        trq: m,
        iterations: 0,
        residual: 0.0,
        converged: true,
    })
}

/// The 2-block ridge pencil (blocks u: n, e: p):
/// `R0: gamma u + X^T e/sqrt n = v`, `R1: e - X u/sqrt n = 0`, with `mu = sqrt(snr) e1`.
pub fn ridge_pencil(c: f64, snr: f64) -> Result<(Pencil, LowRank)> {
    require_nonnegative("snr", snr)?;
    let p = Pencil::new(
        vec![BlockType::N, BlockType::P],
        c,
        &[(1, 1, 1.0)],
        &[(0, 0, 1.0)],
        &[
            RandomBlock {
                row: 0,
                col: 1,
                coef: 1.0,
                kind: Kind::Zt { v: None },
            },
            RandomBlock {
                row: 1,
                col: 0,
                coef: -1.0,
                kind: Kind::Z,
            },
        ],
    )?;
    let mu = snr.sqrt();
    let low = LowRank {
        dims: vec![1, 1],
        blocks: vec![(0, 1, vec![mu]), (1, 0, vec![-mu])],
        v_low: vec![],
        target: vec![1.0],
        read: (0, 0),
    };
    Ok((p, low))
}

/// The 2-block ridge pencil with the signal of `g` (rank K: `docs/rank-k.md`): low-rank blocks
/// `[R0,e] = A M^T`, `[R1,u] = -M A^T` on `span(labels)` and the basis.
pub fn ridge_pencil_geometry(c: f64, g: &Geometry) -> Result<(Pencil, LowRank)> {
    let (p, _) = ridge_pencil(c, 0.0)?;
    let b = g.a_mt(); // K x d
    let mut bt = vec![0.0; b.len()];
    for i in 0..g.k {
        for j in 0..g.d {
            bt[j * g.k + i] = -b[i * g.d + j];
        }
    }
    let low = LowRank {
        dims: vec![g.k, g.d],
        blocks: vec![(0, 1, b), (1, 0, bt)],
        v_low: vec![],
        target: g.t.clone(),
        read: (0, 0),
    };
    Ok((p, low))
}

/// Ridge for any signal: the closed form [`ridge_point`] for the paper's single ±1 label vector,
/// the pencil [`ridge_pencil_geometry`] otherwise.
pub fn ridge_path_geometry(c: f64, g: &Geometry, gammas: &[f64]) -> Result<Vec<TheoryPoint>> {
    if let Some(snr) = g.rank_one_snr() {
        return gammas.iter().map(|&gm| ridge_point(c, snr, gm)).collect();
    }
    require_positive("c", c)?;
    let (p, low) = ridge_pencil_geometry(c, g)?;
    gammas
        .iter()
        .map(|&gm| {
            require_positive("gamma", gm)?;
            solve_point(&p, &low, gm)
        })
        .collect()
}

/// Ridge through the pencil (cross-check of [`ridge_point`]).
pub fn ridge_point_pencil(c: f64, snr: f64, gamma: f64) -> Result<TheoryPoint> {
    require_positive("gamma", gamma)?;
    let (p, low) = ridge_pencil(c, snr)?;
    solve_point(&p, &low, gamma)
}

fn solve_point(p: &Pencil, low: &LowRank, gamma: f64) -> Result<TheoryPoint> {
    let b = p.solve_real(gamma)?;
    let (q, dq) = low.quad(p, &b)?;
    Ok(TheoryPoint {
        gamma,
        e: -gamma * gamma * dq.re,
        yqy: q.re,
        trq: p.entry(&b.m, 0, 0).re,
        iterations: b.iterations,
        residual: b.residual,
        converged: b.converged,
    })
}
