//! # rmt-verify
//!
//! Turns "A Random Matrix Analysis of In-context Memorization for Nonlinear Attention"
//! (Zou, Liu, Hou, Ling, Liao; arXiv 2506.18656) into an executable test suite.
//!
//! Model (docs/model.md): tokens `X = mu y^T + Z` (`p x n`), kernel
//! `K = f(X^T W X / sqrt p) / sqrt p`, `W = I + w_K w_Q^T`, features `Phi = X K`, resolvent
//! `Q = (Phi^T Phi / n + gamma I)^{-1}` and memorization error `E = (gamma^2 / n) y^T Q^2 y`,
//! compared with ridge regression on `X`.
//!
//! * [`activation`], [`hermite`], [`quadrature`]: activations and their Hermite coefficients;
//! * [`model`], [`monte_carlo`]: the model description ([`ModelSpec`], model files) and the
//!   exact model, simulated ([`simulate`]);
//! * [`theory`]: deterministic equivalents ([`model_path`]: closed forms, the pencil/MDE solver,
//!   several heads, the variants' mode model, spectra);
//! * [`evidence`]: theory vs Monte Carlo sweeps, the tolerance policy, sign tests, seeds;
//! * [`theorems`]: every result of each paper as a [`Claim`] returning a [`Verdict`], grouped in
//!   paper packs ([`theorems::pack`]); [`raf`]: the engines of the second paper.
//!
//! The most used items are re-exported at the top level; the modules hold the rest. Internal
//! machinery (the slice evaluator of expressions, the fixed-point solvers, the deterministic
//! tolerance type) is private. The mathematics is in the repository's `docs/`.
#![warn(missing_docs)]

pub mod activation;
pub mod claim;
pub mod error;
pub mod evidence;
pub mod expr;
mod expr_slice;
pub mod figures;
mod fixed_point;
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
mod tolerance;

#[path = "../theorems/mod.rs"]
pub mod theorems;

pub use activation::Activation;
pub use claim::{Budget, Claim, Level, NegativeControl, Pack, Paper, Row, Status, Verdict};
pub use error::{Error, Result};
pub use format::{Format, Table};
pub use hermite::{hermite_coeffs, HermiteCoeffs};
pub use model::{ModelKind, ModelSpec, SimConfig};
pub use monte_carlo::{simulate, SimResult};
pub use theory::{model_path, model_path_at, Dims, TheoryPoint};

/// Crate version, recorded in JSON output.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
