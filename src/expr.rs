//! User activation expressions in `x` (STUB: to be implemented by the foundation issue).

use crate::error::{Error, Result};

/// A parsed expression.
#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    src: String,
}

impl Expr {
    /// Parses an expression.
    pub fn parse(src: &str) -> Result<Expr> {
        Err(Error::Parse {
            expr: src.to_string(),
            pos: 0,
            msg: "expressions not implemented yet".into(),
        })
    }

    /// Evaluates at `x`.
    pub fn eval(&self, _x: f64) -> f64 {
        f64::NAN
    }

    /// Kinks / jumps.
    pub fn breakpoints(&self) -> Vec<f64> {
        vec![]
    }
}
