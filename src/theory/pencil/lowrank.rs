//! The low-rank (signal) part of a pencil: the reduced system on the span of the labels and the
//! model's basis, and the quadratic form `t^T R^{-1} t` with its implicit derivative in gamma
//! (`docs/pencil.md §4`, `docs/rank-k.md`).

use super::{Bulk, Pencil};
use crate::error::{Error, Result};
use crate::fixed_point::inverse;
use num_complex::Complex64 as C64;

/// Low-rank (signal) part of a pencil in reduced coordinates (docs/pencil.md §4, docs/rank-k.md).
#[derive(Clone, Debug)]
pub struct LowRank {
    /// Reduced dimension of each block (n-blocks: span of the labels; p-blocks: span of the
    /// means and weight vectors).
    pub dims: Vec<usize>,
    /// Deterministic low-rank blocks of `L0`: `(row, col, row-major dims[row] x dims[col])`.
    pub blocks: Vec<(usize, usize, Vec<f64>)>,
    /// `V - I` for the labelled `Z^T V` blocks (square, p-block dimension).
    pub v_low: Vec<Vec<f64>>,
    /// Coordinates `t` of the target in the reduced basis of the read block.
    pub target: Vec<f64>,
    /// `(var, eq)` block whose `t^T (R^{-1})[var,eq] t` is the quadratic form.
    pub read: (usize, usize),
}

impl LowRank {
    /// Adds the deterministic low-rank blocks of `L0` to the row-major `n x n` reduced matrix `r`
    /// whose block `b` starts at `off[b]` (shared by the attention pencil and the mode pencil).
    pub(crate) fn add_blocks(&self, r: &mut [C64], off: &[usize], n: usize) -> Result<()> {
        for (rb, cb, mat) in &self.blocks {
            let (dr, dc) = (self.dims[*rb], self.dims[*cb]);
            if mat.len() != dr * dc {
                return Err(Error::param(
                    "low-rank block",
                    format!("({rb},{cb})"),
                    "size",
                ));
            }
            for i in 0..dr {
                for j in 0..dc {
                    r[(off[*rb] + i) * n + off[*cb] + j] += mat[i * dc + j];
                }
            }
        }
        Ok(())
    }

    fn offsets(&self) -> Vec<usize> {
        let mut o = vec![0];
        for d in &self.dims {
            o.push(o.last().copied().unwrap_or(0) + d);
        }
        o
    }

    /// Reduced matrix `R` (if `dm` is None) or `dR/dgamma` (with `dm = dm/dgamma`).
    fn reduced(&self, p: &Pencil, m: &[C64], gamma: C64, dm: Option<&[C64]>) -> Result<Vec<C64>> {
        let nb = p.blocks();
        if self.dims.len() != nb {
            return Err(Error::param(
                "low-rank dims",
                self.dims.len(),
                "one per block",
            ));
        }
        let off = self.offsets();
        let n = off[nb];
        let mut r = vec![C64::default(); n * n];
        let (bulk, mm) = match dm {
            None => {
                let s = p.sigma(m);
                let b: Vec<C64> = (0..nb * nb)
                    .map(|i| p.l0[i] + p.l0g[i] * gamma - s[i])
                    .collect();
                (b, m)
            }
            Some(d) => {
                let s = p.sigma(d);
                ((0..nb * nb).map(|i| p.l0g[i] - s[i]).collect(), d)
            }
        };
        for rb in 0..nb {
            for cb in 0..nb {
                let v = bulk[rb * nb + cb];
                if p.types[rb] == p.types[cb] && v != C64::default() {
                    if self.dims[rb] != self.dims[cb] {
                        return Err(Error::param("low-rank dims", rb, "same-type blocks differ"));
                    }
                    for k in 0..self.dims[rb] {
                        r[(off[rb] + k) * n + off[cb] + k] += v;
                    }
                }
            }
        }
        if dm.is_none() {
            self.add_blocks(&mut r, &off, n)?;
        }
        for t in &p.terms {
            let Some(l) = t.v else { continue };
            let vl = self
                .v_low
                .get(l)
                .ok_or_else(|| Error::param("v_low", l, "missing label"))?;
            let (dr, dc) = (self.dims[t.r], self.dims[t.c2]);
            if vl.len() != dr * dc {
                return Err(Error::param("v_low", l, "size"));
            }
            let f = mm[t.unk] * t.coef;
            for i in 0..dr {
                for j in 0..dc {
                    r[(off[t.r] + i) * n + off[t.c2] + j] -= f * vl[i * dc + j];
                }
            }
        }
        Ok(r)
    }

    /// `(q, dq/dgamma)` at a bulk solution: `q = t^T (R^{-1})[var,eq] t` (implicit derivative).
    pub fn quad(&self, p: &Pencil, b: &Bulk) -> Result<(C64, C64)> {
        let off = self.offsets();
        let n = *off.last().unwrap_or(&0);
        let (var, eq) = self.read;
        if self.target.len() != self.dims[var] || self.dims[var] != self.dims[eq] {
            return Err(Error::param(
                "target",
                self.target.len(),
                "size of read block",
            ));
        }
        let r = self.reduced(p, &b.m, b.gamma, None)?;
        let ri = inverse(&r, n)?;
        let dm = p.dm_dgamma(&b.m, b.gamma)?;
        let dr = self.reduced(p, &b.m, b.gamma, Some(&dm))?;
        let k = self.dims[var];
        // x = R^{-1} [eq] t (column),  y^T = t^T R^{-1} [var] (row)
        let mut x = vec![C64::default(); n];
        let mut y = vec![C64::default(); n];
        for i in 0..n {
            for a in 0..k {
                x[i] += ri[i * n + off[eq] + a] * self.target[a];
                y[i] += self.target[a] * ri[(off[var] + a) * n + i];
            }
        }
        let q: C64 = (0..k).map(|a| x[off[var] + a] * self.target[a]).sum();
        let mut dq = C64::default();
        for i in 0..n {
            for j in 0..n {
                dq -= y[i] * dr[i * n + j] * x[j];
            }
        }
        Ok((q, dq))
    }
}
