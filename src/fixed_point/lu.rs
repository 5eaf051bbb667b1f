//! Dense complex LU with partial pivoting for the small systems of the pencil.

use crate::error::{Error, Result};
use num_complex::Complex64 as C64;

/// Solves `A x = b` in place (`a` row-major `n x n`, overwritten by its LU factors; `b` by `x`).
/// Partial pivoting; a zero pivot is an [`Error::Linalg`].
///
/// Why not faer: these systems are tiny (3 x 3 blocks of the MDE map, the 18 x 18 Newton Jacobian,
/// the <= 12 x 12 reduced system) and solved thousands of times per gamma path; faer's
/// `partial_piv_lu` costs more in set-up than the arithmetic here. Measured with
/// `cargo bench --bench theory`: one attention point 1.06 ms with faer vs 0.45 ms with this
/// routine, a path to gamma = 1e-6 37 ms vs 16 ms. Large dense work (Monte Carlo) uses faer.
pub fn lu_solve(a: &mut [C64], n: usize, b: &mut [C64]) -> Result<()> {
    lu_solve_multi(a, n, b, 1)
}

/// Solves `A X = B` in place for `k` right-hand sides (`b` row-major `n x k`).
pub fn lu_solve_multi(a: &mut [C64], n: usize, b: &mut [C64], k: usize) -> Result<()> {
    if a.len() != n * n || b.len() != n * k {
        return Err(Error::Linalg {
            op: "lu_solve".into(),
            detail: "dimension mismatch".into(),
        });
    }
    // pivoting and the singularity test use |re| + |im| (no hypot; within a factor sqrt 2)
    let scale = a.iter().map(|v| v.l1_norm()).fold(0.0, f64::max);
    for col in 0..n {
        let (mut piv, mut pmax) = (col, a[col * n + col].l1_norm());
        for r in col + 1..n {
            let v = a[r * n + col].l1_norm();
            if v > pmax {
                piv = r;
                pmax = v;
            }
        }
        // exactly singular (or non-finite) only: ill-conditioned Jacobians (condition ~ 1/gamma^2
        // at small gamma, ADDENDUM §3) are legitimate; Newton's residual test judges the result
        if pmax <= f64::MIN_POSITIVE * scale || !pmax.is_finite() {
            return Err(Error::Linalg {
                op: "lu_solve".into(),
                detail: format!("singular matrix (pivot {pmax:.3e} at column {col})"),
            });
        }
        if piv != col {
            for j in 0..n {
                a.swap(col * n + j, piv * n + j);
            }
            for j in 0..k {
                b.swap(col * k + j, piv * k + j);
            }
        }
        let inv = C64::new(1.0, 0.0) / a[col * n + col];
        for r in col + 1..n {
            let f = a[r * n + col] * inv;
            if f == C64::new(0.0, 0.0) {
                continue;
            }
            a[r * n + col] = f;
            for j in col + 1..n {
                let t = a[col * n + j];
                a[r * n + j] -= f * t;
            }
            for j in 0..k {
                let t = b[col * k + j];
                b[r * k + j] -= f * t;
            }
        }
    }
    for col in (0..n).rev() {
        let inv = C64::new(1.0, 0.0) / a[col * n + col];
        for j in 0..k {
            let mut s = b[col * k + j];
            for c in col + 1..n {
                s -= a[col * n + c] * b[c * k + j];
            }
            b[col * k + j] = s * inv;
        }
    }
    Ok(())
}

/// Inverse of a row-major `n x n` complex matrix.
pub fn inverse(a: &[C64], n: usize) -> Result<Vec<C64>> {
    let mut lu = a.to_vec();
    let mut b = vec![C64::new(0.0, 0.0); n * n];
    for i in 0..n {
        b[i * n + i] = C64::new(1.0, 0.0);
    }
    lu_solve_multi(&mut lu, n, &mut b, n)?;
    Ok(b)
}
