//! # Random-features ridge: theory at finite `p` and the interpolation threshold `n = p`
//! (`docs/raf.md §4.5`, §7 C7, §11 item 6)
//!
//! ## Statement
//! \[author code (saddle-point equations); paper: overparameterization enables memorization;
//! threshold derived\] Random-features ridge `f(x) = w.sigma(F x/sqrt d)/sqrt p` with the
//! sign activation follows the two-block saddle point of `docs/raf.md §4.5`
//! (`alpha = n/p`, `gamma = d/p`). As `lambda -> 0+` it memorizes every fact iff `n < p`: the
//! theory's `eps_mem` is 0 for `n/p < 1` and positive for `n/p > 1` (`Phi(-1) = 0.1587` at
//! `n/p = 2`, `gamma = 0.5`, `eps = 0.2`). As `gamma -> 0` (`p >> d`) at fixed `n/d` it reduces
//! to kernel ridge with the arcsine kernel, with an `O(gamma)` gap.
//!
//! ## Check
//! * Monte Carlo (sign features, `p = 200` quick / `1000` full) at the four points of
//!   `docs/raf.md §9.3` and at `lambda = 1e-4` for `n/p in {0.5, 2}`, `gamma = 0.5`: `eps_gen`,
//!   `eps_mem`, `eps_rt` against theory, `4 SE + 0.1 p^-1/2`.
//! * Theory at `lambda = 1e-6`: `eps_mem <= 1e-12` for `n/p in {0.5, 0.9, 0.99}`;
//!   `eps_mem >= 1e-5` for `n/p in {1.1, 1.5, 2}`; `eps_mem(n/p = 2) = Phi(-1)` to `1e-4`.
//! * Theory: the `eps_gen` peak at `n = p` (`lambda = 1e-6`) is above `n/p = 0.5` and `2`
//!   (double descent; a cusp of the limit, not tested by Monte Carlo at finite `p`).
//! * Theory: `|eps_gen(RF, gamma) - eps_gen(KRR)| <= 0.5 gamma` at `gamma in {0.1, 0.01, 0.001}`,
//!   `n/d = 2`, `lambda in {0.3, 3}` (measured gap/gamma 0.24–0.37).
//!
//! Negative test: [`Perturb::NoNoiseBlock`] (the `p`-dimensional block dropped,
//! `kappa_star = 0`) must fail.

use crate::raf::common::{mc_row, scaled};
use crate::activation::Activation;
use crate::claim::{NegativeControl, Budget, Claim, Row, Verdict};
use crate::error::Result;
use crate::raf::kernel::KernelCoeffs;
use crate::raf::mc::{simulate, McLearner, McSpec};
use crate::raf::rf::{rf_theory, RfPoint};
use crate::raf::theory::{krr_theory, normal_cdf};

/// Seed offset of this claim.
const SEED_OFFSET: u64 = 170_000;
/// `(alpha = n/p, gamma = d/p, eps, lambda)` of the Monte Carlo points: `docs/raf.md §9.3` and
/// two near-ridgeless points on either side of `n = p`.
pub const MC_POINTS: [(f64, f64, f64, f64); 6] = [
    (1.0, 0.5, 0.2, 0.1),
    (2.0, 0.5, 0.2, 0.01),
    (0.8, 0.3, 0.3, 0.05),
    (1.5, 1.5, 0.2, 0.1),
    (0.5, 0.5, 0.2, 1e-4),
    (2.0, 0.5, 0.2, 1e-4),
];

/// A deliberately wrong theory, for the negative test.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Perturb {
    /// `kappa_star = 0`: the features' nonlinear part dropped.
    NoNoiseBlock,
}

/// Claim `raf-rf-threshold`.
#[derive(Clone, Debug, Default)]
pub struct RafRfThreshold {
    /// Perturbation of the theory (negative tests only).
    pub perturb: Option<Perturb>,
}

impl RafRfThreshold {
    fn coeffs(&self) -> Result<KernelCoeffs> {
        let mut k = KernelCoeffs::from_activation(&Activation::parse("sign")?)?;
        if self.perturb == Some(Perturb::NoNoiseBlock) {
            k.mustar2 = 0.0;
        }
        Ok(k)
    }

    fn theory(&self, alpha: f64, gamma: f64, eps: f64, lambda: f64) -> Result<RfPoint> {
        rf_theory(alpha, gamma, eps, lambda, &self.coeffs()?)
    }

    /// The Monte Carlo rows.
    pub fn mc_rows(&self, budget: &Budget) -> Result<Vec<Row>> {
        let p = budget.pick(200, 1000);
        let seeds = budget.pick(10, 10);
        let act = Activation::parse("sign")?;
        let mut rows = Vec::new();
        for (i, &(alpha, gamma, eps, lambda)) in MC_POINTS.iter().enumerate() {
            let th = self.theory(alpha, gamma, eps, lambda)?.errors;
            let (n, d) = (scaled(alpha, p), scaled(gamma, p));
            let mut spec = McSpec::new(McLearner::Rf, act.clone(), eps, vec![lambda], n, d);
            spec.p = p;
            spec.seeds = seeds;
            spec.n_test = budget.pick(2000, 10_000);
            spec.seed = budget.seed.wrapping_add(SEED_OFFSET + i as u64);
            let pt = simulate(&spec)?.points[0];
            let base = format!("RF sign n/p={alpha} d/p={gamma} ε={eps} λ={lambda} p={p}");
            rows.push(mc_row(
                format!("{base}: eps_gen"),
                th.eps_gen,
                &pt.eps_gen,
                "p",
                p,
                n,
                seeds,
            ));
            rows.push(mc_row(
                format!("{base}: eps_mem"),
                th.eps_mem,
                &pt.eps_mem,
                "p",
                p,
                n,
                seeds,
            ));
            rows.push(mc_row(
                format!("{base}: eps_rt"),
                th.eps_rt,
                &pt.eps_rt,
                "p",
                p,
                n,
                seeds,
            ));
        }
        Ok(rows)
    }

    /// The theory rows.
    pub fn theory_rows(&self) -> Result<Vec<Row>> {
        let (gamma, eps, lam0) = (0.5, 0.2, 1e-6);
        let mut rows = Vec::new();
        for a in [0.5, 0.9, 0.99] {
            let e = self.theory(a, gamma, eps, lam0)?.errors.eps_mem;
            rows.push(Row::at_most(
                format!("theory n/p={a} d/p={gamma} λ=1e-6: eps_mem = 0 (n < p)"),
                e,
                0.0,
                1e-12,
                "1e-12 abs",
            ));
        }
        for a in [1.1, 1.5, 2.0] {
            let e = self.theory(a, gamma, eps, lam0)?.errors.eps_mem;
            rows.push(Row::at_least(
                format!("theory n/p={a} d/p={gamma} λ=1e-6: eps_mem > 0 (n > p)"),
                e,
                1e-5,
                0.0,
                "bound 1e-5",
            ));
        }
        let e2 = self.theory(2.0, gamma, eps, lam0)?.errors.eps_mem;
        rows.push(Row::agreement(
            "theory n/p=2 d/p=0.5 λ=1e-6: eps_mem = Φ(-1)",
            normal_cdf(-1.0),
            e2,
            0.0,
            1e-4,
            "1e-4 abs (λ = 1e-6, not 0)",
        ));
        let peak = self.theory(1.0, gamma, eps, lam0)?.errors.eps_gen;
        for a in [0.5, 2.0] {
            let e = self.theory(a, gamma, eps, lam0)?.errors.eps_gen;
            rows.push(Row::at_least(
                format!("theory λ=1e-6: eps_gen(n=p) = {peak:.4} > eps_gen(n/p={a})"),
                peak,
                e,
                0.0,
                "strict",
            ));
        }
        let sign = KernelCoeffs::from_activation(&Activation::parse("sign")?)?;
        for lambda in [0.3, 3.0] {
            let krr = krr_theory(2.0, eps, lambda, &sign)?.errors.eps_gen;
            for g in [0.1, 0.01, 0.001] {
                let rf = self.theory(2.0 * g, g, eps, lambda)?.errors.eps_gen;
                rows.push(Row::at_most(
                    format!("theory n/d=2 λ={lambda} d/p={g}: |eps_gen(RF) - eps_gen(KRR)|"),
                    (rf - krr).abs(),
                    0.0,
                    0.5 * g,
                    "0.5·d/p (O(γ) gap)",
                ));
            }
        }
        Ok(rows)
    }
}

impl Claim for RafRfThreshold {
    fn negative_controls(&self) -> Vec<NegativeControl> {
        vec![
            NegativeControl::new(
                "random-features theory without its p-dimensional block",
                RafRfThreshold {
                    perturb: Some(Perturb::NoNoiseBlock),
                },
            ),
        ]
    }

    fn id(&self) -> &'static str {
        "raf-rf-threshold"
    }
    fn paper(&self) -> &'static str {
        super::PAPER.id
    }
    fn title(&self) -> &'static str {
        "Random-features ridge: finite-p theory vs Monte Carlo; facts memorized as lambda -> 0 iff n < p; RF -> KRR as p -> inf"
    }
    fn statement(&self) -> &'static str {
        "Random-features ridge with sign features on Rules-and-Facts data follows the two-block \
         saddle point (alpha = n/p, gamma = d/p) in eps_gen, eps_mem, eps_rt (Monte Carlo at 6 \
         points); as lambda -> 0+ it memorizes every fact iff n < p (theory eps_mem = 0 below, \
         > 0 above, Phi(-1) at n = 2p, gamma = 0.5), eps_gen peaks at n = p, and as gamma = d/p \
         -> 0 it reduces to kernel ridge with the arcsine kernel with an O(gamma) gap"
    }
    fn check(&self, budget: &Budget) -> Result<Verdict> {
        let mut rows = self.mc_rows(budget)?;
        rows.extend(self.theory_rows()?);
        let mut notes = vec![
            "the saddle point is solved as one scalar equation in D = 1 + kappa1^2 V_s + \
             kappa*^2 V_w (docs/raf.md §4.5), cross-checked against the damped iteration of the \
             five equations"
                .to_string(),
        ];
        if let Some(p) = self.perturb {
            notes.push(format!("theory perturbed: {p:?} (negative test)"));
        }
        Ok(Verdict::from_rows(self, rows, notes))
    }
}
