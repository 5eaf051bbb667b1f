//! Attention figures (docs/claims-attention.md §2 "suggested reproductions", §1 (ii)): `E_A` (and `E_RR` for
//! reference) against `gamma` (`att-gamma`), `p` (`att-p`) and `||mu||^2` (`att-snr`), one panel
//! per activation (tanh, relu, sign, cos), one colour per weight configuration:
//!
//! * `w = 0` (`W = I`);
//! * aligned: `w_K = w_Q = e1 = mu/||mu||`;
//! * orthogonal: `w_K = w_Q = e2` (theory: no effect at all, docs/claims-attention.md §1 (ii));
//! * mismatched: `w_K = e1, w_Q = e2` (theory: increases the error).
//!
//! Theory lines: [`crate::theory::attention_point`] / [`crate::theory::attention_path`] with
//! `a1, nu` from the Hermite coefficients and the zero-diagonal shift `s = -a1` (docs/linearization.md, docs/pencil.md);
//! ridge: [`crate::theory::ridge_point`]. Points: [`crate::monte_carlo::simulate`] on the exact
//! model (zero diagonal), mean ± one standard error over the seeds.

use super::ridge::ridge_config;
use super::{logspace, mc_errors, FigureSpec};
use crate::activation::Activation;
use crate::claim::Budget;
use crate::error::Result;
use crate::model::{Diag, ModelKind, SimConfig};
use crate::plot::{Plot, Series};
use crate::theory::{attention_path, attention_point, ridge_point, AttentionParams};

/// `att-gamma`.
pub const ATT_GAMMA: FigureSpec = FigureSpec {
    id: "att-gamma",
    title: "Attention: E_A (and E_RR) vs gamma for tanh, relu, sign, cos and four w_K, w_Q",
    build: build_gamma,
};
/// `att-p`.
pub const ATT_P: FigureSpec = FigureSpec {
    id: "att-p",
    title: "Attention: E_A (and E_RR) vs p for tanh, relu, sign, cos and four w_K, w_Q",
    build: build_p,
};
/// `att-snr`.
pub const ATT_SNR: FigureSpec = FigureSpec {
    id: "att-snr",
    title: "Attention: E_A (and E_RR) vs SNR for tanh, relu, sign, cos and four w_K, w_Q",
    build: build_snr,
};

/// The activations of the attention figures, one panel each.
pub const ACTIVATIONS: &[&str] = &["tanh", "relu", "sign", "cos"];

/// The weight configurations `(label, w_K, w_Q)` on `(e1, e2, e3)`.
pub const WEIGHTS: &[(&str, &[f64], &[f64])] = &[
    ("w = 0", &[0.0, 0.0, 0.0], &[0.0, 0.0, 0.0]),
    ("aligned w_K = w_Q = e1", &[1.0, 0.0, 0.0], &[1.0, 0.0, 0.0]),
    (
        "orthogonal w_K = w_Q = e2",
        &[0.0, 1.0, 0.0],
        &[0.0, 1.0, 0.0],
    ),
    (
        "mismatched w_K = e1, w_Q = e2",
        &[1.0, 0.0, 0.0],
        &[0.0, 1.0, 0.0],
    ),
];

/// The swept variable.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Axis {
    Gamma,
    P,
    Snr,
}

/// Fixed parameters of one attention figure.
struct Setup {
    axis: Axis,
    n: usize,
    /// `c` (unused for `Axis::P`, where `c` is swept).
    c: f64,
    snr: f64,
    gamma: f64,
    /// Monte Carlo abscissae (gamma, c, or snr).
    mc_x: Vec<f64>,
    /// Theory abscissae.
    th_x: Vec<f64>,
    seeds: usize,
    seed: u64,
}

impl Setup {
    /// `(c, snr, gamma)` at abscissa `x`.
    fn at(&self, x: f64) -> (f64, f64, f64) {
        match self.axis {
            Axis::Gamma => (self.c, self.snr, x),
            Axis::P => (x, self.snr, self.gamma),
            Axis::Snr => (self.c, x, self.gamma),
        }
    }

    /// Plotted abscissa (`p = c n` on the p axis).
    fn shown(&self, x: f64) -> f64 {
        if self.axis == Axis::P {
            x * self.n as f64
        } else {
            x
        }
    }

    fn p_of(&self, c: f64) -> usize {
        ((c * self.n as f64).round() as usize).max(3)
    }
}

/// Theory `E_A` along `xs` for activation `act` and weights `(wk, wq)` (zero diagonal).
fn theory_attention(
    s: &Setup,
    act: &Activation,
    wk: &[f64],
    wq: &[f64],
    xs: &[f64],
) -> Result<Vec<f64>> {
    if s.axis == Axis::Gamma {
        let par = AttentionParams::from_activation(act, s.c, s.snr, wk, wq, Diag::Zero)?;
        return Ok(attention_path(&par, xs)?.iter().map(|t| t.e).collect());
    }
    // Independent points (no continuation across them): in parallel, collected in order, the
    // same bits for any thread count.
    use rayon::prelude::*;
    xs.par_iter()
        .map(|&x| {
            let (c, snr, gamma) = s.at(x);
            let par = AttentionParams::from_activation(act, c, snr, wk, wq, Diag::Zero)?;
            Ok(attention_point(&par, gamma)?.e)
        })
        .collect()
}

/// Monte Carlo `E` (mean, SE) along `s.mc_x` for the configuration built by `cfg_at`.
fn mc_along(s: &Setup, base: &SimConfig) -> Result<(Vec<f64>, Vec<f64>)> {
    if s.axis == Axis::Gamma {
        let mut cfg = base.clone();
        cfg.gammas = s.mc_x.clone();
        return mc_errors(&cfg);
    }
    let (mut m, mut se) = (Vec::new(), Vec::new());
    for &x in &s.mc_x {
        let (c, snr, gamma) = s.at(x);
        let mut cfg = base.clone();
        cfg.p = s.p_of(c);
        cfg.spec.set_snr(snr);
        cfg.gammas = vec![gamma];
        let (a, b) = mc_errors(&cfg)?;
        m.push(a[0]);
        se.push(b[0]);
    }
    Ok((m, se))
}

fn panels(s: &Setup, budget: &Budget) -> Result<Vec<Plot>> {
    let (xlabel, log_x, log_y) = match s.axis {
        Axis::Gamma => ("regularization γ", true, true),
        Axis::P => ("dimension p", true, true),
        Axis::Snr => ("signal-to-noise ratio ||μ||²", false, false),
    };
    let p0 = s.p_of(s.c);
    // ridge reference (same for every panel)
    let ridge_th: Vec<f64> = s
        .th_x
        .iter()
        .map(|&x| {
            let (c, snr, gamma) = s.at(x);
            Ok(ridge_point(c, snr, gamma)?.e)
        })
        .collect::<Result<_>>()?;
    let mut rcfg = ridge_config(s.n, p0, s.snr, vec![s.gamma], budget)?;
    rcfg.seeds = s.seeds;
    rcfg.seed = s.seed;
    let (ridge_m, ridge_se) = mc_along(s, &rcfg)?;
    let shown = |xs: &[f64]| xs.iter().map(|&x| s.shown(x)).collect::<Vec<_>>();
    let fixed = match s.axis {
        Axis::Gamma => format!("n = {}, p = {p0} (c = {}), ||μ||² = {}", s.n, s.c, s.snr),
        Axis::P => format!(
            "n = {}, p = c n for c in {:?}, ||μ||² = {}, γ = {}",
            s.n, s.mc_x, s.snr, s.gamma
        ),
        Axis::Snr => format!(
            "n = {}, p = {p0} (c = {}), ||μ||² in {:?}, γ = {} (at this small p the aligned MC \
             falls below theory for ||μ||² ≥ 4: finite-size terms ~ snr/√p, docs/bounds.md §6 \
             validation; use --full)",
            s.n, s.c, s.mc_x, s.gamma
        ),
    };
    let mut out = Vec::new();
    for name in ACTIVATIONS {
        let act = Activation::parse(name)?;
        let h = crate::hermite::hermite_coeffs(&act, 2)?;
        let mut plot = Plot::new(
            format!(
                "{name}: E_A vs {}",
                &xlabel[xlabel.rfind(' ').map_or(0, |i| i + 1)..]
            ),
            xlabel,
            "memorization error E",
        )
        .log(log_x, log_y);
        for (k, &(label, wk, wq)) in WEIGHTS.iter().enumerate() {
            let ty = theory_attention(s, &act, wk, wq, &s.th_x)?;
            let mut cfg = SimConfig::single_head(act.clone());
            cfg.spec.kind = ModelKind::Attention;
            cfg.n = s.n;
            cfg.p = p0;
            cfg.spec.set_snr(s.snr);
            cfg.spec.set_w(wk, wq);
            cfg.spec.set_diag(Diag::Zero);
            cfg.gammas = vec![s.gamma];
            cfg.seeds = s.seeds;
            cfg.seed = s.seed;
            let (m, se) = mc_along(s, &cfg)?;
            plot = plot
                .with(Series::line(format!("Ē_A, {label}"), shown(&s.th_x), ty).with_color(k))
                .with(
                    Series::points(format!("MC E_A, {label}"), shown(&s.mc_x), m, Some(se))
                        .with_color(k),
                );
        }
        plot = plot
            .with(Series::line("Ē_RR (ridge)", shown(&s.th_x), ridge_th.clone()).with_color(6))
            .with(
                Series::points(
                    "MC E_RR",
                    shown(&s.mc_x),
                    ridge_m.clone(),
                    Some(ridge_se.clone()),
                )
                .with_color(6),
            )
            .caption(format!(
                "f = {name} (a1 = {:.4}, ν = {:.4}, centred), zero diagonal (s = -a1), {fixed}, \
                 μ = √snr e1, labels ±1, ||w|| = 1 (theory: orthogonal w coincides with w = 0{}); \
                 MC: exact kernel, {}, seed = {}, ± 1 SE.",
                if h.a1.abs() < 1e-10 { 0.0 } else { h.a1 },
                h.nu,
                if h.a1.abs() < 1e-10 {
                    "; a1 = 0: E_A does not depend on w or snr, docs/bounds.md §4"
                } else {
                    ""
                },
                super::seeds_rule(s.seeds),
                s.seed
            ));
        out.push(plot);
    }
    Ok(out)
}

fn build_gamma(budget: &Budget) -> Result<Vec<Plot>> {
    let s = Setup {
        axis: Axis::Gamma,
        n: budget.pick(1024, 2048),
        c: 0.25,
        snr: 1.0,
        gamma: 0.0,
        mc_x: logspace(1e-3, 10.0, 9),
        th_x: logspace(1e-3, 10.0, 61),
        seeds: budget.pick(4, 8),
        seed: budget.seed,
    };
    panels(&s, budget)
}

fn build_p(budget: &Budget) -> Result<Vec<Plot>> {
    let s = Setup {
        axis: Axis::P,
        // quick: n = 384 keeps the c = 2 point (p = 768) cheap; ~12 s of CPU in all
        n: budget.pick(384, 2048),
        c: 0.25,
        snr: 1.0,
        gamma: 1e-2,
        mc_x: vec![0.125, 0.25, 0.5, 1.0, 2.0],
        th_x: logspace(0.125, 2.0, 25),
        seeds: budget.pick(4, 8),
        seed: budget.seed,
    };
    panels(&s, budget)
}

fn build_snr(budget: &Budget) -> Result<Vec<Plot>> {
    let s = Setup {
        axis: Axis::Snr,
        n: budget.pick(512, 2048),
        c: 0.25,
        snr: 0.0,
        gamma: 1e-2,
        mc_x: vec![0.0, 0.5, 1.0, 2.0, 4.0, 8.0],
        th_x: super::linspace(0.0, 8.0, 25),
        seeds: budget.pick(4, 8),
        seed: budget.seed,
    };
    panels(&s, budget)
}
