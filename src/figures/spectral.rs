//! Spectral figures (docs/spectra.md): eigenvalue histograms of the exact model against the
//! limiting densities of [`crate::theory`], at `mu = 0`, `w = 0`, zero diagonal (`s = -a1`).
//!
//! * `spec-kernel`: eigenvalues of `K = f(X^T X/sqrt p)/sqrt p` vs
//!   [`crate::theory::kernel_density`] (tanh at `c = 0.5`, sign at `c = 0.25`);
//! * `spec-gram`: nonzero eigenvalues of `Phi^T Phi/n`, `Phi = X K`, vs
//!   [`crate::theory::gram_density`]. For `c < 1` the spectrum has an atom of mass `1 - c` at 0
//!   (`rank Phi <= p`); the histogram shows the `n - (1-c)_+ n` largest eigenvalues, normalised to
//!   unit mass, against the continuous density divided by its mass `min(1, c)`. The spectrum
//!   spans decades (tanh, c = 0.5: [0.0055, 25]), so it is drawn on a log axis as a density per
//!   decade: log-spaced bins with heights `count / (N dlog10)` against `rho(l) l ln 10`.

use super::{linspace, logspace, FigureSpec};
use crate::activation::Activation;
use crate::claim::Budget;
use crate::error::{Error, Result};
use crate::model::{Diag, ModelKind, SimConfig};
use crate::monte_carlo::{gram_eigenvalues, kernel_eigenvalues};
use crate::plot::{Plot, Series};
use crate::theory::{gram_density, gram_edges, kernel_density, kernel_edges, AttentionParams};

/// `spec-kernel`.
pub const SPEC_KERNEL: FigureSpec = FigureSpec {
    id: "spec-kernel",
    title: "Spectrum of the kernel matrix K: eigenvalue histogram vs limiting density",
    build: build_kernel,
};
/// `spec-gram`.
pub const SPEC_GRAM: FigureSpec = FigureSpec {
    id: "spec-gram",
    title: "Spectrum of Phi^T Phi/n (nonzero part): eigenvalue histogram vs limiting density",
    build: build_gram,
};

/// The `(activation, c)` cases, one panel each (docs/spectra.md §5 validation cases).
pub const CASES: [(&str, f64); 2] = [("tanh", 0.5), ("sign", 0.25)];

fn config(act: &Activation, n: usize, c: f64, budget: &Budget) -> SimConfig {
    let mut cfg = SimConfig::single_head(act.clone());
    cfg.spec.kind = ModelKind::Attention;
    cfg.n = n;
    cfg.p = (c * n as f64).round() as usize;
    cfg.spec.set_snr(0.0);
    cfg.spec.set_diag(Diag::Zero);
    cfg.seeds = budget.pick(2, 2);
    cfg.seed = budget.seed;
    cfg
}

fn build_kernel(budget: &Budget) -> Result<Vec<Plot>> {
    let n = budget.pick(1024, 2048);
    let mut out = Vec::new();
    for (name, c) in CASES {
        let act = Activation::parse(name)?;
        let par = AttentionParams::from_activation(&act, c, 0.0, [0.0; 3], [0.0; 3], Diag::Zero)?;
        let cfg = config(&act, n, c, budget);
        let mut eigs = Vec::new();
        for r in 0..cfg.seeds {
            eigs.extend(super::unit(cfg.n, || kernel_eigenvalues(&cfg, r))?);
        }
        let (lo, hi) = kernel_edges(c, par.a1, par.nu, par.s)?;
        let margin = 0.08 * (hi - lo);
        let range = (lo - margin, hi + margin);
        let bins = budget.pick(50, 80);
        let xs = linspace(range.0, range.1, 400);
        let ys = kernel_density(c, par.a1, par.nu, par.s, &xs)?;
        let outside = eigs.iter().filter(|&&e| e < range.0 || e > range.1).count();
        out.push(
            Plot::new(
                format!("Kernel K, f = {name}, c = {c}"),
                "eigenvalue λ of K",
                "density",
            )
            .with(Series::histogram_of(
                format!("{} eigenvalues of K", eigs.len()),
                &eigs,
                bins,
                range,
            )?)
            .with(Series::line("limiting density (docs/spectra.md §1)", xs, ys).with_color(1))
            .caption(format!(
                "K = f(XᵀX/√p)/√p, f = {name} centred (a1 = {:.4}, ν = {:.4}), zero diagonal \
                 (s = {:.4}), μ = 0, w = 0, n = {n}, p = {} (c = {c}), {} seeds pooled, seed = {}; \
                 theory edges [{lo:.4}, {hi:.4}], {outside} eigenvalues outside the plotted range, \
                 {bins} bins.",
                par.a1, par.nu, par.s, cfg.p, cfg.seeds, budget.seed
            )),
        );
    }
    Ok(out)
}

fn build_gram(budget: &Budget) -> Result<Vec<Plot>> {
    let n = budget.pick(1024, 2048);
    let mut out = Vec::new();
    for (name, c) in CASES {
        let act = Activation::parse(name)?;
        let par = AttentionParams::from_activation(&act, c, 0.0, [0.0; 3], [0.0; 3], Diag::Zero)?;
        let cfg = config(&act, n, c, budget);
        let atom = (1.0 - c).max(0.0);
        let zeros = (atom * n as f64).round() as usize;
        let mut nonzero = Vec::new();
        let mut small = 0usize;
        for r in 0..cfg.seeds {
            let e = super::unit(cfg.n, || gram_eigenvalues(&cfg, r))?; // nondecreasing
            let lmax = e.last().copied().unwrap_or(0.0);
            // numerically zero: below n eps lambda_max (round-off of an n x n eigensolver)
            small += e
                .iter()
                .filter(|&&l| l.abs() <= n as f64 * f64::EPSILON * lmax)
                .count();
            nonzero.extend_from_slice(&e[zeros.min(e.len())..]);
        }
        if nonzero.is_empty() {
            return Err(Error::param("spec-gram", name, "no nonzero eigenvalues"));
        }
        // the lower edge of gram_edges is a coarse grid value (docs/spectra.md §2: eta-smoothed), so
        // only the upper edge is used and quoted
        let (lo, hi) = gram_edges(&par)?;
        // log-spaced bins from below the smallest nonzero eigenvalue (or the theory edge) to
        // past the upper edge; heights = density per decade, count / (N * width in log10)
        let emp_min = nonzero.iter().copied().fold(f64::INFINITY, f64::min);
        let emp_max = nonzero.iter().copied().fold(0.0, f64::max);
        let start = if lo > 0.0 { emp_min.min(lo) } else { emp_min };
        let range = (
            (start / 1.5).max(1e-8 * hi),
            (1.15 * hi).max(1.05 * emp_max),
        );
        let bins = budget.pick(50, 80);
        let edges = logspace(range.0, range.1, bins + 1);
        let dlog = (range.1 / range.0).log10() / bins as f64;
        let mut counts = vec![0usize; bins];
        for &l in &nonzero {
            if let Some(k) = edges.windows(2).position(|w| l >= w[0] && l <= w[1]) {
                counts[k] += 1;
            }
        }
        let outside = nonzero.len() - counts.iter().sum::<usize>();
        let heights = counts
            .iter()
            .map(|&k| k as f64 / (nonzero.len() as f64 * dlog))
            .collect();
        let mass = c.min(1.0);
        let xs = logspace(range.0, range.1, 300);
        // rho(l) per unit l -> per decade: rho(l) l ln 10; divided by the mass min(1, c)
        let ys: Vec<f64> = gram_density(&par, &xs)?
            .iter()
            .zip(&xs)
            .map(|(d, x)| d * x * std::f64::consts::LN_10 / mass)
            .collect();
        let emp_zero = small as f64 / (cfg.seeds * n) as f64;
        out.push(
            Plot::new(
                format!("Φᵀ Φ/n, f = {name}, c = {c} (nonzero part)"),
                "eigenvalue λ of ΦᵀΦ/n",
                "density per decade of λ (nonzero part)",
            )
            .log(true, false)
            .with(Series::histogram(
                format!("{} nonzero eigenvalues", nonzero.len()),
                edges,
                heights,
            ))
            .with(
                Series::line(
                    format!("limiting density / {mass} (docs/spectra.md §2)"),
                    xs,
                    ys,
                )
                .with_color(1),
            )
            .caption(format!(
                "Φ = XK, f = {name} centred (a1 = {:.4}, ν = {:.4}), zero diagonal, μ = 0, w = 0, \
                 n = {n}, p = {} (c = {c}), {} seeds pooled, seed = {}. Atom (1-c)₊ = {atom} at 0 \
                 removed (the {zeros} smallest eigenvalues per seed; measured fraction ≤ n·eps·λmax: \
                 {emp_zero:.4}); theory upper edge {hi:.4} (gram_edges), empirical nonzero range [{emp_min:.4}, {emp_max:.4}]; {bins} \
                 log-spaced bins, {outside} eigenvalues outside; density per decade = ρ(λ) λ ln 10 / min(1, c).",
                par.a1,
                par.nu,
                cfg.p,
                cfg.seeds,
                budget.seed
            )),
        );
    }
    Ok(out)
}
