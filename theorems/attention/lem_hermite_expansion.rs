//! # Lemma (Hermite facts) — coefficients of the built-in activations, and Parseval
//!
//! ## Statement (docs/hermite.md)
//! In the orthonormal probabilists' basis $P_k = He_k/\sqrt{k!}$ under $\xi \sim N(0,1)$, with
//! $a_k = E[f(\xi) P_k(\xi)]$, mean $a_0$ and $\nu = E[(f(\xi) - a_0)^2]$:
//! for every built-in activation (`leaky-relu:0.1` and `elu:1` for the parameterised ones) the
//! quadrature values of mean, $a_1$, $a_2$, $\nu$ equal their closed forms (docs/hermite.md §4 and
//! [`crate::hermite::closed_form`]), and Parseval holds: $\nu = \sum_{k \ge 1} a_k^2$, i.e.
//! the residual $\nu - \sum_{k=1}^{K} a_k^2$ equals the tail $\sum_{k>K} a_k^2$.
//!
//! ## Check
//! * closed forms: `|quadrature - closed form| <= 1e-12` (smooth $f$) or `1e-10` (kinked $f$),
//!   the targets of issue 2; the quadrature error estimate is reported as `se`.
//! * tanh: Stein's lemma $a_1 = E f' = E[1 - \tanh^2] = 1 - \nu$, same tolerance.
//! * Parseval, smooth $f$ ($K$ = 100): the coefficients decay at least like
//!   $e^{-c\sqrt k}$ (poles at distance $\pi/2$ for tanh/sigmoid/silu/softplus; entire otherwise),
//!   so the tail beyond $K$ is below 1e-13 (measured: tanh 1.1e-13 at K = 100, the slowest);
//!   `|residual| <= 1e-12`.
//! * Parseval, kinked $f$ ($K$ = 60 quick, 200 full): the tail decays algebraically
//!   ($a_k^2 \sim k^{-3/2}$ for sign, $k^{-5/2}$ for relu/abs/leaky-relu, $k^{-7/2}$ for elu:1,
//!   from the jump in $f^{(j)}$ at 0). The tail is extrapolated by fitting $a_k^2 = A k^{-p}$ by
//!   least squares on $k \in [K/2, K]$, separately for even and odd $k$, and summing the fit
//!   over $k > K$; the residual must match it within 10% (the fit absorbs the leading
//!   $O(1/k)$ correction; measured relative deviation of the residual from the extrapolated
//!   tail: at most 2% at K = 60, 0.5% at K = 200) plus the quadrature error.
//!
//! * Negative control: $a_1$ shifted by 1e-6 must fail, on the $a_1$ rows only.
//!
//! ## References
//! docs/hermite.md (convention and table); O'Donnell, *Analysis of Boolean Functions*, §11.2 (Hermite
//! expansion, Parseval); Stein's lemma $E[\xi g(\xi)] = E g'(\xi)$.

use crate::activation::Activation;
use rayon::prelude::*;
use crate::claim::{Budget, Claim, NegativeControl, Row, Verdict};
use crate::error::Result;
use crate::hermite::{closed_form, hermite_coeffs, HermiteCoeffs};

/// The activations checked (every built-in; parameterised ones at one parameter).
pub const ACTIVATIONS: &[&str] = &[
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
];

/// Closed-form tolerance for smooth activations (issue 2 target).
pub const TOL_SMOOTH: f64 = 1e-12;
/// Closed-form tolerance for kinked activations (issue 2 target).
pub const TOL_KINKED: f64 = 1e-10;
/// Parseval tolerance for smooth activations (tail beyond K = 100 below 1e-13, see module doc).
pub const TOL_PARSEVAL_SMOOTH: f64 = 1e-12;
/// Relative tolerance of the extrapolated algebraic tail (kinked activations).
pub const TOL_TAIL_REL: f64 = 0.10;
/// Truncation order for smooth Parseval.
pub const K_SMOOTH: usize = 100;

/// The claim `lem-hermite`. `Default` (no offset) in the registry.
#[derive(Clone, Copy, Debug, Default)]
pub struct LemHermite {
    /// Added to every quadrature `a_1` (0 for the claim; the negative control uses 1e-6, far
    /// above the 1e-10 / 1e-12 tolerances, to show that the check can fail).
    pub a1_offset: f64,
}

/// `sum_{k > K, k = K+1..} A k^{-p}` over one parity class (step 2), from a least-squares fit
/// of `log a_k^2` on `k in [K/2, K]` of that parity; 0 if the class is (numerically) empty.
fn parity_tail(a: &[f64], parity: usize, k_max: usize) -> f64 {
    let pts: Vec<(f64, f64)> = (k_max / 2..=k_max)
        .filter(|k| k % 2 == parity && *k >= 3)
        .filter(|&k| a[k].abs() > 1e-12)
        .map(|k| ((k as f64).ln(), (a[k] * a[k]).ln()))
        .collect();
    if pts.len() < 4 {
        return 0.0;
    }
    let n = pts.len() as f64;
    let mx = pts.iter().map(|p| p.0).sum::<f64>() / n;
    let my = pts.iter().map(|p| p.1).sum::<f64>() / n;
    let sxy: f64 = pts.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let sxx: f64 = pts.iter().map(|p| (p.0 - mx) * (p.0 - mx)).sum();
    let slope = sxy / sxx; // = -p
    let log_a = my - slope * mx;
    let p = -slope;
    if p <= 1.0 {
        return f64::INFINITY; // not summable: would contradict square integrability
    }
    // Explicit sum to k = K + 20000, then the integral remainder (step 2 => factor 1/2).
    let first = k_max + 1 + (k_max + 1 + parity) % 2;
    let last = k_max + 20_000;
    let mut s = 0.0;
    let mut k = first;
    while k <= last {
        s += (log_a + slope * (k as f64).ln()).exp();
        k += 2;
    }
    s + 0.5 * log_a.exp() * (last as f64).powf(1.0 - p) / (p - 1.0)
}

/// Extrapolated Parseval tail `sum_{k > K} a_k^2` (kinked activations).
pub fn extrapolated_tail(h: &HermiteCoeffs) -> f64 {
    let k_max = h.a.len() - 1;
    parity_tail(&h.a, 0, k_max) + parity_tail(&h.a, 1, k_max)
}

impl LemHermite {
    fn run(&self, budget: &Budget) -> Result<Verdict> {
        let perturb = self.a1_offset;
        let k_kinked = budget.pick(60, 200);
        let mut rows = Vec::new();
        let mut notes = Vec::new();
        // The quadratures are independent (one activation each, sequential inside): in parallel,
        // collected in the order of ACTIVATIONS, so the rows do not depend on the thread count.
        let coeffs = ACTIVATIONS
            .par_iter()
            .map(|spec| {
                let act = Activation::parse(spec)?;
                let kinked = !act.breakpoints().is_empty();
                let k = if kinked { k_kinked } else { K_SMOOTH };
                let h = hermite_coeffs(&act, k)?;
                Ok((act, kinked, k, h))
            })
            .collect::<Result<Vec<_>>>()?;
        for (spec, (act, kinked, k, mut h)) in ACTIVATIONS.iter().zip(coeffs) {
            h.a1 += perturb;
            let (tol, src) = if kinked {
                (TOL_KINKED, "1e-10 abs (kinked, closed form)")
            } else {
                (TOL_SMOOTH, "1e-12 abs (smooth, closed form)")
            };
            if let Some(cf) = closed_form(&act) {
                let est = |k: usize| h.errors[k];
                for (name, q, c, e) in [
                    ("mean", h.mean, cf.mean, est(0)),
                    ("a1", h.a1, cf.a1, est(1)),
                    ("a2", h.a2, cf.a2, est(2)),
                    ("nu", h.nu, cf.nu, h.nu_error),
                ] {
                    if let Some(c) = c {
                        rows.push(Row::agreement(format!("{spec}: {name}"), c, q, e, tol, src));
                    }
                }
            }
            if *spec == "tanh" {
                rows.push(Row::agreement(
                    "tanh: a1 = 1 - nu (Stein)",
                    1.0 - h.nu,
                    h.a1,
                    h.errors[1] + h.nu_error,
                    TOL_SMOOTH,
                    "1e-12 abs (smooth, identity)",
                ));
            }
            if kinked {
                let tail = extrapolated_tail(&h);
                let qerr = h.nu_error
                    + 2.0
                        * h.a
                            .iter()
                            .zip(&h.errors)
                            .skip(1)
                            .map(|(a, e)| a.abs() * e)
                            .sum::<f64>();
                rows.push(
                    Row::agreement(
                        format!("{spec}: Parseval resid = tail k>{k}"),
                        tail,
                        h.parseval_residual,
                        qerr,
                        TOL_TAIL_REL * tail + qerr,
                        "10% of power-law tail + quad. err",
                    )
                    .with_n(k),
                );
            } else {
                rows.push(
                    Row::agreement(
                        format!("{spec}: Parseval resid"),
                        0.0,
                        h.parseval_residual,
                        h.nu_error,
                        TOL_PARSEVAL_SMOOTH,
                        "1e-12 abs (tail < 1e-13 at K=100)",
                    )
                    .with_n(k),
                );
            }
        }
        notes.push(
            "quadrature: Gauss-Hermite N vs 2N (smooth), tanh-sinh split at kinks (kinked); \
             se column = quadrature error estimate; n column = truncation order K"
                .to_string(),
        );
        notes.push(
            "numeric only (no closed form): nu of gelu, silu, softplus, sigmoid, tanh; \
             a1 of sigmoid, tanh (tanh checked by Stein's identity); mean, a2 of silu, softplus"
                .to_string(),
        );
        if perturb != 0.0 {
            notes.push(format!("a1 perturbed by {perturb:e} (negative test)"));
        }
        Ok(Verdict::from_rows(self, rows, notes))
    }
}

impl Claim for LemHermite {
    fn id(&self) -> &'static str {
        "lem-hermite"
    }

    fn paper(&self) -> &'static str {
        "attention"
    }

    fn title(&self) -> &'static str {
        "Hermite coefficients of the built-in activations; Parseval"
    }

    fn statement(&self) -> &'static str {
        "For every built-in activation, Gauss-Hermite / split tanh-sinh quadrature of \
         a_k = E[f(xi) He_k(xi)/sqrt(k!)] gives mean, a1, a2, nu equal to their closed forms \
         (1e-12 smooth, 1e-10 kinked), and nu - sum_{k<=K} a_k^2 equals the tail of the \
         Hermite series (Parseval)."
    }

    fn check(&self, budget: &Budget) -> Result<Verdict> {
        self.run(budget)
    }

    fn negative_controls(&self) -> Vec<NegativeControl> {
        // Only the a1 rows (and the Stein identity, which uses a1) may fail.
        vec![NegativeControl::new("a1 + 1e-6", LemHermite { a1_offset: 1e-6 })
            .caught_by("a1")
            .only("a1")]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tail_of_a_pure_power_law() {
        // a_k^2 = k^-3 for even k: tail beyond 100 = sum_{k=102,104,..} k^-3.
        let a: Vec<f64> = (0..=100)
            .map(|k| {
                if k % 2 == 0 && k > 0 {
                    (k as f64).powf(-1.5)
                } else {
                    0.0
                }
            })
            .collect();
        let exact: f64 = (51..2_000_000u64).map(|j| ((2 * j) as f64).powi(-3)).sum();
        let t = parity_tail(&a, 0, 100);
        assert!((t - exact).abs() < 1e-3 * exact, "{t} vs {exact}");
        assert_eq!(parity_tail(&a, 1, 100), 0.0);
    }
}
