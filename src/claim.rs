//! The claim framework: a [`Claim`] is one result of the paper turned into a check that
//! returns a [`Verdict`] with an evidence table of [`Row`]s.
//!
//! A failed claim is a verdict (`Status::Fails`), never an `Err`: `Err` means the check could
//! not run (bad parameters, a solver that did not converge where it must).

use crate::error::Result;
use crate::format::{sci, Table};
use serde::Serialize;

/// Outcome of a check (of a row, or of a whole claim).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// The evidence agrees with the statement within the stated tolerance.
    Holds,
    /// The evidence cannot decide (standard error too large, solver did not converge).
    Inconclusive,
    /// The evidence contradicts the statement.
    Fails,
}

impl Status {
    /// Upper-case label used in tables.
    pub fn label(self) -> &'static str {
        match self {
            Status::Holds => "HOLDS",
            Status::Inconclusive => "INCONCLUSIVE",
            Status::Fails => "FAILS",
        }
    }

    /// Combines row statuses: any `Fails` fails, else any `Inconclusive`, else `Holds`.
    pub fn combine(statuses: impl IntoIterator<Item = Status>) -> Status {
        statuses.into_iter().max().unwrap_or(Status::Inconclusive)
    }
}

/// One line of evidence: a theoretical value, what was measured, and the tolerance.
///
/// `err` is the discrepancy the claim tests (`|measured - theory|` for agreement checks, the
/// violation `max(0, measured - bound)` for inequalities), and `tol` what is allowed.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Row {
    /// What this row is about (activation, parameters, quantity).
    pub label: String,
    /// Problem size (`n`, or quadrature order), if any.
    pub n: Option<usize>,
    /// Number of Monte Carlo replicates, if any.
    pub reps: Option<usize>,
    /// Theoretical value (or bound).
    pub theory: f64,
    /// Measured value (Monte Carlo mean, quadrature value, ...).
    pub measured: f64,
    /// Standard error of `measured` (Monte Carlo) or its numerical error estimate.
    pub se: f64,
    /// The discrepancy tested.
    pub err: f64,
    /// Allowed discrepancy.
    pub tol: f64,
    /// Where `tol` comes from (`"4·SE + 0.5·n^-0.5"`, `"1e-12 abs (closed form)"`).
    pub tol_source: String,
    /// `(measured - theory) / se` when `se > 0`.
    pub z: Option<f64>,
    /// Row verdict.
    pub status: Status,
}

impl Row {
    /// Agreement check `|measured - theory| <= tol`.
    ///
    /// Status: `Holds` if within tolerance, else `Fails` (also for NaN). Callers that detect an
    /// undecidable point (standard error dominating) downgrade it with [`Row::with_status`].
    pub fn agreement(
        label: impl Into<String>,
        theory: f64,
        measured: f64,
        se: f64,
        tol: f64,
        tol_source: impl Into<String>,
    ) -> Row {
        let err = (measured - theory).abs();
        let status = if err.is_finite() && err <= tol {
            Status::Holds
        } else {
            Status::Fails
        };
        Row {
            label: label.into(),
            n: None,
            reps: None,
            theory,
            measured,
            se,
            err,
            tol,
            tol_source: tol_source.into(),
            z: (se > 0.0).then(|| (measured - theory) / se),
            status,
        }
    }

    /// Inequality check `measured <= bound + tol` (for lower bounds pass `-value, -bound`, or use
    /// [`Row::at_least`]). `err` is the violation `max(0, measured - bound)`; `theory` holds the bound.
    pub fn at_most(
        label: impl Into<String>,
        measured: f64,
        bound: f64,
        tol: f64,
        tol_source: impl Into<String>,
    ) -> Row {
        let err = (measured - bound).max(0.0);
        let status = if measured.is_finite() && bound.is_finite() && err <= tol {
            Status::Holds
        } else {
            Status::Fails
        };
        Row {
            label: label.into(),
            n: None,
            reps: None,
            theory: bound,
            measured,
            se: 0.0,
            err,
            tol,
            tol_source: tol_source.into(),
            z: None,
            status,
        }
    }

    /// Inequality check `measured >= bound - tol`.
    pub fn at_least(
        label: impl Into<String>,
        measured: f64,
        bound: f64,
        tol: f64,
        tol_source: impl Into<String>,
    ) -> Row {
        let mut r = Row::at_most(label, -measured, -bound, tol, tol_source);
        r.measured = measured;
        r.theory = bound;
        r
    }

    /// Sets the size.
    pub fn with_n(mut self, n: usize) -> Row {
        self.n = Some(n);
        self
    }

    /// Sets the number of replicates.
    pub fn with_reps(mut self, reps: usize) -> Row {
        self.reps = Some(reps);
        self
    }

    /// Sets the standard error (and `z`).
    pub fn with_se(mut self, se: f64) -> Row {
        self.se = se;
        self.z = (se > 0.0).then(|| (self.measured - self.theory) / se);
        self
    }

    /// Overrides the status (e.g. `Inconclusive` when SE dominates).
    pub fn with_status(mut self, status: Status) -> Row {
        self.status = status;
        self
    }
}

/// Result of checking one claim.
#[derive(Clone, Debug, Serialize)]
pub struct Verdict {
    /// Claim id (`"thm1"`).
    pub id: String,
    /// Short title.
    pub title: String,
    /// Overall status.
    pub status: Status,
    /// Evidence.
    pub rows: Vec<Row>,
    /// Free-form remarks (fitted slopes, the region where a claim holds, the paper's wording).
    pub notes: Vec<String>,
}

impl Verdict {
    /// Builds a verdict whose status combines the rows' statuses.
    pub fn from_rows(claim: &dyn Claim, rows: Vec<Row>, notes: Vec<String>) -> Verdict {
        let status = Status::combine(rows.iter().map(|r| r.status));
        Verdict {
            id: claim.id().to_string(),
            title: claim.title().to_string(),
            status,
            rows,
            notes,
        }
    }

    /// The evidence as a table, numbers rounded to stable digits (theory 7 significant
    /// digits, measurement and errors 4), as used in snapshots and on the terminal.
    pub fn table(&self) -> Table {
        let mut t = Table::new([
            "check", "n", "reps", "theory", "measured", "se", "err", "tol", "tol from", "status",
        ]);
        for r in &self.rows {
            t.push([
                r.label.clone(),
                r.n.map_or("-".into(), |n| n.to_string()),
                r.reps.map_or("-".into(), |n| n.to_string()),
                sci(r.theory, 7),
                sci(r.measured, 4),
                sci(r.se, 2),
                sci(r.err, 2),
                sci(r.tol, 2),
                r.tol_source.clone(),
                r.status.label().to_string(),
            ]);
        }
        t
    }

    /// Labels of the rows that fail (negative tests print them).
    pub fn failing_rows(&self) -> Vec<&str> {
        self.rows
            .iter()
            .filter(|r| r.status == Status::Fails)
            .map(|r| r.label.as_str())
            .collect()
    }

    /// Full human-readable report: header, table, notes.
    pub fn report(&self) -> String {
        let mut s = format!("[{}] {} — {}\n", self.status.label(), self.id, self.title);
        s.push_str(&self.table().to_text());
        for n in &self.notes {
            s.push_str(&format!("  note: {n}\n"));
        }
        s
    }
}

/// Run-time budget of a check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Small sizes; all claims in about a minute on 2 cores. Used by the test suite.
    Quick,
    /// The paper's sizes (n = 2048..4096).
    Full,
}

/// How much work a check may do, and with which seed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Budget {
    /// Quick or full.
    pub level: Level,
    /// Base seed of every random stream of the check.
    pub seed: u64,
    /// Show progress bars on stderr.
    pub progress: bool,
}

impl Budget {
    /// The default quick budget (seed 2506, no progress bar).
    pub fn quick() -> Budget {
        Budget {
            level: Level::Quick,
            seed: 2506,
            progress: false,
        }
    }

    /// The full budget.
    pub fn full() -> Budget {
        Budget {
            level: Level::Full,
            ..Budget::quick()
        }
    }

    /// Picks a value by level.
    pub fn pick<T>(&self, quick: T, full: T) -> T {
        match self.level {
            Level::Quick => quick,
            Level::Full => full,
        }
    }
}

/// A paper whose results are a pack of claims (`theorems/<id>/`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Paper {
    /// Pack id (`"attention"`), the folder name under `theorems/`.
    pub id: &'static str,
    /// Title of the paper.
    pub title: &'static str,
    /// Authors.
    pub authors: &'static str,
    /// arXiv identifier (`"2506.18656"`).
    pub arxiv: &'static str,
    /// Which version the claims follow, and what later versions change.
    pub version: &'static str,
}

/// A paper and its claims, in paper order.
#[derive(Clone, Copy, Debug)]
pub struct Pack {
    /// The paper.
    pub paper: Paper,
    /// Its claims (each with `paper() == paper.id`).
    pub claims: fn() -> Vec<Box<dyn Claim>>,
}

/// A deliberately wrong variant of a claim (perturbed theory, wrong constant) that must FAIL:
/// evidence that the check can fail at all. `tests/claims.rs` runs every declared control.
pub struct NegativeControl {
    /// What is perturbed (`"a1 x 1.3 in the pencil"`).
    pub name: String,
    /// The perturbed claim (usually restricted to its first configurations, to stay quick).
    pub claim: Box<dyn Claim>,
    /// Some failing row's label contains this (the error is caught where expected).
    pub caught_by: Option<&'static str>,
    /// Every failing row's label contains this (nothing else is disturbed).
    pub only: Option<&'static str>,
}

impl NegativeControl {
    /// A control that must fail somewhere.
    pub fn new(name: impl Into<String>, claim: impl Claim + 'static) -> NegativeControl {
        NegativeControl {
            name: name.into(),
            claim: Box::new(claim),
            caught_by: None,
            only: None,
        }
    }

    /// Requires a failing row whose label contains `label`.
    pub fn caught_by(mut self, label: &'static str) -> NegativeControl {
        self.caught_by = Some(label);
        self
    }

    /// Requires every failing row's label to contain `label`.
    pub fn only(mut self, label: &'static str) -> NegativeControl {
        self.only = Some(label);
        self
    }

    /// Runs the control at `budget`: `Ok(verdict)` when it fails as required, else `Err` with
    /// the reason and the report.
    pub fn run(&self, budget: &Budget) -> std::result::Result<Verdict, String> {
        let v = self
            .claim
            .check(budget)
            .map_err(|e| format!("{}: could not run: {e}", self.name))?;
        let failing = v.failing_rows();
        let caught = |l: &&str| failing.iter().any(|f| f.contains(l));
        let why = if v.status != Status::Fails {
            Some(format!("status {} instead of FAILS", v.status.label()))
        } else if let Some(l) = self.caught_by.filter(|l| !caught(l)) {
            Some(format!("no failing row contains `{l}`"))
        } else {
            self.only
                .filter(|l| failing.iter().any(|f| !f.contains(l)))
                .map(|l| format!("a failing row does not contain `{l}`"))
        };
        match why {
            None => Ok(v),
            Some(w) => Err(format!("{}: {w}\n{}", self.name, v.report())),
        }
    }
}

/// Declares the claim modules of a paper pack and its `registry()` from one list, one line per
/// claim (`module::Type`, in paper order; `Type: Default` is the registered claim):
///
/// ```ignore
/// crate::claims! {
///     lem_hermite_expansion::LemHermite,
///     prop2_ridge_error::Prop2Ridge,
/// }
/// ```
#[macro_export]
macro_rules! claims {
    ($($module:ident :: $claim:ident),* $(,)?) => {
        $(pub mod $module;)*

        /// The claims of the paper, in paper order.
        pub fn registry() -> Vec<Box<dyn $crate::claim::Claim>> {
            vec![$(Box::new(<$module::$claim as ::std::default::Default>::default())),*]
        }
    };
}

/// One result of the paper as an executable check.
pub trait Claim: Send + Sync {
    /// Short stable id (`"prop2"`).
    fn id(&self) -> &'static str;
    /// Id of the paper pack the claim belongs to ([`Paper::id`]).
    fn paper(&self) -> &'static str;
    /// One-line title.
    fn title(&self) -> &'static str;
    /// The statement checked, as the evidence supports it (goes into snapshot headers).
    fn statement(&self) -> &'static str;
    /// The paper's own wording, where it differs from what holds.
    fn paper_wording(&self) -> Option<&'static str> {
        None
    }
    /// Runs the check.
    fn check(&self, budget: &Budget) -> Result<Verdict>;
    /// Deliberately wrong variants that must fail (run by one generic test).
    fn negative_controls(&self) -> Vec<NegativeControl> {
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_combination() {
        assert_eq!(
            Status::combine([Status::Holds, Status::Holds]),
            Status::Holds
        );
        assert_eq!(
            Status::combine([Status::Holds, Status::Inconclusive]),
            Status::Inconclusive
        );
        assert_eq!(
            Status::combine([Status::Inconclusive, Status::Fails]),
            Status::Fails
        );
    }

    #[test]
    fn rows_fail_outside_tolerance() {
        assert_eq!(
            Row::agreement("x", 1.0, 1.1, 0.0, 0.05, "t").status,
            Status::Fails
        );
        assert_eq!(
            Row::agreement("x", 1.0, 1.01, 0.0, 0.05, "t").status,
            Status::Holds
        );
        assert_eq!(
            Row::agreement("x", 1.0, f64::NAN, 0.0, 0.05, "t").status,
            Status::Fails
        );
        assert_eq!(Row::at_most("x", 0.9, 1.0, 0.0, "t").status, Status::Holds);
        assert_eq!(Row::at_least("x", 0.9, 1.0, 0.0, "t").status, Status::Fails);
        assert_eq!(Row::at_least("x", 1.1, 1.0, 0.0, "t").err, 0.0);
    }
}
