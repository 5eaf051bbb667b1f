//! Kernel coefficients of an activation for the RAF learners (`docs/raf.md §3`).
//!
//! A dot-product kernel on the sphere of radius `sqrt d` is `K(x, x') = kappa(x.x'/d)`; the one
//! induced by random features `sigma` is `kappa(rho) = E[sigma(g) sigma(g')]`, `corr(g, g') = rho`,
//! i.e. `kappa(rho) = sum_k a_k^2 rho^k` in the orthonormal Hermite basis of [`crate::hermite`].
//! The RAF theory sees it only through
//!
//! * `mu1 = a1`, the linear coefficient (`kappa'(0) = mu1^2`);
//! * `mu_star^2 = kappa(1) - kappa(0) - kappa'(0) = E sigma^2 - a0^2 - a1^2`.
//!
//! **Convention.** RAF.md writes `mu_star^2 = nu - a0^2 - a1^2` with `nu = E sigma^2`; this crate's
//! [`crate::HermiteCoeffs::nu`] is the *centred* second moment `E (sigma - a0)^2`, so here
//! `mu_star^2 = nu - a1^2` (= `HermiteCoeffs::sigma2`). Same number, different bookkeeping.
//!
//! The constant part `kappa(0) = a0^2` (a rank-one `a0^2 1 1^T` in the Gram matrix, a mean
//! feature for random features) is dropped everywhere: the theory has no intercept and the labels
//! are balanced (`docs/raf.md §3`). For odd activations (sign, erf, tanh) it is zero anyway.
//!
//! [`DotKernel`] evaluates the centred `kappa(rho) - kappa(0)` for the exact-kernel Monte Carlo:
//! in closed form for `linear` (`rho`), `sign` (`(2/pi) asin rho`) and `erf` (`(2/pi) asin(2 rho/3)`),
//! and for every other activation as the Hermite series truncated where its tail
//! `|rho|^{K+1} sum_{k>K} a_k^2` is below [`SERIES_TAIL`].

use crate::activation::{Activation, Builtin, Kind};
use crate::error::{Error, Result};
use crate::hermite::{closed_form, hermite_coeffs};
use serde::Serialize;
use std::f64::consts::PI;

/// The coefficients `mu1`, `mu_star` of a dot-product kernel.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct KernelCoeffs {
    /// Name (activation, or `mu1=..,mu*=..` for a kernel given by its coefficients).
    pub name: String,
    /// `a0 = E sigma` (dropped from the kernel, reported).
    pub a0: f64,
    /// `mu1 = a1`.
    pub mu1: f64,
    /// `mu_star^2 = E sigma^2 - a0^2 - a1^2 >= 0`.
    pub mustar2: f64,
    /// Error estimate of the coefficients (0 for closed forms).
    pub error: f64,
    /// Where the numbers come from (`closed form` or the quadrature used).
    pub source: String,
}

impl KernelCoeffs {
    /// Coefficients of the kernel induced by `act` (closed forms for the built-ins that have
    /// them, Hermite quadrature otherwise). Errors: `a1 = 0` (the kernel has no linear part and
    /// cannot learn the rule: `eps_gen = 1/2` for every `alpha`).
    pub fn from_activation(act: &Activation) -> Result<KernelCoeffs> {
        let cf = closed_form(act);
        let (a0, a1, nu, error, source) = match cf {
            Some(c) if c.mean.is_some() && c.a1.is_some() && c.nu.is_some() => (
                c.mean.unwrap_or(0.0),
                c.a1.unwrap_or(0.0),
                c.nu.unwrap_or(0.0),
                0.0,
                "closed form".to_string(),
            ),
            _ => {
                let h = hermite_coeffs(act, 2)?;
                (h.mean, h.a1, h.nu, h.error_estimate, h.method)
            }
        };
        if a1.abs() <= 1e-10 {
            return Err(Error::Assumption {
                claim: "raf".into(),
                requirement: "a1 != 0 (a kernel without linear part cannot learn the rule)".into(),
                activation: act.name().into(),
                found: format!("a1 = {a1:.3e}"),
            });
        }
        Ok(KernelCoeffs {
            name: act.name().into(),
            a0,
            mu1: a1,
            mustar2: (nu - a1 * a1).max(0.0),
            error,
            source,
        })
    }

    /// The linear kernel `kappa(rho) = rho` (`mu1 = 1`, `mu_star = 0`): linear ridge.
    pub fn linear() -> KernelCoeffs {
        KernelCoeffs {
            name: "linear".into(),
            a0: 0.0,
            mu1: 1.0,
            mustar2: 0.0,
            error: 0.0,
            source: "closed form".into(),
        }
    }

    /// A kernel given by its coefficients (`mu1 != 0`, `mu_star >= 0`).
    pub fn new(mu1: f64, mustar: f64) -> Result<KernelCoeffs> {
        crate::error::require_finite("mu1", mu1)?;
        crate::error::require_nonnegative("mu_star", mustar)?;
        if mu1 == 0.0 {
            return Err(Error::param("mu1", mu1, "must be != 0"));
        }
        Ok(KernelCoeffs {
            name: format!("mu1={mu1},mu*={mustar}"),
            a0: 0.0,
            mu1,
            mustar2: mustar * mustar,
            error: 0.0,
            source: "given".into(),
        })
    }

    /// `mu_star`.
    pub fn mustar(&self) -> f64 {
        self.mustar2.sqrt()
    }

    /// `r = mu_star^2 / mu1^2`, the implicit ridge of the kernel (`docs/raf.md §4.3`).
    pub fn ratio(&self) -> f64 {
        self.mustar2 / (self.mu1 * self.mu1)
    }
}

/// Largest order of the kernel's power series.
pub const SERIES_ORDER: usize = 120;
/// Allowed truncation error of the series kernel per entry (a few ulps of an O(1) entry).
pub const SERIES_TAIL: f64 = 1e-15;

/// Closed forms of the centred kernel, used when the power series would need too many terms.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ExactKernel {
    /// `rho`.
    Linear,
    /// `(2/pi) asin(c rho)`: sign (`c = 1`), erf(x) (`c = 2/3`).
    ArcSine {
        /// Argument scale.
        c: f64,
    },
}

/// How [`DotKernel::eval`] evaluates: the first `k` series terms, or the closed form.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum KernelPlan {
    /// `sum_{j=1..k} c_j rho^j` (Horner).
    Terms(usize),
    /// The closed form.
    Exact,
}

/// The centred kernel function `kappa(rho) - kappa(0) = sum_{k>=1} c_k rho^k` of an activation,
/// for Monte Carlo: `c_k = a_k^2` (Hermite series), or the Taylor coefficients of the closed
/// forms (`rho`; `(2/pi) asin(c rho)` for sign and erf, evaluated exactly when the series would
/// be too long).
#[derive(Clone, Debug)]
pub struct DotKernel {
    /// `c_0..=c_SERIES_ORDER` (`c_0 = 0`: centred).
    coeffs: Vec<f64>,
    /// `tail[k] = max(0, diag - sum_{j=1..k} c_j)`: bound on `sum_{j>k} c_j`.
    tail: Vec<f64>,
    /// `kappa(1) - kappa(0)`.
    diag: f64,
    /// Closed form, if any.
    exact: Option<ExactKernel>,
}

impl DotKernel {
    fn from_coeffs(coeffs: Vec<f64>, diag: f64, exact: Option<ExactKernel>) -> DotKernel {
        let mut tail = Vec::with_capacity(coeffs.len());
        let mut acc = diag;
        tail.push(acc);
        for v in &coeffs[1..] {
            acc -= v;
            tail.push(acc.max(0.0));
        }
        DotKernel {
            coeffs,
            tail,
            diag,
            exact,
        }
    }

    /// `(2/pi) asin(c rho) = (2/pi) sum_j t_j (c rho)^(2j+1)`, `t_j = (2j)!/(4^j (j!)^2 (2j+1))`.
    fn arcsine(c: f64) -> DotKernel {
        let mut coeffs = vec![0.0; SERIES_ORDER + 1];
        let mut t = 1.0f64; // (2j)!/(4^j (j!)^2)
        for k in (1..=SERIES_ORDER).step_by(2) {
            // k = 2j + 1
            coeffs[k] = 2.0 / PI * t / k as f64 * c.powi(k as i32);
            t *= k as f64 / (k + 1) as f64;
        }
        DotKernel::from_coeffs(
            coeffs,
            2.0 / PI * c.asin(),
            Some(ExactKernel::ArcSine { c }),
        )
    }

    /// The kernel of `act`.
    pub fn for_activation(act: &Activation) -> Result<DotKernel> {
        if let Kind::Builtin(b) = act.kind() {
            match b {
                Builtin::Linear => {
                    let mut c = vec![0.0; SERIES_ORDER + 1];
                    c[1] = 1.0;
                    return Ok(DotKernel::from_coeffs(c, 1.0, Some(ExactKernel::Linear)));
                }
                Builtin::Sign => return Ok(DotKernel::arcsine(1.0)),
                Builtin::Erf => return Ok(DotKernel::arcsine(2.0 / 3.0)),
                _ => {}
            }
        }
        let h = hermite_coeffs(act, SERIES_ORDER)?;
        let mut coeffs: Vec<f64> = h.a.iter().map(|a| a * a).collect();
        coeffs[0] = 0.0;
        Ok(DotKernel::from_coeffs(coeffs, h.nu, None))
    }

    /// `kappa(1) - kappa(0)`: the diagonal of the centred Gram matrix on the sphere.
    pub fn diag(&self) -> f64 {
        self.diag
    }

    /// `kappa'(0) = mu1^2`, the slope of the linear part.
    pub fn slope(&self) -> f64 {
        self.coeffs[1]
    }

    /// How to evaluate for `|rho| <= rho_max`: the fewest series terms whose tail bound
    /// `rho_max^{k+1} sum_{j>k} c_j` is below [`SERIES_TAIL`], else the closed form. Error when
    /// there is no closed form and even [`SERIES_ORDER`] terms do not suffice (inputs too
    /// correlated: tiny `d`).
    pub fn plan(&self, rho_max: f64) -> Result<KernelPlan> {
        let r = rho_max.abs().min(1.0);
        let mut rk = r; // r^(k+1) at k = 0
        for (k, t) in self.tail.iter().enumerate() {
            if k >= 1 && rk * t <= SERIES_TAIL {
                return Ok(KernelPlan::Terms(k));
            }
            rk *= r;
        }
        if self.exact.is_some() {
            return Ok(KernelPlan::Exact);
        }
        Err(Error::param(
            "d",
            format!("max |x.x'/d| = {r:.3}"),
            format!(
                "the Hermite series of this kernel needs more than {SERIES_ORDER} terms at this \
                 correlation; use a larger d (or sign/erf/linear, which have closed forms)"
            ),
        ))
    }

    /// `kappa(rho) - kappa(0)` under `plan` (from [`Self::plan`]).
    #[inline]
    pub fn eval(&self, rho: f64, plan: KernelPlan) -> f64 {
        match plan {
            KernelPlan::Terms(k) => {
                let mut s = 0.0;
                for c in self.coeffs[1..=k].iter().rev() {
                    s = s * rho + c;
                }
                s * rho
            }
            KernelPlan::Exact => match self.exact {
                Some(ExactKernel::Linear) | None => rho,
                Some(ExactKernel::ArcSine { c }) => 2.0 / PI * (c * rho).clamp(-1.0, 1.0).asin(),
            },
        }
    }

    /// Applies `eval` to every entry of `xs` in place.
    pub fn apply(&self, xs: &mut [f64], plan: KernelPlan) {
        for x in xs {
            *x = self.eval(*x, plan);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_and_erf_closed_forms() {
        let s = KernelCoeffs::from_activation(&Activation::parse("sign").unwrap()).unwrap();
        assert!((s.mu1 * s.mu1 - 2.0 / PI).abs() < 1e-15);
        assert!((s.mustar2 - (1.0 - 2.0 / PI)).abs() < 1e-15);
        // erf(beta x): mu1^2 = 2c/pi, mu*^2 = (2/pi)(asin c - c), c = 2 beta^2/(1 + 2 beta^2)
        let e = KernelCoeffs::from_activation(&Activation::parse("erf").unwrap()).unwrap();
        let c = 2.0 / 3.0;
        assert!((e.mu1 * e.mu1 - 2.0 * c / PI).abs() < 1e-15);
        assert!((e.mustar2 - 2.0 / PI * (c.asin() - c)).abs() < 1e-15);
        // erf(0.5 x) as an expression goes through quadrature
        let h = KernelCoeffs::from_activation(&Activation::parse("erf(0.5*x)").unwrap()).unwrap();
        let c = 0.5 / 1.5;
        assert!((h.mu1 * h.mu1 - 2.0 * c / PI).abs() < 1e-12);
        assert!((h.mustar2 - 2.0 / PI * (c.asin() - c)).abs() < 1e-12);
        assert!(KernelCoeffs::from_activation(&Activation::parse("cos").unwrap()).is_err());
    }

    #[test]
    fn series_kernel_matches_the_arcsine_closed_form() {
        // erf(x) through the series path (as an expression) vs (2/pi) asin(2 rho/3)
        let k = DotKernel::for_activation(&Activation::parse("erf(1*x)").unwrap()).unwrap();
        let closed = DotKernel::for_activation(&Activation::parse("erf").unwrap()).unwrap();
        let t = k.plan(0.6).unwrap();
        let tc = closed.plan(0.6).unwrap();
        assert!(matches!(tc, KernelPlan::Terms(_)));
        for rho in [-0.6, -0.1, 0.0, 0.05, 0.3, 0.6] {
            let exact = 2.0 / PI * (2.0 * rho / 3.0f64).asin();
            assert!((k.eval(rho, t) - exact).abs() < 1e-13, "{rho}");
            assert!((closed.eval(rho, tc) - exact).abs() < 1e-15, "{rho}");
            assert!(
                (closed.eval(rho, KernelPlan::Exact) - exact).abs() < 1e-16,
                "{rho}"
            );
        }
        assert!((k.diag() - closed.diag()).abs() < 1e-13);
        // sign: the series at |rho| <= 0.5, the closed form near 1
        let s = DotKernel::for_activation(&Activation::parse("sign").unwrap()).unwrap();
        let p = s.plan(0.5).unwrap();
        assert!((s.eval(0.5, p) - 1.0 / 3.0).abs() < 1e-15);
        assert_eq!(s.plan(0.99).unwrap(), KernelPlan::Exact);
        assert!((s.slope() - 2.0 / PI).abs() < 1e-16);
    }
}
