//! Head-set report (`rmt-verify check-activation --heads f1,f2,...`): "would these heads
//! together memorize better than one head?" (`docs/multihead.md §5`).
//!
//! For activations `f_1..f_H` at `c = p/n` and `||mu||^2 = snr`, every head with the same `W`:
//!
//! 1. the joint Hermite statistics ([`HeadStats`]): `a1_h`, `nu_h`, the Wigner covariance `S`,
//!    the correlations `rho_hg` and the effective number of heads `rank(G)`;
//! 2. the deterministic equivalents of the concatenated and of the summed heads against each
//!    head alone, at `gamma` and at `gamma/H` (equal heads give exactly `E_cat(gamma) =
//!    E_1(gamma/H)`, so beating the best single head at `gamma/H` is what the extra heads buy
//!    beyond a rescaling of `gamma`), in each setting of [`ReportOptions::settings`] (`W = I`
//!    and aligned `w_K = w_Q = e1`, or a model file's signal with every head taking head 1's
//!    `W` and diagonal), on the gamma grid [`crate::report::GAMMAS`]; ridge for reference;
//! 3. a Monte Carlo spot check of the concatenated and summed heads on the exact model (zero
//!    diagonal, `n = 512`), each point accepted when `|MC - theory| <=`
//!    [`crate::report::SPOT_TOL`].

use crate::activation::Activation;
use crate::error::{Error, Result};
use crate::format::{sci, Table};
use crate::heads::HeadStats;
use crate::model::{Combine, ModelSpec, SimConfig};
use crate::plot::{Plot, Series};
use crate::report::{setting_spec, ReportOptions, SpotRow, GAMMAS, SPOT_GAMMAS, SPOT_TOL};
use crate::theory::{model_path, ridge_point};

/// One row: the head set and each head alone at one `(gamma, w)`.
#[derive(Clone, Debug, PartialEq)]
pub struct HeadsRow {
    /// Setting label.
    pub weights: String,
    /// Ridge parameter.
    pub gamma: f64,
    /// Concatenated heads.
    pub e_cat: f64,
    /// Summed heads.
    pub e_sum: f64,
    /// Each head alone at `gamma`.
    pub e_single: Vec<f64>,
    /// Each head alone at `gamma / H`.
    pub e_single_rescaled: Vec<f64>,
    /// Ridge.
    pub e_rr: f64,
}

impl HeadsRow {
    /// Best single head at `gamma`.
    pub fn best_single(&self) -> f64 {
        self.e_single.iter().copied().fold(f64::INFINITY, f64::min)
    }

    /// Best single head at `gamma / H`.
    pub fn best_rescaled(&self) -> f64 {
        self.e_single_rescaled
            .iter()
            .copied()
            .fold(f64::INFINITY, f64::min)
    }
}

/// One spot-check point.
#[derive(Clone, Debug, PartialEq)]
pub struct HeadsSpot {
    /// `concat` or `sum`.
    pub combine: &'static str,
    /// The point (as in the single-activation report).
    pub row: SpotRow,
}

/// The head-set report.
#[derive(Clone, Debug)]
pub struct HeadsReport {
    /// The activations.
    pub activations: Vec<Activation>,
    /// Options.
    pub options: ReportOptions,
    /// Joint Hermite statistics.
    pub stats: HeadStats,
    /// `rank(G)`.
    pub rank: usize,
    /// One-line answer.
    pub verdict: String,
    /// Over [`GAMMAS`] for each of the weight settings.
    pub rows: Vec<HeadsRow>,
    /// Spot check.
    pub spot: Vec<HeadsSpot>,
    /// `p` of the spot check.
    pub spot_p: usize,
}

/// Relative margin under which two errors count as tied (solver residuals ~1e-13, amplified
/// by at most ~1e3 at the smallest gamma: 1e-6 is far above both).
const TIE_REL: f64 = 1e-6;

/// The setting `base` with one head per activation (each a copy of head 1 with its
/// activation replaced), `||mu_1||^2 = snr`, combined by `combine`.
fn spec_of(base: &ModelSpec, acts: &[Activation], snr: f64, combine: Combine) -> Result<ModelSpec> {
    let mut s = setting_spec(base, &acts[0], snr);
    let template = s.heads[0].clone();
    s.heads = acts
        .iter()
        .map(|a| crate::model::Head {
            activation: Some(a.clone()),
            ..template.clone()
        })
        .collect();
    s.attention.combine = combine;
    s.validate()?;
    Ok(s)
}

/// Builds the report for the head list `acts` (at least two).
pub fn check_heads(acts: &[Activation], opts: &ReportOptions) -> Result<HeadsReport> {
    if acts.len() < 2 {
        return Err(Error::param(
            "heads",
            acts.len(),
            "give at least two activations (one head: check-activation ACTIVATION)",
        ));
    }
    crate::error::require_positive("c", opts.c)?;
    crate::error::require_nonnegative("snr", opts.snr)?;
    let refs: Vec<&Activation> = acts.iter().collect();
    let stats = HeadStats::of(&refs)?;
    let rank = stats.rank()?;
    let hh = acts.len() as f64;
    let settings = opts.settings()?;
    let mut rows = Vec::new();
    for set in &settings {
        let e = |combine| -> Result<Vec<f64>> {
            let s = spec_of(&set.spec, acts, opts.snr, combine)?;
            Ok(model_path(&s, opts.c, &GAMMAS)?
                .iter()
                .map(|t| t.e)
                .collect())
        };
        let (cat, sum) = (e(Combine::Concat)?, e(Combine::Sum)?);
        let rescaled: Vec<f64> = GAMMAS.iter().map(|g| g / hh).collect();
        let mut single = Vec::new();
        let mut single_r = Vec::new();
        for a in acts {
            let s = spec_of(
                &set.spec,
                std::slice::from_ref(a),
                opts.snr,
                Combine::Concat,
            )?;
            single.push(model_path(&s, opts.c, &GAMMAS)?);
            single_r.push(model_path(&s, opts.c, &rescaled)?);
        }
        for (k, &gamma) in GAMMAS.iter().enumerate() {
            rows.push(HeadsRow {
                weights: set.label.clone(),
                gamma,
                e_cat: cat[k],
                e_sum: sum[k],
                e_single: single.iter().map(|v| v[k].e).collect(),
                e_single_rescaled: single_r.iter().map(|v| v[k].e).collect(),
                e_rr: ridge_point(opts.c, opts.snr, gamma)?.e,
            });
        }
    }
    let spot_p = ((opts.c * opts.n as f64).round() as usize).max(1);
    let c_spot = spot_p as f64 / opts.n as f64;
    let mut spot = Vec::new();
    for (combine, cname) in [(Combine::Concat, "concat"), (Combine::Sum, "sum")] {
        for set in &settings {
            let s = spec_of(&set.spec, acts, opts.snr, combine)?;
            let mut cfg = SimConfig::new(s.clone());
            cfg.n = opts.n;
            cfg.p = spot_p;
            cfg.gammas = SPOT_GAMMAS.to_vec();
            cfg.seeds = opts.seeds;
            cfg.seed = opts.seed;
            let sim =
                crate::evidence::measure_with(&cfg, &crate::report::spot_replicates(), false)?;
            let reps = sim.replicates.len();
            let th = model_path(&s, c_spot, SPOT_GAMMAS)?;
            for (pt, t) in sim.points.iter().zip(&th) {
                let tol = SPOT_TOL.at(pt.e.se, opts.n);
                spot.push(HeadsSpot {
                    combine: cname,
                    row: SpotRow {
                        weights: set.label.clone(),
                        gamma: pt.gamma,
                        theory: t.e,
                        mc: pt.e.mean,
                        se: pt.e.se,
                        reps,
                        tol,
                        holds: (pt.e.mean - t.e).abs() <= tol,
                    },
                });
            }
        }
    }
    let names: Vec<&str> = acts.iter().map(|a| a.name()).collect();
    let verdict = verdict_line(&names, rank, opts, &rows);
    Ok(HeadsReport {
        activations: acts.to_vec(),
        options: opts.clone(),
        stats,
        rank,
        verdict,
        rows,
        spot,
        spot_p,
    })
}

fn verdict_line(names: &[&str], rank: usize, opts: &ReportOptions, rows: &[HeadsRow]) -> String {
    let n = rows.len();
    let better = |a: f64, b: f64| a < b * (1.0 - TIE_REL);
    let cat_vs_best = rows
        .iter()
        .filter(|r| better(r.e_cat, r.best_single()))
        .count();
    let cat_vs_rescaled = rows
        .iter()
        .filter(|r| better(r.e_cat, r.best_rescaled()))
        .count();
    let sum_vs_best = rows
        .iter()
        .filter(|r| better(r.e_sum, r.best_single()))
        .count();
    let answer = if cat_vs_rescaled == n {
        "**Yes**: the concatenated heads memorize better than the best single head, even with \
         γ divided by the number of heads, at every tested point"
    } else if cat_vs_rescaled == 0 && cat_vs_best > 0 {
        "**Only through γ**: the concatenated heads beat a single head at the same γ but not a \
         single head at γ/H (what equal heads give)"
    } else if cat_vs_rescaled == 0 {
        "**No**: the concatenated heads do not beat the best single head"
    } else if 2 * cat_vs_rescaled > n {
        "**Mostly yes**: the concatenated heads beat the best single head at γ/H at most tested \
         points"
    } else {
        "**Mostly no**: the concatenated heads beat the best single head at γ/H at few tested \
         points"
    };
    format!(
        "{answer} (concat < best single head at γ/H: {cat_vs_rescaled}/{n}, at γ: \
         {cat_vs_best}/{n}; sum < best single head at γ: {sum_vs_best}/{n}); effective number of \
         heads rank(G) = {rank} of {} (`{}` at c = {}, ‖μ‖² = {}, γ in [{}, {}], {}).",
        names.len(),
        names.join(", "),
        opts.c,
        opts.snr,
        GAMMAS[0],
        GAMMAS[GAMMAS.len() - 1],
        if opts.model.is_some() {
            "the model file's signal, every head with its head-1 W"
        } else {
            "W = I and aligned"
        }
    )
}

impl HeadsReport {
    /// Whether every spot-check point holds.
    pub fn spot_holds(&self) -> bool {
        self.spot.iter().all(|r| r.row.holds)
    }

    /// The report as markdown (verdict first).
    pub fn to_markdown(&self) -> String {
        let o = &self.options;
        let st = &self.stats;
        let hh = st.heads();
        let names: Vec<&str> = self.activations.iter().map(|a| a.name()).collect();
        let mut s = format!("{}\n\n", self.verdict);
        s.push_str(&format!(
            "# Head-set report: `{}`\n\nModel: {hh} attention heads, every head with the same W \
             and diagonal ({}), concatenated \
             (Φ = [X K_1; ...; X K_H]) or summed (Φ = Σ_h X K_h); c = p/n = {}, ‖μ‖² = {}, \
             μ = √snr e1. Lower E = better memorization. Theory: multi-head deterministic \
             equivalent (docs/multihead.md).\n\n",
            names.join(", "),
            if o.model.is_some() {
                "head 1 of the model file"
            } else {
                "zero diagonal; W = I, or aligned w_K = w_Q = e1"
            },
            o.c,
            o.snr
        ));
        s.push_str("## Joint Hermite statistics\n\n");
        let mut t = Table::new(["head", "activation", "a1", "ν = E f²", "S_hh = ν - a1²"]);
        for (h, name) in names.iter().enumerate() {
            t.push([
                (h + 1).to_string(),
                format!("`{name}`"),
                sci(clean(st.a1[h]), 6),
                sci(st.gram[h * hh + h], 6),
                sci(st.s(h, h), 6),
            ]);
        }
        s.push_str(&t.to_markdown());
        let mut t = Table::new(["pair", "S_hg", "ρ_hg"]);
        for h in 0..hh {
            for g in h + 1..hh {
                t.push([
                    format!("{}, {}", h + 1, g + 1),
                    sci(clean(st.s(h, g)), 6),
                    st.rho(h, g)
                        .map_or("-".into(), |r| format!("{:.4}", clean(r))),
                ]);
            }
        }
        s.push('\n');
        s.push_str(&t.to_markdown());
        s.push_str(&format!(
            "\nS_hg = E[f_h f_g] - a1_h a1_g = Σ_{{k≥2}} a_k^(h) a_k^(g) is the covariance of \
             the heads' nonlinear (Wigner) parts, which all see the same matrices P_k(ZᵀZ/√p) \
             (docs/multihead.md §2). Effective number of heads = rank of the activation Gram \
             matrix G = E[f_h f_g]: **{}** (of {hh}); equal or linearly dependent activations \
             only rescale γ (docs/multihead.md §5).\n\n",
            self.rank
        ));
        s.push_str(&format!(
            "## Predicted E over γ (‖μ‖² = {})\n\nbest@γ = best single head at the same γ; \
             best@γ/H = best single head at γ/{hh} (equal heads give exactly E_cat(γ) = \
             E_1(γ/H)).\n\n",
            o.snr
        ));
        let mut hdr = vec![
            "γ".to_string(),
            "w".to_string(),
            "E concat".to_string(),
            "E sum".to_string(),
        ];
        hdr.extend(names.iter().map(|n| format!("E {n} alone")));
        hdr.extend([
            "best@γ".to_string(),
            "best@γ/H".to_string(),
            "E_RR".to_string(),
            "concat vs best@γ/H".to_string(),
        ]);
        let mut t = Table::new(hdr);
        for r in &self.rows {
            let mut row = vec![
                sci(r.gamma, 0),
                r.weights.to_string(),
                sci(r.e_cat, 5),
                sci(r.e_sum, 5),
            ];
            row.extend(r.e_single.iter().map(|v| sci(*v, 5)));
            row.extend([
                sci(r.best_single(), 5),
                sci(r.best_rescaled(), 5),
                sci(r.e_rr, 5),
                format!(
                    "{:+.2}%",
                    100.0 * (r.e_cat - r.best_rescaled()) / r.best_rescaled()
                ),
            ]);
            t.push(row);
        }
        s.push_str(&t.to_markdown());
        s.push_str(&format!(
            "\n## Monte Carlo spot check\n\nExact model, n = {}, p = {}, ‖μ‖² = \
             {}, {}, seed = {}; a point holds when |MC - theory| ≤ {} (as for one head). \
             Theory at c = p/n of the run.\n\n",
            o.n,
            self.spot_p,
            o.snr,
            crate::report::spot_rule(o.seeds),
            o.seed,
            SPOT_TOL.describe()
        ));
        s.push_str(&crate::report::spot_markdown(
            Some("heads"),
            self.spot.iter().map(|r| (r.combine.to_string(), &r.row)),
        ));
        s
    }

    /// One panel per weight configuration: E vs gamma for the concatenated and summed heads,
    /// each head alone and ridge (lines), with the spot-check points.
    pub fn plots(&self) -> Result<Vec<Plot>> {
        let o = &self.options;
        let gs = crate::figures::logspace(GAMMAS[0], GAMMAS[GAMMAS.len() - 1], 41);
        let names: Vec<&str> = self.activations.iter().map(|a| a.name()).collect();
        let mut out = Vec::new();
        for set in self.options.settings()? {
            let label = set.label.as_str();
            let mut p = Plot::new(
                format!("heads {}: E vs γ ({label})", names.join(", ")),
                "regularization γ",
                "memorization error E",
            )
            .log(true, true);
            let mut color = 0;
            for (combine, cname) in [(Combine::Concat, "concat"), (Combine::Sum, "sum")] {
                let s = spec_of(&set.spec, &self.activations, o.snr, combine)?;
                let ys = model_path(&s, o.c, &gs)?.iter().map(|t| t.e).collect();
                p = p.with(
                    Series::line(format!("Ē {cname} heads"), gs.clone(), ys).with_color(color),
                );
                let pts: Vec<&HeadsSpot> = self
                    .spot
                    .iter()
                    .filter(|r| r.combine == cname && r.row.weights == label)
                    .collect();
                p = p.with(
                    Series::points(
                        format!("MC E {cname} heads (n = {})", o.n),
                        pts.iter().map(|r| r.row.gamma).collect(),
                        pts.iter().map(|r| r.row.mc).collect(),
                        Some(pts.iter().map(|r| r.row.se).collect()),
                    )
                    .with_color(color),
                );
                color += 1;
            }
            for a in &self.activations {
                let s = spec_of(&set.spec, std::slice::from_ref(a), o.snr, Combine::Concat)?;
                let ys = model_path(&s, o.c, &gs)?.iter().map(|t| t.e).collect();
                p = p.with(
                    Series::line(format!("Ē {} alone", a.name()), gs.clone(), ys).with_color(color),
                );
                color += 1;
            }
            let rr: Vec<f64> = gs
                .iter()
                .map(|&g| Ok(ridge_point(o.c, o.snr, g)?.e))
                .collect::<Result<_>>()?;
            p = p
                .with(Series::line("Ē_RR (ridge)", gs.clone(), rr).with_color(6))
                .caption(format!(
                    "heads {} ({label}: every head with the same W and diagonal), c = {}, \
                     ‖μ‖² = {}, μ = √snr e1; rank(G) = {}; MC: exact kernels, n = {}, p = {}, \
                     {}, seed = {}, ± 1 SE.",
                    names.join(", "),
                    o.c,
                    o.snr,
                    self.rank,
                    o.n,
                    self.spot_p,
                    crate::report::spot_rule(o.seeds),
                    o.seed
                ));
            out.push(p);
        }
        Ok(out)
    }
}

/// Quadrature noise (`|x| < 1e-12`) shown as 0.
fn clean(x: f64) -> f64 {
    if x.abs() < 1e-12 {
        0.0
    } else {
        x
    }
}
