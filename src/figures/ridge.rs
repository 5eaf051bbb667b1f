//! Figure 1 of the paper (docs/claims-attention.md §2): ridge regression on raw tokens, Monte Carlo `E_RR` against
//! its deterministic equivalent `Ebar_RR` ([`crate::theory::ridge_point`], docs/ridge.md).
//!
//! * `fig1a`: vs `gamma`, `||mu||^2 = 1`, `p = 2048, n = 512` (`c = 4`): two independent
//!   sources read the paper's caption this way (`docs/claims-attention.md §2`), and the caption
//!   says so;
//! * `fig1b`: vs `p` at `n = 4096`, `gamma = 1e-5`, `||mu||^2 = 1`;
//! * `fig1c`: vs `||mu||^2` at `p = 512, n = 2048`, `gamma = 1e-5`.
//!
//! Quick mode divides `n` and `p` by the same factor (same `c = p/n`) and uses 4 seeds.

use super::{linspace, logspace, mc_errors, FigureSpec};
use crate::activation::Activation;
use crate::claim::Budget;
use crate::error::Result;
use crate::model::{ModelKind, SimConfig};
use crate::plot::{Plot, Series};
use crate::theory::ridge_point;

/// `fig1a`.
pub const FIG1A: FigureSpec = FigureSpec {
    id: "fig1a",
    title: "Ridge: E_RR (Monte Carlo) vs its equivalent, against gamma (paper Fig. 1a)",
    build: build_1a,
};
/// `fig1b`.
pub const FIG1B: FigureSpec = FigureSpec {
    id: "fig1b",
    title: "Ridge: E_RR (Monte Carlo) vs its equivalent, against p (paper Fig. 1b)",
    build: build_1b,
};
/// `fig1c`.
pub const FIG1C: FigureSpec = FigureSpec {
    id: "fig1c",
    title: "Ridge: E_RR (Monte Carlo) vs its equivalent, against SNR (paper Fig. 1c)",
    build: build_1c,
};

/// A ridge Monte Carlo configuration (the activation is unused by the ridge model).
pub fn ridge_config(
    n: usize,
    p: usize,
    snr: f64,
    gammas: Vec<f64>,
    budget: &Budget,
) -> Result<SimConfig> {
    let mut cfg = SimConfig::single_head(Activation::parse("tanh")?);
    cfg.spec.kind = ModelKind::Ridge;
    cfg.n = n;
    cfg.p = p;
    cfg.spec.set_snr(snr);
    cfg.gammas = gammas;
    cfg.seeds = budget.pick(4, 8);
    cfg.seed = budget.seed;
    Ok(cfg)
}

fn sizes(budget: &Budget, n: usize) -> (usize, usize) {
    // quick: divide n (and p, via the same factor) by 2 or 4 so each figure takes seconds
    let factor = budget.pick(if n > 2048 { 4 } else { 2 }, 1);
    (n / factor, factor)
}

fn build_1a(budget: &Budget) -> Result<Vec<Plot>> {
    // p = 2048, n = 512 (c = 4), the reading of the paper's caption by two independent sources
    let (n, f) = sizes(budget, 512);
    let p = 2048 / f;
    let snr = 1.0;
    let c = p as f64 / n as f64;
    let gx = logspace(1e-5, 10.0, 13);
    let cfg = ridge_config(n, p, snr, gx.clone(), budget)?;
    let (m, se) = mc_errors(&cfg)?;
    let tx = logspace(1e-5, 10.0, 121);
    let ty = tx
        .iter()
        .map(|&g| Ok(ridge_point(c, snr, g)?.e))
        .collect::<Result<Vec<_>>>()?;
    Ok(vec![Plot::new(
        "Ridge: memorization error vs γ",
        "regularization γ",
        "memorization error E_RR",
    )
    .log(true, true)
    .with(Series::line("theory Ē_RR (Prop. 2)", tx, ty).with_color(0))
    .with(Series::points("Monte Carlo E_RR ± SE", gx, m, Some(se)).with_color(1))
    .caption(format!(
        "n = {n}, p = {p} (c = {c}), ||μ||² = {snr}, μ = √snr e1, labels ±1, {}, seed = {}. \
         Sizes of the paper's Fig. 1a as two independent sources read its caption: p = 2048, \
         n = 512{}.",
        super::seeds_rule(cfg.seeds),
        budget.seed,
        if f > 1 {
            format!(", scaled down by {f} at the same c (--quick)")
        } else {
            String::new()
        }
    ))])
}

fn build_1b(budget: &Budget) -> Result<Vec<Plot>> {
    let (n, f) = sizes(budget, 4096);
    let snr = 1.0;
    let gamma = 1e-5;
    // the paper's p in {256, ..., 3072} at n = 4096 (docs/claims-attention.md §3), i.e. c from 1/16 to 3/4
    let ps: Vec<usize> = [256usize, 512, 1024, 2048, 3072]
        .iter()
        .map(|p| p / f)
        .collect();
    let (mut m, mut se) = (Vec::new(), Vec::new());
    let mut seeds = 0;
    for &p in &ps {
        let cfg = ridge_config(n, p, snr, vec![gamma], budget)?;
        seeds = cfg.seeds;
        let (a, b) = mc_errors(&cfg)?;
        m.push(a[0]);
        se.push(b[0]);
    }
    let tx = linspace(ps[0] as f64, *ps.last().unwrap_or(&ps[0]) as f64, 121);
    let ty = tx
        .iter()
        .map(|&p| Ok(ridge_point(p / n as f64, snr, gamma)?.e))
        .collect::<Result<Vec<_>>>()?;
    let px = ps.iter().map(|&p| p as f64).collect();
    Ok(vec![Plot::new(
        "Ridge: memorization error vs p",
        "dimension p",
        "memorization error E_RR",
    )
    .with(Series::line("theory Ē_RR (Prop. 2)", tx, ty).with_color(0))
    .with(Series::points("Monte Carlo E_RR ± SE", px, m, Some(se)).with_color(1))
    .caption(format!(
        "n = {n}, p = {ps:?} (c = p/n from {} to {}), γ = {gamma}, ||μ||² = {snr}, labels ±1, \
         {seeds_rule}, seed = {}{}.",
        ps[0] as f64 / n as f64,
        *ps.last().unwrap_or(&ps[0]) as f64 / n as f64,
        budget.seed,
        if f > 1 {
            format!("; paper: n = 4096, scaled down by {f} at the same c (--quick)")
        } else {
            String::new()
        },
        seeds_rule = super::seeds_rule(seeds)
    ))])
}

fn build_1c(budget: &Budget) -> Result<Vec<Plot>> {
    let (n, f) = sizes(budget, 2048);
    let p = 512 / f;
    let c = p as f64 / n as f64;
    let gamma = 1e-5;
    let snrs = [0.0, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0];
    let (mut m, mut se) = (Vec::new(), Vec::new());
    let mut seeds = 0;
    for &snr in &snrs {
        let cfg = ridge_config(n, p, snr, vec![gamma], budget)?;
        seeds = cfg.seeds;
        let (a, b) = mc_errors(&cfg)?;
        m.push(a[0]);
        se.push(b[0]);
    }
    let tx = linspace(0.0, 16.0, 121);
    let ty = tx
        .iter()
        .map(|&s| Ok(ridge_point(c, s, gamma)?.e))
        .collect::<Result<Vec<_>>>()?;
    Ok(vec![Plot::new(
        "Ridge: memorization error vs SNR",
        "signal-to-noise ratio ||μ||²",
        "memorization error E_RR",
    )
    .with(Series::line("theory Ē_RR (Prop. 2)", tx, ty).with_color(0))
    .with(Series::points("Monte Carlo E_RR ± SE", snrs.to_vec(), m, Some(se)).with_color(1))
    .caption(format!(
        "n = {n}, p = {p} (c = {c}), γ = {gamma}, ||μ||² in {snrs:?}, μ = √snr e1, labels ±1, \
         {seeds_rule}, seed = {}{}.",
        budget.seed,
        if f > 1 {
            format!("; paper: n = 2048, p = 512, scaled down by {f} at the same c (--quick)")
        } else {
            String::new()
        },
        seeds_rule = super::seeds_rule(seeds)
    ))])
}
