//! Several attention heads (`docs/multihead.md`): the deterministic equivalent of the
//! memorization error when `H` heads are concatenated (`Phi = [X K_1; ...; X K_H]`) or summed
//! (`Phi = sum_h X K_h`), each head with its own activation `f_h`, `W_h = I + low rank` and
//! diagonal convention.
//!
//! Gaussian equivalence across heads (`docs/multihead.md §2`): `K_h ~ a1_h X^T W_h X/p +
//! N_h/sqrt p + s_h I` with jointly Gaussian Wigner parts, `E[(N_h)_ij (N_g)_ij] = S_hg`
//! ([`crate::heads::HeadStats`]).
//!
//! * **concatenation**: the `(1+2H)`-block pencil of [`concat_pencil`] (blocks `u, a_h, c_h`
//!   of type n, `e, b_h, g_h` of type p; the Wigner parts are the correlated family
//!   [`Kind::Gc`]) and its low-rank part [`concat_lowrank`] (`docs/multihead.md §4`);
//! * **sum**: exactly one head ([`MultiHeadParams::sum_reduction`], `docs/multihead.md §3`):
//!   `a1 = A = sum_h a1_h`, `nu = 1^T G 1 = E(sum_h f_h)^2`, `s = sum_h s_h`,
//!   `W = I + sum_h (a1_h/A) (W_h - I)`. [`sum_pencil`] builds the same model with one random
//!   block pair per head (a cross-check of the reduction).
//!
//! Both share the generic solver: Newton + continuation in `gamma`, analytic `dE/dgamma` by
//! implicit differentiation, solver status on every point.

use super::attention::{attention_path, pencil_path};
use super::pencil::{BlockType, Kind, LowRank, Pencil, RandomBlock};
use super::{AttentionParams, TheoryPoint};
use crate::error::{require_positive, Error, Result};
use crate::heads::{CovVariant, HeadStats};
use crate::model::{Combine, Geometry, ModelSpec};

/// Parameters of the multi-head equivalent.
#[derive(Clone, Debug, PartialEq)]
pub struct MultiHeadParams {
    /// `c = p/n`.
    pub c: f64,
    /// `a1_h` per head.
    pub a1: Vec<f64>,
    /// Diagonal shift `s_h` per head (`-a1_h` for the zero diagonal).
    pub s: Vec<f64>,
    /// Wigner covariance `S` (`H x H`, row-major).
    pub cov: Vec<f64>,
    /// How the heads combine.
    pub combine: Combine,
    /// The signal in reduced coordinates (its `wlow` is unused: see `wlow`).
    pub geometry: Geometry,
    /// `W_h - I` on the basis (`d x d` each).
    pub wlow: Vec<Vec<f64>>,
}

impl MultiHeadParams {
    /// The equivalent of `spec` (any number of heads) at `c = p/n`. Refuses what has no
    /// deterministic equivalent yet, naming the key, as [`AttentionParams::from_spec`] does.
    pub fn from_spec(spec: &ModelSpec, c: f64) -> Result<Self> {
        spec.require_supported("the deterministic equivalent (theory)")?;
        if !spec.target_centred() {
            return Err(Error::param(
                "signal.target",
                format!("{:?}", spec.signal.target),
                "no deterministic equivalent for a class target that is not centred under the \
                 proportions yet (the a2 spike of K along 1 is not modelled); `simulate` runs it",
            ));
        }
        let acts = spec
            .heads
            .iter()
            .enumerate()
            .map(|(h, head)| {
                head.activation.as_ref().ok_or_else(|| {
                    Error::param(
                        "heads.activation",
                        "(missing)",
                        format!("head {} has none", h + 1),
                    )
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let stats = HeadStats::of(&acts)?;
        let s = spec
            .heads
            .iter()
            .zip(&acts)
            .zip(&stats.a1)
            .map(|((head, act), &a1)| head.diag.shift(act, a1))
            .collect::<Result<Vec<_>>>()?;
        let d = spec.basis_dim();
        Self::new(
            c,
            stats.a1.clone(),
            s,
            stats.cov.clone(),
            spec.attention.combine,
            Geometry::of(spec, 0)?,
            spec.heads.iter().map(|h| Geometry::wlow(h, d)).collect(),
        )
    }

    /// Validated constructor: `c > 0`; one `a1`, `s`, `W_h - I` (`d x d`) per head; `S`
    /// (`H x H`) symmetric positive semi-definite (checked by the pencil); all finite.
    pub fn new(
        c: f64,
        a1: Vec<f64>,
        s: Vec<f64>,
        cov: Vec<f64>,
        combine: Combine,
        geometry: Geometry,
        wlow: Vec<Vec<f64>>,
    ) -> Result<Self> {
        let p = MultiHeadParams {
            c,
            a1,
            s,
            cov,
            combine,
            geometry,
            wlow,
        };
        p.validate()?;
        Ok(p)
    }

    /// Checks the fields (as [`MultiHeadParams::new`]); run again by [`multihead_path`], since
    /// the fields are public.
    pub fn validate(&self) -> Result<()> {
        let (c, a1, s, cov, wlow) = (self.c, &self.a1, &self.s, &self.cov, &self.wlow);
        require_positive("c", c)?;
        let h = a1.len();
        let d = self.geometry.d;
        if h == 0 {
            return Err(Error::param("heads", "[]", "need at least one head"));
        }
        if s.len() != h || cov.len() != h * h || wlow.len() != h {
            return Err(Error::param(
                "heads",
                h,
                "one a1, shift and W per head, and an H x H covariance",
            ));
        }
        if wlow.iter().any(|w| w.len() != d * d) {
            return Err(Error::param("heads.wk", d, "W_h - I must be d x d"));
        }
        if a1
            .iter()
            .chain(s)
            .chain(cov)
            .chain(wlow.iter().flatten())
            .any(|v| !v.is_finite())
        {
            return Err(Error::param("heads", "", "non-finite head constant"));
        }
        if (0..h).any(|i| (0..i).any(|j| cov[i * h + j] != cov[j * h + i]))
            || !crate::heads::is_psd(cov, h, 1e-12)?
        {
            return Err(Error::param(
                "heads",
                format!("{cov:?}"),
                "the Wigner covariance must be symmetric positive semi-definite",
            ));
        }
        Ok(())
    }

    /// Number of heads.
    pub fn heads(&self) -> usize {
        self.a1.len()
    }

    /// The same model with the Wigner covariance replaced by a (wrong) variant: the negative
    /// controls of `docs/multihead.md §2` (independent or fully shared nonlinear parts).
    pub fn with_cov_variant(mut self, v: CovVariant) -> Self {
        self.cov = v.apply(&self.cov, self.heads());
        self
    }

    /// Heads that all share the same `W` can be mixed by any orthogonal `U` without changing
    /// `Phi_cat^T Phi_cat = sum_h K_h^T X^T X K_h` (`docs/multihead.md §5b`): `a -> U a`,
    /// `s -> U s`, `S -> U S U^T`. Rotating to the eigenvectors of `a a^T + S + s s^T` and
    /// dropping the directions with a zero eigenvalue (below [`crate::heads::RANK_REL_TOL`]
    /// relative: heads that are exactly linear combinations of the others, e.g. two equal
    /// activations, or `relu, |x|, x`) gives an equivalent model with fewer heads and a
    /// well-conditioned pencil (the full pencil of linearly dependent heads is singular in the
    /// dependent directions and its Newton stalls near `1e-13` below `gamma ~ 1e-5`).
    /// `None` when the `W_h` differ or no head can be dropped.
    pub fn effective_heads(&self) -> Result<Option<MultiHeadParams>> {
        let h = self.heads();
        if h < 2 || self.wlow.iter().any(|w| w != &self.wlow[0]) {
            return Ok(None);
        }
        let mut m = self.cov.clone();
        for i in 0..h {
            for j in 0..h {
                m[i * h + j] += self.a1[i] * self.a1[j] + self.s[i] * self.s[j];
            }
        }
        let mat = faer::Mat::from_fn(h, h, |i, j| m[i * h + j]);
        let (vals, u) = crate::linalg::sym_eigen(mat.as_ref(), true)?;
        let Some(u) = u else { return Ok(None) };
        let top = vals.iter().copied().fold(0.0, f64::max);
        let keep: Vec<usize> = (0..h)
            .filter(|&k| vals[k] > crate::heads::RANK_REL_TOL * top)
            .collect();
        if keep.is_empty() || keep.len() == h {
            return Ok(None);
        }
        let rot = |v: &[f64]| -> Vec<f64> {
            keep.iter()
                .map(|&k| (0..h).map(|i| u[(i, k)] * v[i]).sum())
                .collect()
        };
        let r = keep.len();
        let mut cov = vec![0.0; r * r];
        for (x, &k) in keep.iter().enumerate() {
            for (y, &l) in keep.iter().enumerate() {
                cov[x * r + y] = (0..h)
                    .map(|i| {
                        (0..h)
                            .map(|j| u[(i, k)] * self.cov[i * h + j] * u[(j, l)])
                            .sum::<f64>()
                    })
                    .sum();
            }
        }
        // exact symmetry (the pencil checks it bit for bit)
        for x in 0..r {
            for y in 0..x {
                let v = 0.5 * (cov[x * r + y] + cov[y * r + x]);
                cov[x * r + y] = v;
                cov[y * r + x] = v;
            }
        }
        Ok(Some(MultiHeadParams {
            c: self.c,
            a1: rot(&self.a1),
            s: rot(&self.s),
            cov,
            combine: self.combine,
            geometry: self.geometry.clone(),
            wlow: vec![self.wlow[0].clone(); r],
        }))
    }

    /// Summed heads as one head (`docs/multihead.md §3`): `a1 = A = sum a1_h`,
    /// `nu = A^2 + 1^T S 1`, `s = sum s_h`, `W - I = sum_h (a1_h / A)(W_h - I)` (`0` if `A = 0`,
    /// where `W` does not enter).
    pub fn sum_reduction(&self) -> Result<AttentionParams> {
        let a: f64 = self.a1.iter().sum();
        let var: f64 = self.cov.iter().sum();
        let d = self.geometry.d;
        let mut geom = self.geometry.clone();
        geom.wlow = vec![0.0; d * d];
        if a != 0.0 {
            for (w, &a1) in self.wlow.iter().zip(&self.a1) {
                for (g, v) in geom.wlow.iter_mut().zip(w) {
                    *g += a1 / a * v;
                }
            }
        }
        AttentionParams::with_geometry(self.c, geom, a, a * a + var.max(0.0), self.s.iter().sum())
    }
}

/// Block indices of the concatenation pencil.
struct Blocks {
    h: usize,
}

impl Blocks {
    const U: usize = 0;
    fn a(&self, h: usize) -> usize {
        1 + h
    }
    fn c(&self, h: usize) -> usize {
        1 + self.h + h
    }
    fn e(&self) -> usize {
        1 + 2 * self.h
    }
    fn b(&self, h: usize) -> usize {
        2 + 2 * self.h + h
    }
    fn g(&self, h: usize) -> usize {
        2 + 3 * self.h + h
    }
}

fn rb(row: usize, col: usize, coef: f64, kind: Kind) -> RandomBlock {
    RandomBlock {
        row,
        col,
        coef,
        kind,
    }
}

/// The `(1+2H)`-block pencil of concatenated heads (`docs/multihead.md §4`; `n = 1, p = c`):
///
/// ```text
/// R1  : gamma u + sum_h [ a1_h X^T W_h^T g_h/sqrt p + (N_h/sqrt p + s_h) c_h ] = v
/// R2_h: a_h - a1_h X^T W_h e/sqrt p - (N_h/sqrt p + s_h) u = 0        (a_h = K_h u)
/// Rc_h: c_h - X^T b_h/sqrt n = 0;   Re: e - X u/sqrt p = 0
/// Rb_h: b_h - X a_h/sqrt n = 0;     Rg_h: g_h - X c_h/sqrt p = 0
/// ```
///
/// Eliminating gives `(gamma + sum_h K_h^T X^T X K_h/n) u = v`. `V`-labels of the `Z^T V`
/// blocks: `2h` = `W_h - I`, `2h+1` = its transpose. `H = 1` is the 6-block pencil of
/// [`super::attention::attention_pencil`].
pub fn concat_pencil(p: &MultiHeadParams) -> Result<Pencil> {
    let hh = p.heads();
    let bl = Blocks { h: hh };
    let sc = p.c.sqrt();
    let mut types = vec![BlockType::N; 1 + 2 * hh];
    types.extend(vec![BlockType::P; 1 + 2 * hh]);
    let mut l0 = vec![(bl.e(), bl.e(), 1.0)];
    let mut random = vec![rb(bl.e(), Blocks::U, -1.0 / sc, Kind::Z)];
    for h in 0..hh {
        let a1 = p.a1[h];
        l0.extend([
            (Blocks::U, bl.c(h), p.s[h]),
            (bl.a(h), bl.a(h), 1.0),
            (bl.a(h), Blocks::U, -p.s[h]),
            (bl.c(h), bl.c(h), 1.0),
            (bl.b(h), bl.b(h), 1.0),
            (bl.g(h), bl.g(h), 1.0),
        ]);
        random.extend([
            rb(Blocks::U, bl.g(h), a1 / sc, Kind::Zt { v: Some(2 * h + 1) }),
            rb(bl.a(h), bl.e(), -a1 / sc, Kind::Zt { v: Some(2 * h) }),
            rb(bl.c(h), bl.b(h), -1.0, Kind::Zt { v: None }),
            rb(bl.b(h), bl.a(h), -1.0, Kind::Z),
            rb(bl.g(h), bl.c(h), -1.0 / sc, Kind::Z),
            rb(Blocks::U, bl.c(h), 1.0 / sc, Kind::Gc { index: h }),
            rb(bl.a(h), Blocks::U, -1.0 / sc, Kind::Gc { index: h }),
        ]);
    }
    Pencil::with_wigner_cov(
        types,
        p.c,
        &l0,
        &[(Blocks::U, Blocks::U, 1.0)],
        &random,
        &p.cov,
    )
}

/// Reduced-coordinate helpers: `B = A M^T` (`K x d`), `B (I + w)` and `B (I + w)^T`, `B^T`.
struct Reduced {
    k: usize,
    d: usize,
    b: Vec<f64>,
}

impl Reduced {
    fn new(g: &Geometry) -> Self {
        Reduced {
            k: g.k,
            d: g.d,
            b: g.a_mt(),
        }
    }

    /// `B (I + w)` (or `B (I + w^T)` when `transpose`), `K x d`.
    fn times_w(&self, w: &[f64], transpose: bool) -> Vec<f64> {
        let (k, d) = (self.k, self.d);
        let mut out = self.b.clone();
        for i in 0..k {
            for j in 0..d {
                out[i * d + j] += (0..d)
                    .map(|l| {
                        self.b[i * d + l]
                            * if transpose {
                                w[j * d + l]
                            } else {
                                w[l * d + j]
                            }
                    })
                    .sum::<f64>();
            }
        }
        out
    }

    fn bt(&self) -> Vec<f64> {
        let (k, d) = (self.k, self.d);
        let mut out = vec![0.0; d * k];
        for i in 0..k {
            for j in 0..d {
                out[j * k + i] = self.b[i * d + j];
            }
        }
        out
    }
}

fn scaled(v: &[f64], f: f64) -> Vec<f64> {
    v.iter().map(|x| x * f).collect()
}

fn transposed(w: &[f64], d: usize) -> Vec<f64> {
    (0..d * d).map(|k| w[(k % d) * d + k / d]).collect()
}

/// The low-rank part of [`concat_pencil`] (`docs/multihead.md §4.4`): with `r = c^{-1/2}`,
/// `B = A M^T`, for each head `[R1,g_h] = a1_h r B W_h^T`, `[R2_h,e] = -a1_h r B W_h`,
/// `[Rc_h,b_h] = -B`, `[Rb_h,a_h] = -B^T`, `[Rg_h,c_h] = -r B^T`, and `[Re,u] = -r B^T`.
pub fn concat_lowrank(p: &MultiHeadParams) -> LowRank {
    let hh = p.heads();
    let bl = Blocks { h: hh };
    let red = Reduced::new(&p.geometry);
    let (k, d) = (red.k, red.d);
    let r = 1.0 / p.c.sqrt();
    let bt = red.bt();
    let mut dims = vec![k; 1 + 2 * hh];
    dims.extend(vec![d; 1 + 2 * hh]);
    let mut blocks = vec![(bl.e(), Blocks::U, scaled(&bt, -r))];
    let mut v_low = Vec::with_capacity(2 * hh);
    for h in 0..hh {
        let w = &p.wlow[h];
        let a1 = p.a1[h];
        blocks.extend([
            (Blocks::U, bl.g(h), scaled(&red.times_w(w, true), a1 * r)),
            (bl.a(h), bl.e(), scaled(&red.times_w(w, false), -a1 * r)),
            (bl.c(h), bl.b(h), scaled(&red.b, -1.0)),
            (bl.b(h), bl.a(h), scaled(&bt, -1.0)),
            (bl.g(h), bl.c(h), scaled(&bt, -r)),
        ]);
        v_low.push(w.clone());
        v_low.push(transposed(w, d));
    }
    LowRank {
        dims,
        blocks,
        v_low,
        target: p.geometry.t.clone(),
        read: (Blocks::U, Blocks::U),
    }
}

/// Summed heads written directly as a 6-block pencil with one random block pair per head
/// (`K_S = sum_h K_h`; blocks `u, a, c | e, b, g` as in the single head, `a = K_S u`). Its
/// values equal those of [`MultiHeadParams::sum_reduction`] (a cross-check of
/// `docs/multihead.md §3`, tested to 1e-12).
pub fn sum_pencil(p: &MultiHeadParams) -> Result<(Pencil, LowRank)> {
    let hh = p.heads();
    let sc = p.c.sqrt();
    let st: f64 = p.s.iter().sum();
    let mut random = vec![
        rb(2, 4, -1.0, Kind::Zt { v: None }),
        rb(3, 0, -1.0 / sc, Kind::Z),
        rb(4, 1, -1.0, Kind::Z),
        rb(5, 2, -1.0 / sc, Kind::Z),
    ];
    let red = Reduced::new(&p.geometry);
    let (k, d) = (red.k, red.d);
    let r = 1.0 / sc;
    let bt = red.bt();
    let mut blocks = vec![
        (2, 4, scaled(&red.b, -1.0)),
        (3, 0, scaled(&bt, -r)),
        (4, 1, scaled(&bt, -1.0)),
        (5, 2, scaled(&bt, -r)),
    ];
    let mut v_low = Vec::with_capacity(2 * hh);
    for h in 0..hh {
        let a1 = p.a1[h];
        let w = &p.wlow[h];
        random.extend([
            rb(0, 5, a1 / sc, Kind::Zt { v: Some(2 * h + 1) }),
            rb(1, 3, -a1 / sc, Kind::Zt { v: Some(2 * h) }),
            rb(0, 2, 1.0 / sc, Kind::Gc { index: h }),
            rb(1, 0, -1.0 / sc, Kind::Gc { index: h }),
        ]);
        blocks.extend([
            (0, 5, scaled(&red.times_w(w, true), a1 * r)),
            (1, 3, scaled(&red.times_w(w, false), -a1 * r)),
        ]);
        v_low.push(w.clone());
        v_low.push(transposed(w, d));
    }
    let types = vec![
        BlockType::N,
        BlockType::N,
        BlockType::N,
        BlockType::P,
        BlockType::P,
        BlockType::P,
    ];
    let l0 = [
        (0, 2, st),
        (1, 1, 1.0),
        (1, 0, -st),
        (2, 2, 1.0),
        (3, 3, 1.0),
        (4, 4, 1.0),
        (5, 5, 1.0),
    ];
    let pen = Pencil::with_wigner_cov(types, p.c, &l0, &[(0, 0, 1.0)], &random, &p.cov)?;
    let low = LowRank {
        dims: vec![k, k, k, d, d, d],
        blocks,
        v_low,
        target: p.geometry.t.clone(),
        read: (0, 0),
    };
    Ok((pen, low))
}

/// The path of the multi-head equivalent (any order of `gammas`; output in input order; solver
/// status on every point): concatenation by [`concat_pencil`] (after dropping linearly
/// dependent heads with [`MultiHeadParams::effective_heads`]), sum by
/// [`MultiHeadParams::sum_reduction`].
pub fn multihead_path(p: &MultiHeadParams, gammas: &[f64]) -> Result<Vec<TheoryPoint>> {
    p.validate()?;
    match p.combine {
        Combine::Concat => match p.effective_heads()? {
            Some(q) => concat_path(&q, gammas),
            None => concat_path(p, gammas),
        },
        Combine::Sum => attention_path(&p.sum_reduction()?, gammas),
    }
}

/// The concatenation pencil's path for `p` as given (no head reduction).
pub fn concat_path(p: &MultiHeadParams, gammas: &[f64]) -> Result<Vec<TheoryPoint>> {
    pencil_path(&concat_pencil(p)?, &concat_lowrank(p), gammas)
}

/// One point of [`multihead_path`].
pub fn multihead_point(p: &MultiHeadParams, gamma: f64) -> Result<TheoryPoint> {
    Ok(multihead_path(p, &[gamma])?.remove(0))
}
