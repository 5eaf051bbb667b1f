//! The one tolerance policy of Monte Carlo rows: `tol = z·SE + finite-size term`.
//!
//! * `z·SE`: statistical, `z` standard errors of the replicate mean (`z = 4`: a per-row false
//!   alarm rate of ~6e-5 under normality of the mean);
//! * the finite-size term `C·n^-rate`, absolute ([`Scale::Abs`]), relative to `|theory|`
//!   ([`Scale::Rel`]) or divided by `gamma` ([`Scale::PerGamma`], normalised traces of the
//!   resolvent: a rank-`k` change of the matrix moves `tr Q` by at most `k/gamma`). Each claim
//!   states why its `C` and `rate` (module docs of `theorems/`).
//!
//! Every row says where its tolerance comes from ([`Tol::describe`], the `tol from` column). A
//! row is `Inconclusive` — never `Holds` — when its tolerance exceeds the stated fraction of
//! `|theory|` ([`Tol::inconclusive_above`]: too few replicates to tell the theory from an error
//! of that size) or when the theory's solver did not converge.

use crate::claim::{Row, Status};

/// What the finite-size term scales with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scale {
    /// `C·n^-rate`.
    Abs,
    /// `C·|theory|·n^-rate`.
    Rel,
    /// `C·n^-rate/gamma`.
    PerGamma,
}

/// A Monte Carlo tolerance `z·SE + C·[scale]·n^-rate` with its inconclusive rule.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Tol {
    /// Standard errors allowed.
    pub z: f64,
    /// Constant `C` of the finite-size term.
    pub c: f64,
    /// Rate of the finite-size term.
    pub rate: f64,
    /// What the finite-size term scales with.
    pub scale: Scale,
    /// A holding row is `Inconclusive` when `tol > frac·|theory|` (`None`: never).
    pub inconclusive_frac: Option<f64>,
}

/// One measured value: mean and standard error over `reps` replicates at size `n`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Measured {
    /// Replicate mean.
    pub mean: f64,
    /// Standard error of the mean.
    pub se: f64,
    /// Size.
    pub n: usize,
    /// Replicates.
    pub reps: usize,
    /// Ridge parameter (needed by [`Scale::PerGamma`]).
    pub gamma: f64,
}

impl Measured {
    /// From a replicate summary.
    pub fn of(s: &crate::monte_carlo::Summary, n: usize, reps: usize, gamma: f64) -> Measured {
        Measured {
            mean: s.mean,
            se: s.se,
            n,
            reps,
            gamma,
        }
    }
}

fn num(x: f64) -> String {
    format!("{x}")
}

impl Tol {
    /// `z·SE + C·n^-rate`.
    pub const fn abs(z: f64, c: f64, rate: f64) -> Tol {
        Tol {
            z,
            c,
            rate,
            scale: Scale::Abs,
            inconclusive_frac: None,
        }
    }

    /// `z·SE + C·|theory|·n^-rate`.
    pub const fn rel(z: f64, c: f64, rate: f64) -> Tol {
        Tol {
            z,
            c,
            rate,
            scale: Scale::Rel,
            inconclusive_frac: None,
        }
    }

    /// `z·SE + C·n^-rate/gamma`.
    pub const fn per_gamma(z: f64, c: f64, rate: f64) -> Tol {
        Tol {
            z,
            c,
            rate,
            scale: Scale::PerGamma,
            inconclusive_frac: None,
        }
    }

    /// The same tolerance, with rows `Inconclusive` when `tol > frac·|theory|`.
    pub const fn inconclusive_above(mut self, frac: f64) -> Tol {
        self.inconclusive_frac = Some(frac);
        self
    }

    /// The finite-size term at `n` (and `gamma`, for [`Scale::PerGamma`]).
    pub fn finite_size(&self, theory: f64, n: usize, gamma: f64) -> f64 {
        let t = self.c * (n as f64).powf(-self.rate);
        match self.scale {
            Scale::Abs => t,
            Scale::Rel => t * theory.abs(),
            Scale::PerGamma => t / gamma,
        }
    }

    /// The allowed discrepancy for `m` against `theory`.
    pub fn allowed(&self, theory: f64, m: &Measured) -> f64 {
        self.z * m.se + self.finite_size(theory, m.n, m.gamma)
    }

    /// Where the tolerance comes from, as printed in the `tol from` column
    /// (`"4·SE + 0.5·|th|·n^-0.5"`, `"4·SE + 10/(n·gamma)"`).
    pub fn describe(&self) -> String {
        let (z, c, r) = (num(self.z), num(self.c), num(self.rate));
        match self.scale {
            Scale::Abs => format!("{z}·SE + {c}·n^-{r}"),
            Scale::Rel => format!("{z}·SE + {c}·|th|·n^-{r}"),
            Scale::PerGamma if self.rate == 1.0 => format!("{z}·SE + {c}/(n·gamma)"),
            Scale::PerGamma => format!("{z}·SE + {c}·n^-{r}/gamma"),
        }
    }

    /// The agreement row `|mean - theory| <= tol` under this policy. `Inconclusive` instead of
    /// `Holds` when `tol > frac·|theory|`, and whatever the numbers when the theory's solver did
    /// not converge (`converged = false`).
    pub fn row(&self, label: impl Into<String>, theory: f64, converged: bool, m: &Measured) -> Row {
        let tol = self.allowed(theory, m);
        let mut src = self.describe();
        if !converged {
            src.push_str(" (theory not converged)");
        }
        let row = Row::agreement(label, theory, m.mean, m.se, tol, src)
            .with_n(m.n)
            .with_reps(m.reps);
        let too_wide = self
            .inconclusive_frac
            .is_some_and(|f| tol > f * theory.abs());
        if !converged || (row.status == Status::Holds && too_wide) {
            row.with_status(Status::Inconclusive)
        } else {
            row
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(mean: f64, se: f64, n: usize) -> Measured {
        Measured {
            mean,
            se,
            n,
            reps: 8,
            gamma: 0.1,
        }
    }

    #[test]
    fn formulas_and_sources() {
        let t = Tol::abs(4.0, 1.0, 0.5);
        assert!((t.allowed(7.0, &m(0.0, 0.01, 100)) - 0.14).abs() < 1e-15);
        assert_eq!(t.describe(), "4·SE + 1·n^-0.5");
        let r = Tol::rel(4.0, 0.5, 0.5);
        assert!((r.allowed(-2.0, &m(0.0, 0.0, 100)) - 0.1).abs() < 1e-15);
        assert_eq!(r.describe(), "4·SE + 0.5·|th|·n^-0.5");
        let g = Tol::per_gamma(4.0, 10.0, 1.0);
        assert!((g.allowed(1.0, &m(0.0, 0.0, 100)) - 1.0).abs() < 1e-15);
        assert_eq!(g.describe(), "4·SE + 10/(n·gamma)");
    }

    #[test]
    fn statuses() {
        let t = Tol::rel(4.0, 1.0, 1.0).inconclusive_above(0.25);
        assert_eq!(
            t.row("x", 1.0, true, &m(1.01, 0.01, 100)).status,
            Status::Holds
        );
        assert_eq!(
            t.row("x", 1.0, true, &m(1.5, 0.01, 100)).status,
            Status::Fails
        );
        // tol = 0.4 + 0.01 > 0.25: cannot decide
        assert_eq!(
            t.row("x", 1.0, true, &m(1.01, 0.1, 100)).status,
            Status::Inconclusive
        );
        // a wide tolerance never rescues a failing row
        assert_eq!(
            t.row("x", 1.0, true, &m(9.0, 0.1, 100)).status,
            Status::Fails
        );
        let nc = t.row("x", f64::NAN, false, &m(1.0, 0.01, 100));
        assert_eq!(nc.status, Status::Inconclusive);
        assert!(nc.tol_source.contains("not converged"));
    }
}
