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
    #[error("cannot parse expression `{expr}` at position {pos}: {msg}")]
    Parse {
        /// The expression.
        expr: String,
        /// 0-based character offset of the problem.
        pos: usize,
        /// What was expected / found.
        msg: String,
    },
    /// The activation is not usable under the Gaussian measure.
    #[error("activation `{name}` is not admissible: {reason}")]
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
    /// Shorthand for [`Error::InvalidParam`].
    pub fn param(name: impl Into<String>, value: impl ToString, reason: impl Into<String>) -> Self {
        Error::InvalidParam {
            name: name.into(),
            value: value.to_string(),
            reason: reason.into(),
        }
    }
}

/// Validates that `x` is finite and `> 0`.
pub fn require_positive(name: &str, x: f64) -> Result<f64> {
    if !x.is_finite() {
        return Err(Error::param(name, x, "must be a finite number"));
    }
    if x <= 0.0 {
        return Err(Error::param(name, x, "must be > 0"));
    }
    Ok(x)
}

/// Validates that `x` is finite and `>= 0`.
pub fn require_nonnegative(name: &str, x: f64) -> Result<f64> {
    if !x.is_finite() {
        return Err(Error::param(name, x, "must be a finite number"));
    }
    if x < 0.0 {
        return Err(Error::param(name, x, "must be >= 0"));
    }
    Ok(x)
}

/// Validates that `x` is finite.
pub fn require_finite(name: &str, x: f64) -> Result<f64> {
    if !x.is_finite() {
        return Err(Error::param(name, x, "must be a finite number"));
    }
    Ok(x)
}
