//! The exact model of the paper (SPEC §1, §3): data, kernel, features.

use serde::Serialize;

/// Which feature map the probe reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ModelKind {
    /// Nonlinear attention, `Phi = X K`.
    Attention,
    /// Ridge regression on raw tokens, `Phi = X`.
    Ridge,
    /// Attention with `K` replaced by its Gaussian equivalent `a1 X^T W X/p + sigma G/sqrt p + s I`.
    Equivalent,
}

/// Diagonal convention of the kernel matrix (SPEC §3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Diag {
    /// `K_ii := 0` (default); Gaussian-equivalent shift `s = -a1`.
    Zero,
    /// `K_ii = f(x_i^T W x_i / sqrt p) / sqrt p`; shift `s = tau_D - a1`.
    Literal,
}
