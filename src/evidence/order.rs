//! Sign and ordering tests: "E_A - E_RR > 0", "E decreases in t", "the paired Monte Carlo
//! difference is significantly negative" — one function, [`sign_row`], for all of them.
//!
//! A deterministic difference (theory) is tested with a numerical margin: [`Margin::Strict`]
//! (`|d|` must exceed it on the expected side: a strict inequality resolved above round-off) or
//! [`Margin::Slack`] (`d` may be on the wrong side by at most the round-off). A Monte Carlo
//! difference is tested with [`Margin::Se`]: `Holds` when the mean is more than `z·SE` on the
//! expected side, `Fails` when it is more than `z·SE` on the other side, `Inconclusive` otherwise.
//! The row's `err` is always the violation (the part of `d` on the wrong side, 0 when none).

use crate::claim::{Row, Status};

/// The expected sign of a difference.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sign {
    /// `d > 0`.
    Positive,
    /// `d < 0`.
    Negative,
}

/// How much room a sign test gives.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Margin {
    /// Deterministic: holds iff `d > m` (positive) or `d < -m` (negative).
    Strict(f64),
    /// Deterministic: holds iff `d >= -m` (positive) or `d <= m` (negative).
    Slack(f64),
    /// Statistical: the mean must lie `z` standard errors beyond 0 on the expected side.
    Se {
        /// Standard errors.
        z: f64,
    },
}

/// The value tested.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Value {
    /// A deterministic difference.
    Exact(f64),
    /// A replicate mean with its standard error; `theory` is the predicted difference, shown in
    /// the `theory` column (0 when only the sign is predicted).
    Sampled {
        /// Mean.
        mean: f64,
        /// Standard error.
        se: f64,
        /// Predicted value.
        theory: f64,
    },
}

/// The sign test row of `value` (see the module doc). `source` is the `tol from` column of the
/// deterministic margins (the statistical one writes `|mean| > z·SE, sign`).
pub fn sign_row(
    label: impl Into<String>,
    value: Value,
    expect: Sign,
    margin: Margin,
    source: &str,
) -> Row {
    let (d, se, theory) = match value {
        Value::Exact(d) => (d, 0.0, None),
        Value::Sampled { mean, se, theory } => (mean, se, Some(theory)),
    };
    let pos = expect == Sign::Positive;
    match margin {
        Margin::Strict(m) | Margin::Slack(m) => {
            let strict = matches!(margin, Margin::Strict(_));
            let (bound, tol) = if strict { (m, 0.0) } else { (0.0, m) };
            let mut r = if pos {
                Row::at_least(label, d, bound, tol, source)
            } else {
                Row::at_most(label, d, -bound, tol, source)
            };
            if let Some(t) = theory {
                r = r.with_se(se);
                r.theory = t;
            }
            r
        }
        Margin::Se { z } => {
            let signed = if pos { d } else { -d };
            let status = if signed > z * se {
                Status::Holds
            } else if signed < -z * se {
                Status::Fails
            } else {
                Status::Inconclusive
            };
            let mut r = Row::agreement(
                label,
                theory.unwrap_or(0.0),
                d,
                se,
                z * se,
                format!("|mean| > {z}·SE, sign"),
            );
            r.err = (-signed).max(0.0);
            r.with_status(status)
        }
    }
}

/// A function tabulated along a variable, for [`monotone`]: `f(var = xs[k]) = ys[k]`.
#[derive(Clone, Copy, Debug)]
pub struct Along<'a> {
    /// Name of the function (`"E"`).
    pub f: &'a str,
    /// Name of the variable (`"t"`).
    pub var: &'a str,
    /// Values of the variable.
    pub xs: &'a [f64],
    /// Values of the function.
    pub ys: &'a [f64],
}

/// Consecutive sign tests along `path`: rows `"{prefix}: {f}({var}={x_k}) - {f}({var}={x_k-1})"`
/// for `k = 1..`, each expected to have sign `expect` with the margin `margin(k)` (e.g. from the
/// solver residuals of the two points).
pub fn monotone(
    prefix: &str,
    path: Along<'_>,
    expect: Sign,
    margin: impl Fn(usize) -> Margin,
    source: &str,
) -> Vec<Row> {
    let Along { f, var, xs, ys } = path;
    (1..xs.len().min(ys.len()))
        .map(|k| {
            sign_row(
                format!("{prefix}: {f}({var}={}) - {f}({var}={})", xs[k], xs[k - 1]),
                Value::Exact(ys[k] - ys[k - 1]),
                expect,
                margin(k),
                source,
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_margins() {
        let s = |d, e, m| sign_row("x", Value::Exact(d), e, m, "src").status;
        assert_eq!(s(1e-3, Sign::Positive, Margin::Strict(1e-6)), Status::Holds);
        assert_eq!(s(1e-7, Sign::Positive, Margin::Strict(1e-6)), Status::Fails);
        assert_eq!(s(-1e-7, Sign::Positive, Margin::Slack(1e-6)), Status::Holds);
        assert_eq!(
            s(-1e-3, Sign::Negative, Margin::Strict(1e-6)),
            Status::Holds
        );
        assert_eq!(s(1e-7, Sign::Negative, Margin::Slack(1e-6)), Status::Holds);
        assert_eq!(s(1e-5, Sign::Negative, Margin::Slack(1e-6)), Status::Fails);
        assert_eq!(
            s(f64::NAN, Sign::Negative, Margin::Slack(1e-6)),
            Status::Fails
        );
    }

    #[test]
    fn statistical_margin() {
        let s = |mean: f64, se: f64| {
            sign_row(
                "x",
                Value::Sampled {
                    mean,
                    se,
                    theory: -1.0,
                },
                Sign::Negative,
                Margin::Se { z: 4.0 },
                "",
            )
        };
        assert_eq!(s(-1.0, 0.1).status, Status::Holds);
        assert_eq!(s(-1.0, 0.1).err, 0.0);
        assert_eq!(s(1.0, 0.1).status, Status::Fails);
        assert_eq!(s(1.0, 0.1).err, 1.0);
        assert_eq!(s(-0.1, 0.1).status, Status::Inconclusive);
        assert_eq!(s(-1.0, 0.1).tol_source, "|mean| > 4·SE, sign");
    }

    #[test]
    fn monotone_labels() {
        let r = monotone(
            "p",
            Along {
                f: "E",
                var: "t",
                xs: &[0.0, 0.5, 1.0],
                ys: &[3.0, 2.0, 1.0],
            },
            Sign::Negative,
            |_| Margin::Strict(0.1),
            "s",
        );
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].label, "p: E(t=0.5) - E(t=0)");
        assert!(r.iter().all(|r| r.status == Status::Holds));
    }
}
