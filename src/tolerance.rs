//! Tolerances: where every acceptance threshold in the crate comes from.
//!
//! Two kinds, following faer's `ApproxEq` and SciPy's `FuncData`:
//! * [`Tolerance`] for deterministic numerics, `|a - b| <= abs + rel * |b|`, built from machine
//!   epsilon times a size (`Tolerance::eps_times(n)`), or from a solver's own residual;
//! * [`McTolerance`] for Monte Carlo, `tol_n = z * SE_n + C * n^{-rate}`: `z` standard errors of
//!   the replicate mean (statistical) plus a finite-size bias term (deterministic equivalents have
//!   `O(n^{-1/2})` fluctuations of quadratic forms and `O(n^{-1})` bias of normalised traces).

/// Machine epsilon of `f64`.
pub const EPS: f64 = f64::EPSILON;

/// A deterministic tolerance `|a - b| <= abs + rel * |b|`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Tolerance {
    /// Absolute part.
    pub abs: f64,
    /// Relative part.
    pub rel: f64,
}

impl Tolerance {
    /// `abs = rel = k * eps`: floating-point error of an O(k)-operation computation.
    pub fn eps_times(k: f64) -> Self {
        Tolerance {
            abs: k * EPS,
            rel: k * EPS,
        }
    }

    /// The allowed error when comparing to `reference`.
    pub fn allowed(&self, reference: f64) -> f64 {
        self.abs + self.rel * reference.abs()
    }

    /// Whether `value` is within tolerance of `reference`.
    pub fn accepts(&self, value: f64, reference: f64) -> bool {
        (value - reference).abs() <= self.allowed(reference)
    }
}

/// A Monte Carlo tolerance `z * SE + C * n^{-rate}`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct McTolerance {
    /// Number of standard errors (e.g. 4: a false alarm rate ~6e-5 per point under normality).
    pub z: f64,
    /// Constant of the finite-size term.
    pub bias_const: f64,
    /// Rate of the finite-size term.
    pub rate: f64,
}

impl McTolerance {
    /// The tolerance at size `n` for a replicate mean with standard error `se`.
    pub fn at(&self, se: f64, n: usize) -> f64 {
        self.z * se + self.bias_const * (n as f64).powf(-self.rate)
    }

    /// Human-readable source of the tolerance, printed in evidence tables.
    pub fn describe(&self) -> String {
        format!(
            "{}·SE + {}·n^-{}",
            trim_float(self.z),
            trim_float(self.bias_const),
            trim_float(self.rate)
        )
    }
}

fn trim_float(x: f64) -> String {
    let s = format!("{x}");
    s.trim_end_matches(".0").to_string()
}

/// Least-squares slope of `log y` against `log x` (used to report the rate at which a
/// discrepancy shrinks with `n`). Returns `None` with fewer than two usable (positive) points.
pub fn loglog_slope(x: &[f64], y: &[f64]) -> Option<f64> {
    let pts: Vec<(f64, f64)> = x
        .iter()
        .zip(y)
        .filter(|(a, b)| **a > 0.0 && **b > 0.0 && a.is_finite() && b.is_finite())
        .map(|(a, b)| (a.ln(), b.ln()))
        .collect();
    if pts.len() < 2 {
        return None;
    }
    let k = pts.len() as f64;
    let mx = pts.iter().map(|p| p.0).sum::<f64>() / k;
    let my = pts.iter().map(|p| p.1).sum::<f64>() / k;
    let sxy: f64 = pts.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let sxx: f64 = pts.iter().map(|p| (p.0 - mx).powi(2)).sum();
    (sxx > 0.0).then(|| sxy / sxx)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tolerance_accepts_and_rejects() {
        let t = Tolerance::eps_times(10.0);
        assert!(t.accepts(1.0 + 5.0 * EPS, 1.0));
        assert!(!t.accepts(1.0 + 1e-10, 1.0));
    }

    #[test]
    fn slope_of_power_law() {
        let x = [100.0, 200.0, 400.0];
        let y: Vec<f64> = x.iter().map(|v: &f64| 3.0 * v.powf(-0.5)).collect();
        assert!((loglog_slope(&x, &y).unwrap() + 0.5).abs() < 1e-12);
    }

    #[test]
    fn mc_tolerance_formula() {
        let t = McTolerance {
            z: 4.0,
            bias_const: 1.0,
            rate: 0.5,
        };
        assert!((t.at(0.01, 100) - (0.04 + 0.1)).abs() < 1e-15);
        assert_eq!(t.describe(), "4·SE + 1·n^-0.5");
    }
}
