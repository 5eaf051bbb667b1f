//! The evidence layer between the engines and the claims: a claim declares *what* to compare
//! (model points, sizes, gammas, tolerances, expected signs); this module runs theory and Monte
//! Carlo once and turns them into [`Row`](crate::claim::Row)s.
//!
//! * [`Sweep`]: one model point (a [`ModelSpec`](crate::model::ModelSpec), `c = p/n`, a label)
//!   along a gamma path at several sizes `(n, replicates)`;
//!   [`Evidence::sweep`] runs the theory ([`model_theory`] = `theory::model_path`, or a
//!   claim-supplied [`TheoryFn`]) and the Monte Carlo, and compares each [`Check`] (a
//!   [`Quantity`] — `E`, `yQy`, `trQ` — within a [`Tol`]) at every size and gamma, with the fitted
//!   log–log slope note ([`Block::slope_note`]);
//! * [`Tol`]: the one tolerance policy, `z·SE + C·n^-rate` (absolute, relative to `|theory|`, or
//!   over `gamma`), its source in every row, `Inconclusive` above a stated fraction of `|theory|`
//!   or when the solver did not converge;
//! * [`sign_row`], [`monotone`]: sign and ordering tests (deterministic or from a paired mean);
//! * [`paired`]: a paired Monte Carlo difference (sweeps with the same [`Sweep::paired`] key share
//!   their seeds);
//! * seeds: `fnv1a64(claim_id/row_label) xor base seed` ([`seed_for`], [`SEED_SCHEME`]);
//! * replicates: [`ReplicatePolicy`] ([`Fixed`] now; a sequential rule plugs in without touching
//!   the claims); rows run in parallel or one after the other ([`Exec`]), bit-identical results.
//!
//! `docs/evidence.md` describes the policy; `docs/adding-a-claim.md` shows a claim built on it.

mod order;
mod policy;
mod seeds;
mod sweep;

pub use order::{monotone, sign_row, Along, Margin, Sign, Value};
pub use policy::{Measured, Scale, Tol};
pub use seeds::{fnv1a64, seed_for, SEED_SCHEME};
pub use sweep::{
    allow_no_convergence, measure_with, model_theory, paired, Block, Check, Evidence, Exec, Fixed,
    Outcome, Precision, Quantity, ReplicatePolicy, Sweep, TheoryFn, SLOPE_CAVEAT,
};
