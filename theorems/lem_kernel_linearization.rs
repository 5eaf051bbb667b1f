//! # Hermite linearization of the kernel matrix (STUB — being implemented)

use crate::claim::{Budget, Claim, Verdict};
use crate::error::{Error, Result};

/// Claim `lem-linearization`.
#[derive(Clone, Debug, Default)]
pub struct LemLinearization;

impl Claim for LemLinearization {
    fn id(&self) -> &'static str {
        "lem-linearization"
    }
    fn title(&self) -> &'static str {
        "Hermite linearization of the kernel matrix"
    }
    fn statement(&self) -> &'static str {
        "(not implemented yet)"
    }
    fn check(&self, _budget: &Budget) -> Result<Verdict> {
        Err(Error::Quadrature {
            detail: "claim `lem-linearization` is not implemented yet".into(),
        })
    }
}
