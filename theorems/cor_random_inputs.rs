//! # Random inputs: attention memorizes worse than ridge (STUB — being implemented)

use crate::claim::{Budget, Claim, Verdict};
use crate::error::{Error, Result};

/// Claim `cor-random-inputs`.
#[derive(Clone, Debug, Default)]
pub struct CorRandomInputs;

impl Claim for CorRandomInputs {
    fn id(&self) -> &'static str {
        "cor-random-inputs"
    }
    fn title(&self) -> &'static str {
        "Random inputs: attention memorizes worse than ridge"
    }
    fn statement(&self) -> &'static str {
        "(not implemented yet)"
    }
    fn check(&self, _budget: &Budget) -> Result<Verdict> {
        Err(Error::Quadrature {
            detail: "claim `cor-random-inputs` is not implemented yet".into(),
        })
    }
}
