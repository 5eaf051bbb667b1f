//! The 8-block mode model `Phi = X H` (`docs/variants.md §1`): one description for the skip
//! connection, the unmasked softmax and AR(1)-correlated tokens.
//!
//! ```text
//! Phi = X H,   H = D1 + Kt D2,   Kt = a1 X^T W X / p + S + Gpart / sqrt p,
//! X = M Y^T + Z,  Z = Z0 C^{1/2},  Gpart = sum_m sqrt(weight_m) C_m^{1/2} G_m C_m^{1/2}
//! ```
//!
//! with `D1, D2, S, C, C_m` diagonal in one basis `{v_k}` of `R^n` (the modes). Blocks:
//! `n`-variables `u, a, c, u2, h`, `p`-variables `e, b, g`, equations (n = 1, p = c):
//!
//! ```text
//! R1 : gamma u + (D1 + D2 S) c + D2 h                             = v
//! R2 : a - (D1 + S D2) u - a1 X^T W e / sqrt p - Gpart u2 / sqrt p = 0     (a = H u)
//! Rc : c - X^T b / sqrt n = 0        Ru2: u2 - D2 u = 0
//! Rh : h - a1 X^T W^T g / sqrt p - Gpart c / sqrt p = 0
//! Re : e - X u2 / sqrt p = 0         Rb : b - X a / sqrt n = 0       Rg : g - X c / sqrt p = 0
//! ```
//!
//! Eliminating gives `gamma u + H^T X^T X H u / n = v`, so `u = Q v`. The auxiliary blocks
//! `u2, h` keep every random block plain (`Z`, `Z^T V`, `G`). Special cases: base attention
//! `D1 = 0, D2 = 1, S = -a1`; skip `D1 = 1, D2 = alpha`; ridge `D1 = 1, D2 = 0` (all one mode).

use super::pencil::{BlockType, Kind, LowRank, ModePencil, Modes, RandomBlock};
use super::TheoryPoint;
use crate::error::{Error, Result};
use crate::model::Geometry;

/// Block indices of the 8-block mode model.
const U: usize = 0;
const A: usize = 1;
const CC: usize = 2;
const U2: usize = 3;
const H: usize = 4;
const E: usize = 5;
const B: usize = 6;
const G: usize = 7;

/// The mode model: bulk constants, per-mode matrices and the signal geometry.
#[derive(Clone, Debug, PartialEq)]
pub struct ModeModel {
    /// `c = p/n`.
    pub c: f64,
    /// Coefficient of `X^T W X / p` in `Kt`.
    pub a1: f64,
    /// Trace weights `w_k` (sum 1).
    pub w: Vec<f64>,
    /// Label weights `pi_k` (sum 1).
    pub pi: Vec<f64>,
    /// Token covariance on each mode.
    pub cz: Vec<f64>,
    /// `D1` on each mode.
    pub d1: Vec<f64>,
    /// `D2` on each mode.
    pub d2: Vec<f64>,
    /// `S` on each mode.
    pub s: Vec<f64>,
    /// `(weight_m, C_m on each mode)` of the Gaussian part (iid tokens: `[(nu - a1^2, 1)]`).
    pub gprof: Vec<(f64, Vec<f64>)>,
    /// Signal in reduced coordinates (`W - I` as it enters `Kt`).
    pub geometry: Geometry,
}

impl ModeModel {
    /// One mode with `D1 = d1, D2 = d2, S = s`, iid tokens and Gaussian part `sigma^2 = nu - a1^2`.
    pub fn one_mode(
        c: f64,
        a1: f64,
        nu: f64,
        s: f64,
        d1: f64,
        d2: f64,
        geometry: Geometry,
    ) -> ModeModel {
        ModeModel {
            c,
            a1,
            w: vec![1.0],
            pi: vec![1.0],
            cz: vec![1.0],
            d1: vec![d1],
            d2: vec![d2],
            s: vec![s],
            gprof: vec![((nu - a1 * a1).max(0.0), vec![1.0])],
            geometry,
        }
    }

    /// The mode pencil and its low-rank part.
    pub fn pencil(&self) -> Result<(ModePencil, LowRank)> {
        crate::error::require_positive("c", self.c)?;
        crate::error::require_finite("a1", self.a1)?;
        let k = self.w.len();
        for (name, v) in [("d1", &self.d1), ("d2", &self.d2), ("s", &self.s)] {
            if v.len() != k {
                return Err(Error::param(name, v.len(), format!("need {k} modes")));
            }
        }
        let sp = self.c.sqrt();
        let a1 = self.a1;
        let ds: Vec<f64> = (0..k)
            .map(|i| self.d1[i] + self.s[i] * self.d2[i])
            .collect();
        let modes = Modes {
            w: self.w.clone(),
            pi: self.pi.clone(),
            cz: self.cz.clone(),
            gprof: self.gprof.clone(),
            l0: vec![
                (U, CC, ds.clone()),
                (U, H, self.d2.clone()),
                (A, U, ds.iter().map(|v| -v).collect()),
                (U2, U, self.d2.iter().map(|v| -v).collect()),
            ],
        };
        let rb = |row, col, coef, kind| RandomBlock {
            row,
            col,
            coef,
            kind,
        };
        let types = vec![
            BlockType::N,
            BlockType::N,
            BlockType::N,
            BlockType::N,
            BlockType::N,
            BlockType::P,
            BlockType::P,
            BlockType::P,
        ];
        let pen = ModePencil::new(
            types,
            self.c,
            &[
                (A, A, 1.0),
                (CC, CC, 1.0),
                (U2, U2, 1.0),
                (H, H, 1.0),
                (E, E, 1.0),
                (B, B, 1.0),
                (G, G, 1.0),
            ],
            &[(U, U, 1.0)],
            &[
                rb(A, E, -a1 / sp, Kind::Zt { v: Some(0) }), // -a1 Z^T W / sqrt p
                rb(A, U2, -1.0 / sp, Kind::G),
                rb(CC, B, -1.0, Kind::Zt { v: None }),
                rb(H, G, -a1 / sp, Kind::Zt { v: Some(1) }), // -a1 Z^T W^T / sqrt p
                rb(H, CC, -1.0 / sp, Kind::G),
                rb(E, U2, -1.0 / sp, Kind::Z),
                rb(B, A, -1.0, Kind::Z),
                rb(G, CC, -1.0 / sp, Kind::Z),
            ],
            modes,
        )?;
        Ok((pen, self.lowrank()))
    }

    /// The low-rank part: with `r = c^{-1/2}`, `B = A M^T` (`K x d`), `Wr = I + (W - I)`:
    /// `[R2,e] = -a1 r B Wr`, `[Rc,b] = -B`, `[Rh,g] = -a1 r B Wr^T`, `[Re,u2] = -r B^T`,
    /// `[Rb,a] = -B^T`, `[Rg,c] = -r B^T`; read `[u, R1]`.
    pub fn lowrank(&self) -> LowRank {
        let g = &self.geometry;
        let (k, d) = (g.k, g.d);
        let r = 1.0 / self.c.sqrt();
        let b = g.a_mt();
        let wl = g.wlow.clone();
        let mut wlt = vec![0.0; d * d];
        for i in 0..d {
            for j in 0..d {
                wlt[i * d + j] = wl[j * d + i];
            }
        }
        // B Wr and B Wr^T (K x d)
        let mul = |m: &[f64]| -> Vec<f64> {
            let mut out = b.clone();
            for i in 0..k {
                for j in 0..d {
                    out[i * d + j] += (0..d).map(|l| b[i * d + l] * m[l * d + j]).sum::<f64>();
                }
            }
            out
        };
        let bw = mul(&wl);
        let bwt = mul(&wlt);
        let mut bt = vec![0.0; d * k];
        for i in 0..k {
            for j in 0..d {
                bt[j * k + i] = b[i * d + j];
            }
        }
        let sc = |v: &[f64], f: f64| v.iter().map(|x| x * f).collect::<Vec<_>>();
        LowRank {
            dims: vec![k, k, k, k, k, d, d, d],
            blocks: vec![
                (A, E, sc(&bw, -self.a1 * r)),
                (CC, B, sc(&b, -1.0)),
                (H, G, sc(&bwt, -self.a1 * r)),
                (E, U2, sc(&bt, -r)),
                (B, A, sc(&bt, -1.0)),
                (G, CC, sc(&bt, -r)),
            ],
            v_low: vec![wl, wlt],
            target: g.t.clone(),
            read: (U, U),
        }
    }

    /// The deterministic equivalent along `gammas` (any order; output in input order).
    pub fn path(&self, gammas: &[f64]) -> Result<Vec<TheoryPoint>> {
        let (pen, low) = self.pencil()?;
        pen.path(&low, gammas)
    }
}
