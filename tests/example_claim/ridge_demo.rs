//! # Ridge regression at one point (example claim)
//!
//! ## Statement (`docs/ridge.md`)
//! With $X = \mu y^\top + Z$ ($p \times n$, $p/n = c$) and
//! $E_{RR} = \tfrac{\gamma^2}{n} y^\top (X^\top X/n + \gamma I)^{-2} y$:
//! $E_{RR} \to -\gamma^2 g'(\gamma)$, $g = m(1+m)/(1 + m(1+\|\mu\|^2))$.
//!
//! ## Check
//! $c = 1/2$, $\|\mu\|^2 = 1$, $\gamma \in \{0.1, 1\}$; $n \in \{128, 256\}$ (full: 512, 1024),
//! 32 replicates. Tolerance `4·SE + 1·|E|·n^-1`: 4 standard errors (per-row false alarm ~6e-5)
//! plus the O(1/n) bias of sample-covariance functionals; `Inconclusive` above 25 % of |E|.
//!
//! Negative control: the theory without the signal ($\|\mu\|^2$ dropped) must fail.

use rmt_verify::activation::Activation;
use rmt_verify::claim::{Budget, Claim, NegativeControl, Verdict};
use rmt_verify::error::Result;
use rmt_verify::evidence::{model_theory, Check, Evidence, Quantity, Sweep, Tol, SLOPE_CAVEAT};
use rmt_verify::model::{Diag, ModelKind, ModelSpec};

/// `4·SE + 1·|E|·n^-1`, `Inconclusive` above 25 % of |E|.
pub const TOL: Tol = Tol::rel(4.0, 1.0, 1.0).inconclusive_above(0.25);

/// Claim `ridge-demo`; `Default` is the registered claim.
#[derive(Clone, Copy, Debug, Default)]
pub struct RidgeDemo {
    /// Negative control: the theory computed without the signal.
    pub drop_signal: bool,
}

impl Claim for RidgeDemo {
    fn id(&self) -> &'static str {
        "ridge-demo"
    }
    fn paper(&self) -> &'static str {
        "attention"
    }
    fn title(&self) -> &'static str {
        "Ridge memorization error at one point (example)"
    }
    fn statement(&self) -> &'static str {
        "E_RR converges to -gamma^2 g'(gamma) at c = 1/2, snr = 1, gamma in {0.1, 1}"
    }
    fn check(&self, budget: &Budget) -> Result<Verdict> {
        let linear = Activation::parse("linear")?;
        let spec = ModelSpec::single_head(ModelKind::Ridge, linear, 1.0, &[], &[], Diag::Zero)?;
        let sizes = budget.pick([(128, 32), (256, 32)], [(512, 32), (1024, 32)]);
        let grid = [Sweep::new("c=0.5 snr=1", spec, 0.5)
            .gammas(&[0.1, 1.0])
            .sizes(&sizes)];
        let theory = |s: &Sweep| {
            let mut s = s.clone();
            if self.drop_signal {
                s.spec.set_snr(0.0);
            }
            model_theory(&s)
        };
        let checks = [Check::new(Quantity::E, TOL)];
        let out = Evidence::new(self.id(), budget).sweep(&grid, &checks, &theory)?;
        let mut notes = out.notes();
        notes.push(SLOPE_CAVEAT.into());
        Ok(Verdict::from_rows(self, out.rows(), notes))
    }
    fn negative_controls(&self) -> Vec<NegativeControl> {
        let wrong = RidgeDemo { drop_signal: true };
        vec![NegativeControl::new("theory without the signal", wrong)]
    }
}
