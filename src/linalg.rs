//! Deterministic dense kernels on top of faer for the Monte Carlo engine.
//!
//! Every product here is split into a FIXED partition of column blocks ([`BLOCK`] columns wide,
//! independent of the number of threads); each block is computed by one sequential faer call
//! (`Par::Seq`) and the blocks run in parallel on the current rayon pool. Each output entry is
//! therefore produced by the same sequence of floating-point operations whatever the thread
//! count, so results are bit-identical with 1 or many threads (docs/dependencies.md §7: faer's own rayon path
//! differs from the sequential one by ~1e-14, which is why it is not used).
//!
//! * [`gram_lower`]: `C = alpha A^T A` on the lower triangle (a syrk-like product, half the flops);
//! * [`mirror_lower`]: copies the lower triangle to the upper one (tiled transpose);
//! * [`gemm_blocked`]: `C = alpha A B` by column blocks of `C`;
//! * [`gemm_sym_lower_acc`]: `C = alpha A K` for a symmetric `K` read from its lower triangle
//!   (and mirrored diagonal blocks), so the kernel need not be mirrored whole;
//! * [`sym_eigen`]: symmetric eigendecomposition (from the lower triangle; faer's parallel path
//!   with a fixed 2-way split, which partitions by that count and not by the pool size);
//! * [`llt_solve_seq`]: SPD solve by a sequential Cholesky factorisation (RAF kernel ridge);
//! * [`mem_available_bytes`]: `MemAvailable` from `/proc/meminfo` (fallback 24 GiB).

use crate::error::{Error, Result};
use faer::linalg::matmul::matmul;
use faer::linalg::matmul::triangular::{matmul as tri_matmul, BlockStructure};
use faer::{Accum, Mat, MatMut, MatRef, Par};
use rayon::prelude::*;

/// Width of the fixed column blocks (see the module doc).
pub const BLOCK: usize = 128;

/// Parallelism of the eigensolver: a FIXED split into 2 parts (faer partitions the work by this
/// count, not by the pool size, so results do not depend on how many threads run it; checked
/// bit-for-bit with pools of 1, 2 and 3 threads in `tests/monte_carlo.rs`).
const EVD_PAR: Par = Par::Rayon(match std::num::NonZeroUsize::new(2) {
    Some(v) => v,
    None => unreachable!(),
});

/// Width of the fixed column blocks of [`gemm_blocked`] (wider: fewer passes over `A`).
pub const GEMM_BLOCK: usize = 256;

/// Splits `m` into column blocks of width `width` (the last one may be narrower), returning each
/// block with the index of its first column.
pub fn col_blocks(m: MatMut<'_, f64>, width: usize) -> Vec<(usize, MatMut<'_, f64>)> {
    let mut out = Vec::new();
    let mut rest = m;
    let mut start = 0;
    loop {
        let ncols = rest.ncols();
        if ncols == 0 {
            break;
        }
        let w = width.min(ncols);
        let (head, tail) = rest.split_at_col_mut(w);
        out.push((start, head));
        start += w;
        rest = tail;
    }
    out
}

/// Lower triangle (diagonal included) of `C = alpha A^T A` (`A` is `k x m`, `C` is `m x m`); the
/// strict upper triangle of `C` is left untouched. Flops: `m (m + 1) k` (half a GEMM).
pub fn gram_lower(c: MatMut<'_, f64>, a: MatRef<'_, f64>, alpha: f64) {
    gram_lower_then(c, a, alpha, |_, _| {});
}

/// [`gram_lower`], then `then(j0, block)` on each column block of the fixed partition right
/// after it is computed (while it is still cache-warm), in the same task. `block` holds columns
/// `j0..j0 + BLOCK` (all rows); rows `j0..` of it are the freshly computed lower part.
pub fn gram_lower_then<F>(c: MatMut<'_, f64>, a: MatRef<'_, f64>, alpha: f64, then: F)
where
    F: Fn(usize, MatMut<'_, f64>) + Sync,
{
    let m = a.ncols();
    assert!(c.nrows() == m && c.ncols() == m);
    col_blocks(c, BLOCK)
        .into_par_iter()
        .for_each(|(j0, mut blk)| {
            let w = blk.ncols();
            let (_, lower) = blk.as_mut().split_at_row_mut(j0);
            // Rows j0..j0+w: the diagonal square (lower triangle only); rows below: a rectangle.
            let (diag, below) = lower.split_at_row_mut(w);
            let aj = a.subcols(j0, w);
            tri_matmul(
                diag,
                BlockStructure::TriangularLower,
                Accum::Replace,
                aj.transpose(),
                BlockStructure::Rectangular,
                aj,
                BlockStructure::Rectangular,
                alpha,
                Par::Seq,
            );
            if below.nrows() > 0 {
                let ab = a.subcols(j0 + w, m - j0 - w);
                matmul(below, Accum::Replace, ab.transpose(), aj, alpha, Par::Seq);
            }
            then(j0, blk);
        });
}

/// Copies the strict lower triangle of the square `c` onto its strict upper triangle: 64 x 64
/// tiles are read column-wise into an L1-resident buffer and written column-wise transposed, so
/// both sides of the copy are contiguous (a direct strided copy thrashes the cache when the
/// leading dimension is a power of two). Sequential; ~10 ms at n = 2048.
pub fn mirror_lower(mut c: MatMut<'_, f64>) {
    const T: usize = 64;
    let n = c.nrows();
    let mut buf = [0.0f64; T * T];
    for jb in (0..n).step_by(T) {
        let jw = T.min(n - jb);
        for ib in (jb..n).step_by(T) {
            let iw = T.min(n - ib);
            // buf[ii * T + jj] = c[ib + ii, jb + jj]
            for jj in 0..jw {
                let col = c.as_ref().col(jb + jj);
                for ii in 0..iw {
                    buf[ii * T + jj] = col[ib + ii];
                }
            }
            // c[jb + jj, ib + ii] = buf[ii * T + jj] where ib + ii > jb + jj (strictly upper).
            for ii in 0..iw {
                let i = ib + ii;
                let mut col = c.as_mut().col_mut(i);
                let jmax = jw.min(i.saturating_sub(jb));
                for jj in 0..jmax {
                    col[jb + jj] = buf[ii * T + jj];
                }
            }
        }
    }
}

/// A raw pointer that may cross threads (see [`mirror_lower_par`] for why it is sound).
#[derive(Clone, Copy)]
struct SendPtr(*mut f64);
// SAFETY: only used by `mirror_lower_par`, whose tasks touch disjoint entries.
unsafe impl Send for SendPtr {}
unsafe impl Sync for SendPtr {}

impl SendPtr {
    /// The pointer (a method, so closures capture the whole `Send` wrapper).
    fn get(self) -> *mut f64 {
        self.0
    }
}

/// [`mirror_lower`] in parallel: one task per 64-column block of the DESTINATION (strict upper
/// triangle), each reading the transposed strict-lower tiles through an L1-resident buffer. A
/// pure copy, so the result does not depend on the thread count.
pub fn mirror_lower_par(c: MatMut<'_, f64>) {
    const T: usize = 64;
    let n = c.nrows();
    assert!(c.ncols() == n);
    if c.row_stride() != 1 {
        mirror_lower(c);
        return;
    }
    let cs = c.col_stride();
    let base = SendPtr(c.as_ptr_mut());
    (0..n.div_ceil(T)).into_par_iter().for_each(|t| {
        let i0 = t * T;
        let iw = T.min(n - i0);
        let mut buf = [0.0f64; T * T];
        for jb in (0..=i0).step_by(T) {
            let jw = T.min(n - jb);
            // buf[ii * T + jj] = c[i0 + ii, jb + jj] for i0 + ii > jb + jj (strictly lower).
            for jj in 0..jw {
                let j = jb + jj;
                for ii in 0..iw {
                    if i0 + ii > j {
                        // SAFETY: (i0 + ii, j) is inside the n x n matrix and strictly lower;
                        // no task writes the strict lower triangle.
                        buf[ii * T + jj] =
                            unsafe { *base.get().offset((i0 + ii) as isize + j as isize * cs) };
                    }
                }
            }
            // c[jb + jj, i0 + ii] = buf[ii * T + jj] (strictly upper, columns of this task only).
            for ii in 0..iw {
                let i = i0 + ii;
                for jj in 0..jw.min(i.saturating_sub(jb)) {
                    // SAFETY: (jb + jj, i) is inside the matrix, strictly upper, and column i
                    // belongs to this task alone.
                    unsafe {
                        *base.get().offset((jb + jj) as isize + i as isize * cs) = buf[ii * T + jj];
                    }
                }
            }
        }
    });
}

/// `C = alpha A B` computed by fixed column blocks of `C`, each block sequential.
pub fn gemm_blocked(c: MatMut<'_, f64>, a: MatRef<'_, f64>, b: MatRef<'_, f64>, alpha: f64) {
    gemm_blocked_acc(c, a, b, alpha, false);
}

/// `C = alpha A B` (`add = false`) or `C += alpha A B` (`add = true`) by fixed column blocks of
/// `C`, each block sequential.
pub fn gemm_blocked_acc(
    c: MatMut<'_, f64>,
    a: MatRef<'_, f64>,
    b: MatRef<'_, f64>,
    alpha: f64,
    add: bool,
) {
    assert!(c.nrows() == a.nrows() && c.ncols() == b.ncols() && a.ncols() == b.nrows());
    let acc = if add { Accum::Add } else { Accum::Replace };
    col_blocks(c, GEMM_BLOCK)
        .into_par_iter()
        .for_each(|(j0, blk)| {
            let w = blk.ncols();
            matmul(blk, acc, a, b.subcols(j0, w), alpha, Par::Seq);
        });
}

/// `C = alpha A K` (`add = false`) or `C += alpha A K` (`add = true`) for a symmetric `K` of
/// which only the lower triangle and the diagonal blocks `[j0, j0 + GEMM_BLOCK)^2` of the fixed
/// partition are read (as left by [`gram_lower`] and [`mirror_diag_blocks_width`] with width
/// [`GEMM_BLOCK`]); the strict upper triangle outside those blocks may hold anything. Column
/// block `J = [j0, j0 + w)` of `C` is `A[:, j0..] K[j0.., J]` (stored: the diagonal block and
/// the lower rectangle below it) plus `A[:, ..j0] K[J, ..j0]^T` (the stored rows of `J`, read
/// transposed): two sequential products per block, the flops of [`gemm_blocked`] without
/// mirroring the whole triangle first.
pub fn gemm_sym_lower_acc(
    c: MatMut<'_, f64>,
    a: MatRef<'_, f64>,
    k: MatRef<'_, f64>,
    alpha: f64,
    add: bool,
) {
    let n = k.nrows();
    assert!(k.ncols() == n && c.nrows() == a.nrows() && c.ncols() == n && a.ncols() == n);
    let acc = if add { Accum::Add } else { Accum::Replace };
    col_blocks(c, GEMM_BLOCK)
        .into_par_iter()
        .for_each(|(j0, mut blk)| {
            let w = blk.ncols();
            let below = k.submatrix(j0, j0, n - j0, w);
            matmul(
                blk.as_mut(),
                acc,
                a.subcols(j0, n - j0),
                below,
                alpha,
                Par::Seq,
            );
            if j0 > 0 {
                let left = k.submatrix(j0, 0, w, j0).transpose();
                matmul(blk, Accum::Add, a.subcols(0, j0), left, alpha, Par::Seq);
            }
        });
}

/// Mirrors, inside every diagonal block `[j0, j0 + BLOCK)^2` of the fixed partition, the strict
/// lower triangle onto the strict upper one (each block owned by one task, in parallel).
pub fn mirror_diag_blocks(c: MatMut<'_, f64>) {
    mirror_diag_blocks_width(c, BLOCK);
}

/// [`mirror_diag_blocks`] for diagonal blocks of width `width`.
pub fn mirror_diag_blocks_width(c: MatMut<'_, f64>, width: usize) {
    col_blocks(c, width)
        .into_par_iter()
        .for_each(|(j0, mut blk)| {
            let w = blk.ncols();
            for jj in 0..w {
                for ii in jj + 1..w {
                    let v = blk[(j0 + ii, jj)];
                    blk[(j0 + jj, ii)] = v;
                }
            }
        });
}

/// Eigendecomposition of the symmetric `a` read from its lower triangle: eigenvalues in
/// nondecreasing order and, if `vectors`, the orthonormal eigenvectors as columns. Runs with the
/// fixed split `EVD_PAR` (2 parts) so the result does not depend on the pool's thread count.
pub fn sym_eigen(a: MatRef<'_, f64>, vectors: bool) -> Result<(Vec<f64>, Option<Mat<f64>>)> {
    use faer::dyn_stack::{MemBuffer, MemStack};
    use faer::linalg::evd::{self_adjoint_evd, self_adjoint_evd_scratch, ComputeEigenvectors};
    let n = a.nrows();
    if a.ncols() != n {
        return Err(Error::Linalg {
            op: "symmetric eigendecomposition".into(),
            detail: format!("matrix is {} x {}, not square", n, a.ncols()),
        });
    }
    for j in 0..n {
        for i in j..n {
            if !a[(i, j)].is_finite() {
                return Err(Error::Linalg {
                    op: "symmetric eigendecomposition".into(),
                    detail: format!("non-finite entry at ({i}, {j})"),
                });
            }
        }
    }
    let mut s = faer::diag::Diag::<f64>::zeros(n);
    let mut u = vectors.then(|| Mat::<f64>::zeros(n, n));
    let compute = if vectors {
        ComputeEigenvectors::Yes
    } else {
        ComputeEigenvectors::No
    };
    let mut mem = MemBuffer::new(self_adjoint_evd_scratch::<f64>(
        n,
        compute,
        EVD_PAR,
        Default::default(),
    ));
    self_adjoint_evd(
        a,
        s.as_mut(),
        u.as_mut().map(|u| u.as_mut()),
        EVD_PAR,
        MemStack::new(&mut mem),
        Default::default(),
    )
    .map_err(|e| Error::Linalg {
        op: "symmetric eigendecomposition".into(),
        detail: format!("{e:?}"),
    })?;
    let vals: Vec<f64> = (0..n).map(|i| s[i]).collect();
    Ok((vals, u))
}

/// Solves `A X = B` for a symmetric positive definite `a` (read from its lower triangle and
/// overwritten by its Cholesky factor), `b` overwritten by `X`. faer's `cholesky_in_place` and
/// triangular solves with `Par::Seq`: the result does not depend on the thread count (callers
/// parallelise over replicates). A non-positive pivot is an [`Error::Linalg`].
pub fn llt_solve_seq(mut a: MatMut<'_, f64>, b: MatMut<'_, f64>) -> Result<()> {
    use faer::dyn_stack::{MemBuffer, MemStack};
    use faer::linalg::cholesky::llt::{factor, solve};
    let n = a.nrows();
    if a.ncols() != n || b.nrows() != n {
        return Err(Error::Linalg {
            op: "Cholesky solve".into(),
            detail: format!(
                "matrix {} x {}, right-hand side {} x {}",
                n,
                a.ncols(),
                b.nrows(),
                b.ncols()
            ),
        });
    }
    let mut mem = MemBuffer::new(factor::cholesky_in_place_scratch::<f64>(
        n,
        Par::Seq,
        Default::default(),
    ));
    factor::cholesky_in_place(
        a.as_mut(),
        Default::default(),
        Par::Seq,
        MemStack::new(&mut mem),
        Default::default(),
    )
    .map_err(|e| Error::Linalg {
        op: "Cholesky factorisation".into(),
        detail: format!("{e:?} (matrix not positive definite)"),
    })?;
    let mut mem = MemBuffer::new(solve::solve_in_place_scratch::<f64>(n, b.ncols(), Par::Seq));
    solve::solve_in_place(a.as_ref(), b, Par::Seq, MemStack::new(&mut mem));
    Ok(())
}

/// Bytes of memory the machine can still give (`MemAvailable` of `/proc/meminfo`), or 24 GiB
/// when that cannot be read.
pub fn mem_available_bytes() -> u64 {
    const FALLBACK: u64 = 24 << 30;
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("MemAvailable:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .map_or(FALLBACK, |kb| kb * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn test_mat(r: usize, c: usize) -> Mat<f64> {
        Mat::from_fn(r, c, |i, j| ((i * 7 + j * 13) % 11) as f64 / 11.0 - 0.4)
    }

    #[test]
    fn gram_and_gemm_match_plain_products() {
        // 300 columns: two full blocks and a ragged one.
        let a = test_mat(37, 300);
        let mut c = Mat::<f64>::zeros(300, 300);
        gram_lower(c.as_mut(), a.as_ref(), 0.5);
        mirror_lower(c.as_mut());
        let full = a.transpose() * &a * 0.5;
        let b = test_mat(300, 290);
        let mut d = Mat::<f64>::zeros(37, 290);
        gemm_blocked(d.as_mut(), a.as_ref(), b.as_ref(), 2.0);
        let d_ref = &a * &b * 2.0;
        // Mirror by blocks (ragged last block) equals the plain transpose.
        let mut k = Mat::<f64>::from_fn(300, 300, |i, j| {
            if i >= j {
                (i * 300 + j) as f64
            } else {
                f64::NAN
            }
        });
        mirror_lower(k.as_mut());
        assert!(k == Mat::<f64>::from_fn(300, 300, |i, j| (i.max(j) * 300 + i.min(j)) as f64));
        // The parallel mirror is the same copy (ragged tiles; upper part NaN on entry).
        for n in [1, 63, 64, 65, 300] {
            let mut p =
                Mat::<f64>::from_fn(
                    n,
                    n,
                    |i, j| {
                        if i >= j {
                            (i * n + j) as f64
                        } else {
                            f64::NAN
                        }
                    },
                );
            mirror_lower_par(p.as_mut());
            assert!(p == Mat::<f64>::from_fn(n, n, |i, j| (i.max(j) * n + i.min(j)) as f64));
        }
        // The symmetric product reads the lower triangle and the diagonal blocks only: the rest
        // of the upper triangle is NaN, which would poison any entry that read it.
        for n in [1, 255, 256, 300, 600] {
            let ks = Mat::<f64>::from_fn(n, n, |i, j| {
                ((i.max(j) * 5 + i.min(j) * 3) % 17) as f64 - 8.0
            });
            let mut kl =
                Mat::<f64>::from_fn(n, n, |i, j| if i >= j { ks[(i, j)] } else { f64::NAN });
            mirror_diag_blocks_width(kl.as_mut(), GEMM_BLOCK);
            let a = test_mat(37, n);
            let mut s = Mat::<f64>::zeros(37, n);
            gemm_sym_lower_acc(s.as_mut(), a.as_ref(), kl.as_ref(), 0.5, false);
            let s_ref = &a * &ks * 0.5;
            // eps x inner dimension x entry scale (|a| <= 0.6, |k| <= 8)
            assert!((&s - &s_ref).norm_max() < 1e-15 * n as f64 * 8.0, "n = {n}");
            gemm_sym_lower_acc(s.as_mut(), a.as_ref(), kl.as_ref(), 0.5, true);
            assert!(
                (&s - &s_ref * 2.0).norm_max() < 2e-15 * n as f64 * 8.0,
                "n = {n}"
            );
        }
        // Same products up to summation order: eps x inner dimension x entry scale.
        assert!((&c - &full).norm_max() < 1e-13 * 37.0);
        assert!((&d - &d_ref).norm_max() < 1e-13 * 300.0);
    }

    #[test]
    fn cholesky_solve_matches_the_product() {
        let a = test_mat(30, 40);
        let g = a.transpose() * &a + Mat::<f64>::identity(40, 40);
        let x = Mat::<f64>::from_fn(40, 2, |i, j| (i + 3 * j) as f64 / 40.0);
        let mut b = &g * &x;
        let mut f = g.clone();
        llt_solve_seq(f.as_mut(), b.as_mut()).unwrap();
        assert!((&b - &x).norm_max() < 1e-12 * 40.0);
        let mut bad = -Mat::<f64>::identity(3, 3);
        let mut r = Mat::<f64>::zeros(3, 1);
        assert!(llt_solve_seq(bad.as_mut(), r.as_mut()).is_err());
    }

    #[test]
    fn eigen_reconstructs() {
        let a = test_mat(20, 50);
        let g = a.transpose() * &a;
        let (l, u) = sym_eigen(g.as_ref(), true).unwrap();
        let u = u.unwrap();
        let rec =
            &u * faer::Mat::from_fn(50, 50, |i, j| if i == j { l[i] } else { 0.0 }) * u.transpose();
        // Backward-stable EVD: residual ~ eps x n x ||G||.
        assert!((&rec - &g).norm_max() < 1e-12 * g.norm_max() * 50.0);
        assert!(l.windows(2).all(|w| w[0] <= w[1]));
    }
}
