//! # Activations with a1 = 0 cannot use the signal (STUB — being implemented)

use crate::claim::{Budget, Claim, Verdict};
use crate::error::{Error, Result};

/// Claim `cor-a1-zero`.
#[derive(Clone, Debug, Default)]
pub struct CorA1Zero;

impl Claim for CorA1Zero {
    fn id(&self) -> &'static str {
        "cor-a1-zero"
    }
    fn title(&self) -> &'static str {
        "Activations with a1 = 0 cannot use the signal"
    }
    fn statement(&self) -> &'static str {
        "(not implemented yet)"
    }
    fn check(&self, _budget: &Budget) -> Result<Verdict> {
        Err(Error::Quadrature {
            detail: "claim `cor-a1-zero` is not implemented yet".into(),
        })
    }
}
