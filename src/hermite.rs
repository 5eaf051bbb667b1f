//! Hermite coefficients in the orthonormal probabilists' basis `P_k = He_k / sqrt(k!)`
//! w.r.t. `xi ~ N(0,1)` (docs/hermite.md).
//!
//! `a_k = E[f(xi) P_k(xi)]`, `mean = a_0`, `nu = E[(f(xi) - mean)^2] = sum_{k>=1} a_k^2`
//! (Parseval), `sigma2 = nu - a_1^2`. `P_k` comes from the stable three-term recurrence
//! `P_{k+1} = (x P_k - sqrt(k) P_{k-1}) / sqrt(k+1)`, `P_0 = 1`, `P_1 = x`.
//!
//! Method:
//! * `f` is integrated as `S (f / S)` with `S` a power of two near `rms f` (`S = 1` when
//!   `rms f` is in `[1/4, 4]`, as for every built-in): multiplying by `S` is exact, so `c f`
//!   gives `c a_k` (exactly for powers of two), and every threshold below is relative.
//! * smooth `f` (no break points): Gauss–Hermite ([`crate::quadrature::gauss_hermite`]) at orders
//!   `N` and `2N` (`N = 60, 120, 240`, then 400), error estimate `|Q_N - Q_{2N}|` per number,
//!   stopping once it is below 1e-13 or stops improving (the `a_k` errors relative to
//!   `max(1, rms f/S)`, the `nu` error relative to its square: `nu` is in units of `f^2`).
//!   If it ends above 1e-12 (poles close to the real axis slow Gauss–Hermite down), the
//!   piecewise rule below is tried too and the result with the smaller estimate is kept.
//! * kinked `f` (non-empty [`Activation::breakpoints`]) or a tail reaching beyond `|x| = 40`:
//!   tanh-sinh on `[-L, L]` split at the break points
//!   ([`crate::quadrature::integrate_chunked`]), twice, with chunks of width 1 and 0.7
//!   (different nodes); the error estimate is the integrator's plus the difference. Where
//!   `f` overflows or the Gaussian weight underflows, the integrand is formed in
//!   log-magnitude arithmetic ([`crate::expr::LogAbs`]), so `exp(x^2/4.1)` (`L = 80`) works.
//!
//! `nu` is computed directly as `E[(f - mean)^2]`, not from the truncated sum, and
//! `parseval_residual = nu - sum_{k=1..K} a_k^2` (>= 0 up to rounding: the tail of the series)
//! is reported.
//!
//! **Integrable singularities** (a deliberate choice, README "Bad input"): `f` may be
//! infinite at its *break points* — zeros of the arguments of `abs`/`sign`, crossings of
//! `max`/`min` — where the quadrature splits anyway: `log(abs(x))`, `abs(x)^(-0.4)`,
//! `log(abs(x - 0.00013))`. Next to such a point the rule substitutes `x = b + w u^8`
//! ([`crate::quadrature::SINGULAR_POWER`]). Accepted when `f(x)^2 ~ |x - b|^-a` with
//! `a <` [`MAX_SINGULAR_EXPONENT`] (measured from `f` at `b +- 1e-12, 1e-14`) and the mass
//! of `f^2` within 8 ulps of `b` — which doubles cannot resolve — is below
//! [`UNRESOLVED_MASS`] (so `abs(x)^(-0.4)` is accepted, `abs(x - 0.00013)^(-0.4)` is not:
//! ~1e-4 of `E f^2` lies closer to `b` than the spacing of doubles there). A singularity
//! anywhere else (`1/x`, `(x^2)^(-0.2)`) is refused as "not finite": write it with `abs`.
//!
//! Rejected (each a one-line error):
//! * `f` NaN anywhere sampled, or infinite on `[-12, 12]` away from break points;
//! * `f` not square-integrable under `N(0,1)`: `ln(f(x)^2 phi(x))` is sampled in log-magnitude
//!   arithmetic (no overflow) on `12 < |x| <= 100` and geometrically up to `|x| = 1e150`, and
//!   must stay below `ln 1e-30` (for `f / S`) beyond `|x| = 100`: `exp(x^2/4)`,
//!   `exp(x^2/3 - 50 |x|)` (which only grows again beyond 600) are refused; a tail that is
//!   square-integrable but not negligible at 100 (`exp(x^2/4.01)`) is refused as too heavy
//!   for the quadrature range, with that reason;
//! * singularities as above;
//! * **catastrophic cancellation**: removing the mean loses `log10(rms f / sqrt(nu))` of the
//!   16 digits of `f(x)`; more than [`MAX_DIGITS_LOST`] is refused (`1e20 + x` loses 20), and
//!   from one digit on the rounding level `eps rms f` is folded into every error estimate and
//!   the number of digits lost is reported. An expression without `x` is *constant*:
//!   `a_0 = f`, everything else exactly 0 (`pi^100`); one with `x` that still gives the same
//!   number at every sampled point has lost its variation to rounding (`1e20 + x`) and is
//!   refused;
//! * an error estimate above [`QUAD_FAIL`] of `max(1, rms f/S)` (e.g. `tan(x)`), a negative
//!   `sigma2` beyond its error estimate, `order > MAX_ORDER`, and a computation that exceeds
//!   its time budget ([`DEFAULT_TIME_LIMIT`], [`hermite_coeffs_within`]).
//!
//! [`closed_form`] gives the known exact values for the built-ins (docs/hermite.md table, plus
//! leaky-relu, abs, and what parity/Stein's lemma give for gelu, silu, softplus, sigmoid, tanh).

use crate::activation::{Activation, Builtin, Kind};
use crate::error::{fmt_num, Deadline, Error, Result};
use crate::expr::LogAbs;
use crate::format::sci;
use crate::quadrature::{gauss_hermite, integrate_chunked, INV_SQRT_2PI, SINGULAR_POWER};
use serde::Serialize;
use std::f64::consts::{PI, SQRT_2};

/// Largest supported order `K` (coefficients `a_0..a_K`).
pub const MAX_ORDER: usize = 200;

/// Time budget of [`hermite_coeffs`], wall-clock seconds. The slowest input within the limits
/// (1000 characters, 200 kinks, order 200) takes ~5-10 s of CPU; 60 s leaves room for a
/// machine shared by several builds, and turns a pathological input into an error, not a hang.
pub const DEFAULT_TIME_LIMIT: f64 = 60.0;

/// Target of the Gauss–Hermite doubling: stop once `|Q_N - Q_2N| < 1e-13` (relative to
/// `max(1, rms f/S)`, squared for `nu`; an order of magnitude below the 1e-12 target of issue 2).
const GH_TARGET: f64 = 1e-13;

/// Gauss–Hermite orders tried, in pairs (N, next).
const GH_ORDERS: [usize; 4] = [60, 120, 240, 400];

/// Absolute target of the tanh-sinh passes (per integral). The crate's rule reaches about
/// 1e-14 relative per piece at best (see `quadrature`), so asking for less is pointless.
const TS_TARGET: f64 = 1e-14;

/// Chunk widths of the two tanh-sinh passes: different node sets, so that their difference is
/// an error estimate independent of the integrator's own (which can be optimistic).
const TS_CHUNKS: [f64; 2] = [1.0, 0.7];

/// Tail threshold: `(f(x)/S)^2 phi(x)` must be below this beyond `|x| = 100` (square
/// integrability), and the piecewise rule's half-width `L` is the smallest of
/// [`HALF_WIDTHS`] beyond which it stays below this (so the neglected tail mass is ~1e-30).
const TAIL_NEGLIGIBLE: f64 = 1e-30;

/// Error estimate (the `a_k` relative to `max(1, rms f/S)`, `nu` relative to its square)
/// above which the quadrature is declared failed rather than reported (e.g. `tan(x)`, whose
/// poles make `f` non-square-integrable).
pub const QUAD_FAIL: f64 = 1e-6;

/// Candidate half-widths `L` of the piecewise rule (beyond 40, only tanh-sinh is used).
const HALF_WIDTHS: [f64; 10] = [12.0, 16.0, 20.0, 24.0, 32.0, 40.0, 48.0, 64.0, 80.0, 100.0];

/// Most significant digits that centring may cost (`log10(rms f / sqrt(nu))`): beyond 8, fewer
/// than 8 of the 16 digits of `f(x)` remain in the centred `f`, far from the 1e-10 target.
pub const MAX_DIGITS_LOST: f64 = 8.0;

/// Rounding level of a quadrature sum of `f`, in units of `eps rms f`: a few ulps per
/// evaluation of `f` (which carries them from its own arithmetic) plus the summation.
const ROUNDING_FACTOR: f64 = 16.0;

/// Largest exponent `a` of an integrable singularity `f^2 ~ |x - b|^-a` at a break point:
/// with [`SINGULAR_POWER`] = 8 the tanh-sinh nodes reach `|x - b| ~ 1e-107`, leaving
/// `~ (1e-107)^(1-a)/(1-a)` of the mass out: 1e-10 at `a = 0.9`.
pub const MAX_SINGULAR_EXPONENT: f64 = 0.9;

/// Largest mass of `(f/S)^2` (i.e. relative to `E f^2 ~ S^2`) allowed within 8 ulps of a
/// singular break point, where `x` cannot be represented closer to `b`: the 1e-10 target.
pub const UNRESOLVED_MASS: f64 = 1e-10;

/// Hermite data of an activation.
#[derive(Clone, Debug, Serialize)]
pub struct HermiteCoeffs {
    /// Activation name.
    pub activation: String,
    /// `E f(xi)` of the raw `f` (= `a[0]`), removed by centring.
    pub mean: f64,
    /// `a_0 .. a_K` of the raw `f`.
    pub a: Vec<f64>,
    /// `a_1 = E[xi f(xi)]`.
    pub a1: f64,
    /// `a_2 = E[(xi^2 - 1) f(xi)] / sqrt 2`.
    pub a2: f64,
    /// `nu = E[(f - mean)^2]`.
    pub nu: f64,
    /// `nu - a1^2`.
    pub sigma2: f64,
    /// Largest error estimate over the reported numbers.
    pub error_estimate: f64,
    /// Error estimate of each `a_k`.
    pub errors: Vec<f64>,
    /// Error estimate of `nu`.
    pub nu_error: f64,
    /// `nu - sum_{k=1..K} a_k^2`: the Parseval tail beyond `K` (plus quadrature error).
    pub parseval_residual: f64,
    /// The largest error estimate relative to the number's unit: the `a_k` errors over
    /// `max(1, rms f/S) S` and the `nu` error over its square (`S` as in the module docs);
    /// compare with the 1e-10 target.
    pub relative_error: f64,
    /// Significant digits of `f(x)` lost by removing the mean, `log10(rms f / sqrt(nu))`, when
    /// at least 1 (then included in the error estimates); 0 otherwise.
    pub digits_lost: f64,
    /// How the numbers were computed (e.g. `"Gauss-Hermite N=120 vs 240"`).
    pub method: String,
}

/// Exact values known in closed form (docs/hermite.md table and derivations in [`closed_form`]);
/// `None` where only numerics are available.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct ClosedForm {
    /// `E f(xi)` of the raw `f`.
    pub mean: Option<f64>,
    /// `a_1`.
    pub a1: Option<f64>,
    /// `a_2`.
    pub a2: Option<f64>,
    /// `nu = E[(f - mean)^2]`.
    pub nu: Option<f64>,
}

/// Closed forms for the built-ins, `None` for expressions.
///
/// * linear: `0, 1, 0, 1`; quad `x^2-1`: `0, 0, sqrt 2, 2`.
/// * relu: `1/sqrt(2 pi)`, `1/2`, `1/(2 sqrt pi)`, `1/2 - 1/(2 pi)`.
/// * leaky-relu `alpha` = `(1-alpha) relu + alpha x`: mean `(1-alpha)/sqrt(2 pi)`,
///   `a1 = (1+alpha)/2`, `a2 = (1-alpha)/(2 sqrt pi)`, `nu = (1+alpha^2)/2 - mean^2`.
/// * abs: `sqrt(2/pi)`, `0`, `1/sqrt pi` (`(E|xi|^3 - E|xi|)/sqrt 2`), `1 - 2/pi`.
/// * sign: `0`, `sqrt(2/pi)`, `0`, `1`.
/// * erf: `0`, `2/sqrt(3 pi)`, `0`, `(2/pi) asin(2/3)`.
/// * sin: `0`, `e^{-1/2}`, `0`, `(1 - e^{-2})/2`; cos: `e^{-1/2}`, `0`, `-e^{-1/2}/sqrt 2`,
///   `(1 + e^{-2})/2 - e^{-1}`.
/// * gelu `x Phi(x)`: mean `E phi(xi) = 1/(2 sqrt pi)`; Stein: `a1 = E[Phi + x phi] = 1/2`,
///   `a2 = E[g'']/sqrt 2 = (2 E phi - E[xi^2 phi])/sqrt 2 = 3/(4 sqrt(2 pi))`; `nu` numeric.
/// * silu, softplus: `f - x/2` is even, so `a1 = 1/2`; rest numeric.
/// * sigmoid: `f - 1/2` is odd, so mean `1/2`, `a2 = 0`; `a1`, `nu` numeric.
/// * tanh: odd, so mean `0`, `a2 = 0`; `a1`, `nu` numeric (Stein gives `a1 = 1 - nu`).
/// * elu `alpha` (`x` for `x > 0`, `alpha (e^x - 1)` else), with `E[e^xi; xi<0] = e^{1/2} Phi(-1)`,
///   `E[e^{2 xi}; xi<0] = e^2 Phi(-2)`: mean `1/sqrt(2 pi) + alpha (e^{1/2} Phi(-1) - 1/2)`;
///   Stein: `a1 = E f' = 1/2 + alpha e^{1/2} Phi(-1)`, `a2 = E f''/sqrt 2` with
///   `f'' = alpha e^x 1{x<0} + (1 - alpha) delta_0`, i.e.
///   `(alpha e^{1/2} Phi(-1) + (1-alpha)/sqrt(2 pi))/sqrt 2`;
///   `nu = 1/2 + alpha^2 (e^2 Phi(-2) - 2 e^{1/2} Phi(-1) + 1/2) - mean^2`.
pub fn closed_form(act: &Activation) -> Option<ClosedForm> {
    let Kind::Builtin(b) = act.kind() else {
        return None;
    };
    let s2pi = (2.0 * PI).sqrt();
    let sp = PI.sqrt();
    let em = (-0.5f64).exp();
    let cf = |mean, a1, a2, nu| ClosedForm { mean, a1, a2, nu };
    Some(match *b {
        Builtin::Linear => cf(Some(0.0), Some(1.0), Some(0.0), Some(1.0)),
        Builtin::Quad => cf(Some(0.0), Some(0.0), Some(SQRT_2), Some(2.0)),
        Builtin::Relu => cf(
            Some(1.0 / s2pi),
            Some(0.5),
            Some(0.5 / sp),
            Some(0.5 - 0.5 / PI),
        ),
        Builtin::LeakyRelu(al) => {
            let mean = (1.0 - al) / s2pi;
            cf(
                Some(mean),
                Some(0.5 * (1.0 + al)),
                Some((1.0 - al) / (2.0 * sp)),
                Some(0.5 * (1.0 + al * al) - mean * mean),
            )
        }
        Builtin::Abs => cf(
            Some((2.0 / PI).sqrt()),
            Some(0.0),
            Some(1.0 / sp),
            Some(1.0 - 2.0 / PI),
        ),
        Builtin::Sign => cf(Some(0.0), Some((2.0 / PI).sqrt()), Some(0.0), Some(1.0)),
        Builtin::Erf => cf(
            Some(0.0),
            Some(2.0 / (3.0 * PI).sqrt()),
            Some(0.0),
            Some(2.0 / PI * (2.0f64 / 3.0).asin()),
        ),
        Builtin::Sin => cf(
            Some(0.0),
            Some(em),
            Some(0.0),
            Some(0.5 * (1.0 - (-2.0f64).exp())),
        ),
        Builtin::Cos => cf(
            Some(em),
            Some(0.0),
            Some(-em / SQRT_2),
            Some(0.5 * (1.0 + (-2.0f64).exp()) - (-1.0f64).exp()),
        ),
        Builtin::Gelu => cf(Some(0.5 / sp), Some(0.5), Some(3.0 / (4.0 * s2pi)), None),
        Builtin::Silu | Builtin::Softplus => cf(None, Some(0.5), None, None),
        Builtin::Sigmoid => cf(Some(0.5), None, Some(0.0), None),
        Builtin::Tanh => cf(Some(0.0), None, Some(0.0), None),
        Builtin::Elu(al) => {
            // Phi(-1), Phi(-2) via erfc (libm: ~1 ulp).
            let c1 = 0.5 * libm::erfc(1.0 / SQRT_2);
            let c2 = 0.5 * libm::erfc(2.0 / SQRT_2);
            let e1 = 0.5f64.exp() * c1; // E[e^xi; xi < 0]
            let mean = 1.0 / s2pi + al * (e1 - 0.5);
            let ef2 = 0.5 + al * al * ((2.0f64).exp() * c2 - 2.0 * e1 + 0.5);
            cf(
                Some(mean),
                Some(0.5 + al * e1),
                Some((al * e1 + (1.0 - al) / s2pi) / SQRT_2),
                Some(ef2 - mean * mean),
            )
        }
    })
}

/// Orthonormal Hermite values `P_0(x)..P_k(x)` into `out` (length `k+1`).
#[inline]
pub fn hermite_values(x: f64, out: &mut [f64]) {
    let (mut p0, mut p1) = (0.0, 1.0); // P_{-1}, P_0
    for (k, o) in out.iter_mut().enumerate() {
        *o = p1;
        let p2 = (x * p1 - (k as f64).sqrt() * p0) / ((k + 1) as f64).sqrt();
        p0 = p1;
        p1 = p2;
    }
}

fn not_finite(act: &Activation, x: f64, v: f64) -> Error {
    Error::Activation {
        name: act.name().into(),
        reason: format!(
            "f(x) = {v} at x = {} (f must be finite on the real line, except for integrable \
             singularities at the kinks of abs/sign/max/min, e.g. log(abs(x)))",
            fmt_num(x)
        ),
    }
}

/// `ln(1e-30)`: [`TAIL_NEGLIGIBLE`] in logarithms.
fn ln_tail_negligible() -> f64 {
    TAIL_NEGLIGIBLE.ln()
}

/// `b` with at most 6 decimals and no trailing zeros (`0.00013`, `-1.414214`, `0`).
fn short(b: f64) -> String {
    let s = format!("{b:.6}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" || s.is_empty() {
        "0".into()
    } else {
        s.into()
    }
}

/// `exp(l)` for a message: `3.2e-7`, or `exp(1.5e6)` when it does not fit in a double.
fn fmt_ln(l: f64) -> String {
    if l.abs() < 700.0 {
        sci(l.exp(), 2)
    } else {
        format!("exp({})", sci(l, 3))
    }
}

/// `ln sqrt(2 pi)`.
const LN_SQRT_2PI: f64 = 0.918_938_533_204_672_8;

/// What the admissibility scan found: how to integrate `f`.
struct Plan {
    /// `f` is computed as `S * (f / S)` with `S` a power of two near `rms f` (1 when
    /// `rms f` is in `[1/4, 4]`): results are exactly scale-covariant under powers of two,
    /// and every threshold applies to `f / S`, so `c f` gives `c a_k`.
    scale: f64,
    /// Half-width `L` of the piecewise rule.
    half_width: f64,
    /// Break points (kinks) of `f`.
    breaks: Vec<f64>,
    /// The break points at which `f` is unbounded (integrable singularities).
    singular: Vec<f64>,
    /// `Some(c)` when `f(x) = c` at every sampled point.
    constant: Option<f64>,
}

/// Whether `x` occurs in the activation (every built-in depends on it).
fn act_depends_on_x(act: &Activation) -> bool {
    match act.kind() {
        Kind::Builtin(_) => true,
        Kind::Expr(e) => e.root().depends_on_x(),
    }
}

/// Tail samples: `12 < |x| <= 100` with step 0.25, then geometric (ratio 1.1) up to 1e150.
fn tail_points() -> Vec<f64> {
    let mut t: Vec<f64> = (1..=352).map(|i| 12.0 + 0.25 * i as f64).collect();
    let mut x = 100.0 * 1.1;
    while x <= 1e150 {
        t.push(x);
        x *= 1.1;
    }
    t
}

/// Admissibility of `f` under `N(0,1)` and the quadrature plan (module docs, "Rejected").
fn admissibility(act: &Activation, deadline: &Deadline) -> Result<Plan> {
    let breaks = act.breakpoints();
    let near_break = |x: f64| {
        breaks
            .iter()
            .any(|&b| (x - b).abs() <= 1e-9 * (1.0 + b.abs()))
    };
    // Grid step 1e-3 on [-12, 12]: catches NaN regions (log, sqrt of negatives) of width > 1e-3.
    let m = 24_000;
    let dx = 24.0 / m as f64;
    let mut first: Option<f64> = None;
    let mut constant = true;
    let mut grid = Vec::with_capacity(m + 1);
    for i in 0..=m {
        let x = -12.0 + 24.0 * i as f64 / m as f64;
        let v = act.eval(x);
        if !v.is_finite() {
            // At a break point itself any value is allowed (`sign(x)*abs(x)^(-0.3)` is NaN
            // there): the quadrature never evaluates it.
            if !near_break(x) {
                return Err(not_finite(act, x, v));
            }
            constant = false;
            continue;
        }
        match first {
            None => first = Some(v),
            Some(f0) => constant &= f0.to_bits() == v.to_bits(),
        }
        grid.push((x, v));
    }
    deadline.check("the admissibility scan of the activation")?;
    // Riemann sum of f^2 phi, computed for f / max|f| so that neither 1e-300 x nor 1e300 x
    // under- or overflows.
    let vmax = grid.iter().fold(0.0f64, |m, &(_, v)| m.max(v.abs()));
    let rms = if vmax > 0.0 {
        let mass: f64 = grid
            .iter()
            .map(|&(x, v)| (v / vmax).powi(2) * (-0.5 * x * x).exp() * INV_SQRT_2PI * dx)
            .sum();
        vmax * mass.sqrt()
    } else {
        0.0
    };
    let scale = if rms.is_finite() && rms > 0.0 && !(0.25..=4.0).contains(&rms) {
        2f64.powi(rms.log2().round().clamp(-1000.0, 1000.0) as i32)
    } else {
        1.0
    };
    let ln_scale = scale.ln();
    // Tails in log-magnitude form (no overflow): ln(f(x)^2 phi(x)) for f / S.
    let tails = tail_points();
    let mut ln_h = Vec::with_capacity(2 * tails.len());
    for &t in &tails {
        for x in [t, -t] {
            let l = act.eval_log(x);
            if l.is_nan() {
                return Err(not_finite(act, x, f64::NAN));
            }
            // Constant on [-100, 100] (beyond, the Gaussian mass is < e^-5000).
            if constant && t <= 100.0 {
                constant = first.is_some_and(|f0| f0.to_bits() == act.eval(x).to_bits());
            }
            let v = if l.sign == 0.0 {
                f64::NEG_INFINITY
            } else {
                2.0 * (l.ln - ln_scale) - 0.5 * x * x - LN_SQRT_2PI
            };
            ln_h.push((t, x, v));
        }
    }
    deadline.check("the admissibility scan of the activation")?;
    let neg = ln_tail_negligible();
    // Square integrability: the samples beyond the largest half-width must be negligible.
    let l_max = HALF_WIDTHS[HALF_WIDTHS.len() - 1];
    if let Some(&(_, x, v)) = ln_h
        .iter()
        .find(|(t, _, v)| *t > l_max && v.partial_cmp(&neg) != Some(std::cmp::Ordering::Less))
    {
        // Decaying far out (the outermost samples are negligible): heavy but integrable.
        let far_ok = ln_h
            .iter()
            .filter(|(t, _, _)| *t >= 1e6)
            .all(|(_, _, v)| *v < neg);
        let size = fmt_ln(v);
        let reason = if far_ok {
            format!(
                "f(x)^2 phi(x) = {size} at x = {} is not yet negligible (f is square-integrable \
                 as far as sampled, but its tail reaches beyond |x| = {l_max}, the widest \
                 quadrature range; need f(x)^2 phi(x) < {TAIL_NEGLIGIBLE:.0e} E f^2 there)",
                sci(x, 3)
            )
        } else {
            format!(
                "not square-integrable under N(0,1): f(x)^2 phi(x) = {size} at x = {} does not \
                 decay (sampled in log-magnitude arithmetic up to |x| = 1e150)",
                sci(x, 3)
            )
        };
        return Err(Error::Activation {
            name: act.name().into(),
            reason,
        });
    }
    if constant && act_depends_on_x(act) {
        let c = first.unwrap_or(f64::NAN);
        return Err(Error::Activation {
            name: act.name().into(),
            reason: format!(
                "catastrophic cancellation: f(x) = {} at every sampled x although the \
                 expression depends on x, so its variation is below the rounding of double \
                 precision (or cancels exactly, as in x - x): subtract the constant from the \
                 expression, or write a constant without x",
                sci(c, 6)
            ),
        });
    }
    if constant {
        return Ok(Plan {
            scale: 1.0,
            half_width: HALF_WIDTHS[0],
            breaks,
            singular: vec![],
            constant: first,
        });
    }
    let mut max_beyond = [f64::NEG_INFINITY; HALF_WIDTHS.len()];
    for &(t, _, v) in &ln_h {
        for (j, &l) in HALF_WIDTHS.iter().enumerate() {
            if t >= l {
                max_beyond[j] = max_beyond[j].max(v);
            }
        }
    }
    let j = max_beyond
        .iter()
        .position(|&m| m < neg)
        .unwrap_or(HALF_WIDTHS.len() - 1);
    let singular = singular_breaks(act, &breaks, scale)?;
    Ok(Plan {
        scale,
        half_width: HALF_WIDTHS[j],
        breaks,
        singular,
        constant: None,
    })
}

/// The break points where `f` is unbounded, after checking that each singularity is
/// integrable enough for the quadrature: `f(x)^2 ~ |x - b|^-a` with `a <` [`MAX_SINGULAR_EXPONENT`],
/// estimated from `h f(b +- h)^2` at `h = 1e-12, 1e-14`, and the mass within 8 ulps of `b` (which
/// double precision cannot resolve: `b + h` rounds to `b`) below [`UNRESOLVED_MASS`].
fn singular_breaks(act: &Activation, breaks: &[f64], scale: f64) -> Result<Vec<f64>> {
    let mut out = Vec::new();
    let hs = [1e-6, 1e-8, 1e-10, 1e-12, 1e-14];
    for &b in breaks {
        let mut singular = false;
        for dir in [-1.0, 1.0] {
            let vals: Vec<f64> = hs
                .iter()
                .map(|&h| (act.eval(b + dir * h) / scale).abs())
                .collect();
            if let Some(k) = vals.iter().position(|v| !v.is_finite()) {
                let x = b + dir * hs[k];
                return Err(not_finite(act, x, act.eval(x)));
            }
            let grows = vals.windows(2).all(|w| w[1] > w[0]) && vals[4] - vals[0] > 0.5;
            if !grows {
                continue;
            }
            singular = true;
            let q = |h: f64, v: f64| h * v * v;
            let (q12, q14) = (q(hs[3], vals[3]), q(hs[4], vals[4]));
            let a = 1.0 - (q12 / q14).ln() / (hs[3] / hs[4]).ln();
            let at = short(b);
            let dist = if b == 0.0 {
                "|x|".to_string()
            } else {
                format!("|x - {at}|")
            };
            if a >= 1.0 {
                return Err(Error::Activation {
                    name: act.name().into(),
                    reason: format!(
                        "not square-integrable under N(0,1): near its break point x = {at}, \
                         f(x)^2 grows like {dist}^-{a:.2} (an exponent >= 1)"
                    ),
                });
            }
            if a >= MAX_SINGULAR_EXPONENT {
                return Err(Error::Activation {
                    name: act.name().into(),
                    reason: format!(
                        "near its break point x = {at}, f(x)^2 grows like {dist}^-{a:.2}: \
                         square-integrable, but the quadrature supports singularities with \
                         exponent < {MAX_SINGULAR_EXPONENT} only (e.g. abs(x)^(-0.4), log(abs(x)))"
                    ),
                });
            }
            // Mass of f^2 within 8 ulps of b, ~ delta f(b + delta)^2 / (1 - a): there the
            // nodes round onto b (skipped) or onto a neighbouring double.
            let ulp = f64::from_bits(b.abs().to_bits() + 1) - b.abs();
            let delta = 8.0 * ulp;
            let v = (act.eval(b + dir * delta) / scale).abs();
            let lost = delta * v * v / (1.0 - a);
            if lost.is_nan() || lost >= UNRESOLVED_MASS {
                return Err(Error::Activation {
                    name: act.name().into(),
                    reason: format!(
                        "the singularity at its break point x = {at} cannot be resolved in double \
                         precision: within 8 ulps of it ({dist} < {}) f(x)^2 carries about \
                         {} of E f^2 (singularities are resolved where the spacing of doubles is \
                         fine enough, e.g. at x = 0)",
                        sci(delta, 2),
                        sci(lost, 2),
                    ),
                });
            }
        }
        if singular {
            out.push(b);
        }
    }
    Ok(out)
}

/// Raw result of one quadrature pass (for `f / S`): `a_0..a_K`, `nu`, per-number errors.
struct Pass {
    a: Vec<f64>,
    nu: f64,
    errors: Vec<f64>,
    nu_error: f64,
    method: String,
}

/// `f / S` at `x`.
fn scaled(act: &Activation, inv_scale: f64) -> impl Fn(f64) -> f64 + '_ {
    move |x| act.eval(x) * inv_scale
}

fn gh_pass(act: &Activation, inv_scale: f64, k_max: usize, n: usize) -> Result<(Vec<f64>, f64)> {
    let rule = gauss_hermite(n)?;
    let f = scaled(act, inv_scale);
    let mut a = vec![0.0; k_max + 1];
    let mut p = vec![0.0; k_max + 1];
    let mut fv = Vec::with_capacity(n);
    for (&x, &w) in rule.nodes.iter().zip(&rule.weights) {
        if w == 0.0 {
            fv.push(0.0);
            continue;
        }
        let v = f(x);
        if !v.is_finite() {
            return Err(not_finite(act, x, act.eval(x)));
        }
        fv.push(v);
        hermite_values(x, &mut p);
        for (ak, pk) in a.iter_mut().zip(&p) {
            *ak += w * v * pk;
        }
    }
    let mean = a[0];
    let nu = rule
        .weights
        .iter()
        .zip(&fv)
        .map(|(&w, &v)| {
            if w == 0.0 {
                0.0
            } else {
                w * (v - mean) * (v - mean)
            }
        })
        .sum();
    Ok((a, nu))
}

/// The larger of the `a_k` errors relative to `scale` and the `nu` error relative to
/// `scale^2` (`nu` is in units of `f^2`, the `a_k` in units of `f`).
fn worst_rel(p: &Pass, scale: f64) -> f64 {
    let a = p.errors.iter().copied().fold(0.0, f64::max) / scale;
    a.max(p.nu_error / (scale * scale))
}

/// `max(1, rms)` of a pass's `f / S`: the unit of its error tests (`S` makes it O(1)).
fn unit_of(a0: f64, nu: f64) -> f64 {
    nu.max(a0 * a0).sqrt().max(1.0)
}

fn gauss_hermite_pass(
    act: &Activation,
    inv_scale: f64,
    k_max: usize,
    deadline: &Deadline,
) -> Result<Pass> {
    // Need N comfortably above K: f P_k is a polynomial of degree deg f + k, exact if <= 2N-1.
    let orders: Vec<usize> = GH_ORDERS
        .iter()
        .copied()
        .filter(|&n| n >= k_max + 40 || n == 400)
        .collect();
    let mut prev = gh_pass(act, inv_scale, k_max, orders[0])?;
    let mut best: Option<Pass> = None;
    for w in orders.windows(2) {
        deadline.check("the Gauss-Hermite quadrature")?;
        let cur = gh_pass(act, inv_scale, k_max, w[1])?;
        let errors: Vec<f64> = cur
            .0
            .iter()
            .zip(&prev.0)
            .map(|(a, b)| (a - b).abs())
            .collect();
        let nu_error = (cur.1 - prev.1).abs();
        let scale = unit_of(cur.0[0], cur.1);
        let pass = Pass {
            a: cur.0.clone(),
            nu: cur.1,
            errors,
            nu_error,
            method: format!("Gauss-Hermite N={} vs {}", w[0], w[1]),
        };
        let worst = worst_rel(&pass, scale);
        let best_worst = best.as_ref().map_or(f64::INFINITY, |b| worst_rel(b, scale));
        if worst < best_worst {
            best = Some(pass);
        } else {
            break; // stopped improving
        }
        if worst < GH_TARGET {
            break;
        }
        prev = cur;
    }
    best.ok_or_else(|| Error::Quadrature {
        detail: "Gauss-Hermite: no order pair".into(),
    })
}

fn piecewise_pass(
    act: &Activation,
    plan: &Plan,
    k_max: usize,
    deadline: &Deadline,
) -> Result<Pass> {
    let inv_scale = 1.0 / plan.scale;
    let ln_scale = plan.scale.ln();
    let (breaks, half_width) = (&plan.breaks, plan.half_width);
    let bad = std::cell::Cell::new(None::<(f64, f64)>);
    // Every coefficient is integrated on the same tanh-sinh nodes (per chunk width), so f is
    // evaluated once per node, not once per node and coefficient: for a 1000-character
    // expression at order 200 that is the difference between minutes and a second.
    let cache = std::cell::RefCell::new(std::collections::HashMap::<u64, f64>::new());
    let f = |x: f64| {
        if let Some(&v) = cache.borrow().get(&x.to_bits()) {
            return v;
        }
        let v = act.eval(x) * inv_scale;
        cache.borrow_mut().insert(x.to_bits(), v);
        v
    };
    // f / S in log-magnitude form, where f overflows or the Gaussian weight underflows.
    let f_log = |x: f64| {
        let l = act.eval_log(x);
        if l.is_nan() && bad.get().is_none() {
            bad.set(Some((x, f64::NAN)));
        }
        LogAbs {
            ln: l.ln - ln_scale,
            ..l
        }
    };
    let from_log = |l: LogAbs, extra_ln: f64, x: f64| {
        if l.sign == 0.0 || l.is_nan() {
            0.0
        } else {
            l.sign * (l.ln + extra_ln - 0.5 * x * x - LN_SQRT_2PI).exp()
        }
    };
    let integrate = |h: &dyn Fn(f64) -> f64| -> Result<(f64, f64)> {
        let pass = |chunk: f64| {
            integrate_chunked(
                h,
                breaks,
                &plan.singular,
                half_width,
                TS_TARGET,
                chunk,
                deadline,
            )
        };
        let p = pass(TS_CHUNKS[0])?;
        let q = pass(TS_CHUNKS[1])?;
        Ok((p.value, p.error.max(q.error) + (p.value - q.value).abs()))
    };
    let mut a = Vec::with_capacity(k_max + 1);
    let mut errors = Vec::with_capacity(k_max + 1);
    for k in 0..=k_max {
        // Same arithmetic as `gaussian_expectation_chunked(f * P_k)` where f and the weight
        // are representable; the log form beyond.
        let (v, e) = integrate(&|x| {
            let fx = f(x);
            let w = (-0.5 * x * x).exp();
            let pkx = pk(x, k);
            let g = fx * pkx;
            if g.is_finite() && w > 0.0 {
                g * w * INV_SQRT_2PI
            } else {
                let l = f_log(x);
                from_log(l, pkx.abs().ln(), x) * pkx.signum()
            }
        })?;
        a.push(v);
        errors.push(e);
    }
    let mean = a[0];
    let (nu, nu_error) = integrate(&|x| {
        let d = f(x) - mean;
        let w = (-0.5 * x * x).exp();
        let dd = d * d;
        if dd.is_finite() && w > 0.0 {
            dd * w * INV_SQRT_2PI
        } else {
            let l = f_log(x);
            let d = LogAbs::from_f64(-mean).plus(l);
            from_log(
                LogAbs {
                    sign: d.sign * d.sign,
                    ln: 2.0 * d.ln,
                },
                0.0,
                x,
            )
        }
    })?;
    if let Some((x, v)) = bad.get() {
        return Err(not_finite(act, x, v));
    }
    let singular = if plan.singular.is_empty() {
        String::new()
    } else {
        format!(
            " ({} singular, substitution x = b + w u^{SINGULAR_POWER})",
            plan.singular.len()
        )
    };
    Ok(Pass {
        a,
        nu,
        errors,
        nu_error,
        method: format!(
            "tanh-sinh on [-{half_width}, {half_width}] split at {} break point(s){singular}, \
             chunks {} vs {}",
            breaks.len(),
            TS_CHUNKS[0],
            TS_CHUNKS[1]
        ),
    })
}

/// `P_k(x)` by the recurrence (no allocation).
#[inline]
pub fn pk(x: f64, k: usize) -> f64 {
    let (mut p0, mut p1) = (0.0, 1.0);
    for j in 0..k {
        let p2 = (x * p1 - (j as f64).sqrt() * p0) / ((j + 1) as f64).sqrt();
        p0 = p1;
        p1 = p2;
    }
    p1
}

/// Hermite coefficients `a_0..a_order` of `f`, with `nu` and error estimates
/// (`order <= MAX_ORDER`), within the default time budget [`DEFAULT_TIME_LIMIT`].
///
/// ```
/// let relu = rmt_verify::Activation::parse("relu").unwrap();
/// let h = rmt_verify::hermite_coeffs(&relu, 4).unwrap();
/// assert!((h.a1 - 0.5).abs() < 1e-10);
/// ```
pub fn hermite_coeffs(act: &Activation, order: usize) -> Result<HermiteCoeffs> {
    hermite_coeffs_within(act, order, &Deadline::after(Some(DEFAULT_TIME_LIMIT), ""))
}

/// [`hermite_coeffs`] with an explicit time budget: fails with [`Error::Timeout`] once
/// `deadline` is spent (checked between quadrature chunks).
pub fn hermite_coeffs_within(
    act: &Activation,
    order: usize,
    deadline: &Deadline,
) -> Result<HermiteCoeffs> {
    if order > MAX_ORDER {
        return Err(Error::param(
            "--order",
            order,
            format!("must be in 0..={MAX_ORDER}"),
        ));
    }
    let plan = admissibility(act, deadline)?;
    if let Some(c) = plan.constant {
        // f(x) = c at every sampled point: a_0 = c exactly, everything else 0.
        let mut a = vec![0.0; order + 1];
        a[0] = c;
        return Ok(HermiteCoeffs {
            activation: act.name().into(),
            mean: c,
            a,
            a1: 0.0,
            a2: 0.0,
            nu: 0.0,
            sigma2: 0.0,
            error_estimate: 0.0,
            errors: vec![0.0; order + 1],
            nu_error: 0.0,
            parseval_residual: 0.0,
            relative_error: 0.0,
            digits_lost: 0.0,
            method: "constant: f(x) is the same number at every sampled x".into(),
        });
    }
    let k_max = order.max(2);
    let inv_scale = 1.0 / plan.scale;
    // Gauss-Hermite needs f at nodes out to |x| ~ 38 (N = 400) and no kinks.
    let use_gh = plan.breaks.is_empty() && plan.half_width <= 40.0;
    let mut pass = if use_gh {
        let gh = match gauss_hermite_pass(act, inv_scale, k_max, deadline) {
            Ok(gh) => Some(gh),
            Err(Error::Activation { .. }) => None, // f overflows at an outer node: tanh-sinh
            Err(e) => return Err(e),
        };
        match gh {
            // Gauss–Hermite slows down for poles near the real axis; try the other rule then.
            Some(gh) if worst_rel(&gh, unit_of(gh.a[0], gh.nu)) <= 1e-12 => gh,
            Some(gh) => {
                let ts = piecewise_pass(act, &plan, k_max, deadline)?;
                let unit = unit_of(gh.a[0], gh.nu);
                if worst_rel(&ts, unit) < worst_rel(&gh, unit) {
                    ts
                } else {
                    gh
                }
            }
            None => piecewise_pass(act, &plan, k_max, deadline)?,
        }
    } else {
        piecewise_pass(act, &plan, k_max, deadline)?
    };
    if pass.a.iter().any(|v| !v.is_finite()) || !pass.nu.is_finite() {
        return Err(Error::Quadrature {
            detail: format!(
                "non-finite Hermite coefficient for `{}`",
                crate::error::abbrev(act.name())
            ),
        });
    }
    // Precision guard: f = mean + fluctuation; each f(x) carries ~eps |f| of rounding, so the
    // centred values keep about 16 - log10(rms / sqrt(nu)) digits.
    let rms = (pass.nu + pass.a[0] * pass.a[0]).sqrt();
    let ratio = rms / pass.nu.sqrt();
    let digits_lost = if ratio.is_finite() {
        ratio.log10().max(0.0)
    } else {
        f64::INFINITY
    };
    if pass.nu == 0.0 {
        return Err(Error::Activation {
            name: act.name().into(),
            reason: format!(
                "f is constant to rounding (nu = E (f - E f)^2 = 0 at E f = {}): nothing to \
                 learn",
                sci(pass.a[0] * plan.scale, 6)
            ),
        });
    }
    if digits_lost > MAX_DIGITS_LOST {
        return Err(Error::Activation {
            name: act.name().into(),
            reason: format!(
                "catastrophic cancellation: the mean removed, E f = {}, is {} times the \
                 fluctuation sqrt(nu) = {} of f, so centring keeps only ~{:.0} of the 16 \
                 significant digits of f(x) (at most {MAX_DIGITS_LOST} may be lost): f is \
                 constant to rounding, or subtract the constant from the expression",
                sci(pass.a[0] * plan.scale, 6),
                sci(ratio, 2),
                sci(pass.nu.sqrt() * plan.scale, 2),
                (16.0 - digits_lost).max(0.0)
            ),
        });
    }
    if digits_lost >= 1.0 {
        // The rounding of f(x) is part of the error of every centred number.
        let floor = ROUNDING_FACTOR * f64::EPSILON * rms;
        for e in &mut pass.errors {
            *e = e.max(floor);
        }
        pass.nu_error = pass.nu_error.max(2.0 * floor * pass.nu.sqrt());
    }
    let unit = unit_of(pass.a[0], pass.nu);
    let worst = worst_rel(&pass, unit);
    if worst > QUAD_FAIL {
        return Err(Error::Quadrature {
            detail: format!(
                "Hermite coefficients of `{}` did not converge (error estimate {} of max(1, rms f) \
                 by {}); f may have a pole, a non-integrable singularity or a near-jump (write a jump with \
                 sign/max/min)",
                crate::error::abbrev(act.name()),
                sci(worst, 2),
                pass.method
            ),
        });
    }
    // Back to f: multiplication by the power of two S is exact unless it overflows.
    let s = plan.scale;
    for v in pass.a.iter_mut().chain(pass.errors.iter_mut()) {
        *v *= s;
    }
    pass.nu *= s * s;
    pass.nu_error *= s * s;
    let nu_underflow = pass.nu == 0.0 && pass.a.iter().skip(1).any(|&v| v != 0.0);
    if pass.a.iter().any(|v| !v.is_finite()) || !pass.nu.is_finite() || nu_underflow {
        return Err(Error::Activation {
            name: act.name().into(),
            reason: format!(
                "its Hermite coefficients or nu = E (f - E f)^2 do not fit in double precision \
                 (|f| ~ {}, nu ~ {}): rescale f",
                sci(s, 2),
                sci(s, 2) + "^2"
            ),
        });
    }
    let mean = pass.a[0];
    let a1 = pass.a[1];
    let a2 = pass.a[2];
    // sigma2 = nu - a1^2 >= 0 (Parseval); a negative value within its error is rounding.
    let sigma2_raw = pass.nu - a1 * a1;
    let sigma2_err = pass.nu_error + 2.0 * a1.abs() * pass.errors[1];
    if sigma2_raw < -2.0 * sigma2_err.max(f64::EPSILON * pass.nu) {
        return Err(Error::Quadrature {
            detail: format!(
                "sigma2 = nu - a1^2 = {} is negative beyond its error estimate {} for `{}` (the \
                 quadrature is inconsistent)",
                sci(sigma2_raw, 3),
                sci(sigma2_err, 2),
                crate::error::abbrev(act.name())
            ),
        });
    }
    let parseval_residual = pass.nu
        - pass
            .a
            .iter()
            .skip(1)
            .take(order)
            .map(|v| v * v)
            .sum::<f64>();
    let error_estimate = pass.errors.iter().copied().fold(pass.nu_error, f64::max);
    pass.a.truncate(order + 1);
    pass.errors.truncate(order + 1);
    Ok(HermiteCoeffs {
        activation: act.name().into(),
        mean,
        a: pass.a,
        a1,
        a2,
        nu: pass.nu,
        sigma2: sigma2_raw.max(0.0),
        error_estimate,
        errors: pass.errors,
        nu_error: pass.nu_error,
        parseval_residual,
        relative_error: worst,
        digits_lost: if digits_lost >= 1.0 { digits_lost } else { 0.0 },
        method: pass.method,
    })
}

/// Centred cross moment `E[(f(xi) - E f)(g(xi) - E g)]`, `xi ~ N(0,1)`, with an error
/// estimate: the off-diagonal entries of the activation Gram matrix of several heads
/// (`docs/multihead.md §2`). Same rules as [`hermite_coeffs`]: Gauss–Hermite at doubling orders
/// when both are smooth (estimate `|Q_N - Q_2N|`), else tanh-sinh split at the union of the
/// break points, twice with different chunks (estimate: the integrator's plus the
/// difference). Both activations pass the same admissibility checks as in [`hermite_coeffs`].
pub fn cross_moment(f: &Activation, g: &Activation) -> Result<(f64, f64)> {
    let deadline = Deadline::after(Some(DEFAULT_TIME_LIMIT), "");
    let (pf, pg) = (admissibility(f, &deadline)?, admissibility(g, &deadline)?);
    let half_width = pf.half_width.max(pg.half_width);
    let mut breaks = pf.breaks.clone();
    breaks.extend(&pg.breaks);
    let mut singular = pf.singular.clone();
    singular.extend(&pg.singular);
    let (v, e) = if breaks.is_empty() {
        // Gauss–Hermite at N and 2N; keep the pair with the smallest difference.
        let q = |n: usize| -> Result<f64> {
            let rule = gauss_hermite(n)?;
            let mf = rule.expect(|x| f.eval(x));
            let mg = rule.expect(|x| g.eval(x));
            Ok(rule.expect(|x| (f.eval(x) - mf) * (g.eval(x) - mg)))
        };
        let mut best = (f64::NAN, f64::INFINITY);
        for w in GH_ORDERS.windows(2) {
            let (a, b) = (q(w[0])?, q(w[1])?);
            let err = (a - b).abs();
            if err < best.1 {
                best = (b, err);
            } else {
                break;
            }
            if err < GH_TARGET {
                break;
            }
        }
        best
    } else {
        // two tanh-sinh passes with different chunks: value and error estimate
        let integrate = |h: &dyn Fn(f64) -> f64| -> Result<(f64, f64)> {
            let pass = |chunk: f64| {
                integrate_chunked(
                    |x| h(x) * (-0.5 * x * x).exp() * INV_SQRT_2PI,
                    &breaks,
                    &singular,
                    half_width,
                    TS_TARGET,
                    chunk,
                    &deadline,
                )
            };
            let (p, q) = (pass(TS_CHUNKS[0])?, pass(TS_CHUNKS[1])?);
            Ok((p.value, p.error.max(q.error) + (p.value - q.value).abs()))
        };
        let (mf, ef) = integrate(&|x| f.eval(x))?;
        let (mg, eg) = integrate(&|x| g.eval(x))?;
        let (v, e) = integrate(&|x| (f.eval(x) - mf) * (g.eval(x) - mg))?;
        (v, e + ef * eg)
    };
    if !v.is_finite() {
        return Err(Error::Quadrature {
            detail: format!(
                "non-finite cross moment of `{}` and `{}`",
                f.name(),
                g.name()
            ),
        });
    }
    Ok((v, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(spec: &str, k: usize) -> HermiteCoeffs {
        hermite_coeffs(&Activation::parse(spec).unwrap(), k).unwrap()
    }

    #[test]
    fn builtins_match_closed_forms() {
        for spec in [
            "linear",
            "relu",
            "leaky-relu:0.1",
            "tanh",
            "erf",
            "sin",
            "cos",
            "sign",
            "abs",
            "quad",
            "gelu",
            "silu",
            "sigmoid",
            "softplus",
            "elu:1",
            "elu:0.5",
            "leaky-relu:0.3",
        ] {
            let act = Activation::parse(spec).unwrap();
            let c = hermite_coeffs(&act, 4).unwrap();
            // Issue 2 targets: 1e-12 smooth, 1e-10 kinked.
            let tol = if act.breakpoints().is_empty() {
                1e-12
            } else {
                1e-10
            };
            assert!(
                c.error_estimate < tol,
                "{spec}: estimate {:e} ({})",
                c.error_estimate,
                c.method
            );
            if let Some(cf) = closed_form(&act) {
                for (name, q, e) in [
                    ("mean", c.mean, cf.mean),
                    ("a1", c.a1, cf.a1),
                    ("a2", c.a2, cf.a2),
                    ("nu", c.nu, cf.nu),
                ] {
                    if let Some(e) = e {
                        assert!(
                            (q - e).abs() < tol,
                            "{spec} {name}: {q} vs {e} ({})",
                            c.method
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn expressions_reproduce_builtins() {
        for (e, b) in [
            ("max(x,0)", "relu"),
            ("x^2-1", "quad"),
            ("max(x,0.1*x)", "leaky-relu:0.1"),
            ("abs(x)", "abs"),
        ] {
            let (p, q) = (h(e, 6), h(b, 6));
            for k in 0..=6 {
                assert!((p.a[k] - q.a[k]).abs() < 1e-10, "{e} vs {b} at k={k}");
            }
            assert!((p.nu - q.nu).abs() < 1e-10);
        }
    }

    #[test]
    fn parseval_and_parity() {
        let c = h("tanh", 100); // tail beyond 100 ~ 1.1e-13 (measured)
        assert!(c.parseval_residual.abs() < 1e-12, "{}", c.parseval_residual);
        for k in (0..=100).step_by(2) {
            assert!(
                c.a[k].abs() < 1e-13,
                "tanh even coefficient {k}: {}",
                c.a[k]
            );
        }
    }

    #[test]
    fn rejects_bad_input() {
        let bad = |s: &str, k: usize| {
            hermite_coeffs(&Activation::parse(s).unwrap(), k)
                .unwrap_err()
                .to_string()
        };
        assert!(bad("exp(x^2)", 4).contains("not square-integrable"));
        assert!(bad("exp(x^2/4)", 4).contains("not square-integrable"));
        assert!(bad("log(x)", 4).contains("NaN"));
        assert!(bad("1/x", 4).contains("inf"));
        assert!(bad("relu", MAX_ORDER + 1).contains("--order"));
        assert!(bad("tan(x)", 4).contains("did not converge"));
    }
}
