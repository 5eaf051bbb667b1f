//! # Upper and lower bounds on the memorization error (STUB — being implemented)

use crate::claim::{Budget, Claim, Verdict};
use crate::error::{Error, Result};

/// Claim `thm-bounds`.
#[derive(Clone, Debug, Default)]
pub struct ThmBounds;

impl Claim for ThmBounds {
    fn id(&self) -> &'static str {
        "thm-bounds"
    }
    fn title(&self) -> &'static str {
        "Upper and lower bounds on the memorization error"
    }
    fn statement(&self) -> &'static str {
        "(not implemented yet)"
    }
    fn check(&self, _budget: &Budget) -> Result<Verdict> {
        Err(Error::Quadrature {
            detail: "claim `thm-bounds` is not implemented yet".into(),
        })
    }
}
