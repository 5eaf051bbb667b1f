//! # Upper and lower bounds on the memorization error (docs/bounds.md §2–§5)
//!
//! ## Statement
//! With $M = \Phi^\top\Phi/n$, $h_g(l) = (g/(l+g))^2$, $\nu_y$ the spectral measure of $M$ with
//! respect to $y/\sqrt n$, $E(g) = \int h_g\\,d\nu_y$, $q = y^\top Q y/n$,
//! $r_1 = \\|\Phi y\\|^2/n^2$, $\kappa_0 = \nu_y(\\{0\\})$ and $L = \lambda_{\max}(M)$, **exactly at
//! every finite n** (any data, any f, any W, ridge included):
//! 1. $0 \le \kappa_0 \le E \le 1$; $E$ nondecreasing in $g$;
//! 2. $(g q)^2 \le E \le g q$;
//! 3. Jensen $E \ge (g/(g+r_1))^2$, and with the atom
//!    $E \ge \kappa_0 + (1-\kappa_0) h_g(r_1/(1-\kappa_0))$;
//! 4. chord $E \le 1 - (1 - h_g(L)) r_1/L$.
//!
//! The same inequalities hold for the deterministic equivalents (B1: $\bar E$ from the pencil,
//! $r_1$ closed form $\sigma^2 + a_1^2 t_3/c^2 + 2 a_1 s t_2/c + s^2 t_1$ for $W = I$, else from the
//! pencil), with, at $\mu = 0$, $\kappa_0 = (1-c)_+$, the atom-refined lower bound
//! $\bar E_A \ge (1-c)_+ + \min(1,c) h_g(m_1/\min(1,c))$, $m_1 = \nu + a_1^2/c$, and the chord with
//! $L = \lambda_+$ (right edge of the limiting spectrum; checked for tanh only, `gram_edges` costs ~1 s). At large $g$,
//! $g(\bar E_A - \bar E_{RR}) \to 2(r_{1,RR} - r_{1,A})$, $r_{1,RR} = c + \mathrm{snr}$.
//!
//! ## Check
//! (a) Monte Carlo: per replicate ([`crate::monte_carlo::run_replicate`]) along a gamma path, every inequality from
//! the replicate's own `e, yqy, r1, kappa0, lambda_max`; one row per inequality with the
//! minimum slack over all replicates, gammas and configurations (4 configurations: tanh `mu = 0`,
//! relu aligned `w`, sign orthogonal `w`, ridge; quick n = 256 x 4 replicates, full n = 1024 x 8).
//! Tolerance: floating point only,
//! `FP_C · eps · n · (1 + L/g)` (eigenvalue error `~ eps n L` propagated through `h_g`, whose
//! derivative is at most `2/g`; `FP_C = 64` covers the sums over `n` terms), the largest over the
//! checks of a row.
//! (b) Theory: the same inequalities for $\bar E$, $\bar q$, $r_1$ over tanh/relu/sign x
//! `c in {0.25, 1, 4}` x (`snr = 0, w = 0`; `snr = 1, w = 0`; `snr = 1, w_K = w_Q = e1`).
//! Tolerance [`TOL_THEORY`] (the pencil is solved to relative residual 1e-13; `E` comes from an
//! implicit derivative whose condition grows like `1/g <= 1e3`, so `1e-13 · 1e3 · 10`).
//! `r1` closed form vs pencil (Richardson at g = 1e4..4e4) where both apply.
//! (c) Large gamma, `mu = 0`: `d(g) = g(E_A - E_RR) - 2(r1_RR - r1_A)` at g = 1e3 and 1e4.
//! From `1 - h_g(l) = 2l/g - 3l^2/g^2 + ...`, `|d(g)| <= 2 · 3 max(r2_A, r2_RR)/g`,
//! `r2 = int l^2 dnu_y` (ridge: `c(1+c)`; attention: from `g(1 - g q) = r1 - r2/g + ...` at
//! g = 1e3), factor 2 for the alternating tail (valid when `L/g <= 1/4`), plus `g · TOL_THEORY`.
//! The fitted slope of `log |d|` vs `log g` (expected -1) is reported.
//!
//! Negative controls: `Perturb::A1Scale` (r1 computed with a1 scaled) and `Perturb::ChordHalfL`
//! (chord with `L = lambda_max/2`) each make rows fail.
//!
//! ## References
//! docs/bounds.md §2–§5 (validation: §6.3 and §6.5); docs/model.md §6 (error identity), docs/ridge.md (ridge).

use crate::activation::Activation;
use crate::claim::{Budget, Claim, NegativeControl, Row, Verdict};
use crate::error::Result;
use crate::evidence::{Evidence, Sweep};
use crate::model::{Diag, ModelKind, ModelSpec};
use crate::theory::{
    attention_path, first_moment_gram, gram_edges, r1_closed, r1_pencil, r1_ridge, ridge_point,
    AttentionParams,
};
use crate::tolerance::{loglog_slope, EPS};

/// Floating-point constant of the Monte Carlo tolerance `FP_C · eps · n · (1 + L/g)`.
pub const FP_C: f64 = 64.0;
/// Absolute tolerance of theory-level inequalities (pencil residual 1e-13 x condition 1e3/g x 10).
pub const TOL_THEORY: f64 = 1e-9;
/// Relative agreement of `r1` closed form vs pencil (two-level Richardson truncation
/// `O(r4/g^3)` at g = 1e4 is below 1e-9 relative for spectra up to ~50; docs/bounds.md §6.2 measured
/// 1e-7 with one level).
pub const TOL_R1_REL: f64 = 1e-6;

/// A deliberate error, for negative tests.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Perturb {
    /// `r1` (closed form and pencil) computed with `a1` multiplied by this factor.
    A1Scale(f64),
    /// Chord bound with `L = lambda_max / 2` (not an upper bound of the spectrum).
    ChordHalfL,
}

/// Claim `thm-bounds`.
#[derive(Clone, Debug, Default)]
pub struct ThmBounds {
    /// `None` for the claim itself; `Some` for negative tests.
    pub perturb: Option<Perturb>,
}

fn h(g: f64, l: f64) -> f64 {
    (g / (l + g)).powi(2)
}

/// Running minimum of slacks and maximum of tolerances for one inequality.
#[derive(Clone, Debug)]
struct Acc {
    label: String,
    min_slack: f64,
    max_tol: f64,
    count: usize,
}

impl Acc {
    fn new(label: &str) -> Acc {
        Acc {
            label: label.to_string(),
            min_slack: f64::INFINITY,
            max_tol: 0.0,
            count: 0,
        }
    }
    fn push(&mut self, slack: f64, tol: f64) {
        // NaN slack must fail: make it -inf
        let s = if slack.is_nan() {
            f64::NEG_INFINITY
        } else {
            slack
        };
        self.min_slack = self.min_slack.min(s);
        self.max_tol = self.max_tol.max(tol);
        self.count += 1;
    }
    fn row(&self, tol_source: &str) -> Row {
        Row::at_least(
            format!("{} ({} checks)", self.label, self.count),
            self.min_slack,
            0.0,
            self.max_tol,
            tol_source,
        )
    }
}

/// Index of each B0 inequality in the accumulators.
const INEQ: [&str; 9] = [
    "kappa0 >= 0",
    "E >= kappa0",
    "E <= 1",
    "E nondecreasing in g",
    "E >= (g q)^2",
    "E <= g q",
    "Jensen E >= (g/(g+r1))^2",
    "Jensen+atom E >= k0+(1-k0)h(r1/(1-k0))",
    "chord E <= 1-(1-h(L))r1/L",
];

fn gammas_path() -> Vec<f64> {
    // 1e-3 .. 1e2, 16 points (log-spaced)
    (0..16)
        .map(|i| 10f64.powf(-3.0 + 5.0 * i as f64 / 15.0))
        .collect()
}

/// Adds the B0 slacks of one replicate (or one theory path) to `acc`.
#[allow(clippy::too_many_arguments)]
fn b0_slacks(
    acc: &mut [Acc],
    gammas: &[f64],
    e: &[f64],
    yqy: &[f64],
    r1: f64,
    kappa0: Option<f64>,
    chord_l: Option<f64>,
    tol_at: &dyn Fn(f64) -> f64,
) {
    let k0 = kappa0.unwrap_or(0.0);
    if kappa0.is_some() {
        acc[0].push(k0, tol_at(gammas[0]));
    }
    for (k, &g) in gammas.iter().enumerate() {
        let t = tol_at(g);
        let ek = e[k];
        if kappa0.is_some() {
            acc[1].push(ek - k0, t);
        } else {
            acc[1].push(ek, t); // E >= 0
        }
        acc[2].push(1.0 - ek, t);
        if k + 1 < gammas.len() {
            acc[3].push(e[k + 1] - ek, t.max(tol_at(gammas[k + 1])));
        }
        let gq = g * yqy[k];
        acc[4].push(ek - gq * gq, t);
        acc[5].push(gq - ek, t);
        acc[6].push(ek - h(g, r1), t);
        if let Some(k0) = kappa0 {
            if k0 < 1.0 {
                acc[7].push(ek - (k0 + (1.0 - k0) * h(g, r1 / (1.0 - k0))), t);
            }
        }
        if let Some(l) = chord_l {
            acc[8].push(1.0 - (1.0 - h(g, l)) * r1 / l - ek, t);
        }
    }
}

/// `(label, model, activation, c, snr, w_K, w_Q)` of the Monte Carlo configurations.
type McCase = (&'static str, ModelKind, &'static str, f64, f64, &'static [f64], &'static [f64]);

/// The Monte Carlo configurations: random inputs, aligned, orthogonal `w`, and ridge.
const MC_CASES: &[McCase] = &[
    ("tanh c=0.5 snr=0", ModelKind::Attention, "tanh", 0.5, 0.0, &[], &[]),
    ("relu c=2 snr=1 w aligned", ModelKind::Attention, "relu", 2.0, 1.0, &[1.0], &[1.0]),
    ("sign c=0.25 snr=1 w orth", ModelKind::Attention, "sign", 0.25, 1.0, &[0.0, 1.0], &[0.0, 1.0]),
    ("ridge c=0.5 snr=1", ModelKind::Ridge, "linear", 0.5, 1.0, &[], &[]),
];

impl ThmBounds {
    fn a1_factor(&self) -> f64 {
        match self.perturb {
            Some(Perturb::A1Scale(k)) => k,
            _ => 1.0,
        }
    }

    /// (a) exact finite-n inequalities on every replicate.
    fn mc_rows(&self, budget: &Budget, rows: &mut Vec<Row>, notes: &mut Vec<String>) -> Result<()> {
        let n = budget.pick(256, 1024);
        let reps = budget.pick(4, 8);
        let gammas = gammas_path();
        let sweeps = MC_CASES
            .iter()
            .map(|&(label, kind, act, c, snr, wk, wq)| {
                let spec =
                    ModelSpec::single_head(kind, Activation::parse(act)?, snr, wk, wq, Diag::Zero)?;
                Ok(Sweep::new(label, spec, c)
                    .gammas(&gammas)
                    .sizes(&[(n, reps)]))
            })
            .collect::<Result<Vec<_>>>()?;
        let runs = Evidence::new(self.id(), budget).simulate(&sweeps)?;
        let mut acc: Vec<Acc> = INEQ.iter().map(|l| Acc::new(&format!("MC: {l}"))).collect();
        let half = self.perturb == Some(Perturb::ChordHalfL);
        for (sw, run) in sweeps.iter().zip(&runs) {
            let results = &run[0].replicates;
            for rr in results {
                let lmax = rr.lambda_max;
                let l = if half { lmax / 2.0 } else { lmax };
                let nf = n as f64;
                let tol_at = |g: f64| FP_C * EPS * nf * (1.0 + lmax / g);
                b0_slacks(
                    &mut acc,
                    &gammas,
                    &rr.e,
                    &rr.yqy,
                    rr.r1,
                    Some(rr.kappa0),
                    (l > 0.0).then_some(l),
                    &tol_at,
                );
            }
            notes.push(format!(
                "MC config {}: n = {n}, p = {}, {reps} replicates, mean kappa0 = {:.4}, mean r1 = {:.4}, mean lambda_max = {:.3}",
                sw.label,
                sw.p(n),
                results.iter().map(|r| r.kappa0).sum::<f64>() / reps as f64 + 0.0, // -0.0 -> 0.0
                results.iter().map(|r| r.r1).sum::<f64>() / reps as f64,
                results.iter().map(|r| r.lambda_max).sum::<f64>() / reps as f64,
            ));
        }
        for a in &acc {
            rows.push(
                a.row("64·eps·n·(1+L/g) (fp)")
                    .with_n(n)
                    .with_reps(reps * MC_CASES.len()),
            );
        }
        Ok(())
    }

    /// (b) the inequalities at theory level, (c) large-gamma ordering.
    fn theory_rows(&self, rows: &mut Vec<Row>, notes: &mut Vec<String>) -> Result<()> {
        let k = self.a1_factor();
        let gammas = gammas_path();
        let labels = [
            "mu=0: E >= kappa0 = (1-c)_+",
            "E >= 0",
            "E <= 1",
            "E nondecreasing in g",
            "E >= (g q)^2",
            "E <= g q",
            "Jensen E >= (g/(g+r1))^2",
            "mu=0 atom: E >= (1-c)_+ + min(1,c)h(m1/min(1,c))",
            "mu=0 chord: E <= 1-(1-h(l+))m1/l+",
        ];
        let mut acc: Vec<Acc> = labels
            .iter()
            .map(|l| Acc::new(&format!("theory: {l}")))
            .collect();
        let mut r1_worst = (0.0f64, String::new(), 0.0, 0.0);
        let geometries: [(f64, &[f64]); 3] = [(0.0, &[]), (1.0, &[]), (1.0, &[1.0])];
        for act_name in ["tanh", "relu", "sign"] {
            let act = Activation::parse(act_name)?;
            for c in [0.25, 1.0, 4.0] {
                for (snr, w) in geometries {
                    let p = AttentionParams::from_activation(&act, c, snr, w, w, Diag::Zero)?;
                    let path = attention_path(&p, &gammas)?;
                    let e: Vec<f64> = path.iter().map(|t| t.e).collect();
                    let q: Vec<f64> = path.iter().map(|t| t.yqy).collect();
                    let mut pk = p.clone();
                    pk.a1 *= k;
                    pk.s *= k;
                    let r1 = if w.is_empty() {
                        let closed = r1_closed(c, pk.a1, pk.nu, snr, pk.s);
                        let pen = r1_pencil(&p)?;
                        let rel = (closed - pen).abs() / pen.abs();
                        if rel >= r1_worst.0 {
                            r1_worst = (rel, format!("{act_name} c={c} snr={snr}"), closed, pen);
                        }
                        closed
                    } else {
                        r1_pencil(&pk)?
                    };
                    let mu0 = snr == 0.0;
                    let kappa0 = mu0.then(|| (1.0 - c).max(0.0));
                    // chord with the right edge of the limiting spectrum (mu = 0, w = 0 only:
                    // with signal, outliers lie beyond the bulk edge); `gram_edges` costs
                    // 0.3-1.7 s per call, so tanh only
                    let chord = if mu0 && act_name == "tanh" {
                        Some(gram_edges(&p)?.1)
                    } else {
                        None
                    };
                    let tol_at = |_g: f64| TOL_THEORY;
                    let mut local: Vec<Acc> = labels.iter().map(|l| Acc::new(l)).collect();
                    b0_slacks(&mut local, &gammas, &e, &q, r1, None, None, &tol_at);
                    if let Some(k0) = kappa0 {
                        let m1 = first_moment_gram(c, pk.a1, pk.nu, pk.s);
                        let mc1 = c.min(1.0);
                        for (i, &g) in gammas.iter().enumerate() {
                            local[0].push(e[i] - k0, TOL_THEORY);
                            local[7].push(e[i] - (k0 + mc1 * h(g, m1 / mc1)), TOL_THEORY);
                            if let Some(lp) = chord {
                                local[8].push(1.0 - (1.0 - h(g, lp)) * m1 / lp - e[i], TOL_THEORY);
                            }
                        }
                    }
                    for (a, l) in acc.iter_mut().zip(&local) {
                        if l.count > 0 {
                            a.push(l.min_slack, l.max_tol);
                            a.count += l.count - 1;
                        }
                    }
                }
            }
        }
        for a in &acc {
            rows.push(a.row("1e-9 abs (pencil residual x cond)"));
        }
        rows.push(Row::agreement(
            format!("r1 closed vs pencil, worst: {}", r1_worst.1),
            r1_worst.3,
            r1_worst.2,
            0.0,
            TOL_R1_REL * r1_worst.3.abs(),
            "1e-6 rel (Richardson)",
        ));
        // (c) large gamma, mu = 0
        let mut ds: Vec<(f64, f64)> = Vec::new();
        for act_name in ["tanh", "relu", "sign", "erf"] {
            let act = Activation::parse(act_name)?;
            for c in [0.25, 1.0, 4.0] {
                let p = AttentionParams::from_activation(&act, c, 0.0, [], [], Diag::Zero)?;
                let big = [1e3, 1e4];
                let path = attention_path(&p, &big)?;
                let r1a = r1_closed(c, k * p.a1, p.nu, 0.0, k * p.s);
                let r1r = r1_ridge(c, 0.0);
                // r2 = int l^2 dnu_y: ridge (mu = 0) c(1 + c) (second MP moment); attention from
                // v(g) = g(1 - g q(g)) = r1 - r2/g + O(r3/g^2) at g = 1e3 (true a1: the
                // tolerance must not move with the perturbation)
                let r1_true = r1_closed(c, p.a1, p.nu, 0.0, p.s);
                let v = 1e3 * (1.0 - 1e3 * path[0].yqy);
                let r2a = 1e3 * (r1_true - v);
                let r2r = c * (1.0 + c);
                let r2max = r2a.abs().max(r2r);
                let mut d_pair = [0.0; 2];
                for (i, &g) in big.iter().enumerate() {
                    let er = ridge_point(c, 0.0, g)?.e;
                    let lhs = g * (path[i].e - er);
                    let rhs = 2.0 * (r1r - r1a);
                    d_pair[i] = (lhs - rhs).abs();
                    let tol = 6.0 * r2max / g + g * TOL_THEORY;
                    if i == 1 || act_name == "tanh" {
                        rows.push(Row::agreement(
                            format!("g(E_A-E_RR) -> 2(r1_RR-r1_A): {act_name} c={c} g={g:.0e}"),
                            rhs,
                            lhs,
                            0.0,
                            tol,
                            "6 max r2/g + g·1e-9 (next term)",
                        ));
                    }
                }
                ds.push((d_pair[0], d_pair[1]));
            }
        }
        let slopes: Vec<f64> = ds
            .iter()
            .filter_map(|(a, b)| loglog_slope(&[1e3, 1e4], &[*a, *b]))
            .collect();
        if !slopes.is_empty() {
            let (lo, hi) = slopes
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &s| {
                    (l.min(s), h.max(s))
                });
            notes.push(format!(
                "large-gamma remainder |g(E_A-E_RR) - 2(r1_RR-r1_A)| between g = 1e3 and 1e4: fitted log-log slope in [{lo:.3}, {hi:.3}] over {} configs (expected -1: next term 3(r2_A - r2_RR)/g)",
                slopes.len()
            ));
        }
        Ok(())
    }
}

impl Claim for ThmBounds {
    fn id(&self) -> &'static str {
        "thm-bounds"
    }
    fn paper(&self) -> &'static str {
        "attention"
    }
    fn title(&self) -> &'static str {
        "Upper and lower bounds on the memorization error"
    }
    fn statement(&self) -> &'static str {
        "Exactly at finite n (any data, f, W; ridge too): 0 <= kappa0 <= E <= 1, E nondecreasing in gamma, (gamma q)^2 <= E <= gamma q, Jensen E >= (gamma/(gamma+r1))^2 and its atom refinement, chord E <= 1 - (1 - h(L)) r1/L for L >= lambda_max; the same hold for the deterministic equivalents (mu = 0: atom-refined bound with m1 = nu + a1^2/c, chord with the edge lambda_+), and gamma (E_A - E_RR) -> 2 (r1_RR - r1_A) as gamma -> inf."
    }
    fn check(&self, budget: &Budget) -> Result<Verdict> {
        let mut rows = Vec::new();
        let mut notes = Vec::new();
        self.mc_rows(budget, &mut rows, &mut notes)?;
        self.theory_rows(&mut rows, &mut notes)?;
        if let Some(p) = self.perturb {
            notes.push(format!("PERTURBED (negative test): {p:?}"));
        }
        Ok(Verdict::from_rows(self, rows, notes))
    }
    fn negative_controls(&self) -> Vec<NegativeControl> {
        vec![
            NegativeControl::new(
                "r1 with a1 x 0.7",
                ThmBounds {
                    perturb: Some(Perturb::A1Scale(0.7)),
                },
            ),
            NegativeControl::new(
                "chord with L = lambda_max/2",
                ThmBounds {
                    perturb: Some(Perturb::ChordHalfL),
                },
            )
            .caught_by("MC: chord"),
        ]
    }
}
