//! # Deterministic equivalent of the nonlinear resolvent (STUB — being implemented)

use crate::claim::{Budget, Claim, Verdict};
use crate::error::{Error, Result};

/// Claim `prop1-resolvent`.
#[derive(Clone, Debug, Default)]
pub struct Prop1Resolvent;

impl Claim for Prop1Resolvent {
    fn id(&self) -> &'static str {
        "prop1-resolvent"
    }
    fn title(&self) -> &'static str {
        "Deterministic equivalent of the nonlinear resolvent"
    }
    fn statement(&self) -> &'static str {
        "(not implemented yet)"
    }
    fn check(&self, _budget: &Budget) -> Result<Verdict> {
        Err(Error::Quadrature {
            detail: "claim `prop1-resolvent` is not implemented yet".into(),
        })
    }
}
