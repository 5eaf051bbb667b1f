//! # Memorization error of nonlinear attention (STUB — being implemented)

use crate::claim::{Budget, Claim, Verdict};
use crate::error::{Error, Result};

/// Claim `thm1-attention`.
#[derive(Clone, Debug, Default)]
pub struct Thm1Attention;

impl Claim for Thm1Attention {
    fn id(&self) -> &'static str {
        "thm1-attention"
    }
    fn title(&self) -> &'static str {
        "Memorization error of nonlinear attention"
    }
    fn statement(&self) -> &'static str {
        "(not implemented yet)"
    }
    fn check(&self, _budget: &Budget) -> Result<Verdict> {
        Err(Error::Quadrature {
            detail: "claim `thm1-attention` is not implemented yet".into(),
        })
    }
}
