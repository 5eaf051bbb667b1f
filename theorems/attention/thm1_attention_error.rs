//! # Theorem 1 (analogue) — memorization error of nonlinear attention
//!
//! ## Statement (SPEC §5)
//! With $K = f_c(X^\top W X/\sqrt p)/\sqrt p$ (zero diagonal), $W = I + w_K w_Q^\top$,
//! $\Phi = X K$, $Q = (\Phi^\top \Phi/n + \gamma I_n)^{-1}$ and $E_A = \tfrac{\gamma^2}{n} y^\top Q^2 y$:
//! $E_A \to \bar E_A = -\gamma^2 \tfrac{d}{d\gamma} (R^{-1})[u, R1]$, the deterministic equivalent
//! of the 6-block linear pencil of SPEC §5 (bulk fixed point in $c, \gamma, a_1, \nu, s = -a_1$,
//! reduced low-rank system on $\text{span}\\{y\\}$ and $\text{span}\\{\mu, w_K, w_Q\\}$;
//! [`crate::theory::attention_path`]). Reconstructed, not the paper's literal 9x9 system (SPEC §9).
//!
//! ## Check
//! Monte Carlo (model `Attention`, exact kernel, zero diagonal) against the pencil over a grid of
//! activations (tanh, relu, sign, erf, cos, quad and the user expression `x*tanh(x)`) x
//! geometries ($w = 0$; aligned $w_K = w_Q = e_1 \parallel \mu$; orthogonal $w_K = w_Q = e_2$;
//! mismatched $w_K = e_1$, $w_Q = e_2$) x $\gamma$ x $c$, each at three sizes $n$ with $p = c n$.
//!
//! A row holds iff $|\bar E_A - \text{mean}| \le z\\,SE + C |\bar E_A|\\, n^{-1/2}$: [`Z`] = 4
//! (per-row false alarm ~6e-5 under normality); the finite-size term has rate 1/2 because the
//! neglected terms of the kernel linearisation are $O(p^{-1/2})$ entrywise perturbations
//! (SPEC §3: $(f'(s) - a_1)\delta$, $f''\delta^2$, the $(\mu^\top w)^2/\sqrt p$ part of $\delta$),
//! and [`BIAS_CONST`] = 0.5 relative (4.4% at n = 128, 2.2% at n = 512, 1.1% at n = 2048): ADDENDUM
//! §2 measured, at n = 512, $\text{snr} \le 1$, $\gamma \ge 10^{-2}$ and 4 seeds, a median relative
//! deviation of 1.3%, about what the 4-seed noise alone gives, so the systematic part is at most
//! ~2% at n = 512. Rows whose tolerance exceeds
//! [`INCONCLUSIVE_FRAC`] of $|\bar E_A|$ are `Inconclusive`; a theory point whose solver did not
//! converge is an `Inconclusive` row. A note gives the fitted log–log slope of $|err|$ vs $n$.
//!
//! Quick (seconds): every activation at $w = 0$ and every geometry for tanh, $c = 1/2$,
//! $\text{snr} = 1$, $\gamma \in \\{0.1, 1, 10\\}$, $n \in \\{128, 256, 512\\}$ with 32/16/6 replicates
//! (an attention replicate costs ~0.1 s at n = 512 and ~0.7 s at n = 1024 on the shared machine,
//! so n = 1024 does not fit the quick budget). Full: the whole grid at $c = 1/2$
//! ($n \le 1024$) and $c = 2$ ($n \le 512$), $\gamma \in \\{0.01, 0.1, 1, 10\\}$, plus the hard cases,
//! **full only**: $\text{snr} = 4$ for tanh, relu and sign at $n$ up to 2048 (ADDENDUM §2: clear
//! finite-size deviations at n = 512, worst for sign, gone by n = 2048). The n = 2048 comparison
//! of the theory issue (tanh, relu, sign, cos, $w = 0$ and aligned) is `tests/theory_vs_mc.rs`.
//! Not covered: $\gamma \le 10^{-2}$ with $c > 1$ (slow hard-edge convergence, ADDENDUM §2; at
//! $c = 2$, $\gamma = 0.01$ every row of a trial full run was `Inconclusive`).
//!
//! **Finding of the full run: sign at snr = 4 is marginal.** tanh and relu at $\text{snr} = 4$
//! converge (|z| <= 1 at n = 2048). sign stays below the theory at every size, in two full runs
//! with independent seeds (the hand-picked seeds of the first runs; the hashed seeds of the
//! evidence layer, `snapshots/verify-full.md`): -1..-5% / -1.3..-3.3% at n = 512,
//! -4..-6% / -4.1..-4.9% at n = 1024, -2.6..-2.9% / -2.2..-2.3% at n = 2048 (z = -3.3..-4.4 /
//! -2.5..-2.9 with 6 replicates). In the first run the n = 2048 rows held only through the
//! finite-size allowance (err 3.4e-3..4.9e-3 vs tol 5.4e-3..8.2e-3, beyond 4 SE), and a trial run
//! with 4 replicates at n = 2048 (smaller SE estimate) failed them; in the second they are inside
//! 4 SE (err 2.6e-3..4.3e-3, tol 4.9e-3..8.7e-3). The sign of the deviation is the same in
//! all 18 sign rows at snr = 4 of both runs. ADDENDUM §2
//! expected the snr = 4 deviations to vanish by n = 2048 (checked there on quad only). A plausible
//! cause: for a discontinuous $f$ the remainder $f(s + \delta) - f(s) - a_1\delta$ is $\pm 2$
//! with probability $O(|\delta|)$, so its entry variance is $O(p^{-1/2})$, not $O(p^{-1})$, and the
//! linearisation error decays like $p^{-1/4}$ (a factor 1.4 from n = 512 to 2048). Read these rows
//! as weak evidence; n = 4096 would settle it (not in the budget).
//!
//! Resolution. The quick tolerance is ~8–15% of $\bar E_A$ (4 SE with 1.5–3% relative SE per
//! row, plus the finite-size term). $\bar E_A$ is not very sensitive to its parameters at
//! $c = 1/2$: $a_1 \times 1.3$ moves it by 1–4% at $\gamma \le 0.1$ and 7–11% at
//! $\gamma \in [1, 10]$; $s = 0$ by 3–12% (measured on the pencil; at $c = 2$ the effects are 2–3
//! times larger). That is why $\gamma = 10$ is in the quick grid (free: one eigendecomposition per
//! replicate serves the whole path), and why the quick verdict is coarse evidence that `--full`
//! (more replicates, n up to 1024–2048) sharpens.
//!
//! Negative controls: [`Perturb::A1Scale`] ($a_1$ scaled by 1.3 in the pencil) and
//! [`Perturb::DropDiagShift`] ($s = 0$ instead of $-a_1$) must fail at the quick budget
//! (measured on the whole quick grid: 12 and 29 failing rows of 90; the controls run the first
//! three configurations).
//!
//! ## References
//! SPEC §3 (linearisation, diagonal shift), §5 (pencil), §8 (measured MC agreement);
//! ADDENDUM §2 (finite-size deviations at snr = 4 and at small gamma with c > 1).

use crate::activation::Activation;
use crate::claim::{Budget, Claim, Level, NegativeControl, Verdict};
use crate::error::Result;
use crate::evidence::{
    allow_no_convergence, Check, Evidence, Precision, Quantity, ReplicatePolicy, Sweep, Tol,
    SLOPE_CAVEAT,
};
use crate::model::{Diag, ModelKind, ModelSpec};
use crate::theory::{attention_path, AttentionParams, TheoryPoint};

/// Standard errors allowed (per-row false alarm ~6e-5 under normality).
pub const Z: f64 = 4.0;
/// Relative finite-size constant `C |E| n^-1/2` (see the module doc).
pub const BIAS_CONST: f64 = 0.5;
/// Rate of the finite-size term: O(p^-1/2) linearisation error (SPEC §3).
pub const RATE: f64 = 0.5;
/// A row is `Inconclusive` when its tolerance exceeds this fraction of `|theory|` (the same rule
/// as `prop2-ridge`).
pub const INCONCLUSIVE_FRAC: f64 = super::prop2_ridge_error::INCONCLUSIVE_FRAC;
/// The tolerance of every row: `Z·SE + BIAS_CONST·|E|·n^-RATE`.
pub const TOL: Tol = Tol::rel(Z, BIAS_CONST, RATE).inconclusive_above(INCONCLUSIVE_FRAC);

/// The activations of the grid (the last one is a user expression).
pub const ACTIVATIONS: &[&str] = &["tanh", "relu", "sign", "erf", "cos", "quad", "x*tanh(x)"];

/// `(name, w_K, w_Q)` of the four geometries on the basis `e1 = mu/||mu||, e2, ...`.
pub const GEOMETRIES: &[(&str, &[f64], &[f64])] = &[
    ("w=0", &[], &[]),
    ("aligned", &[1.0], &[1.0]),
    ("orthogonal", &[0.0, 1.0], &[0.0, 1.0]),
    ("mismatched", &[1.0], &[0.0, 1.0]),
];

/// A deliberately wrong theory, for the negative controls.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Perturb {
    /// `a1` multiplied by this factor in the pencil (`nu`, `s` unchanged).
    A1Scale(f64),
    /// `s = 0` instead of `-a1` (the zero-diagonal shift dropped).
    DropDiagShift,
}

/// Claim `thm1-attention`. `Default` in the registry.
#[derive(Clone, Debug, Default)]
pub struct Thm1Attention {
    /// Perturbation of the theory (negative controls only).
    pub perturb: Option<Perturb>,
    /// Only the first configurations of the grid (negative controls); `None`: all.
    pub first: Option<usize>,
}

/// One configuration: activation, geometry (index into [`GEOMETRIES`]), `c`, snr, gammas, sizes.
fn sweep(
    act: &str,
    geom: usize,
    c: f64,
    snr: f64,
    gammas: &[f64],
    sizes: &[(usize, usize)],
) -> Result<Sweep> {
    let (gname, wk, wq) = GEOMETRIES[geom];
    let spec = ModelSpec::single_head(
        ModelKind::Attention,
        Activation::parse(act)?,
        snr,
        wk,
        wq,
        Diag::Zero,
    )?;
    Ok(Sweep::new(format!("{act} {gname} c={c} snr={snr}"), spec, c)
        .gammas(gammas)
        .sizes(sizes))
}

impl Thm1Attention {
    /// The grid at `budget`.
    pub fn grid(&self, budget: &Budget) -> Result<Vec<Sweep>> {
        let mut v = Vec::new();
        match budget.level {
            Level::Quick => {
                let sizes = [(128, 32), (256, 16), (512, 6)];
                let gammas = [0.1, 1.0, 10.0];
                for act in ACTIVATIONS {
                    v.push(sweep(act, 0, 0.5, 1.0, &gammas, &sizes)?);
                }
                for geom in 1..GEOMETRIES.len() {
                    v.push(sweep("tanh", geom, 0.5, 1.0, &gammas, &sizes)?);
                }
            }
            Level::Full => {
                // gamma = 0.01 only at c = 1/2: at c = 2, E ~ 0.05 there with a per-seed spread
                // of ~35%, so every such row was Inconclusive (measured) — the slow hard-edge
                // regime of ADDENDUM §2, out of reach of this budget.
                let half: (f64, &[f64], &[(usize, usize)]) = (
                    0.5,
                    &[0.01, 0.1, 1.0, 10.0],
                    &[(256, 16), (512, 8), (1024, 8)],
                );
                let two: (f64, &[f64], &[(usize, usize)]) =
                    (2.0, &[0.1, 1.0, 10.0], &[(128, 32), (256, 16), (512, 12)]);
                for (c, gammas, sizes) in [half, two] {
                    for act in ACTIVATIONS {
                        for geom in 0..GEOMETRIES.len() {
                            v.push(sweep(act, geom, c, 1.0, gammas, sizes)?);
                        }
                    }
                }
                // The hard cases (ADDENDUM §2): snr = 4, up to n = 2048.
                for act in ["tanh", "relu", "sign"] {
                    v.push(sweep(
                        act,
                        0,
                        0.5,
                        4.0,
                        &[0.1, 1.0, 10.0],
                        &[(512, 8), (1024, 8), (2048, 6)],
                    )?);
                }
            }
        }
        v.truncate(self.first.unwrap_or(usize::MAX));
        Ok(v)
    }

    /// The (possibly perturbed) pencil along the sweep's gammas; points whose solver did not
    /// converge are marked (their rows are `Inconclusive`).
    pub fn theory(&self, sweep: &Sweep) -> Result<Vec<TheoryPoint>> {
        let mut p = AttentionParams::from_spec(&sweep.spec, sweep.c)?;
        match self.perturb {
            None => {}
            // Fields set directly: the scaled a1 may exceed sqrt(nu) (sigma then clamps to 0).
            Some(Perturb::A1Scale(f)) => p.a1 *= f,
            Some(Perturb::DropDiagShift) => p.s = 0.0,
        }
        allow_no_convergence(attention_path(&p, &sweep.gammas), &sweep.gammas)
    }
}

/// Fixed-precision replicates (docs/evidence.md §5): SE(E) <= 3% of |mean| at every gamma,
/// between 0.75x (at least 6) and 1.5x the grid's count. Why 3%: `4·SE` is then <= 12% of `|E|`,
/// well under the 25% inconclusive cut; the grid's counts give ~2–3% (the quick snapshot before
/// this policy), so resolved rows stop at the floor and noisy ones get up to 1.5x the grid. The
/// rule reads the replicates' spread only, never the theory.
fn replicates() -> Precision {
    Precision::new(0.03, 0.0).bounds(0.75, 1.5)
}

impl Claim for Thm1Attention {
    fn id(&self) -> &'static str {
        "thm1-attention"
    }
    fn paper(&self) -> &'static str {
        "attention"
    }
    fn title(&self) -> &'static str {
        "Memorization error of nonlinear attention"
    }
    fn statement(&self) -> &'static str {
        "E_A = (gamma^2/n) y^T Q^2 y with Phi = X K (exact kernel, zero diagonal) converges to the \
         deterministic equivalent of the 6-block pencil (SPEC §5, s = -a1), for tanh, relu, sign, \
         erf, cos, quad and x*tanh(x), with w = 0, aligned, orthogonal and mismatched w_K, w_Q; \
         quick: c = 1/2, snr = 1, gamma in {0.1, 1, 10}; c = 2, snr = 4 and gamma = 0.01 only in --full"
    }
    fn check(&self, budget: &Budget) -> Result<Verdict> {
        let policy = replicates();
        let out = Evidence::new(self.id(), budget)
            .with_replicates(policy.clone())
            .sweep(
                &self.grid(budget)?,
                &[Check::new(Quantity::E, TOL)],
                &|s| self.theory(s),
            )?;
        let mut notes = out.notes();
        notes.push(SLOPE_CAVEAT.into());
        notes.push(format!("replicates: {}", policy.describe()));
        if let Some(p) = self.perturb {
            notes.push(format!("theory perturbed: {p:?} (negative test)"));
        }
        Ok(Verdict::from_rows(self, out.rows(), notes))
    }
    fn negative_controls(&self) -> Vec<NegativeControl> {
        [Perturb::A1Scale(1.3), Perturb::DropDiagShift]
            .into_iter()
            .map(|p| {
                let claim = Thm1Attention {
                    perturb: Some(p),
                    first: Some(3),
                };
                NegativeControl::new(format!("{p:?} (tanh, relu, sign at w = 0)"), claim)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unperturbed_theory_matches_spec_reference() {
        // SPEC §5.6: tanh, gamma = 0.1, c = 0.25, snr = 1, w = 0: E_A = 0.39032114.
        let s = sweep("tanh", 0, 0.25, 1.0, &[0.1], &[]).unwrap();
        let e = Thm1Attention::default().theory(&s).unwrap();
        assert!((e[0].e - 0.390_321_14).abs() < 1e-7);
    }
}
