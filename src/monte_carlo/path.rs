//! The whole gamma path of a replicate from one symmetric eigendecomposition on the smaller
//! side (formulas in the module doc of [`crate::monte_carlo`]).

use super::ReplicateResult;
use crate::error::{Error, Result};
use crate::linalg;
use faer::{Mat, MatRef};

/// The gamma path from features `phi` (`d x n`) and labels `y` (`||y||^2 = n` assumed, as for
/// +-1 labels), by one symmetric eigendecomposition on the smaller side (see the module doc).
pub fn path_from_features(
    phi: MatRef<'_, f64>,
    y: &[f64],
    gammas: &[f64],
) -> Result<ReplicateResult> {
    let (d, n) = (phi.nrows(), phi.ncols());
    if y.len() != n {
        return Err(Error::param("y", y.len(), format!("expected {n} labels")));
    }
    let nf = n as f64;
    // Column-major traversal (contiguous); fixed order, so deterministic.
    let mut phi_y = vec![0.0; d];
    for (j, &yj) in y.iter().enumerate() {
        for (i, acc) in phi_y.iter_mut().enumerate() {
            *acc += phi[(i, j)] * yj;
        }
    }
    let r1 = phi_y.iter().map(|v| v * v).sum::<f64>() / (nf * nf);
    let small = d < n;
    let m = d.min(n);
    let mut g = Mat::<f64>::zeros(m, m);
    if small {
        linalg::gram_lower(g.as_mut(), phi.transpose(), 1.0 / nf);
    } else {
        linalg::gram_lower(g.as_mut(), phi, 1.0 / nf);
    }
    let (mut l, u) = linalg::sym_eigen(g.as_ref(), true)?;
    drop(g);
    let u = u.ok_or_else(|| Error::Linalg {
        op: "symmetric eigendecomposition".into(),
        detail: "eigenvectors missing".into(),
    })?;
    // Eigenvalues of a Gram matrix are >= 0; clip round-off negatives.
    for v in &mut l {
        *v = v.max(0.0);
    }
    let lmax = l.last().copied().unwrap_or(0.0);
    let rhs: &[f64] = if small { &phi_y } else { y };
    let wts: Vec<f64> = (0..m)
        .map(|i| {
            let c: f64 = (0..m).map(|k| u[(k, i)] * rhs[k]).sum();
            if small {
                c * c / nf
            } else {
                c * c
            }
        })
        .collect();
    // Zero eigenvalues: below n eps l_max (rank-revealing threshold of a Gram matrix).
    let thr = nf * f64::EPSILON * lmax;
    let kappa0 = if small {
        let s: f64 = l
            .iter()
            .zip(&wts)
            .filter(|(li, _)| **li > thr)
            .map(|(li, wi)| wi / li)
            .sum();
        (1.0 - s / nf).max(0.0)
    } else {
        l.iter()
            .zip(&wts)
            .filter(|(li, _)| **li <= thr)
            .map(|(_, bi)| bi)
            .sum::<f64>()
            / nf
    };
    let (e, yqy, trq) = path_from_spectrum(&l, &wts, d, n, gammas);
    Ok(ReplicateResult {
        e,
        yqy,
        trq,
        r1,
        kappa0,
        lambda_max: lmax,
    })
}

/// The gamma path from the spectrum of `Phi` (`d x n`): eigenvalues `l` of the smaller Gram
/// matrix and weights `wts` (`w_i = (u_i^T Phi y)^2 / n` when `d < n`, `b_i = (v_i^T y)^2`
/// otherwise); returns `(E, yQy, trQ)` per gamma. `O(len(l))` work per gamma, no allocation
/// besides the three outputs.
pub fn path_from_spectrum(
    l: &[f64],
    wts: &[f64],
    d: usize,
    n: usize,
    gammas: &[f64],
) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let nf = n as f64;
    let small = d < n;
    let k = gammas.len();
    let (mut e, mut yqy, mut trq) = (
        Vec::with_capacity(k),
        Vec::with_capacity(k),
        Vec::with_capacity(k),
    );
    for &gm in gammas {
        let (mut s1, mut s2, mut s3) = (0.0, 0.0, 0.0);
        for (&li, &wi) in l.iter().zip(wts) {
            let inv = 1.0 / (li + gm);
            if small {
                s1 += wi * inv;
                s2 += wi * (li + 2.0 * gm) * inv * inv;
            } else {
                s1 += wi * inv;
                s2 += wi * inv * inv;
            }
            s3 += inv;
        }
        if small {
            yqy.push((1.0 - s1 / nf) / gm);
            e.push(1.0 - s2 / nf);
            trq.push((s3 + (n - d) as f64 / gm) / nf);
        } else {
            yqy.push(s1 / nf);
            e.push(gm * gm * s2 / nf);
            trq.push(s3 / nf);
        }
    }
    (e, yqy, trq)
}
