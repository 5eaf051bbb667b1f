//! Every result of the paper as an executable [`Claim`](crate::Claim), in paper order.
//!
//! One module per lemma / proposition / theorem; [`registry`] lists them. The `ext-*` claims are
//! extensions beyond the paper (several heads: `docs/multihead.md`).

use crate::claim::Claim;

pub mod cor_a1_zero;
pub mod cor_alignment;
pub mod cor_random_inputs;
pub mod ext_multihead_equivalent;
pub mod ext_multihead_what_heads_buy;
pub mod lem_hermite_expansion;
pub mod lem_kernel_linearization;
pub mod prop1_resolvent_equivalent;
pub mod prop2_ridge_error;
pub mod thm1_attention_error;
pub mod thm_error_bounds;

/// All claims, in paper order.
pub fn registry() -> Vec<Box<dyn Claim>> {
    vec![
        Box::new(lem_hermite_expansion::LemHermite),
        Box::new(lem_kernel_linearization::LemLinearization::default()),
        Box::new(prop1_resolvent_equivalent::Prop1Resolvent::default()),
        Box::new(prop2_ridge_error::Prop2Ridge::default()),
        Box::new(thm1_attention_error::Thm1Attention::default()),
        Box::new(thm_error_bounds::ThmBounds::default()),
        Box::new(cor_random_inputs::CorRandomInputs::default()),
        Box::new(cor_alignment::CorAlignment::default()),
        Box::new(cor_a1_zero::CorA1Zero::default()),
        Box::new(ext_multihead_equivalent::ExtMultiheadEquivalent::default()),
        Box::new(ext_multihead_what_heads_buy::ExtMultiheadWhatHeadsBuy::default()),
    ]
}

/// Looks a claim up by id.
pub fn find(id: &str) -> Option<Box<dyn Claim>> {
    registry().into_iter().find(|c| c.id() == id)
}
