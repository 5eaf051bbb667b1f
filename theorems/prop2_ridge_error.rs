//! # Memorization error of ridge regression (STUB — being implemented)

use crate::claim::{Budget, Claim, Verdict};
use crate::error::{Error, Result};

/// Claim `prop2-ridge`.
#[derive(Clone, Debug, Default)]
pub struct Prop2Ridge;

impl Claim for Prop2Ridge {
    fn id(&self) -> &'static str {
        "prop2-ridge"
    }
    fn title(&self) -> &'static str {
        "Memorization error of ridge regression"
    }
    fn statement(&self) -> &'static str {
        "(not implemented yet)"
    }
    fn check(&self, _budget: &Budget) -> Result<Verdict> {
        Err(Error::Quadrature {
            detail: "claim `prop2-ridge` is not implemented yet".into(),
        })
    }
}
