//! The kernel of a replicate and its features: `T = X^T W X` (W never formed), the activation
//! applied entry-wise (fused into the blocked `X^T X` product when `T` is symmetric), centring,
//! the diagonal convention, the GOE part of the Gaussian equivalent, and `Phi = X K`.
//!
//! Variants (`docs/variants.md`): the row softmax `A = softmax_rows(beta T / sqrt p)` (masked or
//! not, stable log-sum-exp per row) with `Phi = X A^T` or `X A` ([`softmax_attention_into`]),
//! and the skip connection `Phi = X (I + alpha K)` (in [`features_with`]).
//!
//! Several heads (`docs/multihead.md §1`): the kernel of each head is built in turn in the same
//! buffer, then `Phi = [X K_1; ...; X K_H]` (concatenation, `H p x n`) or
//! `Phi = sum_h X K_h` (sum, accumulated in head order). The Gaussian equivalent's Wigner parts
//! are `N_h = sum_j L_hj G_j` with `L L^T = S` ([`crate::heads::HeadStats::cov_sqrt`]) and `G_j`
//! from the stream "goe" (`j = 0`) or "goe{j}" (`j >= 1`); one head keeps `sigma G` from "goe".

use super::sample::sample;
use crate::error::{Error, Result};
use crate::expr_slice::SliceExpr;
use crate::hermite::hermite_coeffs;
use crate::linalg::{self, col_blocks, BLOCK};
use crate::model::{Combine, Diag, ModelKind, SimConfig, SoftmaxSide};
use crate::random::stream;
use faer::{Mat, MatMut, MatRef};
use rand_distr::{Distribution, StandardNormal};
use rayon::prelude::*;
use std::cell::Cell;

/// Kernel constants of one head, derived once from the Hermite coefficients.
#[derive(Clone, Copy, Debug)]
pub(super) struct HeadCoeffs {
    mean: f64,
    a1: f64,
    sigma: f64,
    shift: f64,
}

/// Kernel constants of every head, and (equivalent model, several heads) the mixing `L` of the
/// GOE matrices (`H x H`, row-major, `L L^T = S`).
#[derive(Clone, Debug)]
pub(super) struct KernelCoeffs {
    heads: Vec<HeadCoeffs>,
    mix: Vec<f64>,
}

pub(super) fn kernel_coeffs(cfg: &SimConfig) -> Result<KernelCoeffs> {
    // Ridge has no kernel; the softmax has no activation (its constants are not used).
    if cfg.spec.kind == ModelKind::Ridge || cfg.spec.is_softmax() {
        return Ok(KernelCoeffs {
            heads: vec![HeadCoeffs {
                mean: 0.0,
                a1: 0.0,
                sigma: 0.0,
                shift: 0.0,
            }],
            mix: vec![],
        });
    }
    let mut heads = Vec::with_capacity(cfg.spec.heads.len());
    for (i, head) in cfg.spec.heads.iter().enumerate() {
        let act = head.activation.as_ref().ok_or_else(|| {
            Error::param(
                "heads.activation",
                "(missing)",
                format!("head {} has none", i + 1),
            )
        })?;
        let h = hermite_coeffs(act, 2)?;
        let shift = match head.diag {
            Diag::Zero => -h.a1,
            Diag::Literal if cfg.spec.kind == ModelKind::Equivalent => {
                head.diag.shift(act, h.a1)?
            }
            Diag::Literal => 0.0,
        };
        heads.push(HeadCoeffs {
            mean: h.mean,
            a1: h.a1,
            sigma: h.sigma2.max(0.0).sqrt(),
            shift,
        });
    }
    let mix = if cfg.spec.kind == ModelKind::Equivalent && heads.len() > 1 {
        let acts: Vec<_> = cfg
            .spec
            .heads
            .iter()
            .filter_map(|h| h.activation.as_ref())
            .collect();
        crate::heads::HeadStats::of(&acts)?.cov_sqrt()?
    } else {
        vec![]
    };
    Ok(KernelCoeffs { heads, mix })
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

/// The full kernel (`K` for attention, `K~` for equivalent) of head `h` of replicate `r`
/// built from `x`.
fn build_kernel(
    cfg: &SimConfig,
    co: &KernelCoeffs,
    h: usize,
    x: MatRef<'_, f64>,
    r: usize,
) -> Mat<f64> {
    let n = x.ncols();
    let mut m = Mat::<f64>::zeros(n, n);
    kernel_fused(cfg, co, h, x, m.as_mut(), r, Mirror::Full);
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

/// Builds the kernel of head `h` of replicate `r` into `m` (any content on entry): for a
/// symmetric `T` the kernel transform runs on each column block of the `X^T X` product right
/// after it is computed (fused, cache-warm); otherwise the product is mirrored and transformed
/// after.
fn kernel_fused(
    cfg: &SimConfig,
    co: &KernelCoeffs,
    h: usize,
    x: MatRef<'_, f64>,
    mut m: MatMut<'_, f64>,
    r: usize,
    mirror: Mirror,
) {
    if cfg.is_symmetric() {
        let tr = Transform::new(cfg, &co.heads[h], h, x);
        linalg::gram_lower_then(m.as_mut(), x, 1.0, |j0, blk| tr.block(j0, blk));
        finish_kernel(cfg, co, h, m, r, mirror);
    } else {
        linalg::gram_lower(m.as_mut(), x, 1.0);
        kernel_from_gram_with(cfg, co, h, x, m, r, true);
    }
}

/// Benchmark stage: turns `m`, holding `X^T X` in its lower triangle (from
/// [`linalg::gram_lower`]), into the full kernel (head 1) of replicate `r` (rank-one term, scaling,
/// activation, centring, diagonal convention, and the GOE part for the equivalent model). With
/// `full = false` and a symmetric `T` ([`SimConfig::is_symmetric`]) only the lower triangle and
/// the diagonal blocks of width [`linalg::GEMM_BLOCK`] are filled: what
/// [`linalg::gemm_sym_lower_acc`] reads, as in a replicate.
pub fn kernel_from_gram(
    cfg: &SimConfig,
    x: MatRef<'_, f64>,
    m: MatMut<'_, f64>,
    r: usize,
    full: bool,
) -> Result<()> {
    let co = kernel_coeffs(cfg)?;
    kernel_from_gram_with(cfg, &co, 0, x, m, r, full);
    Ok(())
}

/// Benchmark stage: the kernel (head 1) of replicate `r` from `x` into `m` (any content on entry): the
/// `X^T X` product with the kernel transform fused into it (symmetric `T`). With `full = false`
/// and a symmetric `T` only the lower triangle and the diagonal blocks of width
/// [`linalg::GEMM_BLOCK`] are filled (what a replicate builds before
/// [`linalg::gemm_sym_lower_acc`]).
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
    kernel_fused(cfg, &co, 0, x, m, r, mirror);
    Ok(())
}

/// `tanh x` to within 1e-15 absolute (and ~1e-15 relative), branch-free so that loops over it
/// vectorize: `tanh|x| = -em / (2 + em)`, `em = expm1(-2|x|)` with `|x|` clamped to 20 (beyond,
/// `tanh = 1` in double precision). `expm1(y) = 2^k q(r) + (2^k - 1)`, `y = k ln2 + r`,
/// `|r| <= ln2 / 2`, `q(r) = e^r - 1` by its degree-13 Taylor polynomial (truncation
/// `(ln2/2)^14 / 14! < 5e-18` relative); `k` in `[-58, 0]`, so `2^k` is built from its bits.
/// NaN in gives NaN out. Checked against `f64::tanh` in the tests below.
#[inline(always)]
pub(crate) fn tanh_fast(x: f64) -> f64 {
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
    slice: ActSlice,
    co: HeadCoeffs,
    _act: std::marker::PhantomData<&'a ()>,
    diag: Diag,
}

impl<'a> Transform<'a> {
    fn new(cfg: &'a SimConfig, co: &HeadCoeffs, h: usize, x: MatRef<'_, f64>) -> Self {
        use crate::activation::{Builtin, Kind};
        let head = &cfg.spec.heads[h];
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
            slice: ActSlice::new(act),
            co: *co,
            _act: std::marker::PhantomData,
            diag: head.diag,
        }
    }

    /// Transforms the columns `j0..` of `blk` (rows `j..` of column `j` when symmetric, else all).
    fn block(&self, j0: usize, mut blk: MatMut<'_, f64>) {
        let s = self.inv_sqrt_p;
        let co = self.co;
        let mut scratch = vec![0.0; self.slice.scratch_len()];
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
                tanh_col(col, a, bj, s, co.mean);
            } else {
                act_col(&self.slice, col, a, bj, s, co.mean, &mut scratch);
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

/// `col[i] = (tanh((col[i] + a[i] bj) s) - mean) s` with [`tanh_fast`]: on x86-64 with AVX2 the
/// same loop compiled for 4-wide vectors (the same IEEE operations element by element, no FMA
/// contraction, so bit-identical to the baseline build; checked in the tests below).
fn tanh_col(col: &mut [f64], a: &[f64], bj: f64, s: f64, mean: f64) {
    #[inline(always)]
    fn body(col: &mut [f64], a: &[f64], bj: f64, s: f64, mean: f64) {
        for (v, &ai) in col.iter_mut().zip(a) {
            *v = (tanh_fast((*v + ai * bj) * s) - mean) * s;
        }
    }
    #[cfg(target_arch = "x86_64")]
    {
        #[target_feature(enable = "avx2")]
        unsafe fn body_avx2(col: &mut [f64], a: &[f64], bj: f64, s: f64, mean: f64) {
            body(col, a, bj, s, mean)
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: AVX2 is available on this CPU (checked just above).
            unsafe { body_avx2(col, a, bj, s, mean) };
            return;
        }
    }
    body(col, a, bj, s, mean)
}

/// An activation prepared for whole slices: a built-in (one loop per function, hoisted out of
/// the element loop) or a user expression compiled once into a [`SliceExpr`]. Bit-identical to
/// `Activation::eval` element by element.
enum ActSlice {
    Builtin(crate::activation::Builtin),
    Expr(SliceExpr),
}

impl ActSlice {
    fn new(act: &crate::activation::Activation) -> ActSlice {
        use crate::activation::Kind;
        match act.kind() {
            Kind::Builtin(b) => ActSlice::Builtin(*b),
            Kind::Expr(e) => ActSlice::Expr(SliceExpr::new(e.root())),
        }
    }

    fn scratch_len(&self) -> usize {
        match self {
            ActSlice::Builtin(_) => 0,
            ActSlice::Expr(e) => e.scratch_len(),
        }
    }

    /// `xs[i] = f(xs[i])`.
    fn eval_in_place(&self, xs: &mut [f64], scratch: &mut [f64]) {
        use crate::activation::Builtin as B;
        fn map(xs: &mut [f64], f: impl Fn(f64) -> f64) {
            for v in xs {
                *v = f(*v);
            }
        }
        match *self {
            ActSlice::Expr(ref e) => e.eval_in_place_with(xs, scratch),
            ActSlice::Builtin(b) => match b {
                B::Linear => {}
                B::Relu => map(xs, |x| B::Relu.eval(x)),
                B::Abs => map(xs, |x| B::Abs.eval(x)),
                B::Quad => map(xs, |x| B::Quad.eval(x)),
                B::Sign => map(xs, |x| B::Sign.eval(x)),
                B::LeakyRelu(al) => map(xs, |x| B::LeakyRelu(al).eval(x)),
                _ => map(xs, |x| b.eval(x)),
            },
        }
    }
}

/// `col[i] = (f((col[i] + a[i] bj) s) - mean) s` by passes over the column (argument, activation
/// on the whole slice, centring): the same operations per element as the fused scalar loop.
fn act_col(
    f: &ActSlice,
    col: &mut [f64],
    a: &[f64],
    bj: f64,
    s: f64,
    mean: f64,
    scratch: &mut [f64],
) {
    for (v, &ai) in col.iter_mut().zip(a) {
        *v = (*v + ai * bj) * s;
    }
    f.eval_in_place(col, scratch);
    for v in col.iter_mut() {
        *v = (*v - mean) * s;
    }
}

/// GOE part (equivalent model) and mirroring of a transformed kernel of head `h`.
fn finish_kernel(
    cfg: &SimConfig,
    co: &KernelCoeffs,
    h: usize,
    mut m: MatMut<'_, f64>,
    r: usize,
    mirror: Mirror,
) {
    let n = m.ncols();
    let sym = cfg.is_symmetric();
    let inv_sqrt_p = 1.0 / (cfg.p as f64).sqrt();
    if cfg.spec.kind == ModelKind::Equivalent {
        // one head: sigma G; several: N_h = sum_j L_hj G_j (module doc)
        let hh = co.heads.len();
        let parts: Vec<(usize, f64)> = if hh == 1 {
            vec![(0, co.heads[0].sigma)]
        } else {
            (0..hh).map(|j| (j, co.mix[h * hh + j])).collect()
        };
        for (j, coef) in parts {
            if coef == 0.0 {
                continue;
            }
            let name = if j == 0 {
                "goe".to_string()
            } else {
                format!("goe{j}")
            };
            let mut rg = stream(cfg.seed, r as u64, &name);
            let c = coef * inv_sqrt_p;
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
    }
    if sym {
        match mirror {
            Mirror::Full => linalg::mirror_lower_par(m.as_mut()),
            Mirror::DiagBlocks(w) => linalg::mirror_diag_blocks_width(m.as_mut(), w),
        }
    }
}

/// Builds the kernel of head `h` in `m` (lower triangle of `X^T X` on entry). With
/// `full = false` and a symmetric `T`, only the lower triangle and the diagonal blocks are
/// written.
fn kernel_from_gram_with(
    cfg: &SimConfig,
    co: &KernelCoeffs,
    h: usize,
    x: MatRef<'_, f64>,
    mut m: MatMut<'_, f64>,
    r: usize,
    full: bool,
) {
    let tr = Transform::new(cfg, &co.heads[h], h, x);
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
        Mirror::DiagBlocks(linalg::GEMM_BLOCK)
    };
    finish_kernel(cfg, co, h, m, r, mirror);
}

/// The kernel matrix of replicate `r` (`K`, or `K~` for [`ModelKind::Equivalent`]); `Err` for
/// ridge and for several heads (use [`kernel_matrix_head`]).
pub fn kernel_matrix(cfg: &SimConfig, r: usize) -> Result<Mat<f64>> {
    if cfg.spec.heads.len() > 1 {
        return Err(Error::param(
            "heads",
            cfg.spec.heads.len(),
            "the kernel matrix is per head: give a one-head model",
        ));
    }
    kernel_matrix_head(cfg, r, 0)
}

/// The kernel matrix `K_h` of head `h` (0-based) of replicate `r`; `Err` for ridge.
pub fn kernel_matrix_head(cfg: &SimConfig, r: usize, h: usize) -> Result<Mat<f64>> {
    cfg.validate()?;
    cfg.check_memory()?;
    if cfg.spec.kind == ModelKind::Ridge {
        return Err(Error::param(
            "model",
            "ridge",
            "ridge has no kernel (K = I)",
        ));
    }
    if cfg.spec.is_softmax() {
        return Err(Error::param(
            "attention.normalize",
            "softmax",
            "the kernel matrix is an entry-wise K; the softmax attention matrix A has no \
             kernel-matrix output (spectra) yet",
        ));
    }
    if h >= cfg.spec.heads.len() {
        return Err(Error::param("head", h, "no such head"));
    }
    let co = kernel_coeffs(cfg)?;
    let (x, _) = sample(cfg, r);
    Ok(build_kernel(cfg, &co, h, x.as_ref(), r))
}

/// The row-softmax attention of `x` into `m` (`n x n`, any content on entry), stored as
/// `m = A^T`: `m[(j, i)] = A_ij`, `A = softmax_rows(beta T)`, `T = X^T W X / sqrt p`
/// (`W = I + sum_j w_K,j w_Q,j^T` never formed). Masked: `A_ii = 0` and row `i` is normalised
/// over `j != i`; unmasked: over all `j`. Column `i` of `m` is row `i` of `A`, so each softmax
/// runs down one contiguous column with a stable log-sum-exp (the row maximum is subtracted
/// before `exp`), one task per fixed column block: bit-identical for any thread count.
pub fn softmax_attention_into(cfg: &SimConfig, x: MatRef<'_, f64>, mut m: MatMut<'_, f64>) {
    let n = x.ncols();
    assert!(m.nrows() == n && m.ncols() == n);
    let head = &cfg.spec.heads[0];
    // m = X^T W^T X: m[(j, i)] = x_j^T x_i + (x_j . w_Q)(x_i . w_K) = T_ij.
    let terms: Vec<(Vec<f64>, Vec<f64>)> = head
        .wk
        .iter()
        .zip(&head.wq)
        .map(|(wk, wq)| (project(x, wq), project(x, wk)))
        .collect();
    linalg::gram_lower(m.as_mut(), x, 1.0);
    linalg::mirror_lower(m.as_mut());
    let scale = cfg.spec.attention.beta / (cfg.p as f64).sqrt();
    let masked = cfg.spec.attention.masked;
    col_blocks(m.as_mut(), BLOCK)
        .into_par_iter()
        .for_each(|(j0, mut blk)| {
            for jj in 0..blk.ncols() {
                let i = j0 + jj;
                let Some(col) = blk.as_mut().col_mut(jj).try_as_col_major_mut() else {
                    unreachable!("faer columns are contiguous")
                };
                let col = col.as_slice_mut();
                for (a, b) in &terms {
                    let bi = b[i];
                    for (v, &aj) in col.iter_mut().zip(a) {
                        *v += aj * bi;
                    }
                }
                let mut mx = f64::NEG_INFINITY;
                for (j, v) in col.iter_mut().enumerate() {
                    *v *= scale;
                    if !(masked && j == i) {
                        mx = mx.max(*v);
                    }
                }
                let mut sum = 0.0;
                for (j, v) in col.iter_mut().enumerate() {
                    *v = if masked && j == i {
                        0.0
                    } else {
                        (*v - mx).exp()
                    };
                    sum += *v;
                }
                let inv = 1.0 / sum;
                col.iter_mut().for_each(|v| *v *= inv);
            }
        });
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

pub(super) fn features_with(
    cfg: &SimConfig,
    co: &KernelCoeffs,
    r: usize,
) -> Result<(Mat<f64>, Vec<f64>)> {
    let (x, y) = sample(cfg, r);
    if cfg.spec.kind == ModelKind::Ridge {
        return Ok((x, y));
    }
    let n = cfg.n;
    if n < 2 && cfg.spec.is_softmax() && cfg.spec.attention.masked {
        return Err(Error::param(
            "n",
            n,
            "the masked softmax needs at least 2 tokens",
        ));
    }
    // The n x n kernel buffer is reused by the next replicate on this thread (every entry read
    // is overwritten first: the lower triangle by the Gram product, the upper one by the mirror,
    // or for a symmetric kernel only inside the diagonal blocks, the rest never read), which
    // saves the page faults of a fresh 32 MiB mapping at n = 2048. Taken out of the slot while in use (a
    // thread may start another replicate while this one waits in a rayon join) and kept only
    // up to KBUF_MAX_LEN entries. A new buffer is calloc'd (fresh zero pages, no memset).
    let mut buf = KBUF.with(Cell::take);
    if buf.len() != n * n {
        buf = vec![0.0f64; n * n];
    }
    let mut m = MatMut::from_column_major_slice_mut(&mut buf, n, n);
    // One kernel per head in the same buffer; Phi = [X K_1; ...] or sum_h X K_h (one head:
    // Phi = alpha X K, or X A^T / X A for the softmax, which runs with one head only).
    let (hh, p) = (cfg.spec.heads.len(), cfg.p);
    let concat = hh > 1 && cfg.spec.attention.combine == Combine::Concat;
    let mut phi = Mat::<f64>::zeros(if concat { hh * p } else { p }, n);
    let alpha = cfg.spec.skip().unwrap_or(1.0);
    if cfg.spec.is_softmax() {
        // m = A^T: Phi = X A^T = X m (transpose side) or X A = X m^T (plain side).
        softmax_attention_into(cfg, x.as_ref(), m.as_mut());
        let a = match cfg.spec.attention.softmax_side {
            SoftmaxSide::Transpose => m.as_ref(),
            SoftmaxSide::Plain => m.as_ref().transpose(),
        };
        linalg::gemm_blocked(phi.as_mut(), x.as_ref(), a, alpha);
    } else {
        // A symmetric kernel is left as its lower triangle plus mirrored diagonal blocks, which
        // is all `gemm_sym_lower_acc` reads (no mirror of the whole triangle); otherwise whole.
        let sym = cfg.is_symmetric();
        let mirror = if sym {
            Mirror::DiagBlocks(linalg::GEMM_BLOCK)
        } else {
            Mirror::Full
        };
        for h in 0..hh {
            kernel_fused(cfg, co, h, x.as_ref(), m.as_mut(), r, mirror);
            let (rows, a, add) = if concat {
                (phi.as_mut().subrows_mut(h * p, p), 1.0, false)
            } else {
                (phi.as_mut(), alpha, h > 0)
            };
            if sym {
                linalg::gemm_sym_lower_acc(rows, x.as_ref(), m.as_ref(), a, add);
            } else {
                linalg::gemm_blocked_acc(rows, x.as_ref(), m.as_ref(), a, add);
            }
        }
    }
    // Skip connection: Phi = X + alpha X K (docs/variants.md §3).
    if cfg.spec.skip().is_some() {
        phi.as_mut()
            .col_iter_mut()
            .zip(x.col_iter())
            .for_each(|(pc, xc)| {
                pc.iter_mut().zip(xc.iter()).for_each(|(v, &xv)| *v += xv);
            });
    }
    if buf.len() <= KBUF_MAX_LEN {
        KBUF.with(|c| c.set(buf));
    }
    Ok((phi, y))
}

#[cfg(test)]
mod tests {
    use super::{act_col, tanh_col, tanh_fast, ActSlice};
    use crate::activation::Activation;

    #[test]
    fn column_passes_equal_the_scalar_transform_bit_for_bit() {
        // The vectorized column loops (AVX2 tanh, slice-evaluated activations; expressions
        // without tanh, which the slice evaluator replaces by tanh_fast) against the
        // per-element formula `(f((v + a bj) s) - mean) s`: the same operations, so equal bits.
        let n = 1000;
        let v0: Vec<f64> = (0..n)
            .map(|i| ((i * 37) % 101) as f64 * 0.7 - 35.0)
            .collect();
        let a: Vec<f64> = (0..n).map(|i| ((i * 13) % 17) as f64 * 0.3 - 2.0).collect();
        let (bj, s, mean) = (0.37, 1.0 / 22.6, 0.013);
        let mut col = v0.clone();
        tanh_col(&mut col, &a, bj, s, mean);
        for i in 0..n {
            let want = (tanh_fast((v0[i] + a[i] * bj) * s) - mean) * s;
            assert_eq!(col[i].to_bits(), want.to_bits(), "tanh at {i}");
        }
        for name in [
            "relu",
            "gelu",
            "leaky-relu:0.1",
            "x*erf(x)",
            "max(x,0.1*x)",
            "x^2-1",
        ] {
            let act = Activation::parse(name).unwrap();
            let f = ActSlice::new(&act);
            let mut scratch = vec![0.0; f.scratch_len()];
            let mut col = v0.clone();
            act_col(&f, &mut col, &a, bj, s, mean, &mut scratch);
            for i in 0..n {
                let want = (act.eval((v0[i] + a[i] * bj) * s) - mean) * s;
                assert_eq!(col[i].to_bits(), want.to_bits(), "{name} at {i}");
            }
        }
    }

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
