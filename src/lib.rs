//! # rmt-verify
//!
//! Turns "A Random Matrix Analysis of In-context Memorization for Nonlinear Attention"
//! (Zou, Liu, Hou, Ling, Liao; arXiv 2506.18656) into an executable test suite.
//!
//! Model (SPEC §1): tokens `X = mu y^T + Z` (`p x n`), kernel
//! `K = f(X^T W X / sqrt p) / sqrt p`, `W = I + w_K w_Q^T`, features `Phi = X K`, resolvent
//! `Q = (Phi^T Phi / n + gamma I)^{-1}` and memorization error `E = (gamma^2 / n) y^T Q^2 y`,
//! compared with ridge regression on `X`.
//!
//! * [`activation`], [`hermite`], [`quadrature`]: activations and their Hermite coefficients;
//! * [`model`], [`monte_carlo`]: the exact model, simulated;
//! * [`theory`]: deterministic equivalents (closed forms, the pencil/MDE solver, spectra);
//! * [`evidence`]: theory vs Monte Carlo sweeps, the tolerance policy, sign tests, seeds;
//! * [`theorems`]: every result of the paper as a [`Claim`] returning a [`Verdict`].
#![warn(missing_docs)]

pub mod activation;
pub mod claim;
pub mod error;
pub mod evidence;
pub mod expr;
pub mod expr_slice;
pub mod figures;
pub mod fixed_point;
pub mod format;
pub mod heads;
pub mod hermite;
pub mod linalg;
pub mod model;
pub mod monte_carlo;
pub mod plot;
pub mod quadrature;
pub mod raf;
pub mod random;
pub mod report;
pub mod report_heads;
pub mod theory;
pub mod tolerance;

#[path = "../theorems/mod.rs"]
pub mod theorems;

pub use activation::Activation;
pub use claim::{Budget, Claim, Level, NegativeControl, Pack, Paper, Row, Status, Verdict};
pub use error::{Error, Result};
pub use format::{Format, Table};
pub use hermite::{hermite_coeffs, HermiteCoeffs};

/// Crate version, recorded in JSON output.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
