//! Deterministic equivalents of the model variants (`docs/variants.md`): row-softmax attention,
//! the skip connection and AR(1)-correlated tokens, and the dispatch [`equivalent`] that turns
//! any [`ModelSpec`] into the equivalent it has (or an error naming the key it has none for).
//!
//! * **Masked softmax** **\[derived\]** (`docs/variants.md §2`): `E_softmax(gamma)` equals the
//!   error of the entry-wise kernel `f_beta(t) = e^{beta t - beta^2/2} - 1` (`a1 = beta`,
//!   `nu = e^{beta^2} - 1`) at the mapped `gamma_base = gamma (n-1)^2/p`, with the finite-p mask
//!   correction `s = -beta - 1/sqrt p` and `W^T` for `Phi = X A^T` (`W` for `X A`).
//! * **Unmasked softmax** **\[derived, modulo an independence approximation\]** (§2.5): a skip
//!   connection with random per-token weights, through the mode model (modes = Gauss–Hermite
//!   nodes of the law of `T_ii`).
//! * **Skip connection** **\[derived\]** (§3): `Phi = X (I + alpha K)` is the base model with
//!   `(a1, nu, s) -> (alpha a1, alpha^2 nu, 1 + alpha s)` (zero diagonal: `s' = 1 - alpha a1`).
//! * **AR(1) tokens** (§4): ridge closed form **\[derived\]**, Gaussian-equivalent attention
//!   **\[derived\]**, attention **\[conjecture\]** ([`super::correlated`]).

use super::attention::{attention_path, AttentionParams};
use super::correlated::{ar1_modes, attention_ar1_model, equivalent_ar1_model, ridge_ar1_path};
use super::modes::ModeModel;
use super::multihead::{multihead_path, MultiHeadParams};
use super::ridge::ridge_path_geometry;
use super::{Dims, TheoryPoint};
use crate::error::{Error, Result};
use crate::model::{Geometry, Labels, ModelKind, ModelSpec, SoftmaxSide};

/// Gauss–Hermite nodes of the unmasked-softmax mode model (the law of `T_ii`).
pub const UNMASKED_NODES: usize = 48;

/// How well founded an equivalent is (`docs/README.md`, labels).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Standing {
    /// Derived (heuristic random-matrix level) and validated by Monte Carlo.
    Derived,
    /// Stated and partially tested; the mechanism is not derived.
    Conjecture,
}

/// Which solver computes the equivalent.
#[derive(Clone, Debug)]
pub enum Route {
    /// Ridge in the proportional limit (closed form or pencil).
    Ridge {
        /// `c = p/n`.
        c: f64,
        /// Signal geometry.
        geometry: Geometry,
    },
    /// Ridge on AR(1) tokens, closed form on the modes of `C`.
    RidgeAr1 {
        /// `c = p/n`.
        c: f64,
        /// `||mu||^2`.
        snr: f64,
        /// Eigenvalues of `C`.
        kappa: Vec<f64>,
        /// Label weights.
        pi: Vec<f64>,
    },
    /// The 6-block attention pencil (entry-wise kernel, possibly mapped).
    Attention(AttentionParams),
    /// The mode model.
    Modes(Box<ModeModel>),
    /// Several entry-wise heads, concatenated or summed (`docs/multihead.md`).
    MultiHead(MultiHeadParams),
}

/// The deterministic equivalent of a model: the route, the gamma map and how it is founded.
#[derive(Clone, Debug)]
pub struct Equivalent {
    /// The solver and its parameters.
    pub route: Route,
    /// `gamma_base = gamma * gamma_scale` (softmax: `(n-1)^2/p`; else 1). `E` is unchanged by
    /// the map, `y^T Q y/n` and `tr Q/n` are multiplied by `gamma_scale`.
    pub gamma_scale: f64,
    /// Derived or conjecture.
    pub standing: Standing,
    /// One line: what the model is mapped to (for table headers and JSON).
    pub mapping: String,
}

impl Equivalent {
    /// The equivalent along `gammas` (the model's own gamma; any order, output in input order).
    pub fn path(&self, gammas: &[f64]) -> Result<Vec<TheoryPoint>> {
        for &g in gammas {
            super::require_gamma(g)?;
        }
        let base: Vec<f64> = gammas.iter().map(|g| g * self.gamma_scale).collect();
        let mut pts = match &self.route {
            Route::Ridge { c, geometry } => ridge_path_geometry(*c, geometry, &base)?,
            Route::RidgeAr1 { c, snr, kappa, pi } => ridge_ar1_path(*c, *snr, kappa, pi, &base)?,
            Route::Attention(p) => attention_path(p, &base)?,
            Route::Modes(m) => m.path(&base)?,
            Route::MultiHead(p) => multihead_path(p, &base)?,
        };
        for (pt, &g) in pts.iter_mut().zip(gammas) {
            pt.gamma = g;
            pt.yqy *= self.gamma_scale;
            pt.trq *= self.gamma_scale;
        }
        Ok(pts)
    }

    /// The multi-head parameters, when the route is the multi-head equivalent.
    pub fn multihead_params(&self) -> Option<&MultiHeadParams> {
        match &self.route {
            Route::MultiHead(p) => Some(p),
            _ => None,
        }
    }

    /// The attention-pencil parameters, when the route is the attention pencil.
    pub fn attention_params(&self) -> Option<&AttentionParams> {
        match &self.route {
            Route::Attention(p) => Some(p),
            _ => None,
        }
    }
}

/// `gamma_base / gamma = (n-1)^2/p` of the softmax scale map (`docs/variants.md §2.2`).
pub fn softmax_gamma_scale(n: usize, p: usize) -> f64 {
    let nm1 = n.saturating_sub(1) as f64;
    nm1 * nm1 / p as f64
}

/// Hermite data of `f_beta(t) = e^{beta t - beta^2/2} - 1`: `(a1, nu) = (beta, e^{beta^2} - 1)`
/// (exact: generating function of the Hermite polynomials, `a_k = beta^k / sqrt(k!)`).
pub fn softmax_hermite(beta: f64) -> (f64, f64) {
    (beta, (beta * beta).exp_m1())
}

/// Options of the masked-softmax map (all `true` in the derived map; the claim's negative
/// controls switch them off).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SoftmaxMap {
    /// Finite-p mask correction `s = -beta - 1/sqrt p` (else the limit `s = -beta`).
    pub mask_correction: bool,
    /// `gamma_base = gamma (n-1)^2/p` (else `gamma_base = gamma`).
    pub gamma_rescale: bool,
}

impl Default for SoftmaxMap {
    fn default() -> Self {
        SoftmaxMap {
            mask_correction: true,
            gamma_rescale: true,
        }
    }
}

fn transpose_w(g: &mut Geometry) {
    let d = g.d;
    let w = g.wlow.clone();
    for i in 0..d {
        for j in 0..d {
            g.wlow[i * d + j] = w[j * d + i];
        }
    }
}

fn require_signs(spec: &ModelSpec, what: &str) -> Result<()> {
    if let Labels::Classes { .. } = spec.signal.labels {
        return Err(no_equivalent(
            "signal.labels",
            "classes",
            &format!(
                "{what} with one-hot classes (the label mean is not small: docs/variants.md §2.4)"
            ),
        ));
    }
    Ok(())
}

fn no_equivalent(key: &str, value: impl ToString, what: &str) -> Error {
    Error::param(
        key,
        value,
        format!("no deterministic equivalent for {what} yet; `simulate` runs it"),
    )
}

fn need_sizes(dims: Dims, what: &str) -> Result<(usize, usize)> {
    match dims {
        Dims::Sizes { n, p } => Ok((n, p)),
        Dims::Ratio(c) => Err(Error::param(
            "c",
            c,
            format!(
                "the deterministic equivalent of {what} depends on n and p separately \
                 (docs/variants.md); give n and p (--n N --p P) instead of c"
            ),
        )),
    }
}

/// The masked-softmax equivalent: the 6-block attention pencil with `a1 = beta`,
/// `nu = e^{beta^2} - 1`, `s = -beta - 1/sqrt p` (or `-beta` without the mask correction) and
/// `W^T` for `Phi = X A^T`; evaluate it at `gamma_base = gamma (n-1)^2/p`.
pub fn softmax_masked_params(
    spec: &ModelSpec,
    n: usize,
    p: usize,
    map: SoftmaxMap,
) -> Result<AttentionParams> {
    let c = p as f64 / n as f64;
    let beta = spec.attention.beta;
    let (a1, nu) = softmax_hermite(beta);
    if !nu.is_finite() {
        return Err(Error::param(
            "attention.beta",
            beta,
            "e^{beta^2} overflows: no deterministic equivalent",
        ));
    }
    let mut g = Geometry::of(spec, 0)?;
    if spec.attention.softmax_side == SoftmaxSide::Transpose {
        transpose_w(&mut g);
    }
    let s = -beta
        - if map.mask_correction {
            1.0 / (p as f64).sqrt()
        } else {
            0.0
        };
    AttentionParams::with_geometry(c, g, a1, nu, s)
}

/// Per-token law of the unmasked softmax's diagonal: `T_ii ~ N(m_T, s_T^2)` with
/// `m_T = (p + tr(W - I) + sum_k mu_k^T W mu_k)/sqrt p`, `s_T^2 = (2 p + 4 sum_k ||mu_k||^2)/p`
/// (±1 labels; the low-rank part of `W` neglected in the variance).
fn diag_law(spec: &ModelSpec, p: usize) -> Result<(f64, f64)> {
    let g = Geometry::of(spec, 0)?;
    let (d, k) = (g.d, g.k);
    let pf = p as f64;
    let tr_w: f64 = (0..d).map(|i| g.wlow[i * d + i]).sum();
    let (mut mwm, mut mm) = (0.0, 0.0);
    for kk in 0..k {
        let mu: Vec<f64> = (0..d).map(|i| g.means[i * k + kk]).collect();
        let n2: f64 = mu.iter().map(|v| v * v).sum();
        let low: f64 = (0..d)
            .map(|i| {
                (0..d)
                    .map(|j| mu[i] * g.wlow[i * d + j] * mu[j])
                    .sum::<f64>()
            })
            .sum();
        mwm += n2 + low;
        mm += n2;
    }
    Ok((
        (pf + tr_w + mwm) / pf.sqrt(),
        ((2.0 * pf + 4.0 * mm) / pf).sqrt(),
    ))
}

/// The median diagonal weight `A_ii` of the unmasked softmax predicted by the mode model
/// (`rho = R/(1 + R)`, `R = e^{beta T_ii - beta^2/2}/(n-1)` at the median `T_ii`).
pub fn unmasked_median_diag(spec: &ModelSpec, n: usize, p: usize) -> Result<f64> {
    let (mt, _) = diag_law(spec, p)?;
    let beta = spec.attention.beta;
    let log_r = beta * mt - 0.5 * beta * beta - ((n - 1) as f64).ln();
    Ok(1.0 / (1.0 + (-log_r).exp()))
}

/// The unmasked-softmax mode model (`Phi = X A^T`, base units): modes = the Gauss–Hermite nodes
/// of `T_ii`, `D1 = rho (n-1)/sqrt p`, `D2 = 1 - rho`, `S = -beta - 1/sqrt p`, `W^T`.
pub fn softmax_unmasked_model(spec: &ModelSpec, n: usize, p: usize) -> Result<ModeModel> {
    let beta = spec.attention.beta;
    let (a1, nu) = softmax_hermite(beta);
    let (mt, st) = diag_law(spec, p)?;
    let rule = crate::quadrature::gauss_hermite(UNMASKED_NODES)?;
    let nm1 = (n - 1) as f64;
    let sp = (p as f64).sqrt();
    let rho: Vec<f64> = rule
        .nodes
        .iter()
        .map(|&x| {
            let log_r = beta * (mt + st * x) - 0.5 * beta * beta - nm1.ln();
            1.0 / (1.0 + (-log_r).exp())
        })
        .collect();
    let k = rho.len();
    let mut g = Geometry::of(spec, 0)?;
    transpose_w(&mut g);
    Ok(ModeModel {
        c: p as f64 / n as f64,
        a1,
        w: rule.weights.clone(),
        pi: rule.weights.clone(),
        cz: vec![1.0; k],
        d1: rho.iter().map(|r| r * nm1 / sp).collect(),
        d2: rho.iter().map(|r| 1.0 - r).collect(),
        s: vec![-beta - 1.0 / sp; k],
        gprof: vec![((nu - a1 * a1).max(0.0), vec![1.0; k])],
        geometry: g,
    })
}

/// The skip-connection map `(a1, nu, s) -> (alpha a1, alpha^2 nu, 1 + alpha s)`: `I + alpha Kt`
/// is again of the form `a1' X^T W X/p + sigma' G/sqrt p + s' I`.
pub fn skip_params(base: &AttentionParams, alpha: f64) -> Result<AttentionParams> {
    crate::error::require_finite("attention.skip", alpha)?;
    AttentionParams::with_geometry(
        base.c,
        base.geometry.clone(),
        alpha * base.a1,
        alpha * alpha * base.nu,
        1.0 + alpha * base.s,
    )
}

/// The deterministic equivalent of `spec` at `dims`, or an error naming the key it has none
/// for ("no deterministic equivalent for ... yet; `simulate` runs it"). See the module docs for
/// what each variant maps to; `docs/variants.md` for the derivations.
pub fn equivalent(spec: &ModelSpec, dims: Dims) -> Result<Equivalent> {
    spec.validate()?;
    spec.require_supported("the deterministic equivalent (theory)")?;
    let c = dims.c()?;
    super::require_in_range(
        "c",
        c,
        super::C_RANGE,
        "the range where the deterministic equivalent's solver is trusted",
    )?;
    let rho = spec.tokens.ar1;
    let block = spec.label_block();
    let derived = |route, mapping: String| Equivalent {
        route,
        gamma_scale: 1.0,
        standing: Standing::Derived,
        mapping,
    };
    if rho != 0.0 && block > 1 {
        require_signs(spec, "labels in blocks")?;
    }
    if spec.kind == ModelKind::Ridge {
        let geometry = Geometry::of(spec, 0)?;
        if rho == 0.0 {
            let note = if block > 1 {
                " (iid tokens: the label blocks do not change the equivalent)"
            } else {
                ""
            };
            return Ok(derived(
                Route::Ridge { c, geometry },
                format!("ridge closed form{note}"),
            ));
        }
        let (n, _) = need_sizes(dims, "ridge on AR(1) tokens")?;
        let modes = ar1_modes(n, rho, block, false)?;
        let route = match geometry.rank_one_snr() {
            Some(snr) => Route::RidgeAr1 {
                c,
                snr,
                kappa: modes.kappa,
                pi: modes.pi,
            },
            None => {
                let mut m = equivalent_ar1_model(c, 0.0, 0.0, 0.0, &modes, geometry);
                m.d1 = vec![1.0; m.w.len()];
                m.d2 = vec![0.0; m.w.len()];
                Route::Modes(Box::new(m))
            }
        };
        return Ok(derived(
            route,
            format!("ridge on AR(1) tokens rho = {rho}, label blocks L = {block}, modes of C at n = {n}"),
        ));
    }
    if spec.heads.len() > 1 {
        // require_supported has refused every variant with several heads: iid tokens,
        // entry-wise kernels only
        return Ok(derived(
            Route::MultiHead(MultiHeadParams::from_spec(spec, c)?),
            format!(
                "{} entry-wise heads, {:?} (multi-head equivalent, docs/multihead.md)",
                spec.heads.len(),
                spec.attention.combine
            ),
        ));
    }
    let a = &spec.attention;
    if spec.is_softmax() {
        if rho != 0.0 {
            return Err(no_equivalent(
                "tokens.ar1",
                rho,
                "softmax attention on AR(1) tokens",
            ));
        }
        if let Some(al) = a.skip {
            return Err(no_equivalent(
                "attention.skip",
                al,
                "softmax attention with a skip connection",
            ));
        }
        require_signs(spec, "softmax attention")?;
        let (n, p) = need_sizes(dims, "softmax attention (gamma map, mask correction)")?;
        if n < 2 {
            return Err(Error::param("n", n, "softmax attention needs n >= 2"));
        }
        let scale = softmax_gamma_scale(n, p);
        let (a1, nu) = softmax_hermite(a.beta);
        if a.masked {
            let par = softmax_masked_params(spec, n, p, SoftmaxMap::default())?;
            return Ok(Equivalent {
                route: Route::Attention(par),
                gamma_scale: scale,
                standing: Standing::Derived,
                mapping: format!(
                    "masked softmax = entry-wise f_beta: a1 = beta = {a1}, nu = e^(beta^2) - 1 = {nu:.6}, \
                     s = -beta - 1/sqrt p, {}; gamma_base = gamma (n-1)^2/p = {scale:.6} gamma",
                    if a.softmax_side == SoftmaxSide::Transpose { "W^T" } else { "W" }
                ),
            });
        }
        if a.softmax_side == SoftmaxSide::Plain {
            return Err(no_equivalent(
                "attention.softmax_side",
                "plain",
                "the unmasked softmax with Phi = X A (the mode model covers Phi = X A^T)",
            ));
        }
        let m = softmax_unmasked_model(spec, n, p)?;
        return Ok(Equivalent {
            route: Route::Modes(Box::new(m)),
            gamma_scale: scale,
            standing: Standing::Derived,
            mapping: format!(
                "unmasked softmax = per-token skip (mode model, {UNMASKED_NODES} Gauss-Hermite nodes of T_ii; \
                 median diagonal weight {:.4}); gamma_base = {scale:.6} gamma",
                unmasked_median_diag(spec, n, p)?
            ),
        });
    }
    let base = AttentionParams::from_head(spec, c)?;
    if let Some(alpha) = spec.skip() {
        if rho != 0.0 {
            return Err(no_equivalent(
                "attention.skip",
                alpha,
                "a skip connection on AR(1) tokens",
            ));
        }
        let par = skip_params(&base, alpha)?;
        let mapping = format!(
            "skip: (a1, nu, s) = ({:.6}, {:.6}, {:.6}) -> (alpha a1, alpha^2 nu, 1 + alpha s) = ({:.6}, {:.6}, {:.6})",
            base.a1, base.nu, base.s, par.a1, par.nu, par.s
        );
        return Ok(derived(Route::Attention(par), mapping));
    }
    if rho != 0.0 {
        let (n, p) = need_sizes(dims, "attention on AR(1) tokens")?;
        let geometry = base.geometry.clone();
        if spec.kind == ModelKind::Equivalent {
            let modes = ar1_modes(n, rho, block, false)?;
            let m = equivalent_ar1_model(c, base.a1, base.nu, base.s, &modes, geometry);
            return Ok(derived(
                Route::Modes(Box::new(m)),
                format!("Gaussian-equivalent kernel on AR(1) tokens rho = {rho}, L = {block} (modes of C)"),
            ));
        }
        if spec.heads[0].diag != crate::model::Diag::Zero {
            return Err(no_equivalent(
                "diag",
                "literal",
                "attention on AR(1) tokens with the literal diagonal",
            ));
        }
        let act = spec.activation()?;
        let m = attention_ar1_model(act, n, p, rho, block, geometry)?;
        return Ok(Equivalent {
            route: Route::Modes(Box::new(m)),
            gamma_scale: 1.0,
            standing: Standing::Conjecture,
            mapping: format!(
                "CONJECTURE (docs/variants.md §4.2): attention on AR(1) tokens rho = {rho}, L = {block}: \
                 S = kappa - a1 C (finite-p mean kernel), C_m = C^(Hadamard m), m <= {}",
                super::correlated::CONJ_MMAX
            ),
        });
    }
    let note = if block > 1 {
        " (iid tokens: the label blocks do not change the equivalent)"
    } else {
        ""
    };
    Ok(derived(
        Route::Attention(base),
        format!("entry-wise attention pencil{note}"),
    ))
}
