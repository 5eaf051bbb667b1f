//! One-dimensional root finding and minimisation for the RAF theory, over argmin's
//! [`BrentRoot`] and [`BrentOpt`] (the maintained implementations; `crate::fixed_point` holds
//! the project's own multi-dimensional solvers and is not needed here).
//!
//! The RAF fixed points reduce to scalar equations (`docs/raf.md §4.5, §6`): the random-features
//! saddle point to one equation in `D = 1 + mu1^2 V_s + mu_star^2 V_w`, the Bayes-optimal one to
//! one equation in `ln V`. `lambda_opt` is a scalar minimisation (`docs/raf.md §7`).

use crate::error::{Error, Result};
use argmin::core::{CostFunction, Executor, State};
use argmin::solver::brent::{BrentOpt, BrentRoot};

struct Scalar<F: Fn(f64) -> f64>(F);

impl<F: Fn(f64) -> f64> CostFunction for Scalar<F> {
    type Param = f64;
    type Output = f64;
    fn cost(&self, x: &f64) -> std::result::Result<f64, argmin::core::Error> {
        Ok((self.0)(*x))
    }
}

/// Maximal Brent iterations (each halves the bracket at worst: 200 is far beyond f64 precision).
const MAX_ITERS: u64 = 200;

/// A root of `f` in `[lo, hi]` (`f(lo)` and `f(hi)` of opposite signs), to relative accuracy
/// `tol`. `what` names the equation in errors.
pub fn brent_root(f: impl Fn(f64) -> f64, lo: f64, hi: f64, tol: f64, what: &str) -> Result<f64> {
    let (flo, fhi) = (f(lo), f(hi));
    if !(flo.is_finite() && fhi.is_finite()) || flo * fhi > 0.0 {
        return Err(Error::NoConvergence {
            solver: format!("BrentRoot ({what})"),
            iters: 0,
            residual: flo.abs().min(fhi.abs()),
            context: format!(", no sign change on [{lo:e}, {hi:e}]: f = {flo:e}, {fhi:e}"),
        });
    }
    if flo == 0.0 {
        return Ok(lo);
    }
    if fhi == 0.0 {
        return Ok(hi);
    }
    let res = Executor::new(Scalar(&f), BrentRoot::new(lo, hi, tol))
        .configure(|s| s.param(0.5 * (lo + hi)).max_iters(MAX_ITERS))
        .timer(false)
        .run()
        .map_err(|e| Error::NoConvergence {
            solver: format!("BrentRoot ({what})"),
            iters: 0,
            residual: f64::NAN,
            context: format!(": {e:#}"),
        })?;
    let st = res.state();
    let x = *st.get_best_param().or(st.get_param()).unwrap_or(&f64::NAN);
    if !x.is_finite() {
        return Err(Error::NoConvergence {
            solver: format!("BrentRoot ({what})"),
            iters: st.get_iter(),
            residual: f64::NAN,
            context: String::new(),
        });
    }
    Ok(x)
}

/// The minimiser of `f` on `[lo, hi]` (Brent's parabolic/golden-section method) with relative
/// tolerance `eps` and absolute tolerance `abs`.
pub fn brent_min(f: impl Fn(f64) -> f64, lo: f64, hi: f64, eps: f64, abs: f64) -> Result<f64> {
    let res = Executor::new(Scalar(&f), BrentOpt::new(lo, hi).set_tolerance(eps, abs))
        .configure(|s| s.max_iters(MAX_ITERS))
        .timer(false)
        .run()
        .map_err(|e| Error::NoConvergence {
            solver: "BrentOpt".into(),
            iters: 0,
            residual: f64::NAN,
            context: format!(": {e:#}"),
        })?;
    let st = res.state();
    st.get_best_param()
        .or(st.get_param())
        .copied()
        .filter(|x| x.is_finite())
        .ok_or_else(|| Error::NoConvergence {
            solver: "BrentOpt".into(),
            iters: st.get_iter(),
            residual: f64::NAN,
            context: String::new(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_and_minimum_of_simple_functions() {
        let r = brent_root(|x| x * x - 2.0, 0.0, 2.0, 1e-15, "sqrt 2").unwrap();
        assert!((r - std::f64::consts::SQRT_2).abs() < 1e-14);
        let m = brent_min(|x| (x - 0.3).powi(2), -1.0, 1.0, 1e-10, 1e-12).unwrap();
        assert!((m - 0.3).abs() < 1e-8);
        assert!(brent_root(|x| x * x + 1.0, 0.0, 1.0, 1e-12, "none").is_err());
    }
}
