//! The mode pencil (`docs/variants.md §1`): a linear pencil whose deterministic `n x n`
//! matrices are all diagonal in one orthonormal basis `{v_k}` of `R^n` ("modes"), so that the
//! `n`-side blocks of the matrix Dyson solution are diagonal in that basis too: one small
//! matrix `M_k` per mode instead of one scalar block.
//!
//! The block description is the one of [`super::Pencil`] (types, `L0`, `L0_gamma`, random
//! blocks `Z`, `Z^T V`, `G`), plus per mode `k`:
//!
//! * `w_k` (trace weights, sum 1) and `pi_k` (label weights `v_k^T E[y y^T] v_k / n`, sum 1);
//! * `cz_k = v_k^T C v_k`, the token covariance `C` on mode `k` (`Z = Z0 C^{1/2}`);
//! * a profile list `(weight_m, g_{m,k})`: the `G` blocks stand for
//!   `sum_m sqrt(weight_m) C_m^{1/2} G_m C_m^{1/2}` (independent GOEs), `g_{m,k} = v_k^T C_m v_k`;
//! * `n`-side `L0` entries that vary with the mode (`l0`).
//!
//! Pairing rules with token covariance: `E[Z B Z^T V] = tr(C B) V`, `E[Z^T V B Z] = tr(B) C`,
//! `E[G_m B G_m] = tr(C_m B) C_m`. The state of the fixed point is the `p`-side block `m_p`, the
//! traced `n`-side blocks `<cz M> = sum_k w_k cz_k M_k` and `<g_m M>` for each profile:
//!
//! ```text
//! M_p = (L0_p + gamma L0g_p - Sigma_p[<cz M>])^{-1}
//! M_k = (L0_n + gamma L0g_n + l0_k - cz_k Sigma_Z[m_p] - sum_m g_{m,k} weight_m Sigma_G[<g_m M>])^{-1}
//! ```
//!
//! With one mode (`w = pi = cz = 1`, one profile `(1, 1)`) this is exactly [`super::Pencil`]
//! (tested). The signal part is [`LowRank`] with the `n`-side bulk block replaced by
//! `Gamma^{-1}`, `Gamma = sum_k pi_k M_k` (Woodbury onto the span of the labels). Derivative in
//! gamma: implicit, `dx/dgamma = (I - F_x)^{-1} F_gamma`, then `dq = -y^T dR x` as in
//! [`LowRank::quad`].
//!
//! Solving: cold start at `gamma0 = max(30, 30 gamma_max)` (damped Picard, then Newton), then
//! continuation in log gamma with steps of at most a factor 1.5 and the previous solution as
//! the start (no tangent predictor: in the ill-conditioned unmasked-softmax modes a predictor and
//! larger steps jumped to a wrong branch with `gamma q > 1`); each point is checked to satisfy
//! `0 < gamma q <= 1` (`Q <= 1/gamma`, `||y||^2 = n`).

use super::{BlockType, Kind, LowRank, RandomBlock};
use crate::error::{Error, Result};
use crate::fixed_point::{
    identity_minus, inverse, lu_solve, relative_residual, solve_newton, solve_picard, RootSystem,
    SolveOpts,
};
use crate::theory::TheoryPoint;
use num_complex::Complex64 as C64;

/// Per-mode data of a [`ModePencil`] (all vectors have one entry per mode).
#[derive(Clone, Debug, PartialEq)]
pub struct Modes {
    /// Trace weights `w_k` (sum 1).
    pub w: Vec<f64>,
    /// Label weights `pi_k` (sum 1).
    pub pi: Vec<f64>,
    /// Token covariance on mode `k`.
    pub cz: Vec<f64>,
    /// `(weight_m, g_{m,k})`: the `G` pairings give `sum_m weight_m g_{m,k} <g_m M>`.
    pub gprof: Vec<(f64, Vec<f64>)>,
    /// Mode-dependent `n`-side `L0` entries `(row, col, value per mode)` (global block indices),
    /// added to the constant `L0`.
    pub l0: Vec<(usize, usize, Vec<f64>)>,
}

impl Modes {
    /// Number of modes.
    pub fn len(&self) -> usize {
        self.w.len()
    }

    /// Whether there is no mode.
    pub fn is_empty(&self) -> bool {
        self.w.is_empty()
    }

    fn validate(&self, types: &[BlockType]) -> Result<()> {
        let k = self.len();
        if k == 0 {
            return Err(Error::param("modes", 0, "need at least one mode"));
        }
        let check = |name: &str, v: &[f64]| -> Result<()> {
            if v.len() != k {
                return Err(Error::param(
                    name,
                    v.len(),
                    format!("need one value per mode ({k})"),
                ));
            }
            if let Some(x) = v.iter().find(|x| !x.is_finite()) {
                return Err(Error::param(name, x, "must be finite"));
            }
            Ok(())
        };
        check("modes.w", &self.w)?;
        check("modes.pi", &self.pi)?;
        check("modes.cz", &self.cz)?;
        for (wt, g) in &self.gprof {
            check("modes.gprof", g)?;
            crate::error::require_finite("modes.gprof weight", *wt)?;
        }
        for (r, c, v) in &self.l0 {
            check("modes.l0", v)?;
            if types.get(*r) != Some(&BlockType::N) || types.get(*c) != Some(&BlockType::N) {
                return Err(Error::param(
                    "modes.l0",
                    format!("({r},{c})"),
                    "not an n-n block",
                ));
            }
        }
        Ok(())
    }
}

/// One pairing: `Sigma[r, c2] += coef * state[src]` (local indices in the groups involved).
#[derive(Clone, Copy, Debug)]
struct Pair {
    r: usize,
    c2: usize,
    /// `(var, eq)` of the traced unknown, local indices in its group.
    at: (usize, usize),
    /// Position of `at` in the list of needed entries of its block.
    src: usize,
    coef: f64,
    v: Option<usize>,
    /// Global `(r, c2)` (for the low-rank part).
    glob: (usize, usize),
}

/// A mode pencil (see the module docs).
#[derive(Clone, Debug)]
pub struct ModePencil {
    types: Vec<BlockType>,
    /// Local index of each global block inside its group.
    local: Vec<usize>,
    nblocks: Vec<usize>,
    pblocks: Vec<usize>,
    l0n: Vec<f64>,
    l0gn: Vec<f64>,
    l0p: Vec<f64>,
    l0gp: Vec<f64>,
    /// Mode-dependent `n`-side entries, local indices.
    l0k: Vec<(usize, usize, Vec<f64>)>,
    zzt: Vec<Pair>,
    ztz: Vec<Pair>,
    gg: Vec<Pair>,
    /// The entries of `m_p`, `<cz M>` and `<g_m M>` that some pairing reads: the state holds
    /// only these (9 + 9 + 4 per profile for the 8-block mode model instead of 9 + 25 per
    /// block), which makes Newton's linear algebra ~50x cheaper.
    need_p: Vec<(usize, usize)>,
    need_z: Vec<(usize, usize)>,
    need_g: Vec<(usize, usize)>,
    modes: Modes,
}

fn index_needed(list: &mut [Pair]) -> Vec<(usize, usize)> {
    let mut need: Vec<(usize, usize)> = Vec::new();
    for t in list.iter_mut() {
        t.src = match need.iter().position(|&a| a == t.at) {
            Some(i) => i,
            None => {
                need.push(t.at);
                need.len() - 1
            }
        };
    }
    need
}

/// A bulk solution of a [`ModePencil`] with its solver status.
#[derive(Clone, Debug)]
pub struct ModeBulk {
    /// Spectral parameter.
    pub gamma: f64,
    /// State `[m_p | <cz M> | <g_1 M> | ...]`.
    pub x: Vec<C64>,
    /// Newton (+ Picard) iterations spent to get here.
    pub iterations: usize,
    /// Final relative residual.
    pub residual: f64,
    /// Whether the tolerance was reached.
    pub converged: bool,
}

const TOL: f64 = 1e-13;
/// Largest continuation step in gamma (a factor; see the module docs).
const MAX_STEP: f64 = 1.5;
/// Cold start at `max(GAMMA_COLD, GAMMA_COLD * gamma)`.
const GAMMA_COLD: f64 = 30.0;

impl ModePencil {
    /// Builds a mode pencil from the block description of [`super::Pencil::new`] and the modes.
    pub fn new(
        types: Vec<BlockType>,
        c: f64,
        l0: &[(usize, usize, f64)],
        l0_gamma: &[(usize, usize, f64)],
        random: &[RandomBlock],
        modes: Modes,
    ) -> Result<ModePencil> {
        crate::error::require_positive("c", c)?;
        modes.validate(&types)?;
        let nb = types.len();
        let mut local = vec![0; nb];
        let (mut nblocks, mut pblocks) = (Vec::new(), Vec::new());
        for (i, t) in types.iter().enumerate() {
            let g = if *t == BlockType::N {
                &mut nblocks
            } else {
                &mut pblocks
            };
            local[i] = g.len();
            g.push(i);
        }
        let (nn, np) = (nblocks.len(), pblocks.len());
        let mut l0n = vec![0.0; nn * nn];
        let mut l0gn = vec![0.0; nn * nn];
        let mut l0p = vec![0.0; np * np];
        let mut l0gp = vec![0.0; np * np];
        for (src, dn, dp) in [(l0, &mut l0n, &mut l0p), (l0_gamma, &mut l0gn, &mut l0gp)] {
            for &(r, k, v) in src {
                if r >= nb || k >= nb || types[r] != types[k] {
                    return Err(Error::param("pencil L0", format!("({r},{k})"), "bad block"));
                }
                if types[r] == BlockType::N {
                    dn[local[r] * nn + local[k]] += v;
                } else {
                    dp[local[r] * np + local[k]] += v;
                }
            }
        }
        let l0k = modes
            .l0
            .iter()
            .map(|(r, k, v)| (local[*r], local[*k], v.clone()))
            .collect();
        let (mut zzt, mut ztz, mut gg) = (Vec::new(), Vec::new(), Vec::new());
        for a in random {
            for b in random {
                let (list, w) = match (a.kind, b.kind) {
                    (Kind::Z, Kind::Zt { .. }) => (&mut zzt, 1.0),
                    (Kind::Zt { .. }, Kind::Z) => (&mut ztz, c),
                    (Kind::G, Kind::G) => (&mut gg, 1.0),
                    _ => continue,
                };
                if types[a.col] != types[b.row] {
                    return Err(Error::param(
                        "pencil",
                        format!("{a:?} {b:?}"),
                        "pairing of mixed-type blocks",
                    ));
                }
                let v = match (a.kind, b.kind) {
                    (Kind::Z, Kind::Zt { v }) => v,
                    _ => None,
                };
                list.push(Pair {
                    r: local[a.row],
                    c2: local[b.col],
                    at: (local[a.col], local[b.row]),
                    src: 0,
                    coef: a.coef * b.coef * w,
                    v,
                    glob: (a.row, b.col),
                });
            }
        }
        let need_z = index_needed(&mut zzt);
        let need_p = index_needed(&mut ztz);
        let need_g = index_needed(&mut gg);
        Ok(ModePencil {
            types,
            local,
            nblocks,
            pblocks,
            l0n,
            l0gn,
            l0p,
            l0gp,
            l0k,
            zzt,
            ztz,
            gg,
            need_p,
            need_z,
            need_g,
            modes,
        })
    }

    fn nn(&self) -> usize {
        self.nblocks.len()
    }
    fn np(&self) -> usize {
        self.pblocks.len()
    }
    fn nprof(&self) -> usize {
        self.modes.gprof.len()
    }
    /// Length of the state vector.
    pub fn dim(&self) -> usize {
        self.need_p.len() + self.need_z.len() + self.nprof() * self.need_g.len()
    }
    /// Offset of the traced block `h` (0: `<cz M>`, `1 + m`: `<g_m M>`).
    fn off_t(&self, h: usize) -> usize {
        if h == 0 {
            self.need_p.len()
        } else {
            self.need_p.len() + self.need_z.len() + (h - 1) * self.need_g.len()
        }
    }
    /// The needed entries of traced block `h`.
    fn need(&self, h: usize) -> &[(usize, usize)] {
        if h == 0 {
            &self.need_z
        } else {
            &self.need_g
        }
    }

    /// `Sigma_p` from the state (`np x np`).
    fn sigma_p(&self, x: &[C64]) -> Vec<C64> {
        let np = self.np();
        let o = self.off_t(0);
        let mut s = vec![C64::default(); np * np];
        for t in &self.zzt {
            s[t.r * np + t.c2] += x[o + t.src] * t.coef;
        }
        s
    }

    /// `Sigma_Z[m_p]` and `weight_m Sigma_G[<g_m M>]` (`nn x nn` each).
    fn sigma_n(&self, x: &[C64]) -> (Vec<C64>, Vec<Vec<C64>>) {
        let nn = self.nn();
        let mut sz = vec![C64::default(); nn * nn];
        for t in &self.ztz {
            sz[t.r * nn + t.c2] += x[t.src] * t.coef;
        }
        let sg = (0..self.nprof())
            .map(|m| {
                let o = self.off_t(1 + m);
                let wt = self.modes.gprof[m].0;
                let mut s = vec![C64::default(); nn * nn];
                for t in &self.gg {
                    s[t.r * nn + t.c2] += x[o + t.src] * (t.coef * wt);
                }
                s
            })
            .collect();
        (sz, sg)
    }

    /// `M_p` and every `M_k` at state `x`.
    fn blocks(&self, x: &[C64], gamma: f64) -> Result<(Vec<C64>, Vec<Vec<C64>>)> {
        let (nn, np) = (self.nn(), self.np());
        let sp = self.sigma_p(x);
        let dp: Vec<C64> = (0..np * np)
            .map(|i| C64::from(self.l0p[i] + gamma * self.l0gp[i]) - sp[i])
            .collect();
        let mp = inverse(&dp, np)?;
        let (sz, sg) = self.sigma_n(x);
        let base: Vec<C64> = (0..nn * nn)
            .map(|i| C64::from(self.l0n[i] + gamma * self.l0gn[i]))
            .collect();
        let mut mk = Vec::with_capacity(self.modes.len());
        for k in 0..self.modes.len() {
            let mut d = base.clone();
            for (r, c, v) in &self.l0k {
                d[r * nn + c] += v[k];
            }
            let cz = self.modes.cz[k];
            for i in 0..nn * nn {
                let mut s = sz[i] * cz;
                for (m, sgm) in sg.iter().enumerate() {
                    s += sgm[i] * self.modes.gprof[m].1[k];
                }
                d[i] -= s;
            }
            mk.push(inverse(&d, nn)?);
        }
        Ok((mp, mk))
    }

    /// Profile value `h_k` of traced block `h` (0: `cz`, `1 + m`: `g_m`).
    fn prof(&self, h: usize, k: usize) -> f64 {
        if h == 0 {
            self.modes.cz[k]
        } else {
            self.modes.gprof[h - 1].1[k]
        }
    }

    /// The fixed-point map `F(x)`.
    fn map(&self, x: &[C64], gamma: f64) -> Result<Vec<C64>> {
        let (nn, np) = (self.nn(), self.np());
        let (mp, mk) = self.blocks(x, gamma)?;
        let mut out = vec![C64::default(); self.dim()];
        for (i, &(v, e)) in self.need_p.iter().enumerate() {
            out[i] = mp[v * np + e];
        }
        for h in 0..=self.nprof() {
            let o = self.off_t(h);
            let need = self.need(h);
            for (k, m) in mk.iter().enumerate() {
                let a = self.modes.w[k] * self.prof(h, k);
                if a == 0.0 {
                    continue;
                }
                for (i, &(v, e)) in need.iter().enumerate() {
                    out[o + i] += m[v * nn + e] * a;
                }
            }
        }
        Ok(out)
    }

    /// `dF/dx` (row-major `dim x dim`) at `x`.
    fn dmap(&self, x: &[C64], gamma: f64) -> Result<Vec<C64>> {
        let (nn, np) = (self.nn(), self.np());
        let d = self.dim();
        let (mp, mk) = self.blocks(x, gamma)?;
        let mut j = vec![C64::default(); d * d];
        // p rows: dM_p = M_p dSigma_p M_p, dSigma_p from <cz M>.
        let o0 = self.off_t(0);
        for (row, &(v, e)) in self.need_p.iter().enumerate() {
            for t in &self.zzt {
                j[row * d + o0 + t.src] += mp[v * np + t.r] * mp[t.c2 * np + e] * t.coef;
            }
        }
        // n rows: d<h M> = sum_k w_k h_k M_k dSigma_k M_k, only at the needed entries.
        let nh = 1 + self.nprof();
        let np_g = self.nprof();
        for (k, m) in mk.iter().enumerate() {
            let a: Vec<f64> = (0..nh).map(|h| self.modes.w[k] * self.prof(h, k)).collect();
            if a.iter().all(|&v| v == 0.0) {
                continue;
            }
            let cz = self.modes.cz[k];
            for (h, &ah) in a.iter().enumerate() {
                if ah == 0.0 {
                    continue;
                }
                let o = self.off_t(h);
                for (i, &(v, e)) in self.need(h).iter().enumerate() {
                    let row = (o + i) * d;
                    for t in &self.ztz {
                        let ov = m[v * nn + t.r] * m[t.c2 * nn + e] * t.coef;
                        j[row + t.src] += ov * (ah * cz);
                    }
                    for t in &self.gg {
                        let ov = m[v * nn + t.r] * m[t.c2 * nn + e] * t.coef;
                        for mm in 0..np_g {
                            let (wt, g) = &self.modes.gprof[mm];
                            let f = ah * wt * g[k];
                            if f != 0.0 {
                                j[row + self.off_t(1 + mm) + t.src] += ov * f;
                            }
                        }
                    }
                }
            }
        }
        Ok(j)
    }

    /// `dF/dgamma` at `x`.
    fn dmap_dgamma(&self, x: &[C64], gamma: f64) -> Result<Vec<C64>> {
        let (nn, np) = (self.nn(), self.np());
        let (mp, mk) = self.blocks(x, gamma)?;
        let mut out = vec![C64::default(); self.dim()];
        // -(M L0g M)[v, e]
        let sand = |m: &[C64], g: &[f64], k: usize, v: usize, e: usize| -> C64 {
            let mut s = C64::default();
            for a in 0..k {
                for b in 0..k {
                    let gv = g[a * k + b];
                    if gv != 0.0 {
                        s += m[v * k + a] * m[b * k + e] * gv;
                    }
                }
            }
            -s
        };
        for (i, &(v, e)) in self.need_p.iter().enumerate() {
            out[i] = sand(&mp, &self.l0gp, np, v, e);
        }
        for (k, m) in mk.iter().enumerate() {
            for h in 0..=self.nprof() {
                let a = self.modes.w[k] * self.prof(h, k);
                if a == 0.0 {
                    continue;
                }
                let o = self.off_t(h);
                for (i, &(v, e)) in self.need(h).iter().enumerate() {
                    out[o + i] += sand(m, &self.l0gn, nn, v, e) * a;
                }
            }
        }
        Ok(out)
    }

    fn cold_start(&self, gamma: f64) -> Result<Vec<C64>> {
        self.map(&vec![C64::default(); self.dim()], gamma)
    }

    fn newton(&self, gamma: f64, x0: Vec<C64>, max_iters: u64) -> Result<ModeBulk> {
        let s = solve_newton(
            &Sys { p: self, gamma },
            x0,
            SolveOpts {
                tol: TOL,
                max_iters,
            },
        )?;
        Ok(ModeBulk {
            gamma,
            x: s.x,
            iterations: s.iterations,
            residual: s.residual,
            converged: s.converged,
        })
    }

    /// One extra Newton step after convergence, kept if the residual does not grow (as
    /// [`super::Pencil::polish`]).
    fn polish(&self, b: ModeBulk) -> ModeBulk {
        if !b.converged {
            return b;
        }
        match solve_newton(
            &Sys {
                p: self,
                gamma: b.gamma,
            },
            b.x.clone(),
            SolveOpts {
                tol: 0.0,
                max_iters: 1,
            },
        ) {
            Ok(s) if s.residual <= b.residual => ModeBulk {
                x: s.x,
                iterations: b.iterations + s.iterations,
                residual: s.residual,
                ..b
            },
            _ => b,
        }
    }

    /// Cold solve at `gamma`: `L0^{-1}`, damped Picard (d = 0.5), then Newton.
    pub fn solve_cold(&self, gamma: f64) -> Result<ModeBulk> {
        let pic = solve_picard(
            &Sys { p: self, gamma },
            self.cold_start(gamma)?,
            0.5,
            SolveOpts {
                tol: TOL,
                max_iters: 200,
            },
        )?;
        let mut b = self.newton(gamma, pic.x, 100)?;
        b.iterations += pic.iterations;
        if !b.converged {
            return Err(no_conv(&b, "mode pencil cold start"));
        }
        Ok(self.polish(b))
    }

    /// Continuation from `from` to `gamma` in log gamma, steps of at most a factor 1.5 (halved
    /// after a failure, doubled again after a success), warm-started Newton.
    pub fn continue_to(&self, from: &ModeBulk, gamma: f64) -> Result<ModeBulk> {
        let (la, lb) = (from.gamma.ln(), gamma.ln());
        let hmax = MAX_STEP.ln();
        let mut h = hmax;
        let mut cur = from.clone();
        let mut lg = la;
        let mut iters = from.iterations;
        while (lb - lg).abs() > 0.0 {
            let step = h.min((lb - lg).abs()).copysign(lb - lg);
            let last = (lb - lg).abs() <= h;
            let g = if last { gamma } else { (lg + step).exp() };
            let res = self.newton(g, cur.x.clone(), 30);
            match res {
                Ok(b) if b.converged => {
                    iters += b.iterations;
                    lg = if last { lb } else { lg + step };
                    cur = b;
                    h = (2.0 * step.abs()).min(hmax);
                }
                other => {
                    if let Ok(b) = &other {
                        iters += b.iterations;
                    }
                    h = step.abs() / 2.0;
                    if h < 1e-7 {
                        let residual = other.map(|b| b.residual).unwrap_or(f64::INFINITY);
                        return Err(Error::NoConvergence {
                            solver: "mode pencil continuation (Newton)".into(),
                            iters: iters as u64,
                            residual,
                            context: format!(", at gamma = {g}"),
                        });
                    }
                }
            }
        }
        cur.iterations = iters;
        Ok(self.polish(cur))
    }

    /// Checks the low-rank description against this pencil's blocks.
    fn check_lowrank(&self, low: &LowRank) -> Result<()> {
        let nb = self.types.len();
        if low.dims.len() != nb {
            return Err(Error::param(
                "low-rank dims",
                low.dims.len(),
                "one per block",
            ));
        }
        let kn = low.dims[self.nblocks[0]];
        if self.nblocks.iter().any(|&b| low.dims[b] != kn)
            || self
                .pblocks
                .iter()
                .any(|&b| low.dims[b] != low.dims[self.pblocks[0]])
        {
            return Err(Error::param(
                "low-rank dims",
                format!("{:?}", low.dims),
                "same-type blocks must have the same reduced dimension",
            ));
        }
        let (v, e) = low.read;
        if self.types[v] != BlockType::N || self.types[e] != BlockType::N {
            return Err(Error::param("low-rank read", format!("{v},{e}"), "not n-n"));
        }
        if low.target.len() != kn {
            return Err(Error::param(
                "target",
                low.target.len(),
                "size of read block",
            ));
        }
        Ok(())
    }

    /// Reduced matrix `R` (or `dR/dgamma` when `dx = Some(dx/dgamma)`).
    fn reduced(
        &self,
        low: &LowRank,
        x: &[C64],
        gamma: f64,
        dx: Option<&[C64]>,
    ) -> Result<Vec<C64>> {
        let (nn, np) = (self.nn(), self.np());
        let nb = self.types.len();
        let mut off = vec![0];
        for d in &low.dims {
            off.push(off.last().copied().unwrap_or(0) + d);
        }
        let ntot = off[nb];
        let mut r = vec![C64::default(); ntot * ntot];
        let (mp_unused, mk) = self.blocks(x, gamma)?;
        let _ = mp_unused;
        // Gamma = sum_k pi_k M_k and its inverse.
        let mut gam = vec![C64::default(); nn * nn];
        for (k, m) in mk.iter().enumerate() {
            let p = self.modes.pi[k];
            if p != 0.0 {
                for i in 0..nn * nn {
                    gam[i] += m[i] * p;
                }
            }
        }
        let gi = inverse(&gam, nn)?;
        let (nblk, pblk) = match dx {
            None => {
                let sp = self.sigma_p(x);
                let bp: Vec<C64> = (0..np * np)
                    .map(|i| C64::from(self.l0p[i] + gamma * self.l0gp[i]) - sp[i])
                    .collect();
                (gi, bp)
            }
            Some(d) => {
                // dGamma = sum_k pi_k dM_k, dM_k = -M_k (L0g_n - dSigma_k) M_k
                let (dsz, dsg) = self.sigma_n(d);
                let mut dgam = vec![C64::default(); nn * nn];
                for (k, m) in mk.iter().enumerate() {
                    let p = self.modes.pi[k];
                    if p == 0.0 {
                        continue;
                    }
                    let mut a = vec![C64::default(); nn * nn];
                    for i in 0..nn * nn {
                        let mut s = dsz[i] * self.modes.cz[k];
                        for (mm, sg) in dsg.iter().enumerate() {
                            s += sg[i] * self.modes.gprof[mm].1[k];
                        }
                        a[i] = C64::from(self.l0gn[i]) - s;
                    }
                    let dm = mat_mul(&mat_mul(m, &a, nn), m, nn);
                    for i in 0..nn * nn {
                        dgam[i] -= dm[i] * p;
                    }
                }
                let dgi = mat_mul(&mat_mul(&gi, &dgam, nn), &gi, nn);
                let dsp = self.sigma_p(d);
                let dbp: Vec<C64> = (0..np * np)
                    .map(|i| C64::from(self.l0gp[i]) - dsp[i])
                    .collect();
                (dgi.iter().map(|v| -v).collect(), dbp)
            }
        };
        for (grp, mat, k) in [(&self.nblocks, &nblk, nn), (&self.pblocks, &pblk, np)] {
            for (ia, &a) in grp.iter().enumerate() {
                for (ib, &b) in grp.iter().enumerate() {
                    let v = mat[ia * k + ib];
                    if v != C64::default() {
                        for q in 0..low.dims[a] {
                            r[(off[a] + q) * ntot + off[b] + q] += v;
                        }
                    }
                }
            }
        }
        if dx.is_none() {
            low.add_blocks(&mut r, &off, ntot)?;
        }
        let src = dx.unwrap_or(x);
        let o0 = self.off_t(0);
        for t in &self.zzt {
            let Some(l) = t.v else { continue };
            let vl = low
                .v_low
                .get(l)
                .ok_or_else(|| Error::param("v_low", l, "missing label"))?;
            let (gr, gc) = t.glob;
            let (dr, dc) = (low.dims[gr], low.dims[gc]);
            if vl.len() != dr * dc {
                return Err(Error::param("v_low", l, "size"));
            }
            let f = src[o0 + t.src] * t.coef;
            for i in 0..dr {
                for jj in 0..dc {
                    r[(off[gr] + i) * ntot + off[gc] + jj] -= f * vl[i * dc + jj];
                }
            }
        }
        Ok(r)
    }

    /// `dx/dgamma = (I - F_x)^{-1} F_gamma` at a solution.
    fn dx_dgamma(&self, x: &[C64], gamma: f64) -> Result<Vec<C64>> {
        let d = self.dim();
        let mut j = self.dmap(x, gamma)?;
        identity_minus(&mut j, d);
        let mut fg = self.dmap_dgamma(x, gamma)?;
        lu_solve(&mut j, d, &mut fg)?;
        Ok(fg)
    }

    /// The point at a bulk solution: `q = t^T (R^{-1})[read] t`, `E = -gamma^2 dq/dgamma`,
    /// `trQ = sum_k w_k M_k[read]`.
    pub fn point(&self, low: &LowRank, b: &ModeBulk) -> Result<TheoryPoint> {
        self.check_lowrank(low)?;
        let gamma = b.gamma;
        let nb = self.types.len();
        let mut off = vec![0];
        for d in &low.dims {
            off.push(off.last().copied().unwrap_or(0) + d);
        }
        let n = off[nb];
        let r = self.reduced(low, &b.x, gamma, None)?;
        let ri = inverse(&r, n)?;
        let dx = self.dx_dgamma(&b.x, gamma)?;
        let dr = self.reduced(low, &b.x, gamma, Some(&dx))?;
        let (var, eq) = low.read;
        let k = low.dims[var];
        let mut xv = vec![C64::default(); n];
        let mut yv = vec![C64::default(); n];
        for i in 0..n {
            for a in 0..k {
                xv[i] += ri[i * n + off[eq] + a] * low.target[a];
                yv[i] += ri[(off[var] + a) * n + i] * low.target[a];
            }
        }
        let q: C64 = (0..k).map(|a| xv[off[var] + a] * low.target[a]).sum();
        let mut dq = C64::default();
        for i in 0..n {
            for jj in 0..n {
                dq -= yv[i] * dr[i * n + jj] * xv[jj];
            }
        }
        let (_, mk) = self.blocks(&b.x, gamma)?;
        let nn = self.nn();
        let (lv, le) = (self.local[var], self.local[eq]);
        let trq: f64 = mk
            .iter()
            .enumerate()
            .map(|(kk, m)| self.modes.w[kk] * m[lv * nn + le].re)
            .sum();
        let e = -gamma * gamma * dq.re;
        if !(q.re.is_finite() && e.is_finite()) {
            return Err(no_conv(b, "mode pencil reduced system (non-finite result)"));
        }
        // Q <= 1/gamma and ||y||^2 = n: 0 < gamma q <= 1 on the physical branch.
        let gq = gamma * q.re;
        if !(gq > 0.0 && gq <= 1.0 + 1e-8) {
            return Err(Error::NoConvergence {
                solver: "mode pencil".into(),
                iters: b.iterations as u64,
                residual: b.residual,
                context: format!(", unphysical branch at gamma = {gamma}: gamma * yQy = {gq}"),
            });
        }
        Ok(TheoryPoint {
            gamma,
            e,
            yqy: q.re,
            trq,
            iterations: b.iterations,
            residual: b.residual,
            converged: b.converged,
        })
    }

    /// A path of points in any order (solved from large to small gamma by continuation; output
    /// in input order).
    pub fn path(&self, low: &LowRank, gammas: &[f64]) -> Result<Vec<TheoryPoint>> {
        self.check_lowrank(low)?;
        for &g in gammas {
            crate::error::require_positive("gamma", g)?;
        }
        let mut order: Vec<usize> = (0..gammas.len()).collect();
        order.sort_by(|&a, &b| gammas[b].total_cmp(&gammas[a]));
        let mut out: Vec<Option<TheoryPoint>> = vec![None; gammas.len()];
        let mut cur: Option<ModeBulk> = None;
        for &i in &order {
            let g = gammas[i];
            let b = match &cur {
                None => {
                    let g0 = GAMMA_COLD.max(GAMMA_COLD * g);
                    let b0 = self.solve_cold(g0)?;
                    self.continue_to(&b0, g)?
                }
                Some(prev) => {
                    let mut from = prev.clone();
                    from.iterations = 0;
                    self.continue_to(&from, g)?
                }
            };
            out[i] = Some(self.point(low, &b)?);
            cur = Some(b);
        }
        out.into_iter()
            .map(|o| o.ok_or_else(|| Error::param("gammas", "", "internal: missing point")))
            .collect()
    }
}

fn mat_mul(a: &[C64], b: &[C64], k: usize) -> Vec<C64> {
    let mut r = vec![C64::default(); k * k];
    for i in 0..k {
        for l in 0..k {
            let av = a[i * k + l];
            if av == C64::default() {
                continue;
            }
            for j in 0..k {
                r[i * k + j] += av * b[l * k + j];
            }
        }
    }
    r
}

fn no_conv(b: &ModeBulk, what: &str) -> Error {
    Error::NoConvergence {
        solver: what.into(),
        iters: b.iterations as u64,
        residual: b.residual,
        context: format!(", at gamma = {}", b.gamma),
    }
}

struct Sys<'a> {
    p: &'a ModePencil,
    gamma: f64,
}

impl RootSystem for Sys<'_> {
    fn dim(&self) -> usize {
        self.p.dim()
    }
    fn residual(&self, x: &[C64]) -> Result<Vec<C64>> {
        let f = self.p.map(x, self.gamma)?;
        Ok(x.iter().zip(&f).map(|(a, b)| a - b).collect())
    }
    fn jacobian(&self, x: &[C64]) -> Result<Vec<C64>> {
        let d = self.p.dim();
        let mut j = self.p.dmap(x, self.gamma)?;
        identity_minus(&mut j, d);
        Ok(j)
    }
}

/// Relative residual of a state (tests).
pub fn mode_residual(p: &ModePencil, x: &[C64], gamma: f64) -> Result<f64> {
    let s = Sys { p, gamma };
    Ok(relative_residual(&s.residual(x)?, x))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small 2-mode pencil with G profiles: the analytic Jacobian against finite differences.
    #[test]
    fn jacobian_matches_finite_differences() {
        let types = vec![BlockType::N, BlockType::N, BlockType::P];
        let modes = Modes {
            w: vec![0.3, 0.7],
            pi: vec![0.5, 0.5],
            cz: vec![0.4, 1.3],
            gprof: vec![(0.2, vec![0.9, 1.1]), (0.1, vec![1.5, 0.6])],
            l0: vec![(0, 1, vec![0.2, -0.3])],
        };
        let rb = |row, col, coef, kind| RandomBlock {
            row,
            col,
            coef,
            kind,
        };
        let p = ModePencil::new(
            types,
            0.5,
            &[(1, 1, 1.0), (2, 2, 1.0)],
            &[(0, 0, 1.0)],
            &[
                rb(0, 2, -0.7, Kind::Zt { v: None }),
                rb(2, 1, -1.1, Kind::Z),
                rb(1, 0, -0.8, Kind::G),
                rb(0, 1, 0.5, Kind::G),
            ],
            modes,
        )
        .unwrap();
        let g = 0.3;
        let x: Vec<C64> = p
            .cold_start(g)
            .unwrap()
            .iter()
            .enumerate()
            .map(|(i, v)| v * 0.9 + C64::new(0.01 * i as f64, 0.0))
            .collect();
        let j = p.dmap(&x, g).unwrap();
        let f0 = p.map(&x, g).unwrap();
        let d = x.len();
        let mut worst = 0.0f64;
        for k in 0..d {
            let h = 1e-6 * (1.0 + x[k].norm());
            let mut xp = x.clone();
            xp[k] += h;
            let fp = p.map(&xp, g).unwrap();
            for i in 0..d {
                let fd = (fp[i] - f0[i]) / h;
                worst = worst.max((fd - j[i * d + k]).norm() / (1.0 + j[i * d + k].norm()));
            }
        }
        // forward difference: O(h) ~ 1e-6 relative times the curvature
        assert!(worst < 1e-4, "worst {worst}");
        // and dF/dgamma
        let dg = p.dmap_dgamma(&x, g).unwrap();
        let fp = p.map(&x, g + 1e-6).unwrap();
        let worst_g = (0..d)
            .map(|i| (((fp[i] - f0[i]) / 1e-6) - dg[i]).norm() / (1.0 + dg[i].norm()))
            .fold(0.0, f64::max);
        assert!(worst_g < 1e-4, "worst dF/dgamma {worst_g}");
    }
}
