//! The attention paper: "A Random Matrix Analysis of In-context Memorization for Nonlinear
//! Attention" (Zou, Liu, Hou, Ling, Liao; arXiv 2506.18656). One module per lemma, proposition,
//! theorem or corollary; [`registry`] lists them in paper order. The model and the derivations
//! are in `docs/model.md` and `docs/claims-attention.md`.

use crate::claim::Paper;

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

// One line per claim: its module (a file of this folder) and its type, in paper order.
crate::claims! {
    lem_hermite_expansion::LemHermite,
    lem_kernel_linearization::LemLinearization,
    prop1_resolvent_equivalent::Prop1Resolvent,
    prop2_ridge_error::Prop2Ridge,
    thm1_attention_error::Thm1Attention,
    thm_error_bounds::ThmBounds,
    cor_random_inputs::CorRandomInputs,
    cor_alignment::CorAlignment,
    cor_a1_zero::CorA1Zero,
    rem_softmax::RemSoftmax,
    open_skip::OpenSkip,
    open_correlated_tokens::OpenCorrelatedTokens,
    // v2 extension: several heads (docs/multihead.md; derived by the project, not the paper's)
    ext_multihead_equivalent::ExtMultiheadEquivalent,
    ext_multihead_what_heads_buy::ExtMultiheadWhatHeadsBuy,
}
