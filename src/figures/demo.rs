//! **PLACEHOLDER** figure `demo`: exercises the plotting pipeline with synthetic data only.
//!
//! To be replaced by the real figures (fig1a/b/c, attention and spectral figures, SPEC §7) once
//! the theory and Monte Carlo engines land. Nothing here is a result of the paper:
//!
//! * panel 1: a made-up smooth curve `E(gamma) = e0 + (e1 - e0) gamma / (gamma + g0)` on log-log
//!   axes as a "theory" line, and "Monte Carlo" points that are the same curve times
//!   `1 + 0.08 xi`, `xi ~ N(0, 1)` from [`crate::random::stream`], with error bars 0.08 E;
//! * panel 2: the Marchenko–Pastur density (ratio c, unit variance)
//!   `rho(x) = sqrt((b - x)(x - a)) / (2 pi c x)` on `[a, b] = [(1 - sqrt c)^2, (1 + sqrt c)^2]`
//!   as a line, over a histogram of samples drawn from that density by rejection (synthetic
//!   stand-ins for eigenvalues; the real figure will use eigenvalues of sampled matrices).

use super::FigureSpec;
use crate::claim::Budget;
use crate::error::Result;
use crate::plot::{Plot, Series};
use crate::random::stream;
use rand::Rng as _;
use rand_distr::StandardNormal;

/// Registry entry.
pub const SPEC: FigureSpec = FigureSpec {
    id: "demo",
    title: "PLACEHOLDER: synthetic data exercising the figure pipeline (not a paper result)",
    build,
};

/// Synthetic "theory" curve of panel 1.
fn curve(gamma: f64, e0: f64, e1: f64, g0: f64) -> f64 {
    e0 + (e1 - e0) * gamma / (gamma + g0)
}

/// Marchenko–Pastur density with ratio `c` in (0, 1] and unit variance.
pub fn marchenko_pastur(x: f64, c: f64) -> f64 {
    let (a, b) = ((1.0 - c.sqrt()).powi(2), (1.0 + c.sqrt()).powi(2));
    if x <= a || x >= b {
        0.0
    } else {
        ((b - x) * (x - a)).sqrt() / (2.0 * std::f64::consts::PI * c * x)
    }
}

fn build(budget: &Budget) -> Result<Vec<Plot>> {
    let rel_se = 0.08;
    let mut p1 = Plot::new(
        "Placeholder: synthetic error curve",
        "regularization γ",
        "error E",
    )
    .log(true, true);
    let configs = [("config A", 0.02, 0.9, 1e-2), ("config B", 0.2, 0.6, 1e-1)];
    for (k, &(name, e0, e1, g0)) in configs.iter().enumerate() {
        let xs: Vec<f64> = (0..=60)
            .map(|i| 10f64.powf(-5.0 + 6.0 * i as f64 / 60.0))
            .collect();
        let ys = xs.iter().map(|&g| curve(g, e0, e1, g0)).collect();
        p1 = p1.with(Series::line(format!("theory, {name}"), xs, ys).with_color(k));
        let mut rng = stream(budget.seed, k as u64, "figure-demo-points");
        let gx: Vec<f64> = (0..=6).map(|i| 10f64.powi(i - 5)).collect();
        let my: Vec<f64> = gx
            .iter()
            .map(|&g| {
                let xi: f64 = rng.sample(StandardNormal);
                curve(g, e0, e1, g0) * (1.0 + rel_se * xi)
            })
            .collect();
        let se = my.iter().map(|y| rel_se * y).collect();
        p1 = p1.with(Series::points(format!("MC, {name}"), gx, my, Some(se)).with_color(k));
    }
    p1 = p1.caption(format!(
        "SYNTHETIC: E = e0 + (e1 - e0) γ/(γ + g0), (e0, e1, g0) = (0.02, 0.9, 0.01) for A, \
         (0.2, 0.6, 0.1) for B; points = curve × (1 + {rel_se} ξ), error bars ± {rel_se} E; seed = {}",
        budget.seed
    ));

    let c: f64 = 0.25;
    let (a, b) = ((1.0 - c.sqrt()).powi(2), (1.0 + c.sqrt()).powi(2));
    let samples_n = budget.pick(4000, 40000);
    // Rejection bound: the maximum of rho on a fine grid, times 1.1 for the grid's blind spots.
    let bound = 1.1
        * (1..2000)
            .map(|i| marchenko_pastur(a + (b - a) * i as f64 / 2000.0, c))
            .fold(0.0, f64::max);
    let mut rng = stream(budget.seed, 0, "figure-demo-mp");
    let mut samples = Vec::with_capacity(samples_n);
    while samples.len() < samples_n {
        let x = a + (b - a) * rng.random::<f64>();
        if rng.random::<f64>() * bound < marchenko_pastur(x, c) {
            samples.push(x);
        }
    }
    let bins = budget.pick(40, 80);
    let lo = a - 0.1;
    let hi = b + 0.1;
    let xs: Vec<f64> = (0..=400)
        .map(|i| lo + (hi - lo) * i as f64 / 400.0)
        .collect();
    let ys = xs.iter().map(|&x| marchenko_pastur(x, c)).collect();
    let p2 = Plot::new(
        "Placeholder: Marchenko–Pastur density",
        "eigenvalue λ",
        "density",
    )
    .with(Series::histogram_of(
        format!("{samples_n} synthetic samples"),
        &samples,
        bins,
        (lo, hi),
    )?)
    .with(Series::line("limiting density", xs, ys).with_color(1))
    .caption(format!(
        "SYNTHETIC: c = {c}, support [{a}, {b}], {samples_n} rejection samples from the density \
         (not eigenvalues), {bins} bins; seed = {}",
        budget.seed
    ));
    Ok(vec![p1, p2])
}
