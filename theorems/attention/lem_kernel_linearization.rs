//! # Lemma (kernel linearization) — `K` and its Gaussian equivalent have the same spectrum and error
//!
//! ## Statement (SPEC §3, ADDENDUM §1a)
//! For the exact kernel $K = f_c(X^\top W X/\sqrt p)/\sqrt p$ (zero diagonal) and its Gaussian
//! equivalent $\tilde K = a_1 X^\top W X/p + \sigma G/\sqrt p + s I_n$ ($\sigma^2 = \nu - a_1^2$,
//! $s = -a_1$, $G$ a GOE independent of $X$):
//! 1. at $\mu = 0$, $w = 0$ the empirical Stieltjes transforms
//!    $m_n(z) = \tfrac1n \operatorname{tr}(K - z)^{-1}$ of $K$ and of $\tilde K$ agree with each other
//!    and with the limiting law $m_K(z)$ of ADDENDUM §1a
//!    ($m = -1/(z - s - a_1/(1 + a_1 m/c) + (\sigma^2/c) m)$), and their distance shrinks as $n$ grows;
//! 2. the memorization errors of the `attention` (uses $K$) and `equivalent` (uses $\tilde K$)
//!    models agree.
//!
//! ## Check
//! * Stieltjes transforms at $z = x + 0.1i$, $x \in \{-0.5, 0, 0.5, 1, 2\}$ (ADDENDUM §1 grid),
//!   quick: tanh ($c = 0.5$) and cos ($c = 1$, $a_1 = 0$, $a_2 \ne 0$: exercises the neglected
//!   rank-two $a_2$ spike); full adds relu ($c = 0.5$) and sign ($c = 0.25$). Sizes quick
//!   $n \in \{200, 400, 800\}$, full $\{512, 1024, 2048\}$; `p = c n`. The same replicate feeds
//!   $K$ and $\tilde K$ (same $X$, streams `y`, `z`; $G$ from stream `goe`), so $m_K - m_{\tilde K}$
//!   is a paired difference.
//! * Row per (activation, $n$, comparison): the worst $z$ (largest `err/tol`) of
//!   $|\overline{m_n}(z) - m(z)|$ (complex modulus; `theory` column = 0, `measured` = the distance),
//!   tolerance `Z·SE + bias`, `SE` the complex standard error of the replicate mean
//!   ($\sqrt{SE_{re}^2 + SE_{im}^2}$). Rows involving the exact $K$ (`K vs law`, `K vs K~`):
//!   `bias = C_LIN n^{-1/2}`, because the terms the linearization drops are $O(p^{-1/2})$ in
//!   operator norm (SPEC §3); Gaussian-equivalent rows (`K~ vs law`): `bias = C_GAUSS/(n eta)`, the
//!   $O(1/n)$ bias of a normalised trace resolvent. Both constants are 1, set a priori.
//! * Shrinking: the RMS over $z$ of the mean distance is fitted against $n$ in log-log; the slope
//!   must be `<= SLOPE_MAX = -0.25` (row `slope`). Expected between $-1$ ($O(1/n)$ SE and bias)
//!   and $-1/2$ (the linearization error); a non-vanishing discrepancy gives slope $\approx 0$.
//!   With 3 sizes over a factor 4 in $n$ and ~20 % random error per RMS, a fitted slope scatters
//!   by ~0.2/(ln 4/√2) ≈ 0.2, so -0.25 sits between "no convergence" (0) and the slowest
//!   expected rate (-1/2).
//! * Memorization error: `attention` vs `equivalent` at (tanh, $c = 0.25$, $\gamma = 0.1$,
//!   snr 1) and (relu, $c = 0.5$, $\gamma = 1$, snr 0.5, aligned $w_K = w_Q = e_1$), paired per
//!   replicate; tolerance `Z·SE_diff + C_E n^{-1/2}`, `C_E = 0.5` (the neglected terms of the
//!   expansion are $O(p^{-1/2})$ in operator norm, SPEC §3; at $n = 1024$ this allows 1.6e-2,
//!   comparable to the 0.1–2.8 % relative MC-vs-theory errors of SPEC §8).
//! * Large `snr`, large aligned $w$ (finite-$p$ saturation, SPEC §3 caveat) are not in the quick
//!   set: the quick sizes cannot decide them.
//! * Negative control: the kernel law with $a_1$ scaled by 1.3 ([`Perturb::A1Scale`]) must fail.
//!
//! **Caveat: `cos c=1 K vs law` is marginal by construction.** The a-priori `C_LIN = 1` is below
//! the measured deviation of the exact `cos` kernel (~1.1–1.4 $n^{-1/2}$, see [`C_LIN`]); the row
//! holds through its `Z·SE` part. With the seeds of the evidence layer (hash of claim id and row
//! label) the quick row at n = 800 uses 98 % of its tolerance (4.3e-2 of 4.4e-2; 81 % with the
//! earlier hand-picked seeds), and the full run's row at n = 2048 99 % (2.48e-2 of 2.51e-2; 90 %
//! before). The distance does shrink like $n^{-1/2}$ (fitted slope -0.53 over n = 512..2048), as
//! the linearisation predicts: what is marginal is the constant, not the convergence. Read the
//! `cos` rows as weak evidence; the slope rows are the stronger test.
//!
//! ## References
//! SPEC §3 (linearization), ADDENDUM §1a (kernel law, measured rel. err 4.4e-3 at n = 2048);
//! Couillet & Liao, *Random Matrix Methods for Machine Learning*, §4.3 (properly scaled kernels).

use crate::activation::Activation;
use crate::claim::{Budget, Claim, NegativeControl, Row, Status, Verdict};
use crate::error::{Error, Result};
use crate::evidence::{paired, Evidence, Measured, Quantity, Sweep, Tol};
use crate::hermite::hermite_coeffs;
use crate::model::{Diag, ModelKind, ModelSpec};
use crate::monte_carlo::{kernel_eigenvalues, stieltjes, summarize};
use crate::theory::kernel_stieltjes;
use crate::tolerance::loglog_slope;
use num_complex::Complex64 as C64;

/// Standard errors allowed: per-point false-alarm rate ~6e-5 under normality.
pub const Z: f64 = 4.0;
/// Finite-size term of the rows that involve the exact `K`: `C_LIN n^-1/2`. The terms the
/// linearization drops (`(f' - a1) delta`, `f'' delta^2`, SPEC §3) are `O(p^-1/2)` in operator
/// norm; the constant is set a priori to 1 (the transforms themselves are O(1) on this grid), not
/// fitted. Measured (quick, cos c = 1, the slowest case): 4.4e-2 at n = 1024, i.e. ~1.4 n^-1/2.
pub const C_LIN: f64 = 1.0;
/// Finite-size term of the Gaussian-equivalent rows (`K~` vs law): normalised traces of Gaussian
/// matrices are biased at `O(1/(n eta))`; constant 1.
pub const C_GAUSS: f64 = 1.0;
/// Finite-size tolerance of the `E` rows (`C_E n^-1/2`, SPEC §3 `O(p^-1/2)` neglected terms).
pub const E_TOL: Tol = Tol::abs(Z, 0.5, 0.5);
/// Largest accepted log-log slope of the RMS Stieltjes distance vs `n`. Expected -1 to -1/2; a
/// non-vanishing discrepancy gives 0, the slowest expected rate (exact `K`, linearization error
/// `O(n^-1/2)`) -1/2. With 3 sizes over a factor 4 in `n`, a ~20 % random error of each RMS gives
/// a slope scatter ~0.2 / (ln 4 / sqrt 2) ≈ 0.2: -0.25 is the midpoint between 0 and -1/2.
pub const SLOPE_MAX: f64 = -0.25;
/// Imaginary part of the spectral arguments (ADDENDUM §1 grid).
pub const ETA: f64 = 0.1;
/// Real parts of the spectral arguments (ADDENDUM §1 grid).
pub const XS: &[f64] = &[-0.5, 0.0, 0.5, 1.0, 2.0];

/// A wrong theory, for the negative test.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Perturb {
    /// `a1` (and `s = -a1`) scaled by this factor, `sigma^2 = nu - a1^2` kept.
    A1Scale(f64),
    /// Shift `s = 0` instead of `-a1` (the zero diagonal ignored).
    NoShift,
}

/// Claim `lem-linearization`.
#[derive(Clone, Copy, Debug, Default)]
pub struct LemLinearization {
    /// `None` for the real check.
    pub perturb: Option<Perturb>,
}

/// Mean and complex standard error `sqrt(se_re^2 + se_im^2)` of complex samples.
pub fn complex_mean_se(xs: &[C64]) -> (C64, f64) {
    let re = summarize(&xs.iter().map(|v| v.re).collect::<Vec<_>>());
    let im = summarize(&xs.iter().map(|v| v.im).collect::<Vec<_>>());
    (C64::new(re.mean, im.mean), re.se.hypot(im.se))
}

/// `(activation, c)` of the Stieltjes checks.
fn spectral_cases(budget: &Budget) -> Vec<(&'static str, f64)> {
    let mut v = vec![("tanh", 0.5), ("cos", 1.0)];
    if budget.pick(false, true) {
        v.extend([("relu", 0.5), ("sign", 0.25)]);
    }
    v
}

/// `(activation, c, gamma, snr, w_K = w_Q)` of the `E` checks.
const E_CASES: &[(&str, f64, f64, f64, &[f64])] = &[
    ("tanh", 0.25, 0.1, 1.0, &[0.0, 0.0, 0.0]),
    ("relu", 0.5, 1.0, 0.5, &[1.0, 0.0, 0.0]),
];

fn spec(kind: ModelKind, act: &str, snr: f64, w: &[f64]) -> Result<ModelSpec> {
    ModelSpec::single_head(kind, Activation::parse(act)?, snr, w, w, Diag::Zero)
}

impl LemLinearization {
    /// Theory parameters `(a1, nu, s)` for `act`, with the perturbation applied.
    fn theory_params(&self, act: &Activation) -> Result<(f64, f64, f64)> {
        let h = hermite_coeffs(act, 2)?;
        let sig2 = h.sigma2.max(0.0);
        Ok(match self.perturb {
            None => (h.a1, h.nu, -h.a1),
            Some(Perturb::A1Scale(f)) => (f * h.a1, sig2 + (f * h.a1).powi(2), -f * h.a1),
            Some(Perturb::NoShift) => (h.a1, h.nu, 0.0),
        })
    }
}

/// Row for the worst `z` of a list of `(z, mean, se)` vs `target(z)`; returns the row and the RMS
/// over `z` of the distances.
fn worst_row(
    label: &str,
    n: usize,
    reps: usize,
    gaussian: bool,
    pts: &[(C64, C64, f64, C64)],
) -> (Row, f64) {
    let eta = ETA;
    let nf = n as f64;
    let (bias, src) = if gaussian {
        (
            C_GAUSS / (nf * eta),
            format!("{Z}·SE + {C_GAUSS}/(n·{eta})"),
        )
    } else {
        (C_LIN / nf.sqrt(), format!("{Z}·SE + {C_LIN}·n^-0.5"))
    };
    let mut best: Option<(f64, Row)> = None;
    let mut ss = 0.0;
    for &(z, mean, se, target) in pts {
        let d = (mean - target).norm();
        ss += d * d;
        let tol = Z * se + bias;
        let row = Row::agreement(
            format!("{label} worst z = {:+}{:+}i: |m - m_ref|", z.re, z.im),
            0.0,
            d,
            se,
            tol,
            src.clone(),
        )
        .with_n(n)
        .with_reps(reps);
        let ratio = d / tol;
        if best
            .as_ref()
            .is_none_or(|(r, _)| ratio > *r || ratio.is_nan())
        {
            best = Some((ratio, row));
        }
    }
    let rms = (ss / pts.len().max(1) as f64).sqrt();
    let row = best.map(|b| b.1).unwrap_or_else(|| {
        Row::agreement(label, 0.0, f64::NAN, 0.0, 0.0, "no points")
            .with_status(Status::Inconclusive)
    });
    (row, rms)
}

/// Slope row: `loglog_slope(ns, rms) <= SLOPE_MAX`.
fn slope_row(label: &str, ns: &[usize], rms: &[f64], notes: &mut Vec<String>) -> Row {
    let x: Vec<f64> = ns.iter().map(|&n| n as f64).collect();
    match loglog_slope(&x, rms) {
        Some(s) => {
            notes.push(format!(
                "{label}: RMS_z |m - m_ref| = {} at n = {ns:?}; log-log slope {s:.3}",
                rms.iter()
                    .map(|v| format!("{v:.2e}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
            Row::at_most(
                format!("{label}: slope of RMS_z |m - m_ref| vs n"),
                s,
                SLOPE_MAX,
                0.0,
                "expected -1; 0 = no convergence",
            )
        }
        None => Row::agreement(
            format!("{label}: slope"),
            SLOPE_MAX,
            f64::NAN,
            0.0,
            0.0,
            "no fit",
        )
        .with_status(Status::Inconclusive),
    }
}

impl Claim for LemLinearization {
    fn id(&self) -> &'static str {
        "lem-linearization"
    }
    fn paper(&self) -> &'static str {
        "attention"
    }
    fn title(&self) -> &'static str {
        "Hermite linearization of the kernel matrix"
    }
    fn statement(&self) -> &'static str {
        "K = f(X^T W X/sqrt p)/sqrt p (zero diagonal) and its Gaussian equivalent \
         a1 X^T W X/p + sigma G/sqrt p - a1 I have the same limiting spectrum: at mu = 0, w = 0 the \
         Stieltjes transforms (1/n) tr (K - z)^{-1} of both agree with each other and with the \
         kernel law of ADDENDUM §1a at z = x + 0.1i, the distances shrinking with n; and the \
         memorization errors of the attention and equivalent models agree (snr <= 1)."
    }
    fn check(&self, budget: &Budget) -> Result<Verdict> {
        let ev = Evidence::new(self.id(), budget);
        let ns: Vec<usize> = budget.pick(vec![200, 400, 800], vec![512, 1024, 2048]);
        let reps: usize = budget.pick(3, 4);
        let mut rows = Vec::new();
        let mut notes = Vec::new();
        for (name, c) in spectral_cases(budget) {
            let act = Activation::parse(name)?;
            let (a1, nu, s) = self.theory_params(&act)?;
            let zs: Vec<C64> = XS.iter().map(|&x| C64::new(x, ETA)).collect();
            let mut theory = Vec::with_capacity(zs.len());
            for &z in &zs {
                match kernel_stieltjes(c, a1, nu, s, z) {
                    Ok(m) => theory.push(m),
                    Err(Error::NoConvergence { .. }) => theory.push(C64::new(f64::NAN, f64::NAN)),
                    Err(e) => return Err(e),
                }
            }
            let label = format!("{name} c={c}");
            let sw = Sweep::new(&label, spec(ModelKind::Attention, name, 0.0, &[])?, c);
            let (mut rms_th, mut rms_eq) = (Vec::new(), Vec::new());
            for &n in &ns {
                // the same replicate feeds K and K~ (same X; G from its own stream)
                let cfg = ev.config(&sw, n, reps);
                let mut eq = cfg.clone();
                eq.spec.kind = ModelKind::Equivalent;
                let eigs = ev.rows(reps, |r| {
                    Ok((kernel_eigenvalues(&cfg, r)?, kernel_eigenvalues(&eq, r)?))
                })?;
                // per z: samples of m_K, m_K~ and of the paired difference
                let mut mk = vec![Vec::with_capacity(reps); zs.len()];
                let mut me = vec![Vec::with_capacity(reps); zs.len()];
                let mut md = vec![Vec::with_capacity(reps); zs.len()];
                for (ek, ee) in &eigs {
                    for (k, &z) in zs.iter().enumerate() {
                        let (a, b) = (stieltjes(ek, z), stieltjes(ee, z));
                        mk[k].push(a);
                        me[k].push(b);
                        md[k].push(a - b);
                    }
                }
                let collect = |v: &[Vec<C64>], target: &dyn Fn(usize) -> C64| {
                    zs.iter()
                        .enumerate()
                        .map(|(k, &z)| {
                            let (m, se) = complex_mean_se(&v[k]);
                            (z, m, se, target(k))
                        })
                        .collect::<Vec<_>>()
                };
                let (row, rk) = worst_row(
                    &format!("{label} K vs law"),
                    n,
                    reps,
                    false,
                    &collect(&mk, &|k| theory[k]),
                );
                rows.push(row);
                let (row, re) = worst_row(
                    &format!("{label} K~ vs law"),
                    n,
                    reps,
                    true,
                    &collect(&me, &|k| theory[k]),
                );
                rows.push(row);
                let (row, rd) = worst_row(
                    &format!("{label} K vs K~"),
                    n,
                    reps,
                    false,
                    &collect(&md, &|_| C64::new(0.0, 0.0)),
                );
                rows.push(row);
                rms_th.push(rk.max(re));
                rms_eq.push(rd);
            }
            rows.push(slope_row(
                &format!("{label} K, K~ vs law (max)"),
                &ns,
                &rms_th,
                &mut notes,
            ));
            rows.push(slope_row(
                &format!("{label} K vs K~"),
                &ns,
                &rms_eq,
                &mut notes,
            ));
        }
        // Memorization error: attention vs equivalent, paired replicates.
        let e_reps: usize = budget.pick(4, 8);
        let sizes: Vec<(usize, usize)> = ns.iter().map(|&n| (n, e_reps)).collect();
        let mut sweeps = Vec::new();
        let mut labels = Vec::new();
        for &(name, c, gamma, snr, w) in E_CASES {
            let label = format!("{name} c={c} g={gamma} snr={snr} w={w:?}");
            for kind in [ModelKind::Attention, ModelKind::Equivalent] {
                sweeps.push(
                    Sweep::new(format!("{label} {}", kind.name()), spec(kind, name, snr, w)?, c)
                        .gammas(&[gamma])
                        .sizes(&sizes)
                        .paired(&label),
                );
            }
            labels.push(label);
        }
        let runs = ev.simulate(&sweeps)?;
        for ((pair, label), &(name, ..)) in runs.chunks(2).zip(&labels).zip(E_CASES) {
            let mut diffs_at = Vec::new();
            for (si, &n) in ns.iter().enumerate() {
                let (ra, re) = (&pair[0][si], &pair[1][si]);
                let sd = paired(ra, re, 0, Quantity::E);
                let m = Measured {
                    mean: ra.points[0].e.mean,
                    se: sd.se,
                    n,
                    reps: e_reps,
                    gamma: ra.points[0].gamma,
                };
                let mut row = E_TOL.row(
                    format!("{label}: E attention vs equivalent"),
                    re.points[0].e.mean,
                    true,
                    &m,
                );
                row.tol_source.push_str(" (SE of paired diff)");
                rows.push(row);
                diffs_at.push(sd.mean.abs());
            }
            let x: Vec<f64> = ns.iter().map(|&n| n as f64).collect();
            notes.push(format!(
                "{name} E: |mean(E_att - E_equiv)| = {} at n = {ns:?} (slope {})",
                diffs_at
                    .iter()
                    .map(|v| format!("{v:.2e}"))
                    .collect::<Vec<_>>()
                    .join(", "),
                loglog_slope(&x, &diffs_at).map_or("n/a".into(), |s| format!("{s:.2}"))
            ));
        }
        notes.push(
            "Stieltjes rows: theory column 0, measured = |mean m_n(z) - m_ref(z)| at the worst of \
             z = x + 0.1i, x in {-0.5, 0, 0.5, 1, 2}; m_ref = kernel law (ADDENDUM §1a) or the \
             paired K~ transform; E rows: theory column = equivalent model (MC), measured = attention"
                .to_string(),
        );
        if let Some(p) = self.perturb {
            notes.push(format!("theory perturbed: {p:?} (negative test)"));
        }
        Ok(Verdict::from_rows(self, rows, notes))
    }
    fn negative_controls(&self) -> Vec<NegativeControl> {
        vec![NegativeControl::new(
            "kernel law with a1 x 1.3",
            LemLinearization {
                perturb: Some(Perturb::A1Scale(1.3)),
            },
        )]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn complex_se_of_constant_is_zero() {
        let (m, se) = complex_mean_se(&[C64::new(1.0, 2.0); 3]);
        assert_eq!(m, C64::new(1.0, 2.0));
        assert_eq!(se, 0.0);
    }
}
