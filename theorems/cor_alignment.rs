//! # Aligned attention weights close the gap to ridge (STUB — being implemented)

use crate::claim::{Budget, Claim, Verdict};
use crate::error::{Error, Result};

/// Claim `cor-alignment`.
#[derive(Clone, Debug, Default)]
pub struct CorAlignment;

impl Claim for CorAlignment {
    fn id(&self) -> &'static str {
        "cor-alignment"
    }
    fn title(&self) -> &'static str {
        "Aligned attention weights close the gap to ridge"
    }
    fn statement(&self) -> &'static str {
        "(not implemented yet)"
    }
    fn check(&self, _budget: &Budget) -> Result<Verdict> {
        Err(Error::Quadrature {
            detail: "claim `cor-alignment` is not implemented yet".into(),
        })
    }
}
