//! Every result of the paper as an executable [`Claim`](crate::Claim), in paper order.
//!
//! One module per lemma / proposition / theorem; [`registry`] lists them.

use crate::claim::Claim;

pub mod lem_hermite_expansion;

/// All claims, in paper order.
pub fn registry() -> Vec<Box<dyn Claim>> {
    vec![Box::new(lem_hermite_expansion::LemHermite)]
}

/// Looks a claim up by id.
pub fn find(id: &str) -> Option<Box<dyn Claim>> {
    registry().into_iter().find(|c| c.id() == id)
}
