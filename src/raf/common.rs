//! Helpers shared by the RAF claims (not a claim): Monte Carlo configurations, the Monte Carlo
//! tolerance and evidence rows.
//!
//! **Monte Carlo tolerance.** A row holds iff `|MC mean - theory| <= Z SE + C size^{-1/2}`:
//! * `Z = 4` standard errors of the replicate mean (per-row false alarm ~6e-5 under normality;
//!   with 10 replicates the Student-t tail gives ~3e-3, so a pack of ~60 Monte Carlo rows has a
//!   family-wise false-alarm rate of a few percent at a fresh seed — the snapshot seed is fixed);
//! * a finite-size term `C size^{-1/2}` with `size = d` (kernel ridge, linear ridge) or `p`
//!   (random features): the Gaussian-equivalence / kernel-linearisation error is `O(d^{-1/2})`
//!   in operator norm (El Karoui 2010), and an error *rate* is an O(1) quantity, so
//!   [`FINITE_SIZE_C`] = 0.1 allows 1% at `d = 100`, 0.3% at `d = 1000` (`docs/raf.md §9`:
//!   measured gaps at `d = 1000` are within 1.5 seed-standard-deviations).
//!
//! A row whose tolerance exceeds [`INCONCLUSIVE_TOL`] is `Inconclusive`: a tolerance of 0.1 on
//! an error rate decides nothing.

use crate::claim::{Row, Status};
use crate::monte_carlo::Summary;

/// Standard errors allowed.
pub const Z: f64 = 4.0;
/// Constant of the finite-size term `C size^{-1/2}`.
pub const FINITE_SIZE_C: f64 = 0.1;
/// Tolerances above this make a row `Inconclusive`.
pub const INCONCLUSIVE_TOL: f64 = 0.1;

/// `round(ratio * base)`, at least 1.
pub fn scaled(ratio: f64, base: usize) -> usize {
    ((ratio * base as f64).round() as usize).max(1)
}

/// The Monte Carlo tolerance at a replicate standard error `se` and size `size`.
pub fn mc_tol(se: f64, size: usize) -> f64 {
    Z * se + FINITE_SIZE_C / (size as f64).sqrt()
}

/// Human-readable source of [`mc_tol`].
pub fn mc_tol_source(size_name: &str) -> String {
    format!("{Z}·SE + {FINITE_SIZE_C}·{size_name}^-1/2")
}

/// An agreement row between a theory value and a Monte Carlo summary.
pub fn mc_row(
    label: String,
    theory: f64,
    s: &Summary,
    size_name: &str,
    size: usize,
    n: usize,
    reps: usize,
) -> Row {
    let tol = mc_tol(s.se, size);
    let r = Row::agreement(label, theory, s.mean, s.se, tol, mc_tol_source(size_name))
        .with_se(s.se)
        .with_n(n)
        .with_reps(reps);
    if r.status == Status::Holds && tol > INCONCLUSIVE_TOL {
        r.with_status(Status::Inconclusive)
    } else {
        r
    }
}
