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
//! The low-rank part lives on the span of the label vectors (n-blocks) and on the model's basis
//! `e_1..e_d` (p-blocks): SPEC §5.4 for the paper's rank-one signal, `docs/rank-k.md` for
//! several means, classes and several low-rank `W` terms. `y^T Q y/n -> t^T (R^{-1})[u, R1] t`.

use super::pencil::{BlockType, Bulk, Kind, LowRank, Pencil, RandomBlock};
use super::TheoryPoint;
use crate::activation::Activation;
use crate::error::{require_finite, require_nonnegative, require_positive, Error, Result};
use crate::model::{Diag, Geometry, ModelKind, ModelSpec};
use num_complex::Complex64 as C64;

/// Parameters of the attention equivalent: the bulk constants `c, a1, nu, s` and the signal in
/// reduced coordinates ([`Geometry`]).
#[derive(Clone, Debug, PartialEq)]
pub struct AttentionParams {
    /// `c = p/n`.
    pub c: f64,
    /// First Hermite coefficient `a1`.
    pub a1: f64,
    /// `nu = E f^2` of the centred activation.
    pub nu: f64,
    /// Diagonal shift `s` of the Gaussian-equivalent kernel.
    pub s: f64,
    /// Signal, labels, target and `W - I` in reduced coordinates.
    pub geometry: Geometry,
}

impl AttentionParams {
    /// The paper's setting: `mu = sqrt(snr) e1`, one ±1 label vector, `W = I + w_K w_Q^T`
    /// (`w_K`, `w_Q` on the basis `e1, e2, ...`). Validates `c > 0`, `snr >= 0`,
    /// `nu >= a1^2` (up to 1e-12 relative), everything finite.
    pub fn new(
        c: f64,
        snr: f64,
        wk: impl AsRef<[f64]>,
        wq: impl AsRef<[f64]>,
        a1: f64,
        nu: f64,
        s: f64,
    ) -> Result<Self> {
        let spec = ModelSpec::single_head(
            ModelKind::Equivalent,
            Activation::builtin(crate::activation::Builtin::Linear),
            snr,
            wk.as_ref(),
            wq.as_ref(),
            Diag::Zero,
        )?;
        Self::with_geometry(c, Geometry::of(&spec, 0)?, a1, nu, s)
    }

    /// Bulk constants with a given geometry (validated as in [`AttentionParams::new`]).
    pub fn with_geometry(c: f64, geometry: Geometry, a1: f64, nu: f64, s: f64) -> Result<Self> {
        require_positive("c", c)?;
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
            a1,
            nu,
            s,
            geometry,
        })
    }

    /// `a1, nu` from the Hermite coefficients of `act`; `s = -a1` ([`Diag::Zero`]) or
    /// `tau_D - a1` ([`Diag::Literal`]; error if `tau_D` is infinite, e.g. `quad`).
    pub fn from_activation(
        act: &Activation,
        c: f64,
        snr: f64,
        wk: impl AsRef<[f64]>,
        wq: impl AsRef<[f64]>,
        diag: Diag,
    ) -> Result<Self> {
        let spec = ModelSpec::single_head(
            ModelKind::Attention,
            act.clone(),
            snr,
            wk.as_ref(),
            wq.as_ref(),
            diag,
        )?;
        Self::from_spec(&spec, c)
    }

    /// The equivalent of head 0 of `spec` at `c = p/n`: Hermite constants of its activation,
    /// its diagonal shift, the model's geometry. Refuses (naming the key) what has no
    /// deterministic equivalent yet, and class targets that are not centred (the `a2` spike of
    /// `K` along the all-ones vector is not in the equivalent, `docs/rank-k.md`).
    /// Entry-wise attention only: softmax, skip connections and correlated tokens are refused
    /// here, naming the key (their equivalents: [`crate::theory::equivalent`]).
    pub fn from_spec(spec: &ModelSpec, c: f64) -> Result<Self> {
        spec.require_supported("the deterministic equivalent (theory)")?;
        let variant = |key: &str, value: String| {
            Err(Error::param(
                key,
                value,
                "is a model variant: its equivalent is theory::equivalent(spec, dims) \
                 (docs/variants.md), not the plain attention pencil",
            ))
        };
        if spec.is_softmax() {
            return variant("attention.normalize", "softmax".into());
        }
        if let Some(a) = spec.skip() {
            return variant("attention.skip", format!("{a}"));
        }
        if spec.tokens.ar1 != 0.0 {
            return variant("tokens.ar1", format!("{}", spec.tokens.ar1));
        }
        Self::from_head(spec, c)
    }

    /// The equivalent of head 0's entry-wise kernel (activation, diagonal shift, geometry),
    /// ignoring the attention options and token statistics (the variants map from it).
    pub fn from_head(spec: &ModelSpec, c: f64) -> Result<Self> {
        spec.require_supported("the deterministic equivalent (theory)")?;
        if !spec.target_centred() {
            return Err(Error::param(
                "signal.target",
                format!("{:?}", spec.signal.target),
                "no deterministic equivalent for a class target that is not centred under the \
                 proportions yet (the a2 spike of K along 1 is not modelled); `simulate` runs it",
            ));
        }
        if spec.heads.len() > 1 {
            return Err(Error::param(
                "heads",
                spec.heads.len(),
                "the single-head equivalent takes one head; several heads: \
                 theory::MultiHeadParams (docs/multihead.md)",
            ));
        }
        let head = spec.head()?;
        let act = spec.activation()?;
        let h = crate::hermite::hermite_coeffs(act, 2)?;
        let s = head.diag.shift(act, h.a1)?;
        Self::with_geometry(c, Geometry::of(spec, 0)?, h.a1, h.nu.max(h.a1 * h.a1), s)
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

/// The low-rank part (SPEC §5.4; rank K: `docs/rank-k.md`) on `span(labels)` (n-blocks,
/// dimension `K`) and the basis `e_1..e_d` (p-blocks): with `r = c^{-1/2}`, `B = A M^T`
/// (`K x d`) and `Wr = I + (W - I)`,
/// `[R1,g] = a1 r B Wr^T`, `[R2,e] = -a1 r B Wr`, `[Rc,b] = -B`, `[Re,u] = -r B^T`,
/// `[Rb,a] = -B^T`, `[Rg,c] = -r B^T`; `V - I` is `W - I` (resp. its transpose).
pub fn attention_lowrank(p: &AttentionParams) -> LowRank {
    let g = &p.geometry;
    let (k, d) = (g.k, g.d);
    let r = 1.0 / p.c.sqrt();
    let b = g.a_mt(); // K x d
    let wl = g.wlow.clone();
    let mut wlt = vec![0.0; d * d];
    for i in 0..d {
        for j in 0..d {
            wlt[i * d + j] = wl[j * d + i];
        }
    }
    // B W^T = B + B wl^T and B W = B + B wl (K x d)
    let mul = |m: &[f64], transpose: bool| -> Vec<f64> {
        let mut out = b.clone();
        for i in 0..k {
            for j in 0..d {
                out[i * d + j] += (0..d)
                    .map(|l| {
                        b[i * d + l]
                            * if transpose {
                                m[j * d + l]
                            } else {
                                m[l * d + j]
                            }
                    })
                    .sum::<f64>();
            }
        }
        out
    };
    let bwt = mul(&wl, true);
    let bw = mul(&wl, false);
    let mut bt = vec![0.0; d * k];
    for i in 0..k {
        for j in 0..d {
            bt[j * k + i] = b[i * d + j];
        }
    }
    let sc = |v: &[f64], f: f64| v.iter().map(|x| x * f).collect::<Vec<_>>();
    LowRank {
        dims: vec![k, k, k, d, d, d],
        blocks: vec![
            (0, 5, sc(&bwt, p.a1 * r)),
            (1, 3, sc(&bw, -p.a1 * r)),
            (2, 4, sc(&b, -1.0)),
            (3, 0, sc(&bt, -r)),
            (4, 1, sc(&bt, -1.0)),
            (5, 2, sc(&bt, -r)),
        ],
        v_low: vec![wl, wlt],
        target: g.t.clone(),
        read: (0, 0),
    }
}

/// The point of `(pen, low)` at a bulk solution: `q`, `E = -gamma^2 dq/dgamma`, `tr Q/n =
/// m[0, 0]` and the solver status.
pub(crate) fn point(pen: &Pencil, low: &LowRank, b: &Bulk, gamma: f64) -> Result<TheoryPoint> {
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
    let pen = attention_pencil(p)?;
    let low = attention_lowrank(p);
    pencil_path(&pen, &low, gammas)
}

/// The path of any pencil with its low-rank part (read at `(u, R1)`, `tr Q/n = m[0, 0]`):
/// solved from large to small `gamma` with continuation (cold start at `max(gamma, 10)`), output
/// in input order, solver status on every point.
pub fn pencil_path(pen: &Pencil, low: &LowRank, gammas: &[f64]) -> Result<Vec<TheoryPoint>> {
    for &g in gammas {
        require_positive("gamma", g)?;
    }
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
        out[i] = Some(point(pen, low, &b, g)?);
        cur = Some(b);
    }
    out.into_iter()
        .map(|o| o.ok_or_else(|| Error::param("gammas", "", "internal: missing point")))
        .collect()
}
