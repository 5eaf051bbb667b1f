//! The library's error type.
//!
//! An [`Error`] means a computation *could not run* (bad input, a solver that did not converge,
//! a matrix too large for the machine). A claim that runs and turns out false is not an error:
//! it is a [`crate::Verdict`] with status `Fails`.

/// Everything that can go wrong in `rmt-verify`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A numeric parameter is out of its domain (NaN, negative, zero where positive is needed ...).
    #[error("invalid parameter `{name}` = {value}: {reason}")]
    InvalidParam {
        /// Parameter name as the user spells it (`gamma`, `--n`, ...).
        name: String,
        /// The offending value, rendered.
        value: String,
        /// Why it is rejected.
        reason: String,
    },
    /// An activation name that is neither a built-in nor a parsable expression.
    #[error("unknown activation `{name}`; built-ins: {known}; or give an expression in x, e.g. \"x*tanh(x)\"")]
    UnknownActivation {
        /// What the user typed.
        name: String,
        /// Comma-separated list of the built-in names.
        known: String,
    },
    /// An activation expression that does not parse.
    #[error("cannot parse expression `{}` at position {pos}: {msg}", abbrev(expr))]
    Parse {
        /// The expression.
        expr: String,
        /// 0-based character offset of the problem.
        pos: usize,
        /// What was expected / found.
        msg: String,
    },
    /// The activation is not usable under the Gaussian measure.
    #[error("activation `{}` is not admissible: {reason}", abbrev(name))]
    Activation {
        /// Activation as given.
        name: String,
        /// E.g. "not square-integrable under N(0,1)" or "NaN at x = 3.2".
        reason: String,
    },
    /// A claim needs a property the activation lacks (e.g. `a1 != 0`).
    #[error("claim `{claim}` needs {requirement}, but activation `{activation}` has {found}")]
    Assumption {
        /// Claim id.
        claim: String,
        /// What the claim requires.
        requirement: String,
        /// Activation.
        activation: String,
        /// What was found instead.
        found: String,
    },
    /// An iterative solver stopped before reaching its tolerance.
    #[error(
        "{solver} did not converge after {iters} iterations (residual {residual:.3e}){context}"
    )]
    NoConvergence {
        /// Which solver.
        solver: String,
        /// Iterations spent.
        iters: u64,
        /// Final residual.
        residual: f64,
        /// Extra context (", at gamma = 1e-6").
        context: String,
    },
    /// A dense linear-algebra operation failed.
    #[error("linear algebra failure in {op}: {detail}")]
    Linalg {
        /// Operation.
        op: String,
        /// Details.
        detail: String,
    },
    /// A quadrature did not reach its accuracy.
    #[error("quadrature failure: {detail}")]
    Quadrature {
        /// Details.
        detail: String,
    },
    /// A run would need more memory than the machine has.
    #[error("run needs about {needed_gib:.1} GiB but only {available_gib:.1} GiB are available ({what}); reduce --n/--p")]
    Memory {
        /// Estimated need.
        needed_gib: f64,
        /// Available.
        available_gib: f64,
        /// What was being allocated.
        what: String,
    },
    /// Unknown claim / figure id.
    #[error("unknown {kind} `{id}`; known: {known}")]
    UnknownId {
        /// "claim", "paper" or "figure".
        kind: String,
        /// What was asked.
        id: String,
        /// The known ids.
        known: String,
    },
    /// A computation did not finish within its time budget (a guard against inputs that
    /// would make a numerical loop run for minutes).
    #[error("{what} did not finish within its time budget of {budget_s} s{hint}")]
    Timeout {
        /// What was being computed.
        what: String,
        /// The budget, seconds.
        budget_s: f64,
        /// How to change the budget or the input (", raise it with --time-limit").
        hint: String,
    },
    /// Input/output failure (writing figures, reports).
    #[error("cannot write `{path}`")]
    Io {
        /// Path involved.
        path: String,
        /// Underlying error.
        #[source]
        source: std::io::Error,
    },
}

/// Result alias used throughout the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Shorthand for [`Error::InvalidParam`]. A value that renders as a long decimal number
    /// (`-1e-300` is printed by `f64`'s `Display` with 300 zeros) is shortened by [`fmt_num`].
    pub fn param(name: impl Into<String>, value: impl ToString, reason: impl Into<String>) -> Self {
        Error::InvalidParam {
            name: name.into(),
            value: compact_number(one_line(value.to_string())),
            reason: reason.into(),
        }
    }
}

/// A number for a message: `f64`'s shortest round-trip digits (`0.25`, `1e-300`, `-inf`), in
/// scientific notation outside `[1e-4, 1e15)` so that it never runs to hundreds of characters.
pub fn fmt_num(x: f64) -> String {
    let a = x.abs();
    if x == 0.0 || !x.is_finite() || (1e-4..1e15).contains(&a) {
        format!("{x}")
    } else {
        format!("{x:e}")
    }
}

/// Rewrites `s` with [`fmt_num`] when it is a long rendering of a float (a decimal point with
/// more than 17 characters, or more than 20 digits, which no 64-bit integer has).
fn compact_number(s: String) -> String {
    let t = s.trim_start_matches('-');
    let long = (t.contains('.') && s.len() > 17) || (t.len() > 20 && !t.contains('e'));
    match s.parse::<f64>() {
        Ok(x) if long && t.chars().all(|c| c.is_ascii_digit() || c == '.') => fmt_num(x),
        _ => s,
    }
}

/// `s` with its control characters escaped (`\n` for a newline): a value in a one-line message.
pub fn one_line(s: String) -> String {
    if s.chars().any(char::is_control) {
        let mut out = String::with_capacity(s.len() + 8);
        for ch in s.chars() {
            if ch.is_control() {
                out.extend(ch.escape_default());
            } else {
                out.push(ch);
            }
        }
        out
    } else {
        s
    }
}

/// `s` cut to at most 80 characters (with `...` and the length) so that a one-line error
/// message stays readable for a 1000-character expression.
pub fn abbrev(s: &str) -> String {
    const KEEP: usize = 72;
    // control characters (a newline inside a model file's TOML string) as escapes, so that
    // the message stays one line
    let s = &one_line(s.to_string());
    let n = s.chars().count();
    if n <= 80 {
        s.to_string()
    } else {
        let head: String = s.chars().take(KEEP).collect();
        format!("{head}... ({n} characters)")
    }
}

/// A time budget for a user-facing numerical loop: [`Deadline::check`] fails with
/// [`Error::Timeout`] once it is spent, so that a pathological input ends with exit code 2
/// instead of running for minutes.
#[derive(Clone, Debug)]
pub struct Deadline {
    start: std::time::Instant,
    budget: Option<std::time::Duration>,
    hint: String,
}

impl Deadline {
    /// A budget of `seconds` from now (`None`: unlimited). `hint` ends the timeout message
    /// (e.g. `", raise it with --time-limit"`).
    pub fn after(seconds: Option<f64>, hint: impl Into<String>) -> Deadline {
        Deadline {
            start: std::time::Instant::now(),
            budget: seconds.map(|s| std::time::Duration::from_secs_f64(s.clamp(0.0, 1e9))),
            hint: hint.into(),
        }
    }

    /// No limit.
    pub fn unlimited() -> Deadline {
        Deadline::after(None, "")
    }

    /// `Err(Error::Timeout)` naming `what` once the budget is spent.
    pub fn check(&self, what: &str) -> Result<()> {
        match self.budget {
            Some(b) if self.start.elapsed() > b => Err(Error::Timeout {
                what: what.to_string(),
                budget_s: b.as_secs_f64(),
                hint: self.hint.clone(),
            }),
            _ => Ok(()),
        }
    }
}

/// Validates a `--time-limit` value (seconds, in `(0, 86400]`).
pub fn require_time_limit(name: &str, seconds: f64) -> Result<f64> {
    if !(seconds > 0.0 && seconds <= 86_400.0) {
        return Err(Error::param(name, seconds, "allowed (0, 86400] seconds"));
    }
    Ok(seconds)
}

/// Validates that `x` is finite and `> 0`.
pub fn require_positive(name: &str, x: f64) -> Result<f64> {
    if !x.is_finite() {
        return Err(Error::param(name, fmt_num(x), "must be a finite number"));
    }
    if x <= 0.0 {
        return Err(Error::param(name, fmt_num(x), "must be > 0"));
    }
    Ok(x)
}

/// Validates that `x` is finite and `>= 0`.
pub fn require_nonnegative(name: &str, x: f64) -> Result<f64> {
    if !x.is_finite() {
        return Err(Error::param(name, fmt_num(x), "must be a finite number"));
    }
    if x < 0.0 {
        return Err(Error::param(name, fmt_num(x), "must be >= 0"));
    }
    Ok(x)
}

/// Validates that `x` is finite.
pub fn require_finite(name: &str, x: f64) -> Result<f64> {
    if !x.is_finite() {
        return Err(Error::param(name, fmt_num(x), "must be a finite number"));
    }
    Ok(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Issue 10: `theory --c -1e-300` printed the value with 300 zeros.
    #[test]
    fn numbers_in_messages_are_short() {
        assert_eq!(fmt_num(-1e-300), "-1e-300");
        assert_eq!(fmt_num(0.25), "0.25");
        assert_eq!(fmt_num(1e300), "1e300");
        assert_eq!(fmt_num(f64::NAN), "NaN");
        let e = Error::param("c", -1e-300, "must be > 0").to_string();
        assert_eq!(e, "invalid parameter `c` = -1e-300: must be > 0");
        let e = Error::param("c", 1e300, "too large").to_string();
        assert!(e.contains("= 1e300:"), "{e}");
        // Integers stay exact.
        let e = Error::param("points", usize::MAX, "allowed 2..=10000").to_string();
        assert!(e.contains("18446744073709551615"), "{e}");
        assert!(
            require_positive("c", -1e-300)
                .unwrap_err()
                .to_string()
                .len()
                < 60
        );
    }

    #[test]
    fn long_names_are_abbreviated() {
        let long = "x+".repeat(400) + "x";
        let e = Error::Activation {
            name: long,
            reason: "r".into(),
        }
        .to_string();
        assert!(e.len() < 150 && e.contains("(801 characters)"), "{e}");
    }

    #[test]
    fn deadline_expires() {
        let d = Deadline::after(Some(0.0), ", raise it with --time-limit");
        std::thread::sleep(std::time::Duration::from_millis(2));
        let e = d.check("the test loop").unwrap_err().to_string();
        assert!(
            e.contains("the test loop did not finish") && e.contains("--time-limit"),
            "{e}"
        );
        assert!(Deadline::unlimited().check("x").is_ok());
    }
}
