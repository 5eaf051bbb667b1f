//! Generic linear pencil + matrix Dyson equation (MDE) solver (docs/pencil.md §1–§4, §5).
//!
//! A pencil is a square block operator `L = L0 + Xi` on blocks of type `n` (dimension n) or
//! `p` (dimension p = c n). Normalisation: **n = 1, p = c** (everything depends on `c` only), so
//! the coefficient of a Gaussian block is written with `sqrt p = sqrt c`, `sqrt n = 1`.
//!
//! * bulk `L0` = scalar x identity blocks: `L0 = L0const + gamma L0gamma`;
//! * random blocks `(row, col, coef, kind)`, kind `Z` (p x n), `Z^T V` (n x p, `V = I + V_low`),
//!   `G` (n x n GOE);
//! * self-energy `Sigma[M] = E[Xi M Xi]` by the pairing rules of docs/pencil.md §2–§3: for every ordered
//!   pair `(r, c1, alpha, k1)`, `(r2, c2, beta, k2)`:
//!   `Z` then `Z^T V`: `Sigma[r,c2] += alpha beta n m[c1,r2]` (+ low rank `... (V - I)`);
//!   `Z^T V` then `Z`: `Sigma[r,c2] += alpha beta p m[c1,r2]`; `G` then `G`: `alpha beta n m[c1,r2]`;
//!   correlated family `G_i` then `G_l`: `alpha beta n cov[i][l] m[c1,r2]` ([`Kind::Gc`]);
//! * bulk fixed point: unknowns `m[var,eq]` for same-type pairs, `m = F(m) = (L0 - Sigma(m))^{-1}`
//!   blockwise per type; complex arithmetic, so `gamma` may be `-z` with `Im z > 0`;
//! * Jacobian (docs/pencil.md §5): `dF = M Sigma(dm) M`, i.e. `dF[v,e]/dm[c1,r2] = sum coef M[v,r] M[c2,e]`;
//! * tangent `dm/dgamma = (I - F_m)^{-1} F_gamma`, `F_gamma = -M L0gamma M`;
//! * low-rank part ([`LowRank`]): reduced coordinates of dimension `dims[b]` per block,
//!   `R = (L0 - Sigma(m)) (x) I + L0_low - Sigma_low(m)`, `q = t^T (R^{-1})[read_var, read_eq] t`,
//!   `dq/dgamma = -t^T (R^{-1} R' R^{-1}) t` with `R' = (L0gamma - Sigma(dm)) (x) I - Sigma_low(dm)`
//!   (implicit differentiation, docs/pencil.md §6).
//!
//! New models (rank-K signals, several heads; docs/rank-k.md) are a new [`Pencil`] / [`LowRank`]
//! description; the solver code is shared. Models whose deterministic `n x n` matrices are all
//! diagonal in one basis (softmax without mask, skip connections, correlated tokens;
//! `docs/variants.md §1`) use the same block description in a [`ModePencil`] (module `modes`).

use crate::error::{Error, Result};

mod lowrank;
mod modes;
use crate::fixed_point::{
    identity_minus, inverse, lu_solve, relative_residual, solve_newton, solve_picard, RootSystem,
    SolveOpts,
};
pub use lowrank::LowRank;
pub use modes::{mode_residual, ModeBulk, ModePencil, Modes};
use num_complex::Complex64 as C64;

/// Dimension type of a block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlockType {
    /// Dimension n (normalised to 1).
    N,
    /// Dimension p = c n.
    P,
}

/// Kind of a Gaussian block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `Z` (p x n), iid N(0,1).
    Z,
    /// `Z^T V` (n x p), `V = I + V_low`; `v` labels `V_low` in [`LowRank::v_low`] (None: `V = I`).
    Zt {
        /// Label of the low-rank part of `V`.
        v: Option<usize>,
    },
    /// `G` (n x n), symmetric, N(0,1) off-diagonal, independent of `Z`.
    G,
    /// Member `index` of a family of jointly Gaussian symmetric n x n matrices `G_0, G_1, ...`,
    /// independent of `Z` and of `G`, with entry covariance `E[(G_i)_jk (G_l)_jk] = cov[i][l]`
    /// (the matrix given to [`Pencil::with_wigner_cov`]; `docs/multihead.md §4`).
    Gc {
        /// Index into the covariance matrix.
        index: usize,
    },
}

/// One random block `coef * kind` at `(row, col)`.
#[derive(Clone, Copy, Debug)]
pub struct RandomBlock {
    /// Equation (row) block.
    pub row: usize,
    /// Variable (column) block.
    pub col: usize,
    /// Scalar coefficient (with n = 1, p = c).
    pub coef: f64,
    /// Which Gaussian matrix.
    pub kind: Kind,
}

#[derive(Clone, Copy, Debug)]
struct Term {
    r: usize,
    c2: usize,
    unk: usize, // index of m[c1, r2]
    coef: f64,
    v: Option<usize>,
}

/// A linear pencil (bulk description). See the module docs.
#[derive(Clone, Debug)]
pub struct Pencil {
    types: Vec<BlockType>,
    l0: Vec<C64>,  // nb x nb, constant part
    l0g: Vec<C64>, // nb x nb, coefficient of gamma
    unknowns: Vec<(usize, usize)>,
    uidx: Vec<Option<usize>>, // (var * nb + eq) -> unknown
    terms: Vec<Term>,
    groups: Vec<Vec<usize>>, // block indices per type
}

/// A bulk solution at one `gamma` with its solver status.
#[derive(Clone, Debug)]
pub struct Bulk {
    /// Spectral parameter (real `gamma > 0`, or `-z`).
    pub gamma: C64,
    /// The unknowns `m[var,eq]` in [`Pencil::unknowns`] order.
    pub m: Vec<C64>,
    /// Newton (+ Picard) iterations spent to get here (incl. continuation).
    pub iterations: usize,
    /// Final relative residual.
    pub residual: f64,
    /// Whether the tolerance was reached.
    pub converged: bool,
}

const TOL: f64 = 1e-13; // docs/pencil.md §3 / §5: relative residual reached down to gamma = 1e-10

impl Pencil {
    /// Builds a pencil. `l0` / `l0_gamma`: `(row, col, value)` bulk entries (same-type blocks).
    pub fn new(
        types: Vec<BlockType>,
        c: f64,
        l0: &[(usize, usize, f64)],
        l0_gamma: &[(usize, usize, f64)],
        random: &[RandomBlock],
    ) -> Result<Pencil> {
        Self::with_wigner_cov(types, c, l0, l0_gamma, random, &[])
    }

    /// [`Pencil::new`] with a family of correlated Wigner blocks [`Kind::Gc`]: `cov` is the
    /// `k x k` entry covariance (row-major; `k^2 = cov.len()`), symmetric and positive
    /// semi-definite (checked, `1e-12` relative: quadrature round-off). Every `Gc { index }`
    /// needs `index < k`.
    pub fn with_wigner_cov(
        types: Vec<BlockType>,
        c: f64,
        l0: &[(usize, usize, f64)],
        l0_gamma: &[(usize, usize, f64)],
        random: &[RandomBlock],
        cov: &[f64],
    ) -> Result<Pencil> {
        crate::error::require_positive("c", c)?;
        let k = (cov.len() as f64).sqrt().round() as usize;
        if k * k != cov.len() {
            return Err(Error::param(
                "wigner covariance",
                cov.len(),
                "not a square matrix",
            ));
        }
        if cov.iter().any(|v| !v.is_finite())
            || (0..k).any(|i| (0..i).any(|j| cov[i * k + j] != cov[j * k + i]))
        {
            return Err(Error::param(
                "wigner covariance",
                format!("{cov:?}"),
                "must be finite and symmetric",
            ));
        }
        if !crate::heads::is_psd(cov, k, 1e-12)? {
            return Err(Error::param(
                "wigner covariance",
                format!("{cov:?}"),
                "must be positive semi-definite",
            ));
        }
        if let Some(b) = random
            .iter()
            .find(|b| matches!(b.kind, Kind::Gc { index } if index >= k))
        {
            return Err(Error::param(
                "pencil",
                format!("{b:?}"),
                format!("Gc index beyond the {k} x {k} covariance"),
            ));
        }
        let nb = types.len();
        let mut unknowns = Vec::new();
        let mut uidx = vec![None; nb * nb];
        for v in 0..nb {
            for e in 0..nb {
                if types[v] == types[e] {
                    uidx[v * nb + e] = Some(unknowns.len());
                    unknowns.push((v, e));
                }
            }
        }
        let mut m0 = vec![C64::default(); nb * nb];
        let mut mg = vec![C64::default(); nb * nb];
        for (dst, src) in [(&mut m0, l0), (&mut mg, l0_gamma)] {
            for &(r, k, v) in src {
                if r >= nb || k >= nb || types[r] != types[k] {
                    return Err(Error::param("pencil L0", format!("({r},{k})"), "bad block"));
                }
                dst[r * nb + k] += v;
            }
        }
        let (n, p) = (1.0, c);
        let mut terms = Vec::new();
        for a in random {
            for b in random {
                let w = match (a.kind, b.kind) {
                    (Kind::Z, Kind::Zt { .. }) => n,
                    (Kind::Zt { .. }, Kind::Z) => p,
                    (Kind::G, Kind::G) => n,
                    (Kind::Gc { index: i }, Kind::Gc { index: l }) if cov[i * k + l] != 0.0 => {
                        n * cov[i * k + l]
                    }
                    _ => continue,
                };
                let v = match (a.kind, b.kind) {
                    (Kind::Z, Kind::Zt { v }) => v,
                    _ => None,
                };
                let unk = uidx[a.col * nb + b.row].ok_or_else(|| {
                    Error::param(
                        "pencil",
                        format!("{a:?} {b:?}"),
                        "pairing of mixed-type blocks",
                    )
                })?;
                terms.push(Term {
                    r: a.row,
                    c2: b.col,
                    unk,
                    coef: a.coef * b.coef * w,
                    v,
                });
            }
        }
        let groups = [BlockType::N, BlockType::P]
            .iter()
            .map(|t| (0..nb).filter(|&i| types[i] == *t).collect::<Vec<_>>())
            .filter(|g| !g.is_empty())
            .collect();
        Ok(Pencil {
            types,
            l0: m0,
            l0g: mg,
            unknowns,
            uidx,
            terms,
            groups,
        })
    }

    /// Number of blocks.
    pub fn blocks(&self) -> usize {
        self.types.len()
    }

    /// Block types.
    pub fn types(&self) -> &[BlockType] {
        &self.types
    }

    /// The unknowns `(var, eq)` in solver order.
    pub fn unknowns(&self) -> &[(usize, usize)] {
        &self.unknowns
    }

    /// `m[var, eq]` from a solution vector (0 for mixed types).
    pub fn entry(&self, m: &[C64], var: usize, eq: usize) -> C64 {
        let nb = self.blocks();
        self.uidx[var * nb + eq].map_or(C64::default(), |i| m[i])
    }

    fn sigma(&self, m: &[C64]) -> Vec<C64> {
        let nb = self.blocks();
        let mut s = vec![C64::default(); nb * nb];
        for t in &self.terms {
            s[t.r * nb + t.c2] += m[t.unk] * t.coef;
        }
        s
    }

    /// `M = F(m) = (L0(gamma) - Sigma(m))^{-1}`, blockwise per type, as a full `nb x nb` matrix.
    fn map_full(&self, m: &[C64], gamma: C64) -> Result<Vec<C64>> {
        let nb = self.blocks();
        let s = self.sigma(m);
        let mut out = vec![C64::default(); nb * nb];
        for g in &self.groups {
            let k = g.len();
            let mut d = vec![C64::default(); k * k];
            for (i, &r) in g.iter().enumerate() {
                for (j, &c) in g.iter().enumerate() {
                    let idx = r * nb + c;
                    d[i * k + j] = self.l0[idx] + self.l0g[idx] * gamma - s[idx];
                }
            }
            let di = inverse(&d, k)?;
            for (i, &v) in g.iter().enumerate() {
                for (j, &e) in g.iter().enumerate() {
                    out[v * nb + e] = di[i * k + j];
                }
            }
        }
        Ok(out)
    }

    fn restrict(&self, full: &[C64]) -> Vec<C64> {
        let nb = self.blocks();
        self.unknowns
            .iter()
            .map(|&(v, e)| full[v * nb + e])
            .collect()
    }

    /// `dF/dm` at `M = F(m)`, row-major over the unknowns.
    fn dmap(&self, mfull: &[C64]) -> Vec<C64> {
        let nb = self.blocks();
        let nu = self.unknowns.len();
        let mut j = vec![C64::default(); nu * nu];
        for (row, &(v, e)) in self.unknowns.iter().enumerate() {
            for t in &self.terms {
                let val = mfull[v * nb + t.r] * mfull[t.c2 * nb + e] * t.coef;
                j[row * nu + t.unk] += val;
            }
        }
        j
    }

    /// Cold start `m = L0(gamma)^{-1}`.
    pub fn cold_start(&self, gamma: C64) -> Result<Vec<C64>> {
        let zero = vec![C64::default(); self.unknowns.len()];
        Ok(self.restrict(&self.map_full(&zero, gamma)?))
    }

    /// Newton from `m0` at `gamma` (no continuation); status in the result.
    pub fn newton(&self, gamma: C64, m0: Vec<C64>, max_iters: u64) -> Result<Bulk> {
        let sys = BulkSystem { p: self, gamma };
        let s = solve_newton(
            &sys,
            m0,
            SolveOpts {
                tol: TOL,
                max_iters,
            },
        )?;
        Ok(Bulk {
            gamma,
            m: s.x,
            iterations: s.iterations,
            residual: s.residual,
            converged: s.converged,
        })
    }

    /// One extra Newton step after convergence (tolerance 0, kept only if the residual does not
    /// grow): the 1e-13 stopping residual times the Jacobian's condition number (~1/gamma) would
    /// otherwise limit the accuracy of `m` to ~1e-10 at gamma = 1e-3; quadratic convergence makes
    /// one step enough to reach rounding level.
    pub fn polish(&self, b: Bulk) -> Bulk {
        if !b.converged {
            return b;
        }
        let sys = BulkSystem {
            p: self,
            gamma: b.gamma,
        };
        match solve_newton(
            &sys,
            b.m.clone(),
            SolveOpts {
                tol: 0.0,
                max_iters: 1,
            },
        ) {
            Ok(s) if s.residual <= b.residual => Bulk {
                m: s.x,
                iterations: b.iterations + s.iterations,
                residual: s.residual,
                ..b
            },
            _ => b,
        }
    }

    /// Cold solve: `L0^{-1}`, 50 damped Picard steps (d = 0.5, docs/pencil.md §5 step 1), then Newton.
    pub fn solve_cold(&self, gamma: C64) -> Result<Bulk> {
        let sys = BulkSystem { p: self, gamma };
        let pic = solve_picard(
            &sys,
            self.cold_start(gamma)?,
            0.5,
            SolveOpts {
                tol: TOL,
                max_iters: 50,
            },
        )?;
        let mut b = self.newton(gamma, pic.x, 100)?;
        b.iterations += pic.iterations;
        Ok(self.polish(b))
    }

    /// `dm/dgamma = (I - F_m)^{-1} F_gamma` at a solution.
    pub fn dm_dgamma(&self, m: &[C64], gamma: C64) -> Result<Vec<C64>> {
        let nb = self.blocks();
        let mf = self.map_full(m, gamma)?;
        let nu = self.unknowns.len();
        let mut j = self.dmap(&mf);
        identity_minus(&mut j, nu);
        // F_gamma = -M L0gamma M
        let mut fg = vec![C64::default(); nu];
        for (k, &(v, e)) in self.unknowns.iter().enumerate() {
            let mut s = C64::default();
            for r in 0..nb {
                for c in 0..nb {
                    let g = self.l0g[r * nb + c];
                    if g != C64::default() {
                        s += mf[v * nb + r] * g * mf[c * nb + e];
                    }
                }
            }
            fg[k] = -s;
        }
        lu_solve(&mut j, nu, &mut fg)?;
        Ok(fg)
    }

    /// Continuation from a solution `from` to `gamma` along a geometric path in `gamma`
    /// (real: log-linear; complex: log-linear in the complex logarithm), step factor <= 3 (halved
    /// after a failure, doubled again after a success, never above 3); Euler predictor with [`Pencil::dm_dgamma`], Newton
    /// corrector (docs/pencil.md §5). Error [`Error::NoConvergence`] if the step falls below 1e-6.
    pub fn continue_to(&self, from: &Bulk, gamma: C64) -> Result<Bulk> {
        let (la, lb) = (from.gamma.ln(), gamma.ln());
        let tot = (lb - la).norm();
        if tot == 0.0 {
            let mut b = self.newton(gamma, from.m.clone(), 50)?;
            b.iterations += from.iterations;
            return Ok(b);
        }
        let real = from.gamma.im == 0.0 && gamma.im == 0.0;
        let hmax = (3f64.ln() / tot).min(1.0); // step factor <= 3 (docs/pencil.md §5)
        let mut h = hmax;
        let (mut t, mut cur) = (0.0, from.clone());
        let mut iters = from.iterations;
        while t < 1.0 {
            let hh = h.min(1.0 - t);
            let mut gn = (la + (lb - la) * (t + hh)).exp();
            if real || t + hh >= 1.0 {
                gn = if t + hh >= 1.0 {
                    gamma
                } else {
                    C64::new(gn.re, 0.0)
                };
            }
            let pred = match self.dm_dgamma(&cur.m, cur.gamma) {
                Ok(dm) => cur
                    .m
                    .iter()
                    .zip(&dm)
                    .map(|(a, d)| a + d * (gn - cur.gamma))
                    .collect(),
                Err(_) => cur.m.clone(),
            };
            let res = self.newton(gn, pred, 30);
            match res {
                Ok(b) if b.converged => {
                    iters += b.iterations;
                    t += hh;
                    cur = b;
                    h = (2.0 * hh).min(hmax);
                }
                other => {
                    if let Ok(b) = &other {
                        iters += b.iterations;
                    }
                    h = hh / 2.0;
                    if h < 1e-6 {
                        let residual = other.map(|b| b.residual).unwrap_or(f64::INFINITY);
                        return Err(Error::NoConvergence {
                            solver: "MDE continuation (Newton)".into(),
                            iters: iters as u64,
                            residual,
                            context: format!(", at gamma = {gn}"),
                        });
                    }
                }
            }
        }
        cur.iterations = iters;
        Ok(self.polish(cur))
    }

    /// Solves at real `gamma > 0`: cold at `max(gamma, 10)`, then continuation down to `gamma`.
    pub fn solve_real(&self, gamma: f64) -> Result<Bulk> {
        let g0 = gamma.max(10.0);
        let b = self.solve_cold(C64::new(g0, 0.0))?;
        if !b.converged {
            return Err(no_conv(&b));
        }
        if g0 == gamma {
            return Ok(b);
        }
        self.continue_to(&b, C64::new(gamma, 0.0))
    }

    /// Solves at `gamma = -z` (`Im z > 0`) by the eta-path of docs/spectra.md §2: start at
    /// `z0 = Re z + i 20 (1 + |Re z|)` from `L0^{-1}` (contraction there), decrease `Im z`
    /// geometrically in 40 steps with warm-started Newton (halving the step on failure).
    pub fn solve_eta_path(&self, z: C64) -> Result<Bulk> {
        let (x, eta) = (z.re, z.im);
        let y0 = (20.0 * (1.0 + x.abs())).max(eta);
        let mut b = self.solve_cold(C64::new(-x, -y0))?;
        if !b.converged {
            return Err(no_conv(&b));
        }
        let steps = 40;
        let ratio = (eta / y0).ln() / steps as f64;
        let mut iters = b.iterations;
        let mut t = 0.0f64; // fraction of the log path done
        let mut h = 1.0 / steps as f64;
        let mut y = y0;
        while t < 1.0 {
            let hh = h.min(1.0 - t);
            let yn = if t + hh >= 1.0 {
                eta
            } else {
                y0 * (ratio * steps as f64 * (t + hh)).exp()
            };
            let nb = self.newton(C64::new(-x, -yn), b.m.clone(), 40)?;
            iters += nb.iterations;
            if nb.converged {
                b = nb;
                y = yn;
                t += hh;
            } else {
                h = hh / 2.0;
                if h < 1e-5 {
                    return Err(Error::NoConvergence {
                        solver: "MDE eta-path (Newton)".into(),
                        iters: iters as u64,
                        residual: nb.residual,
                        context: format!(", at z = {x} + {yn}i (last good Im z = {y})"),
                    });
                }
            }
        }
        b.iterations = iters;
        Ok(b)
    }
}

/// Converts an unconverged [`Bulk`] into an error.
pub(crate) fn no_conv(b: &Bulk) -> Error {
    Error::NoConvergence {
        solver: "MDE Newton".into(),
        iters: b.iterations as u64,
        residual: b.residual,
        context: format!(", at gamma = {}", b.gamma),
    }
}

struct BulkSystem<'a> {
    p: &'a Pencil,
    gamma: C64,
}

impl RootSystem for BulkSystem<'_> {
    fn dim(&self) -> usize {
        self.p.unknowns.len()
    }
    fn residual(&self, x: &[C64]) -> Result<Vec<C64>> {
        let f = self.p.restrict(&self.p.map_full(x, self.gamma)?);
        Ok(x.iter().zip(&f).map(|(a, b)| a - b).collect())
    }
    fn jacobian(&self, x: &[C64]) -> Result<Vec<C64>> {
        let mf = self.p.map_full(x, self.gamma)?;
        let nu = self.p.unknowns.len();
        let mut j = self.p.dmap(&mf);
        identity_minus(&mut j, nu);
        Ok(j)
    }
}

/// Residual check helper used by tests: relative residual of `m` at `gamma`.
pub fn bulk_residual(p: &Pencil, m: &[C64], gamma: C64) -> Result<f64> {
    let sys = BulkSystem { p, gamma };
    Ok(relative_residual(&sys.residual(m)?, m))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::theory::attention::{attention_pencil, AttentionParams};

    #[test]
    fn jacobian_matches_finite_differences() {
        let p = AttentionParams::new(0.25, 0.0, [0.0; 3], [0.0; 3], 0.6, 0.4, -0.6).unwrap();
        let pen = attention_pencil(&p).unwrap();
        let g = C64::new(0.01, 0.0);
        let sys = BulkSystem { p: &pen, gamma: g };
        let x: Vec<C64> = pen
            .cold_start(g)
            .unwrap()
            .iter()
            .enumerate()
            .map(|(i, v)| v * 0.9 + C64::new(0.01 * i as f64, 0.0))
            .collect();
        let j = sys.jacobian(&x).unwrap();
        let n = x.len();
        let r0 = sys.residual(&x).unwrap();
        let mut worst = 0.0f64;
        for k in 0..n {
            let h = 1e-6 * (1.0 + x[k].norm());
            let mut xp = x.clone();
            xp[k] += h;
            let rp = sys.residual(&xp).unwrap();
            for i in 0..n {
                let fd = (rp[i] - r0[i]) / h;
                worst = worst.max((fd - j[i * n + k]).norm() / (1.0 + j[i * n + k].norm()));
            }
        }
        // forward difference: O(h) ~ 1e-6 relative x curvature
        assert!(worst < 1e-3, "worst {worst}");
    }
}
