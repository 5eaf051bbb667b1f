//! The Rules-and-Facts pack (arXiv 2603.25579): the claims of `docs/raf.md §11` as executable
//! [`Claim`]s, one module per claim; [`registry`] lists them. `common` holds the
//! Monte Carlo tolerance they share.
//!
//! Left out: the hinge / kernel-SVM claims (`docs/raf.md §5`), which have no Monte Carlo
//! validation yet.

use crate::claim::{Claim, Paper};

/// The paper of this pack.
pub const PAPER: Paper = Paper {
    id: "raf",
    title: "The Rules-and-Facts Model for Simultaneous Generalization and Memorization in Neural \
            Networks",
    authors: "Farné, Boncoraglio, Zdeborová",
    arxiv: "2603.25579",
    version: "as reconstructed in docs/raf.md (square loss, kernel ridge, random features, \
              Bayes-optimal; the hinge/SVM part is left out)",
};

pub mod bo_rate_one;

pub mod krr_equivalent;
pub mod krr_rate_half;
pub mod lambda_opt;
pub mod memorize_generalize;
pub mod rf_threshold;

/// All claims of the pack, in the order of `docs/raf.md §11`.
pub fn registry() -> Vec<Box<dyn Claim>> {
    vec![
        Box::new(krr_equivalent::RafKrrEquivalent::default()),
        Box::new(lambda_opt::RafLambdaOpt::default()),
        Box::new(memorize_generalize::RafMemorizeGeneralize::default()),
        Box::new(krr_rate_half::RafKrrRate::default()),
        Box::new(bo_rate_one::RafBoRate::default()),
        Box::new(rf_threshold::RafRfThreshold::default()),
    ]
}

/// Looks a claim of the pack up by id.
pub fn find(id: &str) -> Option<Box<dyn Claim>> {
    registry().into_iter().find(|c| c.id() == id)
}
