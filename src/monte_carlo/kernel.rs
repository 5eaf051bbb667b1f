//! The kernel of a replicate and its features: `T = X^T W X` (W never formed), the activation
//! applied entry-wise (fused into the blocked `X^T X` product when `T` is symmetric), centring,
//! the diagonal convention, the GOE part of the Gaussian equivalent, and `Phi = X K`.

use super::sample::sample;
use crate::error::{Error, Result};
use crate::hermite::hermite_coeffs;
use crate::linalg::{self, col_blocks, BLOCK};
use crate::model::{Diag, ModelKind, SimConfig};
use crate::random::stream;
use faer::{Mat, MatMut, MatRef};
use rand_distr::{Distribution, StandardNormal};
use rayon::prelude::*;
use std::cell::Cell;

/// Kernel constants derived once from the Hermite coefficients.
#[derive(Clone, Copy, Debug)]
pub(super) struct KernelCoeffs {
    mean: f64,
    a1: f64,
    sigma: f64,
    shift: f64,
}

pub(super) fn kernel_coeffs(cfg: &SimConfig) -> Result<KernelCoeffs> {
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
