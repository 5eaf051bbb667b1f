//! AR(1)-correlated tokens `Z = Z0 C^{1/2}`, `C_ij = rho^|i-j|` (`docs/variants.md §4`).
//!
//! * Ridge **\[derived\]**: the closed form of `docs/variants.md §4.1` (Silverstein's equation for
//!   the bulk, Sherman–Morrison for the rank-one signal, analytic derivative in gamma), on the
//!   eigenvalues `kappa_k` of the `n x n` matrix `C` and the label weights
//!   `pi_k = v_k^T E[y y^T] v_k / n` (iid labels: `1/n`; labels in blocks of `L`: the block sums
//!   of the eigenvectors). Evaluated at finite `n` (the eigenvalues of `C`), not in the limit.
//! * Gaussian-equivalent attention **\[derived\]**: `Phi = X K~` with `K~ = a1 X^T W X/p + sigma
//!   G/sqrt p + s I` on correlated `X`: the mode model with modes = eigenvectors of `C`.
//! * Attention **\[conjecture\]** (`docs/variants.md §4.2`): `Kt = a1 (X^T W X/p - C) + kappa +
//!   sum_m a_m C_m^{1/2} G_m C_m^{1/2}/sqrt p`, `kappa_ij = E f_c(sqrt p C_ij + sqrt(1 + C_ij^2)
//!   xi)/sqrt p` (finite-p mean, Toeplitz, zero diagonal), `C_m = C^{(Hadamard m)}` for
//!   `m = 2..=`[`CONJ_MMAX`], the rest of `sigma^2` on `C_m = I`; the Toeplitz matrices are
//!   represented by their diagonal in the eigenbasis of `C`.

use super::modes::ModeModel;
use super::TheoryPoint;
use crate::activation::Activation;
use crate::error::{Error, Result};
use crate::linalg;
use crate::model::Geometry;
use faer::Mat;

/// Highest Hermite order with its own covariance profile `C^{(Hadamard m)}` in the conjectured
/// attention equivalent (the rest of `sigma^2` goes on `C_m = I`): 6, as in the reference
/// values of `docs/variants.md §6`.
pub const CONJ_MMAX: usize = 6;

/// The modes of an AR(1) token covariance at finite `n`.
#[derive(Clone, Debug)]
pub struct Ar1Modes {
    /// Eigenvalues `kappa_k` of `C` (nondecreasing).
    pub kappa: Vec<f64>,
    /// Label weights `pi_k` (sum 1).
    pub pi: Vec<f64>,
    /// Eigenvectors (columns), when computed.
    pub vectors: Option<Mat<f64>>,
}

/// `C_ij = rho^|i-j|` as a dense `n x n` matrix.
fn toeplitz(vals: &[f64]) -> Mat<f64> {
    let n = vals.len();
    Mat::from_fn(n, n, |i, j| vals[i.abs_diff(j)])
}

/// Largest `n` of the AR(1) equivalents: the dense `n x n` eigendecomposition (with vectors)
/// takes a few seconds at 4096 on 2 cores and grows like `n^3`; the claims and figures use
/// `n <= 1024`.
pub const MAX_AR1_N: usize = 4096;

/// Eigen-decomposition of the AR(1) matrix and the label weights for labels constant on blocks
/// of `block` tokens (`block = 1`: iid labels). Eigenvectors are kept when `vectors` (always
/// computed for `block > 1`).
pub fn ar1_modes(n: usize, rho: f64, block: usize, vectors: bool) -> Result<Ar1Modes> {
    if !(1..=MAX_AR1_N).contains(&n) {
        return Err(Error::param(
            "n",
            n,
            format!(
                "allowed 1..={MAX_AR1_N} for AR(1) tokens: their equivalent diagonalises the \
                 n x n token covariance (dense, O(n^3))"
            ),
        ));
    }
    if !(rho.is_finite() && rho.abs() < 1.0) {
        return Err(Error::param("tokens.ar1", rho, "must be in (-1, 1)"));
    }
    let block = block.max(1);
    let lags: Vec<f64> = (0..n).map(|l| rho.powi(l as i32)).collect();
    let c = toeplitz(&lags);
    let need_v = vectors || block > 1;
    let (kappa, v) = linalg::sym_eigen(c.as_ref(), need_v)?;
    let nf = n as f64;
    let pi = match (&v, block) {
        (Some(v), b) if b > 1 => (0..n)
            .map(|k| {
                let mut s = 0.0;
                let mut i0 = 0;
                while i0 < n {
                    let i1 = (i0 + b).min(n);
                    let bs: f64 = (i0..i1).map(|i| v[(i, k)]).sum();
                    s += bs * bs;
                    i0 = i1;
                }
                s / nf
            })
            .collect(),
        _ => vec![1.0 / nf; n],
    };
    Ok(Ar1Modes {
        kappa,
        pi,
        vectors: v,
    })
}

/// `diag(V^T T V)` for symmetric Toeplitz matrices `T` (first rows `rows[j]`), all at once:
/// `v^T T v = t_0 sum_i v_i^2 + 2 sum_{l>=1} t_l sum_i v_i v_{i+l}`, so one pass over the
/// autocorrelations of each eigenvector (`n^2/2` per vector, in parallel over vectors; each
/// vector's sums in a fixed order, so the result does not depend on the thread count) serves
/// every `T`.
fn toeplitz_diags(v: &Mat<f64>, rows: &[Vec<f64>]) -> Vec<Vec<f64>> {
    use rayon::prelude::*;
    let n = v.nrows();
    let per_mode: Vec<Vec<f64>> = (0..v.ncols())
        .into_par_iter()
        .map(|k| {
            let col: Vec<f64> = (0..n).map(|i| v[(i, k)]).collect();
            let ac: Vec<f64> = (0..n)
                .map(|l| (0..n - l).map(|i| col[i] * col[i + l]).sum())
                .collect();
            rows.iter()
                .map(|t| t[0] * ac[0] + 2.0 * (1..n).map(|l| t[l] * ac[l]).sum::<f64>())
                .collect()
        })
        .collect();
    (0..rows.len())
        .map(|j| per_mode.iter().map(|m| m[j]).collect())
        .collect()
}

/// Ridge on `X = mu y^T + Z0 C^{1/2}` (rank-one signal, `snr = ||mu||^2`), closed form
/// (`docs/variants.md §4.1`):
///
/// ```text
/// e = (1/n) sum_k kappa_k / (gamma + c kappa_k / (1 + e))
/// a = sum_k pi_k / (gamma + c kappa_k / (1 + e)),   q = a / (1 + snr a / (1 + e))
/// E = -gamma^2 dq/dgamma  (analytic implicit derivative)
/// ```
pub fn ridge_ar1_path(
    c: f64,
    snr: f64,
    kappa: &[f64],
    pi: &[f64],
    gammas: &[f64],
) -> Result<Vec<TheoryPoint>> {
    crate::error::require_positive("c", c)?;
    crate::error::require_nonnegative("snr", snr)?;
    if kappa.len() != pi.len() || kappa.is_empty() {
        return Err(Error::param(
            "modes",
            kappa.len(),
            "kappa and pi differ in length",
        ));
    }
    let w = 1.0 / kappa.len() as f64;
    gammas
        .iter()
        .map(|&gamma| {
            crate::error::require_positive("gamma", gamma)?;
            let g = |e: f64| -> (f64, f64) {
                // value e - sum, derivative 1 - F_e
                let (mut s, mut fe) = (0.0, 0.0);
                for &k in kappa {
                    let den = gamma + c * k / (1.0 + e);
                    s += w * k / den;
                    fe += w * c * k * k / ((1.0 + e) * (1.0 + e) * den * den);
                }
                (e - s, 1.0 - fe)
            };
            // Bracket: g(0) < 0, g(mean(kappa)/gamma) >= 0 (each term <= kappa/gamma).
            let (mut lo, mut hi) = (0.0, kappa.iter().sum::<f64>() * w / gamma);
            let mut e = 0.5 * (lo + hi);
            let mut iters = 0;
            for it in 0..200 {
                iters = it + 1;
                let (gv, dg) = g(e);
                if gv < 0.0 {
                    lo = e;
                } else {
                    hi = e;
                }
                let mut en = e - gv / dg;
                if !(en > lo && en < hi && en.is_finite()) {
                    en = 0.5 * (lo + hi);
                }
                let done = (en - e).abs() <= 1e-15 * e.max(1e-300) || hi - lo <= 1e-16 * hi;
                e = en;
                if done {
                    break;
                }
            }
            let (res, _) = g(e);
            let (mut fg, mut fe, mut a, mut da) = (0.0, 0.0, 0.0, 0.0);
            for (&k, &p) in kappa.iter().zip(pi) {
                let den = gamma + c * k / (1.0 + e);
                fg -= w * k / (den * den);
                fe += w * c * k * k / ((1.0 + e) * (1.0 + e) * den * den);
                a += p / den;
            }
            let de = fg / (1.0 - fe);
            for (&k, &p) in kappa.iter().zip(pi) {
                let den = gamma + c * k / (1.0 + e);
                da -= p * (1.0 - c * k * de / ((1.0 + e) * (1.0 + e))) / (den * den);
            }
            let s = snr / (1.0 + e);
            let ds = -snr * de / ((1.0 + e) * (1.0 + e));
            let q = a / (1.0 + s * a);
            let dq = (da - ds * a * a) / ((1.0 + s * a) * (1.0 + s * a));
            let trq: f64 = kappa.iter().map(|&k| w / (gamma + c * k / (1.0 + e))).sum();
            let residual = res.abs() / e.max(1.0);
            Ok(TheoryPoint {
                gamma,
                e: -gamma * gamma * dq,
                yqy: q,
                trq,
                iterations: iters,
                residual,
                converged: residual <= 1e-13,
            })
        })
        .collect()
}

/// `E f_c(m + s xi)` (`f_c` = `act` centred by `mean`), by piecewise tanh-sinh split at the
/// kinks of `f` (absolute target 1e-14).
fn gaussian_mean(act: &Activation, mean: f64, m: f64, s: f64) -> Result<f64> {
    let breaks: Vec<f64> = act.breakpoints().iter().map(|b| (b - m) / s).collect();
    Ok(crate::quadrature::gaussian_expectation_piecewise(
        |x| act.eval(m + s * x) - mean,
        &breaks,
        14.0,
        1e-14,
    )?
    .value)
}

/// The Gaussian-equivalent model on correlated tokens **\[derived\]**:
/// `Phi = X K~`, `K~ = a1 X^T W X/p + sigma G/sqrt p + s I`, `Z = Z0 C^{1/2}`.
pub fn equivalent_ar1_model(
    c: f64,
    a1: f64,
    nu: f64,
    s: f64,
    modes: &Ar1Modes,
    geometry: Geometry,
) -> ModeModel {
    let k = modes.kappa.len();
    let w = vec![1.0 / k as f64; k];
    ModeModel {
        c,
        a1,
        w,
        pi: modes.pi.clone(),
        cz: modes.kappa.clone(),
        d1: vec![0.0; k],
        d2: vec![1.0; k],
        s: vec![s; k],
        gprof: vec![((nu - a1 * a1).max(0.0), vec![1.0; k])],
        geometry,
    }
}

/// The conjectured equivalent of attention on AR(1) tokens **\[conjecture\]**
/// (`docs/variants.md §4.2`) at finite `n` and `p`, zero diagonal.
pub fn attention_ar1_model(
    act: &Activation,
    n: usize,
    p: usize,
    rho: f64,
    block: usize,
    geometry: Geometry,
) -> Result<ModeModel> {
    attention_ar1_model_with(act, n, p, rho, block, geometry, true)
}

/// [`attention_ar1_model`] with the mean kernel `kappa` switchable (`false`: `S = -a1 C`, the
/// ingredient the conjecture adds dropped; negative controls only).
pub fn attention_ar1_model_with(
    act: &Activation,
    n: usize,
    p: usize,
    rho: f64,
    block: usize,
    geometry: Geometry,
    with_kappa: bool,
) -> Result<ModeModel> {
    let modes = ar1_modes(n, rho, block, true)?;
    let v = modes
        .vectors
        .as_ref()
        .ok_or_else(|| Error::param("modes", "", "internal: eigenvectors missing"))?;
    let h = crate::hermite::hermite_coeffs(act, CONJ_MMAX)?;
    let (a1, nu) = (h.a1, h.nu.max(h.a1 * h.a1));
    let sp = (p as f64).sqrt();
    let lags: Vec<f64> = (0..n).map(|l| rho.powi(l as i32)).collect();
    // kappa_l = E f_c(sqrt p r + sqrt(1 + r^2) xi)/sqrt p (lag l >= 1), 0 on the diagonal;
    // S = kappa - a1 C.
    let mut svals = vec![0.0; n];
    for (l, &r) in lags.iter().enumerate().skip(1) {
        let kap = if with_kappa {
            gaussian_mean(act, h.mean, sp * r, (1.0 + r * r).sqrt())? / sp
        } else {
            0.0
        };
        svals[l] = kap - a1 * r;
    }
    svals[0] = -a1;
    let mut toeplitz_rows = vec![svals];
    for m in 2..=CONJ_MMAX {
        toeplitz_rows.push(lags.iter().map(|r| r.powi(m as i32)).collect());
    }
    let mut diags = toeplitz_diags(v, &toeplitz_rows).into_iter();
    let s_modes = diags.next().unwrap_or_default();
    let mut gprof = Vec::new();
    let mut used = 0.0;
    for (m, g) in (2..=CONJ_MMAX).zip(diags) {
        let am = h.a.get(m).copied().unwrap_or(0.0);
        gprof.push((am * am, g));
        used += am * am;
    }
    gprof.push((((nu - a1 * a1) - used).max(0.0), vec![1.0; n]));
    let k = n;
    Ok(ModeModel {
        c: p as f64 / n as f64,
        a1,
        w: vec![1.0 / k as f64; k],
        pi: modes.pi.clone(),
        cz: modes.kappa.clone(),
        d1: vec![0.0; k],
        d2: vec![1.0; k],
        s: s_modes,
        gprof,
        geometry,
    })
}
