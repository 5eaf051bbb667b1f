//! Quadrature for the standard Gaussian measure `N(0,1)`.
//!
//! * [`gauss_hermite`]: the `n`-point Gauss rule for `E g(xi)`, `xi ~ N(0,1)`
//!   (probabilists' weight `phi(x) = e^{-x^2/2}/sqrt(2 pi)`, weights summing to 1), exact for
//!   polynomials of degree `<= 2n - 1`. Nodes: eigenvalues of the Jacobi matrix of the orthonormal
//!   Hermite recurrence `x P_k = sqrt(k+1) P_{k+1} + sqrt(k) P_{k-1}` (zero diagonal,
//!   off-diagonal `sqrt(k)`), computed with faer (Golub–Welsch), then refined by Newton steps on
//!   `P_n` (`P_n' = sqrt(n) P_{n-1}`); weights `w_i = 1 / sum_{k<n} P_k(x_i)^2` (Christoffel
//!   numbers). Ratios `P_k/P_{k-1}` and a log-scaled sum avoid overflow for the outer nodes
//!   (`|x| ~ 40` at n = 400, where the weight underflows to 0). DEPS.md: the `gauss-quad` crate's
//!   tail weights are wrong by up to 7e1 in `E xi^k`; this construction is accurate to ~1e-15.
//!   Rules are computed once per order and cached.
//! * [`gaussian_expectation_piecewise`]: `E[g(xi)]` restricted to `[-L, L]`, split at break
//!   points, each piece integrated by the `quadrature` crate's tanh-sinh rule with the Gaussian
//!   weight. tanh-sinh never evaluates the endpoints, so a jump of `g` at a break point is
//!   harmless (Clenshaw–Curtis evaluates them: ~7e-5 error at a jump, DEPS.md).
//!
//! References: SPEC §2 (Hermite convention); Golub & Welsch, Math. Comp. 23 (1969).

use crate::error::{Deadline, Error, Result};
use std::sync::OnceLock;

/// Largest supported Gauss–Hermite order.
pub const MAX_GH_ORDER: usize = 400;

/// Default half-width `L` of the truncated line for piecewise integration: the Gaussian mass
/// beyond is `2 (1 - Phi(12)) ~ 3.6e-33`.
pub const DEFAULT_HALF_WIDTH: f64 = 12.0;

/// `1 / sqrt(2 pi)`.
pub const INV_SQRT_2PI: f64 = 0.398_942_280_401_432_7;

/// Relative accuracy floor of the crate's tanh-sinh rule per chunk, added to its error
/// estimate: measured ~1e-14 relative bias (e.g. E relu(xi) xi = 0.5 - 1.6e-14) that no target
/// removes (its node/weight tables); 2e-14 covers it.
const TS_REL_FLOOR: f64 = 2e-14;

/// Largest chunk width of [`gaussian_expectation_piecewise`] (see there).
const MAX_CHUNK: f64 = 1.0;

/// Newton refinement steps applied to each eigenvalue (quadratic convergence from ~1e-13).
const NEWTON_STEPS: usize = 3;

/// A Gauss rule for `N(0,1)`: `E g(xi) ~ sum_i w_i g(x_i)`.
#[derive(Clone, Debug)]
pub struct GaussRule {
    /// Nodes, increasing, symmetric about 0.
    pub nodes: Vec<f64>,
    /// Weights (sum 1); outer weights may underflow to 0.
    pub weights: Vec<f64>,
}

impl GaussRule {
    /// Number of nodes.
    pub fn order(&self) -> usize {
        self.nodes.len()
    }

    /// `sum_i w_i g(x_i)` over the nodes with non-zero weight.
    pub fn expect(&self, mut g: impl FnMut(f64) -> f64) -> f64 {
        self.nodes
            .iter()
            .zip(&self.weights)
            .filter(|(_, &w)| w > 0.0)
            .map(|(&x, &w)| w * g(x))
            .sum()
    }
}

/// The ratios `r_k = P_k(x) / P_{k-1}(x)` for `k = 1..=n`, and `log|P_k(x)|`, from the
/// orthonormal recurrence `P_{k+1} = (x P_k - sqrt(k) P_{k-1}) / sqrt(k+1)`.
/// Returns `(P_n / (sqrt(n) P_{n-1}), w)` where `w = 1 / sum_{k<n} P_k^2` (the Newton step and
/// the Christoffel weight at `x`).
fn newton_step_and_weight(x: f64, n: usize) -> (f64, f64) {
    // For |x| <= 20 the plain recurrence cannot overflow (|P_k(20)|^2 < 1e180 for k <= 400)
    // and has no trouble at the node x = 0, where a ratio P_1/P_0 vanishes.
    if x.abs() <= 20.0 {
        let (mut p0, mut p1) = (0.0f64, 1.0f64); // P_{-1}, P_0
        let mut s = 0.0;
        for k in 0..n {
            s += p1 * p1;
            let p2 = (x * p1 - (k as f64).sqrt() * p0) / ((k + 1) as f64).sqrt();
            p0 = p1;
            p1 = p2;
        }
        return (p1 / ((n as f64).sqrt() * p0), 1.0 / s);
    }
    // log |P_k| for k = 0..n-1, via ratios (no overflow).
    let mut logs = Vec::with_capacity(n);
    logs.push(0.0f64); // P_0 = 1
    let mut r_prev = f64::NAN; // r_k for the current k
    let mut log_p = 0.0f64;
    let mut step = 0.0;
    for k in 0..n {
        // r_{k+1} = P_{k+1}/P_k = (x - sqrt(k)/r_k)/sqrt(k+1)
        let r = if k == 0 {
            x
        } else {
            (x - (k as f64).sqrt() / r_prev) / ((k + 1) as f64).sqrt()
        };
        if k + 1 == n {
            // P_n / (sqrt(n) P_{n-1}) = r_n / sqrt(n)
            step = r / (n as f64).sqrt();
        } else {
            log_p += r.abs().ln();
            logs.push(log_p);
        }
        r_prev = r;
    }
    let lmax = logs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let s: f64 = logs.iter().map(|&l| (2.0 * (l - lmax)).exp()).sum();
    let w = (-2.0 * lmax).exp() / s;
    (step, w)
}

fn build_rule(n: usize) -> Result<GaussRule> {
    if n == 1 {
        return Ok(GaussRule {
            nodes: vec![0.0],
            weights: vec![1.0],
        });
    }
    let mut j = faer::Mat::<f64>::zeros(n, n);
    for k in 1..n {
        let b = (k as f64).sqrt();
        j[(k, k - 1)] = b;
        j[(k - 1, k)] = b;
    }
    // Sequential EVD (faer's parallel path differs in the last bits, DEPS.md): rules are then
    // bit-identical whatever the thread count, so snapshots of round-off-level values are stable.
    let par = faer::Par::Seq;
    let mut s = faer::diag::Diag::<f64>::zeros(n);
    let mut buf =
        faer::dyn_stack::MemBuffer::new(faer::linalg::evd::self_adjoint_evd_scratch::<f64>(
            n,
            faer::linalg::evd::ComputeEigenvectors::No,
            par,
            Default::default(),
        ));
    faer::linalg::evd::self_adjoint_evd(
        j.as_ref(),
        s.as_mut(),
        None,
        par,
        faer::dyn_stack::MemStack::new(&mut buf),
        Default::default(),
    )
    .map_err(|e| Error::Linalg {
        op: format!("Gauss-Hermite Jacobi matrix eigenvalues (n = {n})"),
        detail: format!("{e:?}"),
    })?;
    let mut x: Vec<f64> = s.column_vector().iter().copied().collect();
    x.sort_by(f64::total_cmp);
    let mut w = vec![0.0; n];
    for (xi, wi) in x.iter_mut().zip(w.iter_mut()) {
        for _ in 0..NEWTON_STEPS {
            let (step, _) = newton_step_and_weight(*xi, n);
            if step.is_finite() {
                *xi -= step;
            }
        }
        *wi = newton_step_and_weight(*xi, n).1;
    }
    // Exact symmetry x_i = -x_{n-1-i}, w_i = w_{n-1-i}.
    for i in 0..n / 2 {
        let k = n - 1 - i;
        let xs = 0.5 * (x[k] - x[i]);
        let ws = 0.5 * (w[k] + w[i]);
        x[i] = -xs;
        x[k] = xs;
        w[i] = ws;
        w[k] = ws;
    }
    if n % 2 == 1 {
        x[n / 2] = 0.0;
    }
    let total: f64 = w.iter().sum();
    if !(total - 1.0).abs().lt(&1e-12) || x.iter().any(|v| !v.is_finite()) {
        return Err(Error::Quadrature {
            detail: format!("Gauss-Hermite rule of order {n}: weights sum to {total}"),
        });
    }
    Ok(GaussRule {
        nodes: x,
        weights: w,
    })
}

/// The `n`-point Gauss–Hermite rule for `N(0,1)`, `1 <= n <= 400`, computed once and cached.
pub fn gauss_hermite(n: usize) -> Result<&'static GaussRule> {
    static RULES: [OnceLock<GaussRule>; MAX_GH_ORDER + 1] =
        [const { OnceLock::new() }; MAX_GH_ORDER + 1];
    if n == 0 || n > MAX_GH_ORDER {
        return Err(Error::param(
            "Gauss-Hermite order",
            n,
            format!("must be in 1..={MAX_GH_ORDER}"),
        ));
    }
    if let Some(r) = RULES[n].get() {
        return Ok(r);
    }
    let rule = build_rule(n)?;
    Ok(RULES[n].get_or_init(|| rule))
}

/// Result of an adaptive integral: value and error estimate.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Estimate {
    /// The value.
    pub value: f64,
    /// Absolute error estimate.
    pub error: f64,
    /// Function evaluations spent.
    pub evals: u64,
}

/// `E[g(xi) 1{|xi| <= L}]`, `xi ~ N(0,1)`: `int_{-L}^{L} g(x) phi(x) dx` split at `breaks`
/// (those strictly inside `(-L, L)`), each piece by tanh-sinh with absolute target `tol`
/// (shared evenly). `g` is never evaluated at a piece's endpoints, so jumps are fine.
pub fn gaussian_expectation_piecewise(
    g: impl Fn(f64) -> f64,
    breaks: &[f64],
    half_width: f64,
    tol: f64,
) -> Result<Estimate> {
    gaussian_expectation_chunked(g, breaks, half_width, tol, MAX_CHUNK)
}

/// As [`gaussian_expectation_piecewise`] with chunks of width at most `max_chunk` (in
/// `(0, 2]`). Two different chunk widths place the nodes differently: their difference is an
/// independent error estimate (the crate's own estimate can be optimistic by ~1e3 when it
/// stops at a low level; measured on `E[0.1 xi P_3(xi) 1{xi<0}]`).
pub fn gaussian_expectation_chunked(
    g: impl Fn(f64) -> f64,
    breaks: &[f64],
    half_width: f64,
    tol: f64,
    max_chunk: f64,
) -> Result<Estimate> {
    integrate_chunked(
        |x| g(x) * (-0.5 * x * x).exp() * INV_SQRT_2PI,
        breaks,
        &[],
        half_width,
        tol,
        max_chunk,
        &Deadline::unlimited(),
    )
}

/// Exponent `P` of the substitution `x = b + w u^P` at a singular break point: the tanh-sinh
/// nodes of the crate stop ~4e-14 (relative) short of an endpoint, which for `f^2 ~ |x|^-0.8`
/// leaves ~1e-2 of the integral out; after the substitution they reach `w (4e-14)^8 ~ 1e-107`
/// and the integrand `~ u^(P (1 - a) - 1)` is at most mildly singular for `a <= 0.9`
/// (missing mass `~ (1e-107)^0.1 ~ 1e-11` at that limit).
pub const SINGULAR_POWER: i32 = 8;

/// `int_{-L}^{L} h(x) dx` for an integrand `h` that already contains its weight, split at
/// `breaks` (those strictly inside `(-L, L)`) and into chunks of width at most `max_chunk`,
/// each by tanh-sinh with absolute target `tol` (shared evenly). `h` is never evaluated at a
/// chunk's endpoints, so jumps are fine. Next to a break point listed in `singular` (an
/// integrable singularity, e.g. `log|x|` at 0) the chunk is integrated in `u` with
/// `x = b +- w u^P` ([`SINGULAR_POWER`]); nodes that round onto `b` itself contribute 0 (the
/// caller bounds that mass). `deadline` is checked once per chunk.
pub fn integrate_chunked(
    h: impl Fn(f64) -> f64,
    breaks: &[f64],
    singular: &[f64],
    half_width: f64,
    tol: f64,
    max_chunk: f64,
    deadline: &Deadline,
) -> Result<Estimate> {
    crate::error::require_positive("half_width", half_width)?;
    if !(max_chunk > 0.0 && max_chunk <= 2.0) {
        return Err(Error::param("max_chunk", max_chunk, "must be in (0, 2]"));
    }
    crate::error::require_positive("tol", tol)?;
    let mut pts = vec![-half_width];
    let mut inner: Vec<f64> = breaks
        .iter()
        .copied()
        .filter(|b| b.is_finite() && b.abs() < half_width)
        .collect();
    inner.sort_by(f64::total_cmp);
    inner.dedup();
    pts.extend(inner);
    pts.push(half_width);
    let is_singular = |b: f64| singular.contains(&b);
    // The crate's tanh-sinh stops after ~350 evaluations: cut pieces into chunks of width
    // <= MAX_CHUNK so that each reaches ~1e-16 (a Gaussian piece of width 12 stalls at ~1e-13).
    // A chunk is (lo, hi, which end is singular: -1 lo, 1 hi, 0 none).
    let mut chunks: Vec<(f64, f64, i8)> = Vec::with_capacity(64);
    for ab in pts.windows(2) {
        let (a, b) = (ab[0], ab[1]);
        if b <= a {
            continue;
        }
        let m = ((b - a) / max_chunk).ceil().max(1.0) as usize;
        let (sa, sb) = (is_singular(a), is_singular(b));
        let m = if sa && sb { m.max(2) } else { m };
        for i in 0..m {
            let lo = if i == 0 {
                a
            } else {
                a + (b - a) * i as f64 / m as f64
            };
            let hi = if i + 1 == m {
                b
            } else {
                a + (b - a) * (i + 1) as f64 / m as f64
            };
            let end = if i == 0 && sa {
                -1
            } else if i + 1 == m && sb {
                1
            } else {
                0
            };
            chunks.push((lo, hi, end));
        }
    }
    let pieces = chunks.len() as f64;
    let mut out = Estimate {
        value: 0.0,
        error: 0.0,
        evals: 0,
    };
    let p = SINGULAR_POWER;
    for &(a, b, end) in &chunks {
        deadline.check("the quadrature")?;
        let o = match end {
            0 => quadrature::double_exponential::integrate(&h, a, b, tol / pieces),
            _ => {
                let w = b - a;
                let (base, dir) = if end < 0 { (a, 1.0) } else { (b, -1.0) };
                quadrature::double_exponential::integrate(
                    |u: f64| {
                        let x = base + dir * w * u.powi(p);
                        if x == base {
                            return 0.0;
                        }
                        h(x) * w * f64::from(p) * u.powi(p - 1)
                    },
                    0.0,
                    1.0,
                    tol / pieces,
                )
            }
        };
        out.value += o.integral;
        out.error += o.error_estimate + TS_REL_FLOOR * o.integral.abs();
        out.evals += u64::from(o.num_function_evaluations);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn double_factorial_odd(k: u32) -> f64 {
        // (2k-1)!!
        (1..=k).map(|j| (2 * j - 1) as f64).product()
    }

    #[test]
    fn weights_sum_to_one_and_moments() {
        for &n in &[1usize, 2, 3, 5, 10, 40, 41, 100, 200, 300, 400] {
            let r = gauss_hermite(n).unwrap();
            let s: f64 = r.weights.iter().sum();
            // eps x sqrt(n) summation error.
            assert!((s - 1.0).abs() < 1e-14, "n={n} sum={s}");
            if n >= 40 {
                for k in 1..=20u32 {
                    let m = r.expect(|x| x.powi(2 * k as i32));
                    let exact = double_factorial_odd(k);
                    // DEPS.md: this construction reaches <= 5e-15 relative; 1e-13 leaves margin.
                    assert!(
                        ((m - exact) / exact).abs() < 1e-13,
                        "n={n} k={k}: {m} vs {exact}"
                    );
                    let odd = r.expect(|x| x.powi(2 * k as i32 - 1));
                    assert!(odd.abs() < 1e-13 * exact, "n={n} odd moment {odd}");
                }
            }
        }
    }

    #[test]
    fn low_orders_exact() {
        let r = gauss_hermite(2).unwrap();
        assert!((r.nodes[1] - 1.0).abs() < 1e-15);
        assert!((r.weights[0] - 0.5).abs() < 1e-15);
        let r = gauss_hermite(3).unwrap();
        assert!((r.nodes[2] - 3f64.sqrt()).abs() < 1e-15);
        assert!((r.weights[1] - 2.0 / 3.0).abs() < 1e-15);
    }

    #[test]
    fn order_out_of_range() {
        assert!(gauss_hermite(0).is_err());
        assert!(gauss_hermite(401).is_err());
    }

    #[test]
    fn piecewise_handles_jumps() {
        // E sign(xi) xi = E|xi| = sqrt(2/pi); E 1{xi>0} = 1/2.
        let e = gaussian_expectation_piecewise(
            |x| if x > 0.0 { x } else { -x },
            &[0.0],
            DEFAULT_HALF_WIDTH,
            1e-15,
        )
        .unwrap();
        assert!(
            // Measured: the crate's tanh-sinh tables give ~1e-14 relative per piece (tighter
            // targets do not help), summed over 24 chunks.
            (e.value - (2.0 / std::f64::consts::PI).sqrt()).abs() < 1e-13,
            "{e:?} {}",
            e.value - (2.0 / std::f64::consts::PI).sqrt()
        );
        let h = gaussian_expectation_piecewise(
            |x| if x > 0.0 { 1.0 } else { 0.0 },
            &[0.0],
            DEFAULT_HALF_WIDTH,
            1e-15,
        )
        .unwrap();
        assert!((h.value - 0.5).abs() < 1e-13, "{h:?}");
    }

    // An integrable endpoint singularity: E|xi|^-0.8 = 2^-0.4 Gamma(0.1) / sqrt(pi)
    // (Gaussian moments), and E log^2|xi| = pi^2/8 + (gamma_E + ln 2)^2/4.
    #[test]
    fn singular_break_points() {
        let gamma_01 = 9.513_507_698_668_732; // Gamma(0.1)
        let exact = 2f64.powf(-0.4) * gamma_01 / std::f64::consts::PI.sqrt();
        let g = |x: f64| x.abs().powf(-0.8) * (-0.5 * x * x).exp() * INV_SQRT_2PI;
        let dl = Deadline::unlimited();
        let e = integrate_chunked(g, &[0.0], &[0.0], 12.0, 1e-15, 1.0, &dl).unwrap();
        // Missing mass below the first node ~ (1e-107)^0.2 ~ 1e-21; the rest is the rule's
        // ~1e-14 relative floor per chunk, summed over 24 chunks.
        assert!((e.value - exact).abs() < 1e-12, "{} vs {exact}", e.value);
        // Without the substitution the crate misses ~1e-2 of it (the reason for it).
        let plain = integrate_chunked(g, &[0.0], &[], 12.0, 1e-15, 1.0, &dl).unwrap();
        assert!((plain.value - exact).abs() > 1e-4, "{}", plain.value);
        let eg = 0.577_215_664_901_532_9_f64;
        let ln2 = std::f64::consts::LN_2;
        let exact = std::f64::consts::PI.powi(2) / 8.0 + (eg + ln2).powi(2) / 4.0;
        let g = |x: f64| x.abs().ln().powi(2) * (-0.5 * x * x).exp() * INV_SQRT_2PI;
        let e = integrate_chunked(g, &[0.0], &[0.0], 12.0, 1e-15, 0.7, &dl).unwrap();
        assert!((e.value - exact).abs() < 1e-12, "{} vs {exact}", e.value);
    }
}
