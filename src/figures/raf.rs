//! Figures of the Rules-and-Facts pack (`docs/raf.md §8`, F1–F4). The paper's own figures were
//! not recovered; these are the tool's proposed ones. Theory is a line ([`crate::raf::theory`],
//! [`crate::raf::bo`]), Monte Carlo points with one standard error ([`crate::raf::mc`], exact
//! kernel ridge on the sphere, fresh test inputs).
//!
//! * `raf-alpha` (F1): `eps_gen` and `eps_mem` against `alpha` for KRR with the sign kernel,
//!   `lambda in {1e-3, 0.1, 1}`, `eps = 0.2`, with the Bayes-optimal `eps_gen`;
//! * `raf-tradeoff` (F2): the `(eps_gen, eps_mem)` curves traced by `lambda`, linear ridge and
//!   kernels with `mu_star/mu1 in {0.5, 1, 2}` and sign, `alpha = 2`, `eps = 0.2`;
//! * `raf-rates` (F3): log-log `eps_gen` against `alpha`: KRR (slope -1/2) and Bayes-optimal
//!   (slope -1) with their asymptotes;
//! * `raf-phase` (F4): the `(eps, mu_star^2/mu1^2)` plane split by `r_c(eps) = (1 - a^2)/a^2`
//!   (equivalently `eps_c(r)`), with the ratios of common activations.

use super::{linspace, logspace, FigureSpec};
use crate::activation::Activation;
use crate::claim::Budget;
use crate::error::Result;
use crate::monte_carlo::Summary;
use crate::plot::{Plot, Series};
use crate::raf::bo::{bo_rate_prefactor, bo_theory};
use crate::raf::kernel::KernelCoeffs;
use crate::raf::mc::{simulate, McLearner, McPoint, McSpec};
use crate::raf::theory::{krr_rate_prefactor, krr_theory, lambda_opt, ratio_c};

/// `raf-alpha`.
pub const RAF_ALPHA: FigureSpec = FigureSpec {
    id: "raf-alpha",
    title: "Rules and facts: KRR (sign kernel) eps_gen and eps_mem vs alpha, three ridges, Bayes-optimal",
    build: build_alpha,
};
/// `raf-tradeoff`.
pub const RAF_TRADEOFF: FigureSpec = FigureSpec {
    id: "raf-tradeoff",
    title: "Rules and facts: the (eps_gen, eps_mem) trade-off traced by lambda, linear vs kernels",
    build: build_tradeoff,
};
/// `raf-rates`.
pub const RAF_RATES: FigureSpec = FigureSpec {
    id: "raf-rates",
    title: "Rules and facts: eps_gen vs alpha (log-log), KRR alpha^-1/2 and Bayes-optimal alpha^-1",
    build: build_rates,
};
/// `raf-phase`.
pub const RAF_PHASE: FigureSpec = FigureSpec {
    id: "raf-phase",
    title:
        "Rules and facts: when memorizing every fact is optimal, in the (eps, mu*^2/mu1^2) plane",
    build: build_phase,
};

const EPS: f64 = 0.2;

/// The Monte Carlo points of `s` (one per ridge), as one Monte Carlo [`super::unit`].
fn mc_points(s: &McSpec) -> Result<Vec<McPoint>> {
    const PER: usize = 17; // lambda, then mean, se, ci lo, ci hi of four summaries
    let v = super::unit(PER * s.lambdas.len(), || {
        let r = simulate(s)?;
        let mut v = Vec::with_capacity(PER * r.points.len());
        for p in &r.points {
            v.push(p.lambda);
            for m in [p.eps_gen, p.eps_gen_plain, p.eps_mem, p.eps_rt] {
                v.extend([m.mean, m.se, m.ci95.0, m.ci95.1]);
            }
        }
        Ok(v)
    })?;
    let sum = |c: &[f64]| Summary {
        mean: c[0],
        se: c[1],
        ci95: (c[2], c[3]),
    };
    Ok(v.chunks(PER)
        .map(|c| McPoint {
            lambda: c[0],
            eps_gen: sum(&c[1..5]),
            eps_gen_plain: sum(&c[5..9]),
            eps_mem: sum(&c[9..13]),
            eps_rt: sum(&c[13..17]),
        })
        .collect())
}

fn sign() -> Result<(Activation, KernelCoeffs)> {
    let a = Activation::parse("sign")?;
    let k = KernelCoeffs::from_activation(&a)?;
    Ok((a, k))
}

fn build_alpha(budget: &Budget) -> Result<Vec<Plot>> {
    let (act, k) = sign()?;
    let lambdas = [1e-3, 0.1, 1.0];
    let d = budget.pick(100, 500);
    let seeds = budget.pick(4, 8);
    let mc_alphas = [0.5, 1.0, 2.0, 3.0, 4.0];
    let tx = linspace(0.1, 5.0, 99);
    let mut gen = Plot::new(
        "KRR (sign kernel): generalization error vs α",
        "α = n/d",
        "eps_gen (against the rule)",
    );
    let mut mem = Plot::new(
        "KRR (sign kernel): memorization error vs α",
        "α = n/d",
        "eps_mem (training error on the facts)",
    );
    // one Monte Carlo run per alpha, all ridges on the same data
    let mut mc = Vec::new();
    for (i, &alpha) in mc_alphas.iter().enumerate() {
        let n = ((alpha * d as f64).round() as usize).max(1);
        let mut s = McSpec::new(McLearner::Krr, act.clone(), EPS, lambdas.to_vec(), n, d);
        s.seeds = seeds;
        s.n_test = budget.pick(2000, 10_000);
        s.seed = budget.seed.wrapping_add(300 + i as u64);
        mc.push(mc_points(&s)?);
    }
    for (li, &lambda) in lambdas.iter().enumerate() {
        let th: Vec<_> = tx
            .iter()
            .map(|&a| krr_theory(a, EPS, lambda, &k).map(|p| p.errors))
            .collect::<Result<_>>()?;
        let pts = |f: fn(&crate::raf::mc::McPoint) -> crate::monte_carlo::Summary| {
            let (y, e): (Vec<f64>, Vec<f64>) = mc
                .iter()
                .map(|r| {
                    let s = f(&r[li]);
                    (s.mean, s.se)
                })
                .unzip();
            (y, e)
        };
        let (gy, ge) = pts(|p| p.eps_gen);
        let (my, me) = pts(|p| p.eps_mem);
        gen = gen
            .with(
                Series::line(
                    format!("theory λ = {lambda}"),
                    tx.clone(),
                    th.iter().map(|e| e.eps_gen).collect(),
                )
                .with_color(li),
            )
            .with(
                Series::points(format!("MC λ = {lambda}"), mc_alphas.to_vec(), gy, Some(ge))
                    .with_color(li),
            );
        mem = mem
            .with(
                Series::line(
                    format!("theory λ = {lambda}"),
                    tx.clone(),
                    th.iter().map(|e| e.eps_mem).collect(),
                )
                .with_color(li),
            )
            .with(
                Series::points(format!("MC λ = {lambda}"), mc_alphas.to_vec(), my, Some(me))
                    .with_color(li),
            );
    }
    let bo: Vec<f64> = tx
        .iter()
        .map(|&a| bo_theory(a, EPS).map(|p| p.eps_gen))
        .collect::<Result<_>>()?;
    gen = gen.with(Series::line("Bayes-optimal", tx.clone(), bo).with_color(6));
    let caption = format!(
        "ε = {EPS}, sign kernel (μ1² = 2/π, μ*² = 1 - 2/π), theory docs/raf.md §4 (lines); exact \
         KRR on the sphere, d = {d}, {seeds} seeds, seed = {}, fresh test inputs (points ± SE). \
         λ = 1e-3 memorizes every fact (eps_mem = 0 at every α).",
        budget.seed
    );
    Ok(vec![gen.caption(caption.clone()), mem.caption(caption)])
}

fn build_tradeoff(budget: &Budget) -> Result<Vec<Plot>> {
    let alpha = 2.0;
    let lams = logspace(1e-4, 1e2, 121);
    let (act, ks) = sign()?;
    let mut kernels = vec![("linear (μ* = 0)".to_string(), KernelCoeffs::linear())];
    for r in [0.5, 1.0, 2.0] {
        kernels.push((format!("μ*/μ1 = {r}"), KernelCoeffs::new(1.0, r)?));
    }
    kernels.push(("sign kernel".to_string(), ks.clone()));
    let mut plot = Plot::new(
        "The rules-facts trade-off traced by λ (α = 2, ε = 0.2)",
        "eps_gen (against the rule)",
        "eps_mem (training error on the facts)",
    );
    for (i, (name, k)) in kernels.iter().enumerate() {
        let e: Vec<_> = lams
            .iter()
            .map(|&l| krr_theory(alpha, EPS, l, k).map(|p| p.errors))
            .collect::<Result<_>>()?;
        plot = plot.with(
            Series::line(
                name.clone(),
                e.iter().map(|x| x.eps_gen).collect(),
                e.iter().map(|x| x.eps_mem).collect(),
            )
            .with_color(i),
        );
    }
    // Monte Carlo for the sign kernel at a few ridges (same data)
    let d = budget.pick(150, 500);
    let seeds = budget.pick(4, 8);
    let ml = vec![1e-3, 0.1, 1.0, 10.0];
    let mut s = McSpec::new(
        McLearner::Krr,
        act,
        EPS,
        ml.clone(),
        (alpha * d as f64) as usize,
        d,
    );
    s.seeds = seeds;
    s.n_test = budget.pick(2000, 10_000);
    s.seed = budget.seed.wrapping_add(400);
    let points = mc_points(&s)?;
    let (x, y): (Vec<f64>, Vec<f64>) = points
        .iter()
        .map(|p| (p.eps_gen.mean, p.eps_mem.mean))
        .unzip();
    let se = points.iter().map(|p| p.eps_mem.se).collect();
    plot = plot.with(
        Series::points(format!("MC sign kernel, λ = {ml:?}"), x, y, Some(se))
            .with_color(kernels.len() - 1),
    );
    let bo = bo_theory(alpha, EPS)?.eps_gen;
    plot = plot
        .with(Series::line("Bayes-optimal eps_gen", vec![bo, bo], vec![0.0, 0.5]).with_color(6));
    let lo = lambda_opt(EPS, &ks);
    Ok(vec![plot.caption(format!(
        "Curves: KRR theory (docs/raf.md §4) for λ from 1e-4 (eps_mem = 0 end, kernels only) to \
         1e2, μ1 = 1 unless noted; the linear model cannot reach eps_mem = 0 at α = 2 (its λ → 0 \
         end is Φ(-V/√q) = 0.159). Points: exact KRR with the sign kernel (λ_opt = {lo:.3}), \
         d = {d}, {seeds} seeds, seed = {}, ± SE of eps_mem. Vertical line: Bayes-optimal \
         eps_gen = {bo:.4}.",
        budget.seed
    ))])
}

fn build_rates(budget: &Budget) -> Result<Vec<Plot>> {
    let (act, ks) = sign()?;
    let tx = logspace(1.0, 1e4, 81);
    let mut plot = Plot::new(
        "Rates: KRR α^-1/2 and Bayes-optimal α^-1 (ε = 0.2)",
        "α = n/d",
        "eps_gen",
    )
    .log(true, true);
    for (i, lambda) in [0.01, 1.0].into_iter().enumerate() {
        let y = tx
            .iter()
            .map(|&a| krr_theory(a, EPS, lambda, &ks).map(|p| p.errors.eps_gen))
            .collect::<Result<_>>()?;
        plot =
            plot.with(Series::line(format!("KRR sign λ = {lambda}"), tx.clone(), y).with_color(i));
    }
    let c_krr = krr_rate_prefactor(EPS);
    plot = plot.with(
        Series::line(
            format!("{c_krr:.4} α^-1/2"),
            tx.clone(),
            tx.iter().map(|a| c_krr / a.sqrt()).collect(),
        )
        .with_color(3),
    );
    let bo: Vec<f64> = tx
        .iter()
        .map(|&a| bo_theory(a, EPS).map(|p| p.eps_gen))
        .collect::<Result<_>>()?;
    plot = plot.with(Series::line("Bayes-optimal", tx.clone(), bo).with_color(2));
    let c_bo = bo_rate_prefactor(EPS)?;
    plot = plot.with(
        Series::line(
            format!("{c_bo:.4} α^-1"),
            tx.clone(),
            tx.iter().map(|a| c_bo / a).collect(),
        )
        .with_color(4),
    );
    let d = budget.pick(100, 500);
    let seeds = budget.pick(4, 8);
    let ma = [1.0, 2.0, 4.0, 8.0];
    let (mut y, mut e) = (Vec::new(), Vec::new());
    for (i, &alpha) in ma.iter().enumerate() {
        let mut s = McSpec::new(
            McLearner::Krr,
            act.clone(),
            EPS,
            vec![1.0],
            (alpha * d as f64) as usize,
            d,
        );
        s.seeds = seeds;
        s.n_test = budget.pick(2000, 10_000);
        s.seed = budget.seed.wrapping_add(500 + i as u64);
        let p = mc_points(&s)?[0];
        y.push(p.eps_gen.mean);
        e.push(p.eps_gen.se);
    }
    plot = plot.with(Series::points("MC KRR sign λ = 1", ma.to_vec(), y, Some(e)).with_color(1));
    Ok(vec![plot.caption(format!(
        "Theory lines (docs/raf.md §4, §6) and asymptotes sqrt(1-a²)/(πa) α^-1/2 and \
         C(ε) α^-1 (derived, §7); MC: exact KRR, d = {d}, {seeds} seeds, seed = {}. The KRR \
         prefactor does not depend on λ or the kernel.",
        budget.seed
    ))])
}

fn build_phase(_budget: &Budget) -> Result<Vec<Plot>> {
    let ex = linspace(0.0, 0.9, 91);
    let mut plot = Plot::new(
        "Memorize every fact at no cost? (ridgeless KRR is optimal above the line)",
        "fraction of facts ε",
        "μ*²/μ1² (implicit ridge of the kernel)",
    )
    .log(false, true);
    plot = plot.with(
        Series::line(
            "r_c(ε) = (1 - a²)/a², a = (1-ε)√(2/π)",
            ex.clone(),
            ex.iter().map(|&e| ratio_c(e)).collect(),
        )
        .with_color(6),
    );
    for (i, name) in ["sign", "relu", "tanh", "erf", "sin(1.5*x)"]
        .iter()
        .enumerate()
    {
        let k = KernelCoeffs::from_activation(&Activation::parse(name)?)?;
        let r = k.ratio();
        plot = plot.with(
            Series::line(format!("{name}: r = {r:.3}"), vec![0.0, 0.9], vec![r, r]).with_color(i),
        );
    }
    Ok(vec![plot.caption(
        "Above the black line (r ≥ r_c(ε), i.e. ε ≤ ε_c(r) = 1 - sqrt(π/(2(1+r)))) the optimal \
         ridge of KRR is 0: memorizing every fact costs nothing. Below it, λ_opt = μ1²(r_c - r) > 0 \
         and memorization costs generalization (docs/raf.md §7). Horizontal lines: r of some \
         activations' kernels (constant in ε). Theory only.",
    )])
}
