//! Empirical spectra of the kernel and of `Phi^T Phi / n`, and their Stieltjes transforms.

use super::kernel::{features, kernel_matrix};
use crate::error::{Error, Result};
use crate::linalg;
use crate::model::SimConfig;
use faer::Mat;
use num_complex::Complex64;

/// Eigenvalues (nondecreasing) of the kernel of replicate `r`: `K`, or `K~` when
/// the model is `Equivalent`. `Err` for ridge or when `K` is not symmetric (`w_K` not parallel
/// to `w_Q`).
pub fn kernel_eigenvalues(cfg: &SimConfig, r: usize) -> Result<Vec<f64>> {
    if !cfg.is_symmetric() {
        return Err(Error::param(
            "wk/wq",
            cfg.spec.describe(),
            "K is symmetric only when sum_j w_K,j w_Q,j^T is symmetric (e.g. w_K parallel to w_Q)",
        ));
    }
    let k = kernel_matrix(cfg, r)?;
    Ok(linalg::sym_eigen(k.as_ref(), false)?.0)
}

/// All `n` eigenvalues (nondecreasing, zeros included) of `Phi^T Phi / n` for replicate `r`.
pub fn gram_eigenvalues(cfg: &SimConfig, r: usize) -> Result<Vec<f64>> {
    let (phi, _) = features(cfg, r)?;
    let (d, n) = (phi.nrows(), phi.ncols());
    let nf = n as f64;
    let m = d.min(n);
    let mut g = Mat::<f64>::zeros(m, m);
    if d < n {
        linalg::gram_lower(g.as_mut(), phi.transpose(), 1.0 / nf);
    } else {
        linalg::gram_lower(g.as_mut(), phi.as_ref(), 1.0 / nf);
    }
    let (l, _) = linalg::sym_eigen(g.as_ref(), false)?;
    let mut out = vec![0.0; n - m];
    out.extend(l.into_iter().map(|v| v.max(0.0)));
    Ok(out)
}

/// Empirical Stieltjes transform `(1/len) sum_i 1 / (l_i - z)`.
pub fn stieltjes(eigs: &[f64], z: Complex64) -> Complex64 {
    if eigs.is_empty() {
        return Complex64::new(f64::NAN, f64::NAN);
    }
    eigs.iter().map(|&l| 1.0 / (l - z)).sum::<Complex64>() / eigs.len() as f64
}
