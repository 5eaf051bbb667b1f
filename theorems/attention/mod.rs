//! The attention paper: "A Random Matrix Analysis of In-context Memorization for Nonlinear
//! Attention" (Zou, Liu, Hou, Ling, Liao; arXiv 2506.18656). One module per lemma, proposition,
//! theorem or corollary; [`registry`] lists them in paper order. The model and the derivations
//! are in `docs/model.md` and `docs/claims-attention.md`.

use crate::claim::{Claim, Paper};

pub mod cor_a1_zero;
pub mod cor_alignment;
pub mod cor_random_inputs;
pub mod lem_hermite_expansion;
pub mod lem_kernel_linearization;
pub mod prop1_resolvent_equivalent;
pub mod prop2_ridge_error;
pub mod thm1_attention_error;
pub mod thm_error_bounds;

/// The paper of this pack.
pub const PAPER: Paper = Paper {
    id: "attention",
    title: "A Random Matrix Analysis of In-context Memorization for Nonlinear Attention",
    authors: "Zou, Liu, Hou, Ling, Liao",
    arxiv: "2506.18656",
    version: "v1 (the \"memorization error\"); v2 (Feb 2026) is retitled \"On the Interpolation \
              Error of Nonlinear Attention versus Linear Regression\" (the same error, called \
              \"interpolation error\") and adds several heads",
};

/// The claims of the paper, in paper order.
pub fn registry() -> Vec<Box<dyn Claim>> {
    vec![
        Box::new(lem_hermite_expansion::LemHermite::default()),
        Box::new(lem_kernel_linearization::LemLinearization::default()),
        Box::new(prop1_resolvent_equivalent::Prop1Resolvent::default()),
        Box::new(prop2_ridge_error::Prop2Ridge::default()),
        Box::new(thm1_attention_error::Thm1Attention::default()),
        Box::new(thm_error_bounds::ThmBounds::default()),
        Box::new(cor_random_inputs::CorRandomInputs::default()),
        Box::new(cor_alignment::CorAlignment::default()),
        Box::new(cor_a1_zero::CorA1Zero::default()),
    ]
}
