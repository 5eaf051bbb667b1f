//! # The Rules-and-Facts model (second paper pack)
//!
//! Farné, Boncoraglio, Zdeborová (2026), "The Rules-and-Facts Model for Simultaneous
//! Generalization and Memorization in Neural Networks", arXiv 2603.25579. The math, with what is
//! from the paper and what is derived here, is in `docs/raf.md`.
//!
//! Data: `x ~ N(0, I_d)`, teacher `w* ~ N(0, I_d)`; with probability `1 - eps` a *rule* label
//! `y = sign(w*.x/sqrt d)`, with probability `eps` a *fact*, `y = +-1` at random. Learners: linear
//! ridge, kernel ridge with a dot-product kernel (`mu1`, `mu_star` from [`crate::hermite`]),
//! random-features ridge, and the Bayes-optimal estimator. Metrics: `eps_gen` (against the rule,
//! fresh inputs), `eps_mem` (training error on the facts), `eps_rt` (training error on the rule
//! samples).
//!
//! * [`kernel`]: `mu1`, `mu_star` of an activation; the exact kernel for Monte Carlo;
//! * [`theory`]: square-loss closed forms, `lambda_opt`, `eps_c` (`docs/raf.md §4, §7`);
//! * [`rf`]: random features at finite `p` (`docs/raf.md §4.5`);
//! * [`bo`]: the Bayes-optimal fixed point (`docs/raf.md §6`);
//! * [`mc`]: Monte Carlo on the exact model (`docs/raf.md §9`);
//! * [`report`]: how an activation's kernel trades rules against facts;
//! * [`claims`]: the pack's claims (`theorems/raf/`).
//!
//! The hinge loss / kernel SVM part of the paper (`docs/raf.md §5`) is not implemented: it has
//! not been validated against Monte Carlo, and no claim is made without evidence.

pub mod bo;
pub mod common;
pub mod kernel;
pub mod mc;
pub mod report;
pub mod rf;
pub mod solve;
pub mod theory;

/// The RAF claim pack (`theorems/raf/`). Mounted here until `theorems/mod.rs` declares
/// `pub mod raf;` (then this becomes `pub use crate::theorems::raf as claims;`).
pub use crate::theorems::raf as claims;

pub use kernel::KernelCoeffs;
pub use theory::Errors;
