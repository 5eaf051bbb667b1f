//! Monte Carlo on the exact model (SPEC §1, §3): memorization error along a whole gamma path.
//!
//! Replicate `r` draws `y` (uniform +-1), `Z` (N(0,1), filled column by column) and, for the
//! Gaussian-equivalent model, `G` from the named streams `("y", "z", "goe")` of
//! [`crate::random::stream`]`(seed, r, ..)`. With `mu = sqrt(snr) e_1`, `X = mu y^T + Z`,
//!
//! ```text
//! T = X^T X + (X^T w_K)(X^T w_Q)^T                 (W = I + w_K w_Q^T never formed)
//! K = f_c(T / sqrt p) / sqrt p,  f_c = f - E f(xi)  (K_ii = 0, or f_c(T_ii/sqrt p)/sqrt p literal)
//! K~ = a1 T / p + sigma G / sqrt p + s I           (equivalent; s = -a1 or tau_D - a1)
//! Phi = X K  (attention/equivalent),  Phi = X  (ridge)
//! Q = (Phi^T Phi / n + gamma I_n)^{-1},  E = (gamma^2/n) y^T Q^2 y,  yQy = y^T Q y / n,  trQ = tr Q / n
//! ```
//!
//! The whole path comes from ONE symmetric eigendecomposition per replicate on the smaller side.
//! For `p < n`, `Phi Phi^T / n = U diag(l) U^T`, `w_i = (u_i^T Phi y)^2 / n` and (Woodbury, using
//! `||y||^2 = n`; no division by a possibly zero `l_i`):
//!
//! ```text
//! yQy = (1/gamma) (1 - (1/n) sum_i w_i / (l_i + gamma))
//! E   = 1 - (1/n) sum_i w_i (l_i + 2 gamma) / (l_i + gamma)^2
//! trQ = (1/n) [ sum_i 1 / (l_i + gamma) + (n - p) / gamma ]
//! ```
//!
//! For `p >= n`, `Phi^T Phi / n = V diag(l) V^T`, `b_i = (v_i^T y)^2`: `yQy = (1/n) sum b_i/(l_i+gamma)`,
//! `E = (gamma^2/n) sum b_i/(l_i+gamma)^2`, `trQ = (1/n) sum 1/(l_i+gamma)`. `E` equals the ridge
//! probe's training residual `||y - Phi^T w*||^2 / n`, `w* = (Phi Phi^T + n gamma I)^{-1} Phi y`
//! (SPEC §1.6); `tests/monte_carlo.rs` checks every formula against that direct solve.
//!
//! Determinism: products use the fixed block partition of [`crate::linalg`]; random draws are
//! sequential within their stream; replicates run in parallel and are collected in replicate
//! order. Results are bit-identical for any rayon thread count.

use crate::error::{Error, Result};
use crate::hermite::hermite_coeffs;
use crate::linalg::{self, col_blocks, BLOCK};
use crate::model::{Diag, Labels, ModelKind, SimConfig};
use crate::random::stream;
use faer::{Mat, MatMut, MatRef};
use num_complex::Complex64;
use rand::Rng as _;
use rand_distr::{Distribution, StandardNormal};
use rayon::prelude::*;
use serde::Serialize;
use std::cell::Cell;

/// Per-replicate output.
#[derive(Clone, Debug, Serialize)]
pub struct ReplicateResult {
    /// `E(gamma)` for each gamma of the path.
    pub e: Vec<f64>,
    /// `y^T Q y / n` for each gamma.
    pub yqy: Vec<f64>,
    /// `tr Q / n` for each gamma.
    pub trq: Vec<f64>,
    /// `||Phi y||^2 / n^2`.
    pub r1: f64,
    /// Ridgeless error `||P_ker(Phi) y||^2 / n` (eigenvalues below `n eps l_max` count as zero).
    pub kappa0: f64,
    /// Largest eigenvalue of `Phi^T Phi / n`.
    pub lambda_max: f64,
}

/// Mean, standard error and 95% Student-t interval over replicates.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Summary {
    /// Sample mean.
    pub mean: f64,
    /// Standard error `sd / sqrt(R)` (sample sd with `R - 1`); 0 when `R = 1`.
    pub se: f64,
    /// `mean -+ t_{0.975, R-1} se`; `(mean, mean)` when `R = 1`.
    pub ci95: (f64, f64),
}

/// Summaries at one gamma.
#[derive(Clone, Debug, Serialize)]
pub struct SimPoint {
    /// Ridge parameter.
    pub gamma: f64,
    /// Memorization error.
    pub e: Summary,
    /// `y^T Q y / n`.
    pub yqy: Summary,
    /// `tr Q / n`.
    pub trq: Summary,
}

/// A whole run.
#[derive(Clone, Debug)]
pub struct SimResult {
    /// The configuration that produced it.
    pub config: SimConfig,
    /// Replicates in replicate order.
    pub replicates: Vec<ReplicateResult>,
    /// One summary per gamma, in the order of `config.gammas`.
    pub points: Vec<SimPoint>,
}

/// Kernel constants derived once from the Hermite coefficients.
#[derive(Clone, Copy, Debug)]
struct KernelCoeffs {
    mean: f64,
    a1: f64,
    sigma: f64,
    shift: f64,
}

fn kernel_coeffs(cfg: &SimConfig) -> Result<KernelCoeffs> {
    if cfg.spec.kind == ModelKind::Ridge {
        return Ok(KernelCoeffs {
            mean: 0.0,
            a1: 0.0,
            sigma: 0.0,
            shift: 0.0,
        });
    }
    let act = cfg.spec.activation()?;
    let diag = cfg.spec.head()?.diag;
    let h = hermite_coeffs(act, 2)?;
    let shift = match diag {
        Diag::Zero => -h.a1,
        Diag::Literal if cfg.spec.kind == ModelKind::Equivalent => diag.shift(act, h.a1)?,
        Diag::Literal => 0.0,
    };
    Ok(KernelCoeffs {
        mean: h.mean,
        a1: h.a1,
        sigma: h.sigma2.max(0.0).sqrt(),
        shift,
    })
}

/// Draws the label vectors of replicate `r` from stream "y": `K` independent ±1 vectors (one
/// after the other), or one class per token (one-hot indicator vectors) with the model's
/// proportions.
pub fn sample_labels(cfg: &SimConfig, r: usize) -> Vec<Vec<f64>> {
    let n = cfg.n;
    let k = cfg.spec.labels();
    let mut ry = stream(cfg.seed, r as u64, "y");
    match &cfg.spec.signal.labels {
        Labels::Signs => (0..k)
            .map(|_| {
                (0..n)
                    .map(|_| if ry.random::<bool>() { 1.0 } else { -1.0 })
                    .collect()
            })
            .collect(),
        Labels::Classes { proportions } => {
            let mut y = vec![vec![0.0; n]; k];
            for j in 0..n {
                let u: f64 = ry.random();
                let mut acc = 0.0;
                let mut class = k - 1;
                for (c, &pc) in proportions.iter().enumerate() {
                    acc += pc;
                    if u < acc {
                        class = c;
                        break;
                    }
                }
                y[class][j] = 1.0;
            }
            y
        }
    }
}

/// Draws `(X, y)` of replicate `r`: the labels from stream "y" ([`sample_labels`]), `Z` from
/// stream "z" column by column, `X = sum_k mu_k label_k^T + Z`, and the target
/// `y = sum_k target_k label_k` rescaled to `||y||^2 = n` (unchanged for ±1 labels).
pub fn sample(cfg: &SimConfig, r: usize) -> (Mat<f64>, Vec<f64>) {
    let (n, p) = (cfg.n, cfg.p);
    let labels = sample_labels(cfg, r);
    let mut rz = stream(cfg.seed, r as u64, "z");
    let mut x = Mat::<f64>::zeros(p, n);
    for j in 0..n {
        for i in 0..p {
            x[(i, j)] = StandardNormal.sample(&mut rz);
        }
    }
    for (mu, lab) in cfg.spec.signal.means.iter().zip(&labels) {
        for (i, &m) in mu.iter().enumerate() {
            if m == 0.0 || i >= p {
                continue;
            }
            for (j, &l) in lab.iter().enumerate() {
                x[(i, j)] += m * l;
            }
        }
    }
    let target = &cfg.spec.signal.target;
    let mut y: Vec<f64> = (0..n)
        .map(|j| target.iter().zip(&labels).map(|(t, l)| t * l[j]).sum())
        .collect();
    let norm2: f64 = y.iter().map(|v| v * v).sum();
    if norm2 > 0.0 && norm2 != n as f64 {
        let s = (n as f64 / norm2).sqrt();
        y.iter_mut().for_each(|v| *v *= s);
    }
    (x, y)
}

/// `X^T w` for `w` given on the basis `e_1, e_2, ...`.
fn project(x: MatRef<'_, f64>, w: &[f64]) -> Vec<f64> {
    (0..x.ncols())
        .map(|j| {
            w.iter()
                .enumerate()
                .filter(|(k, _)| *k < x.nrows())
                .map(|(k, &wk)| wk * x[(k, j)])
                .sum()
        })
        .collect()
}

/// The full kernel (`K` for attention, `K~` for equivalent) of replicate `r` built from `x`.
fn build_kernel(cfg: &SimConfig, co: &KernelCoeffs, x: MatRef<'_, f64>, r: usize) -> Mat<f64> {
    let n = x.ncols();
    let mut m = Mat::<f64>::zeros(n, n);
    kernel_fused(cfg, co, x, m.as_mut(), r, Mirror::Full);
    m
}

/// How much of the upper triangle a symmetric kernel gets.
#[derive(Clone, Copy)]
enum Mirror {
    /// All of it.
    Full,
    /// Only the diagonal blocks of the given width.
    DiagBlocks(usize),
}

/// Builds the kernel of replicate `r` into `m` (any content on entry): for a symmetric `T` the
/// kernel transform runs on each column block of the `X^T X` product right after it is
/// computed (fused, cache-warm); otherwise the product is mirrored and transformed after.
fn kernel_fused(
    cfg: &SimConfig,
    co: &KernelCoeffs,
    x: MatRef<'_, f64>,
    mut m: MatMut<'_, f64>,
    r: usize,
    mirror: Mirror,
) {
    if cfg.is_symmetric() {
        let tr = Transform::new(cfg, co, x);
        linalg::gram_lower_then(m.as_mut(), x, 1.0, |j0, blk| tr.block(j0, blk));
        finish_kernel(cfg, co, m, r, mirror);
    } else {
        linalg::gram_lower(m.as_mut(), x, 1.0);
        kernel_from_gram_with(cfg, co, x, m, r, true);
    }
}

/// Benchmark stage: turns `m`, holding `X^T X` in its lower triangle (from
/// [`linalg::gram_lower`]), into the full kernel of replicate `r` (rank-one term, scaling,
/// activation, centring, diagonal convention, and the GOE part for the equivalent model). With
/// `full = false` and a symmetric `T` ([`SimConfig::is_symmetric`]) only the lower triangle and
/// the diagonal blocks are filled (a cheaper partial result, for custom products).
pub fn kernel_from_gram(
    cfg: &SimConfig,
    x: MatRef<'_, f64>,
    m: MatMut<'_, f64>,
    r: usize,
    full: bool,
) -> Result<()> {
    let co = kernel_coeffs(cfg)?;
    kernel_from_gram_with(cfg, &co, x, m, r, full);
    Ok(())
}

/// Benchmark stage: the kernel of replicate `r` from `x` into `m` (any content on entry): the
/// `X^T X` product with the kernel transform fused into it (symmetric `T`). With `full = false`
/// and a symmetric `T` only the lower triangle and the diagonal blocks of width
/// [`linalg::GEMM_BLOCK`] are filled.
pub fn kernel_into(
    cfg: &SimConfig,
    x: MatRef<'_, f64>,
    m: MatMut<'_, f64>,
    r: usize,
    full: bool,
) -> Result<()> {
    let co = kernel_coeffs(cfg)?;
    let mirror = if full {
        Mirror::Full
    } else {
        Mirror::DiagBlocks(linalg::GEMM_BLOCK)
    };
    kernel_fused(cfg, &co, x, m, r, mirror);
    Ok(())
}

/// `tanh x` to within 1e-15 absolute (and ~1e-15 relative), branch-free so that loops over it
/// vectorize: `tanh|x| = -em / (2 + em)`, `em = expm1(-2|x|)` with `|x|` clamped to 20 (beyond,
/// `tanh = 1` in double precision). `expm1(y) = 2^k q(r) + (2^k - 1)`, `y = k ln2 + r`,
/// `|r| <= ln2 / 2`, `q(r) = e^r - 1` by its degree-13 Taylor polynomial (truncation
/// `(ln2/2)^14 / 14! < 5e-18` relative); `k` in `[-58, 0]`, so `2^k` is built from its bits.
/// NaN in gives NaN out. Checked against `f64::tanh` in the tests below.
#[inline(always)]
fn tanh_fast(x: f64) -> f64 {
    // fdlibm's split of ln 2 (hi has trailing zero bits, so k * LN2_HI is exact).
    const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000);
    const LN2_LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76);
    // 1.5 * 2^52: adding it rounds to an integer held in the low mantissa bits.
    const SHIFTER: f64 = 6_755_399_441_055_744.0;
    let ax = x.abs().min(20.0);
    let y = -2.0 * ax;
    let t = y * std::f64::consts::LOG2_E + SHIFTER;
    let kf = t - SHIFTER;
    let r = (y - kf * LN2_HI) - kf * LN2_LO;
    // q = r (1 + r/2! + ... + r^12/13!)
    let mut q = 1.0 / 6_227_020_800.0;
    q = q * r + 1.0 / 479_001_600.0;
    q = q * r + 1.0 / 39_916_800.0;
    q = q * r + 1.0 / 3_628_800.0;
    q = q * r + 1.0 / 362_880.0;
    q = q * r + 1.0 / 40_320.0;
    q = q * r + 1.0 / 5_040.0;
    q = q * r + 1.0 / 720.0;
    q = q * r + 1.0 / 120.0;
    q = q * r + 1.0 / 24.0;
    q = q * r + 1.0 / 6.0;
    q = q * r + 0.5;
    q = q * r + 1.0;
    q *= r;
    // 2^k from the bits: k = t.to_bits() - SHIFTER.to_bits() (two's complement, small).
    let k = t.to_bits().wrapping_sub(SHIFTER.to_bits());
    let scale = f64::from_bits(k.wrapping_add(1023) << 52);
    let em = scale * q + (scale - 1.0);
    let th = -em / (2.0 + em);
    let out = th.copysign(x);
    if x.is_nan() {
        x
    } else {
        out
    }
}

/// The per-entry kernel transform (low-rank terms, scaling, activation, centring, diagonal).
/// The first low-rank term `(X^T w_K)(X^T w_Q)^T` is fused into the activation loop; further
/// terms (`extra`) are added in a pass before it.
struct Transform<'a> {
    a: Vec<f64>,
    b: Vec<f64>,
    extra: Vec<(Vec<f64>, Vec<f64>)>,
    inv_sqrt_p: f64,
    equiv: bool,
    tanh: bool,
    sym: bool,
    act: &'a crate::activation::Activation,
    co: KernelCoeffs,
    diag: Diag,
}

impl<'a> Transform<'a> {
    fn new(cfg: &'a SimConfig, co: &KernelCoeffs, x: MatRef<'_, f64>) -> Self {
        use crate::activation::{Builtin, Kind};
        let head = &cfg.spec.heads[0];
        let act = head
            .activation
            .as_ref()
            .expect("validated: an entry-wise head has an activation");
        let mut terms = head
            .wk
            .iter()
            .zip(&head.wq)
            .map(|(wk, wq)| (project(x, wk), project(x, wq)));
        let (a, b) = terms
            .next()
            .unwrap_or_else(|| (vec![0.0; x.ncols()], vec![0.0; x.ncols()]));
        Transform {
            a,
            b,
            extra: terms.collect(),
            inv_sqrt_p: 1.0 / (cfg.p as f64).sqrt(),
            equiv: cfg.spec.kind == ModelKind::Equivalent,
            tanh: matches!(act.kind(), Kind::Builtin(Builtin::Tanh)),
            sym: cfg.is_symmetric(),
            act,
            co: *co,
            diag: head.diag,
        }
    }

    /// Transforms the columns `j0..` of `blk` (rows `j..` of column `j` when symmetric, else all).
    fn block(&self, j0: usize, mut blk: MatMut<'_, f64>) {
        let s = self.inv_sqrt_p;
        let co = self.co;
        for jj in 0..blk.ncols() {
            let j = j0 + jj;
            let i0 = if self.sym { j } else { 0 };
            let bj = self.b[j];
            let col = blk.as_mut().col_mut(jj).subrows_mut(i0, self.a.len() - i0);
            let a = &self.a[i0..];
            let Some(col) = col.try_as_col_major_mut() else {
                unreachable!("faer columns are contiguous")
            };
            let col = col.as_slice_mut();
            for (ea, eb) in &self.extra {
                let ebj = eb[j];
                for (v, &ai) in col.iter_mut().zip(&ea[i0..]) {
                    *v += ai * ebj;
                }
            }
            if self.equiv {
                for (v, &ai) in col.iter_mut().zip(a) {
                    *v = co.a1 * ((*v + ai * bj) * s) * s;
                }
            } else if self.tanh {
                for (v, &ai) in col.iter_mut().zip(a) {
                    *v = (tanh_fast((*v + ai * bj) * s) - co.mean) * s;
                }
            } else {
                for (v, &ai) in col.iter_mut().zip(a) {
                    *v = (self.act.eval((*v + ai * bj) * s) - co.mean) * s;
                }
            }
            let d = &mut col[j - i0];
            *d = match (self.equiv, self.diag) {
                (false, Diag::Zero) => 0.0,
                (false, Diag::Literal) => *d,
                (true, _) => *d + co.shift,
            };
        }
    }
}

/// GOE part (equivalent model) and mirroring of a transformed kernel.
fn finish_kernel(
    cfg: &SimConfig,
    co: &KernelCoeffs,
    mut m: MatMut<'_, f64>,
    r: usize,
    mirror: Mirror,
) {
    let n = m.ncols();
    let sym = cfg.is_symmetric();
    let inv_sqrt_p = 1.0 / (cfg.p as f64).sqrt();
    if cfg.spec.kind == ModelKind::Equivalent && co.sigma > 0.0 {
        let mut rg = stream(cfg.seed, r as u64, "goe");
        let c = co.sigma * inv_sqrt_p;
        for j in 0..n {
            for i in j + 1..n {
                let g: f64 = StandardNormal.sample(&mut rg);
                m[(i, j)] += c * g;
                if !sym {
                    m[(j, i)] += c * g;
                }
            }
        }
    }
    if sym {
        match mirror {
            Mirror::Full => linalg::mirror_lower_par(m.as_mut()),
            Mirror::DiagBlocks(w) => linalg::mirror_diag_blocks_width(m.as_mut(), w),
        }
    }
}

/// Builds the kernel in `m` (lower triangle of `X^T X` on entry). With `full = false` and a
/// symmetric `T`, only the lower triangle and the diagonal blocks are written.
fn kernel_from_gram_with(
    cfg: &SimConfig,
    co: &KernelCoeffs,
    x: MatRef<'_, f64>,
    mut m: MatMut<'_, f64>,
    r: usize,
    full: bool,
) {
    let tr = Transform::new(cfg, co, x);
    if !tr.sym {
        linalg::mirror_lower(m.as_mut());
    }
    // Each column block owned by one task.
    col_blocks(m.as_mut(), BLOCK)
        .into_par_iter()
        .for_each(|(j0, blk)| tr.block(j0, blk));
    let mirror = if full {
        Mirror::Full
    } else {
        Mirror::DiagBlocks(BLOCK)
    };
    finish_kernel(cfg, co, m, r, mirror);
}

/// The kernel matrix of replicate `r` (`K`, or `K~` for [`ModelKind::Equivalent`]); `Err` for ridge.
pub fn kernel_matrix(cfg: &SimConfig, r: usize) -> Result<Mat<f64>> {
    cfg.validate()?;
    cfg.check_memory()?;
    if cfg.spec.kind == ModelKind::Ridge {
        return Err(Error::param(
            "model",
            "ridge",
            "ridge has no kernel (K = I)",
        ));
    }
    let co = kernel_coeffs(cfg)?;
    let (x, _) = sample(cfg, r);
    Ok(build_kernel(cfg, &co, x.as_ref(), r))
}

/// Features `Phi` (`p x n`) and labels `y` of replicate `r`.
pub fn features(cfg: &SimConfig, r: usize) -> Result<(Mat<f64>, Vec<f64>)> {
    cfg.validate()?;
    cfg.check_memory()?;
    let co = kernel_coeffs(cfg)?;
    features_with(cfg, &co, r)
}

/// Largest kernel buffer kept for reuse (64 MiB: n up to 2896).
const KBUF_MAX_LEN: usize = 8 << 20;

thread_local! {
    static KBUF: Cell<Vec<f64>> = const { Cell::new(Vec::new()) };
}

fn features_with(cfg: &SimConfig, co: &KernelCoeffs, r: usize) -> Result<(Mat<f64>, Vec<f64>)> {
    let (x, y) = sample(cfg, r);
    if cfg.spec.kind == ModelKind::Ridge {
        return Ok((x, y));
    }
    let n = cfg.n;
    // The n x n kernel buffer is reused by the next replicate on this thread (every entry is
    // overwritten: lower triangle by the Gram product, upper by the mirror), which saves the
    // page faults of a fresh 32 MiB mapping at n = 2048. Taken out of the slot while in use (a
    // thread may start another replicate while this one waits in a rayon join) and kept only
    // up to KBUF_MAX_LEN entries. A new buffer is calloc'd (fresh zero pages, no memset).
    let mut buf = KBUF.with(Cell::take);
    if buf.len() != n * n {
        buf = vec![0.0f64; n * n];
    }
    let mut m = MatMut::from_column_major_slice_mut(&mut buf, n, n);
    kernel_fused(cfg, co, x.as_ref(), m.as_mut(), r, Mirror::Full);
    let mut phi = Mat::<f64>::zeros(cfg.p, n);
    linalg::gemm_blocked(phi.as_mut(), x.as_ref(), m.as_ref(), 1.0);
    if buf.len() <= KBUF_MAX_LEN {
        KBUF.with(|c| c.set(buf));
    }
    Ok((phi, y))
}

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

/// Runs replicate `r` of `cfg` (any `seeds`; `r` need not be below `seeds`).
pub fn run_replicate(cfg: &SimConfig, r: usize) -> Result<ReplicateResult> {
    cfg.validate()?;
    cfg.check_memory()?;
    let co = kernel_coeffs(cfg)?;
    replicate_with(cfg, &co, r)
}

fn replicate_with(cfg: &SimConfig, co: &KernelCoeffs, r: usize) -> Result<ReplicateResult> {
    let (phi, y) = features_with(cfg, co, r)?;
    let out = path_from_features(phi.as_ref(), &y, &cfg.gammas)?;
    if out
        .e
        .iter()
        .chain(&out.yqy)
        .chain(&out.trq)
        .any(|v| !v.is_finite())
    {
        return Err(Error::Linalg {
            op: "gamma path".into(),
            detail: format!(
                "non-finite result in replicate {r} (activation `{}` overflowing?)",
                cfg.spec.activation().map_or("?", |a| a.name())
            ),
        });
    }
    Ok(out)
}

/// Mean, standard error and 95% Student-t interval of `xs` (empty: NaN mean, infinite SE).
pub fn summarize(xs: &[f64]) -> Summary {
    let r = xs.len();
    if r == 0 {
        return Summary {
            mean: f64::NAN,
            se: f64::INFINITY,
            ci95: (f64::NEG_INFINITY, f64::INFINITY),
        };
    }
    let mean = xs.iter().sum::<f64>() / r as f64;
    if r == 1 {
        return Summary {
            mean,
            se: 0.0,
            ci95: (mean, mean),
        };
    }
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (r - 1) as f64;
    let se = (var / r as f64).sqrt();
    let t = t_quantile_975((r - 1) as f64);
    Summary {
        mean,
        se,
        ci95: (mean - t * se, mean + t * se),
    }
}

fn t_quantile_975(df: f64) -> f64 {
    use statrs::distribution::{ContinuousCDF, StudentsT};
    StudentsT::new(0.0, 1.0, df)
        .map(|d| d.inverse_cdf(0.975))
        .unwrap_or(1.959_963_984_540_054)
}

/// Runs every replicate of `cfg` (in parallel, at most [`SimConfig::concurrency`] at a time,
/// collected in replicate order) and summarizes each gamma. Needs `seeds >= 2` for a standard
/// error. `progress` draws an indicatif bar on stderr (the caller decides whether it is a tty).
pub fn simulate(cfg: &SimConfig, progress: bool) -> Result<SimResult> {
    cfg.validate()?;
    if cfg.seeds < 2 {
        return Err(Error::param(
            "seeds",
            cfg.seeds,
            "need at least 2 replicates for a standard error",
        ));
    }
    cfg.check_memory()?;
    let co = kernel_coeffs(cfg)?;
    let conc = cfg.concurrency();
    let bar = if progress {
        let b = indicatif::ProgressBar::new(cfg.seeds as u64);
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{spinner} replicates {pos}/{len} [{elapsed_precise}<{eta_precise}] {wide_bar}",
        ) {
            b.set_style(style);
        }
        b
    } else {
        indicatif::ProgressBar::hidden()
    };
    let mut replicates = Vec::with_capacity(cfg.seeds);
    let mut start = 0;
    while start < cfg.seeds {
        let end = (start + conc).min(cfg.seeds);
        let chunk: Vec<ReplicateResult> = (start..end)
            .into_par_iter()
            .map(|r| {
                let out = replicate_with(cfg, &co, r);
                bar.inc(1);
                out
            })
            .collect::<Result<_>>()?;
        replicates.extend(chunk);
        start = end;
    }
    bar.finish_and_clear();
    let points = cfg
        .gammas
        .iter()
        .enumerate()
        .map(|(k, &gamma)| {
            let col = |f: fn(&ReplicateResult) -> &Vec<f64>| -> Vec<f64> {
                replicates.iter().map(|r| f(r)[k]).collect()
            };
            SimPoint {
                gamma,
                e: summarize(&col(|r| &r.e)),
                yqy: summarize(&col(|r| &r.yqy)),
                trq: summarize(&col(|r| &r.trq)),
            }
        })
        .collect();
    Ok(SimResult {
        config: cfg.clone(),
        replicates,
        points,
    })
}

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

#[cfg(test)]
mod tests {
    use super::tanh_fast;

    #[test]
    fn tanh_fast_matches_std() {
        // Dense grid over the whole range, tiny arguments, the clamp, and special values.
        let mut worst = 0.0f64;
        let mut worst_rel = 0.0f64;
        let mut xs: Vec<f64> = (-400_000..=400_000).map(|i| i as f64 * 6e-5).collect();
        xs.extend((0..300).map(|e| 10f64.powi(-e)));
        xs.extend([
            0.3465,
            0.3466,
            19.0,
            19.9,
            20.0,
            20.1,
            50.0,
            1e300,
            f64::INFINITY,
        ]);
        for &x in &xs {
            for x in [x, -x] {
                let (f, g) = (tanh_fast(x), x.tanh());
                worst = worst.max((f - g).abs());
                if g != 0.0 {
                    worst_rel = worst_rel.max(((f - g) / g).abs());
                }
                assert_eq!(f.is_sign_negative(), g.is_sign_negative(), "sign at {x}");
            }
        }
        // Required: 1e-15 absolute; the Taylor truncation is < 5e-18 and the rest is a few
        // roundings, so a few eps relative as well.
        assert!(worst <= 1e-15, "abs error {worst:e}");
        assert!(worst_rel <= 8.0 * f64::EPSILON, "rel error {worst_rel:e}");
        assert!(tanh_fast(f64::NAN).is_nan());
        assert_eq!(tanh_fast(0.0).to_bits(), 0.0f64.to_bits());
        assert_eq!(tanh_fast(-0.0).to_bits(), (-0.0f64).to_bits());
    }
}
