//! Joint Hermite statistics of several attention heads (`docs/multihead.md §2`).
//!
//! For centred activations `f_1..f_H` with first Hermite coefficients `a1_h`:
//!
//! * activation Gram matrix `G_hg = E[f_h(xi) f_g(xi)]` (centred; `G_hh = nu_h`);
//! * Wigner covariance `S_hg = G_hg - a1_h a1_g = sum_{k>=2} a_k^(h) a_k^(g)`: the covariance of
//!   the nonlinear (Wigner) parts `N_h` of the heads' Gaussian equivalents, which all see the
//!   same matrices `P_k(Z^T Z/sqrt p)`;
//! * `rho_hg = S_hg / sqrt(S_hh S_gg)` and the effective number of heads `rank(G)`.
//!
//! The diagonal uses `nu_h` from [`hermite_coeffs`] (so one head reproduces the single-head
//! constants bit for bit) and the off-diagonal [`cross_moment`]; two heads with the same
//! activation name get `G_hg = nu_h` exactly (duplicated features, `S` exactly rank one).
//! The truncated sum `sum_{k=2..K} a_k^(h) a_k^(g)` converges slowly for kinked `f` (`a_k ~
//! k^{-3/4}` for `sign`), which is why the cross moment is integrated directly; the unit tests
//! compare both for smooth pairs.

use crate::activation::Activation;
use crate::error::{Error, Result};
use crate::hermite::{cross_moment, hermite_coeffs};

/// Relative eigenvalue threshold of [`HeadStats::rank`]: the quadrature errors of `G` are below
/// ~1e-12 relative ([`hermite_coeffs`] targets), so 1e-9 separates true zeros (equal or linearly
/// dependent activations) from small but real eigenvalues with three orders of margin.
pub const RANK_REL_TOL: f64 = 1e-9;

/// Hermite statistics of a set of heads (row-major `H x H` matrices).
#[derive(Clone, Debug, PartialEq)]
pub struct HeadStats {
    /// Activation names.
    pub names: Vec<String>,
    /// `a1_h`.
    pub a1: Vec<f64>,
    /// `G_hg = E[f_h f_g]` (centred).
    pub gram: Vec<f64>,
    /// `S_hg = G_hg - a1_h a1_g`.
    pub cov: Vec<f64>,
    /// Largest quadrature error estimate over all entries.
    pub error: f64,
}

impl HeadStats {
    /// Statistics of `acts` (at least one).
    pub fn of(acts: &[&Activation]) -> Result<HeadStats> {
        let h = acts.len();
        if h == 0 {
            return Err(Error::param("heads", "[]", "need at least one activation"));
        }
        let coeffs = acts
            .iter()
            .map(|a| hermite_coeffs(a, 2))
            .collect::<Result<Vec<_>>>()?;
        let a1: Vec<f64> = coeffs.iter().map(|c| c.a1).collect();
        let mut gram = vec![0.0; h * h];
        let mut error = coeffs.iter().map(|c| c.error_estimate).fold(0.0, f64::max);
        for i in 0..h {
            // nu >= a1^2 up to quadrature noise (as in AttentionParams::from_spec)
            gram[i * h + i] = coeffs[i].nu.max(a1[i] * a1[i]);
            for j in 0..i {
                let v = if acts[i].name() == acts[j].name() {
                    gram[i * h + i]
                } else {
                    let (v, e) = cross_moment(acts[i], acts[j])?;
                    error = error.max(e);
                    v
                };
                gram[i * h + j] = v;
                gram[j * h + i] = v;
            }
        }
        let cov = (0..h * h)
            .map(|k| gram[k] - a1[k / h] * a1[k % h])
            .collect();
        Ok(HeadStats {
            names: acts.iter().map(|a| a.name().to_string()).collect(),
            a1,
            gram,
            cov,
            error,
        })
    }

    /// Number of heads.
    pub fn heads(&self) -> usize {
        self.a1.len()
    }

    /// `S_hg`.
    pub fn s(&self, h: usize, g: usize) -> f64 {
        self.cov[h * self.heads() + g]
    }

    /// `rho_hg = S_hg / sqrt(S_hh S_gg)` (`None` when a head has no nonlinear part).
    pub fn rho(&self, h: usize, g: usize) -> Option<f64> {
        let d = (self.s(h, h) * self.s(g, g)).sqrt();
        (d > 0.0).then(|| self.s(h, g) / d)
    }

    /// Effective number of heads: rank of the activation Gram matrix `G` (eigenvalues above
    /// [`RANK_REL_TOL`] times the largest).
    pub fn rank(&self) -> Result<usize> {
        let vals = sym_eigenvalues(&self.gram, self.heads())?;
        let top = vals.iter().copied().fold(0.0, f64::max);
        Ok(vals.iter().filter(|&&v| v > RANK_REL_TOL * top).count())
    }

    /// `L` (`H x H`, row-major) with `L L^T = S`, from the eigendecomposition of `S` (negative
    /// round-off eigenvalues clipped to 0): the mixing of independent GOE matrices that gives
    /// the jointly Gaussian Wigner parts `N_h = sum_j L_hj G_j`.
    pub fn cov_sqrt(&self) -> Result<Vec<f64>> {
        sym_sqrt(&self.cov, self.heads())
    }
}

/// Negative-control variants of a Wigner covariance (wrong on purpose).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CovVariant {
    /// `S` itself.
    Correct,
    /// Independent Wigner parts: `S_hg := 0` for `h != g`.
    Independent,
    /// Fully shared Wigner parts: `S_hg := sign(S_hg) sqrt(S_hh S_gg)` (`rho = ±1`; `+1` when
    /// `S_hg = 0`).
    Shared,
}

impl CovVariant {
    /// The variant of `s` (`h x h`).
    pub fn apply(self, s: &[f64], h: usize) -> Vec<f64> {
        let mut out = s.to_vec();
        for i in 0..h {
            for j in 0..h {
                if i == j {
                    continue;
                }
                out[i * h + j] = match self {
                    CovVariant::Correct => s[i * h + j],
                    CovVariant::Independent => 0.0,
                    CovVariant::Shared => {
                        let m = (s[i * h + i] * s[j * h + j]).sqrt();
                        if s[i * h + j] < 0.0 {
                            -m
                        } else {
                            m
                        }
                    }
                };
            }
        }
        out
    }

    /// Name in tables.
    pub fn name(self) -> &'static str {
        match self {
            CovVariant::Correct => "correct",
            CovVariant::Independent => "independent",
            CovVariant::Shared => "shared",
        }
    }
}

fn to_mat(a: &[f64], h: usize) -> faer::Mat<f64> {
    faer::Mat::from_fn(h, h, |i, j| a[i * h + j])
}

/// Eigenvalues of the small symmetric `a` (`h x h`, row-major), nondecreasing.
pub fn sym_eigenvalues(a: &[f64], h: usize) -> Result<Vec<f64>> {
    Ok(crate::linalg::sym_eigen(to_mat(a, h).as_ref(), false)?.0)
}

/// Symmetric PSD square root factor `L` with `L L^T = a` (`L = U diag(sqrt(max(l, 0)))`).
pub fn sym_sqrt(a: &[f64], h: usize) -> Result<Vec<f64>> {
    let (vals, u) = crate::linalg::sym_eigen(to_mat(a, h).as_ref(), true)?;
    let u = u.ok_or_else(|| Error::Linalg {
        op: "symmetric square root".into(),
        detail: "eigenvectors missing".into(),
    })?;
    let mut l = vec![0.0; h * h];
    for i in 0..h {
        for j in 0..h {
            l[i * h + j] = u[(i, j)] * vals[j].max(0.0).sqrt();
        }
    }
    Ok(l)
}

/// Whether the symmetric `a` (`h x h`) is positive semi-definite: smallest eigenvalue
/// `>= -tol * max(1, largest |eigenvalue|)`.
pub fn is_psd(a: &[f64], h: usize, tol: f64) -> Result<bool> {
    let vals = sym_eigenvalues(a, h)?;
    let scale = vals.iter().map(|v| v.abs()).fold(1.0, f64::max);
    Ok(vals.first().is_none_or(|&v| v >= -tol * scale))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stats(a: &str, b: &str) -> HeadStats {
        let (x, y) = (Activation::parse(a).unwrap(), Activation::parse(b).unwrap());
        HeadStats::of(&[&x, &y]).unwrap()
    }

    /// `docs/multihead.md §8` table (10 digits given): a1, S, rho for seven pairs.
    #[test]
    fn reference_covariances() {
        let table: [(&str, &str, [f64; 5], f64); 7] = [
            (
                "tanh",
                "tanh",
                [
                    0.6057055096,
                    0.6057055096,
                    0.0274153260,
                    0.0274153260,
                    0.0274153260,
                ],
                1.0,
            ),
            (
                "tanh",
                "cos",
                [0.6057055096, 0.0, 0.0274153260, 0.0, 0.1997882004],
                0.0,
            ),
            (
                "relu",
                "quad",
                [0.5, 0.0, 0.0908450569, 0.3989422804, 2.0],
                0.93593226,
            ),
            (
                "tanh",
                "sign",
                [
                    0.6057055096,
                    0.7978845608,
                    0.0274153260,
                    0.0726962413,
                    0.3633802276,
                ],
                0.72834074,
            ),
            (
                "sin",
                "tanh",
                [
                    0.6065306597,
                    0.6057055096,
                    0.0644529172,
                    0.0405056819,
                    0.0274153260,
                ],
                0.96360257,
            ),
            (
                "cos",
                "quad",
                [0.0, 0.0, 0.1997882004, -0.6065306597, 2.0],
                -0.95951738,
            ),
            (
                "relu",
                "abs",
                [0.5, 0.0, 0.0908450569, 0.1816901138, 0.3633802276],
                1.0,
            ),
        ];
        for (a, b, v, rho) in table {
            let s = stats(a, b);
            let got = [s.a1[0], s.a1[1], s.s(0, 0), s.s(0, 1), s.s(1, 1)];
            for (g, e) in got.iter().zip(&v) {
                // reference printed to 10 decimals: 1e-10 rounding + quadrature (< 1e-11)
                assert!((g - e).abs() < 1e-10, "{a},{b}: {got:?} vs {v:?}");
            }
            // printed to 8 decimals
            let r = s.rho(0, 1).unwrap_or(0.0);
            assert!((r - rho).abs() < 1e-8, "{a},{b}: rho {r} vs {rho}");
        }
    }

    #[test]
    fn cross_moment_equals_hermite_sum_for_smooth_pairs() {
        // S_12 = sum_{k>=2} a_k^(1) a_k^(2); smooth activations: coefficients decay fast,
        // the truncated sum at K = 60 is exact to ~1e-14.
        for (a, b) in [
            ("tanh", "sin"),
            ("tanh", "erf"),
            ("cos", "quad"),
            ("gelu", "silu"),
        ] {
            let (x, y) = (Activation::parse(a).unwrap(), Activation::parse(b).unwrap());
            let (hx, hy) = (
                hermite_coeffs(&x, 60).unwrap(),
                hermite_coeffs(&y, 60).unwrap(),
            );
            let sum: f64 = (2..=60).map(|k| hx.a[k] * hy.a[k]).sum();
            let s = HeadStats::of(&[&x, &y]).unwrap();
            assert!(
                (s.s(0, 1) - sum).abs() < 1e-11,
                "{a},{b}: {} vs {sum}",
                s.s(0, 1)
            );
        }
    }

    #[test]
    fn rank_is_the_number_of_independent_activations() {
        assert_eq!(stats("tanh", "tanh").rank().unwrap(), 1);
        assert_eq!(stats("tanh", "cos").rank().unwrap(), 2);
        // relu = x/2 + |x|/2 (centred): relu, abs and linear span 2 dimensions
        let (r, a, l) = (
            Activation::parse("relu").unwrap(),
            Activation::parse("abs").unwrap(),
            Activation::parse("linear").unwrap(),
        );
        assert_eq!(HeadStats::of(&[&r, &a, &l]).unwrap().rank().unwrap(), 2);
    }

    #[test]
    fn covariance_square_root_and_variants() {
        let s = stats("tanh", "sign");
        let l = s.cov_sqrt().unwrap();
        for i in 0..2 {
            for j in 0..2 {
                let v: f64 = (0..2).map(|k| l[i * 2 + k] * l[j * 2 + k]).sum();
                assert!((v - s.s(i, j)).abs() < 1e-15, "{v} vs {}", s.s(i, j));
            }
        }
        let ind = CovVariant::Independent.apply(&s.cov, 2);
        assert_eq!(ind[1], 0.0);
        let sh = CovVariant::Shared.apply(&s.cov, 2);
        assert!((sh[1] - (s.s(0, 0) * s.s(1, 1)).sqrt()).abs() < 1e-16);
        assert!(is_psd(&sh, 2, 1e-12).unwrap());
        assert!(!is_psd(&[1.0, 2.0, 2.0, 1.0], 2, 1e-12).unwrap());
    }
}
