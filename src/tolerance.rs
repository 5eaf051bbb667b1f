//! The Monte Carlo tolerance of the `check-activation` spot check, [`McTolerance`]:
//! `tol_n = z * SE_n + C * n^{-rate}`, `z` standard errors of the replicate mean (statistical)
//! plus a finite-size bias term (deterministic equivalents have `O(n^{-1/2})` fluctuations of
//! quadratic forms and `O(n^{-1})` bias of normalised traces), and the log-log slope used to
//! report rates. The claims use the evidence layer's `Tol` (`crate::evidence`), which has the
//! same form plus the deterministic and inconclusive cases (`docs/evidence.md`).

/// Machine epsilon of `f64`.
pub const EPS: f64 = f64::EPSILON;

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
