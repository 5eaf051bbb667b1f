//! `rmt-verify theory`: deterministic equivalents along a gamma list (ridge closed form, the
//! attention pencil, a variant's equivalent, `docs/variants.md`, or the multi-head equivalent,
//! `docs/multihead.md`), with the solver status of every point. `--n --p` evaluates at finite
//! sizes (needed by the softmax and AR(1) tokens); `--c` in the proportional limit.

use super::model_args::{model_json, ModelArgs};
use rmt_verify::format::{sci, Format, Table};
use rmt_verify::heads::HeadStats;
use rmt_verify::theory::{equivalent, parse_gammas, Dims, Standing, TheoryPoint};
use rmt_verify::Error;
use std::process::ExitCode;

/// Arguments.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub model: ModelArgs,
    /// Aspect ratio c = p/n (or give --n and --p).
    #[arg(long, allow_hyphen_values = true)]
    pub c: Option<f64>,
    /// Number of tokens n (with --p).
    #[arg(long, allow_hyphen_values = true)]
    pub n: Option<f64>,
    /// Dimension p (with --n).
    #[arg(long, allow_hyphen_values = true)]
    pub p: Option<f64>,
    /// Gamma list: "0.1,1" or "logspace:LO:HI:K".
    #[arg(long, default_value = "logspace:1e-3:10:9", allow_hyphen_values = true)]
    pub gamma: String,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
}

/// c from --c or --n/--p.
pub fn resolve_c(c: Option<f64>, n: Option<f64>, p: Option<f64>) -> Result<f64, Error> {
    let c = match (c, n, p) {
        (Some(c), None, None) => c,
        (None, Some(n), Some(p)) => {
            rmt_verify::error::require_positive("n", n)?;
            rmt_verify::error::require_positive("p", p)?;
            p / n
        }
        _ => return Err(Error::param("c", "", "give either --c or both --n and --p")),
    };
    rmt_verify::error::require_positive("c", c)
}

/// `Dims` from --c or --n/--p: whole `n, p` give finite sizes, anything else the ratio.
pub fn resolve_dims(c: Option<f64>, n: Option<f64>, p: Option<f64>) -> Result<Dims, Error> {
    let ratio = resolve_c(c, n, p)?;
    Ok(match (n, p) {
        (Some(n), Some(p))
            if n.fract() == 0.0
                && p.fract() == 0.0
                && n <= usize::MAX as f64
                && p <= usize::MAX as f64 =>
        {
            Dims::Sizes {
                n: n as usize,
                p: p as usize,
            }
        }
        _ => Dims::Ratio(ratio),
    })
}

/// Runs the subcommand.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let dims = resolve_dims(args.c, args.n, args.p)?;
    let c = dims.c()?;
    let spec = args.model.spec()?;
    let gammas = parse_gammas(&args.gamma)?;
    let eq = equivalent(&spec, dims)?;
    let points: Vec<TheoryPoint> = eq.path(&gammas)?;
    let params = eq.attention_params();
    // several heads: per-head constants, the Wigner covariance S and rank(G) (docs/multihead.md §2)
    let heads = eq.multihead_params();
    let rank = match heads {
        Some(_) => {
            let acts: Vec<_> = spec
                .heads
                .iter()
                .filter_map(|h| h.activation.as_ref())
                .collect();
            Some(HeadStats::of(&acts)?.rank()?)
        }
        None => None,
    };
    let converged = points.iter().all(|p| p.converged);
    let sizes = match dims {
        Dims::Sizes { n, p } => Some((n, p)),
        Dims::Ratio(_) => None,
    };
    match args.format {
        Format::Json => {
            let mut v = serde_json::json!({
                "c": c,
                "n": sizes.map(|s| s.0), "p": sizes.map(|s| s.1),
                "a1": params.map(|p| p.a1), "nu": params.map(|p| p.nu),
                "s": params.map(|p| p.s),
                "equivalent": eq.mapping, "standing": eq.standing,
                "gamma_scale": eq.gamma_scale,
                "converged": converged, "version": rmt_verify::VERSION, "points": points,
            });
            if let Some(o) = v.as_object_mut() {
                o.extend(model_json(&spec));
                if let Some(m) = heads {
                    let h = m.heads();
                    let cov: Vec<Vec<f64>> =
                        (0..h).map(|i| m.cov[i * h..(i + 1) * h].to_vec()).collect();
                    o.insert(
                        "heads".into(),
                        serde_json::json!({
                            "a1": m.a1, "s": m.s, "wigner_cov": cov, "gram_rank": rank,
                            "combine": spec.attention.combine,
                        }),
                    );
                }
            }
            println!("{}", serde_json::to_string_pretty(&v)?);
        }
        f => {
            let mut t = Table::new([
                "gamma",
                "E",
                "yQy",
                "trQ",
                "iterations",
                "residual",
                "converged",
            ]);
            for p in &points {
                t.push([
                    sci(p.gamma, 4),
                    sci(p.e, 10),
                    sci(p.yqy, 10),
                    sci(p.trq, 10),
                    p.iterations.to_string(),
                    sci(p.residual, 2),
                    p.converged.to_string(),
                ]);
            }
            if f == Format::Table {
                let mut extra = params
                    .map(|p| format!(" a1={:.6} nu={:.6} s={:.6}", p.a1, p.nu, p.s))
                    .unwrap_or_default();
                if let Some(m) = heads {
                    let h = m.heads();
                    // quadrature noise (|x| < 1e-12, e.g. a1 of cos) shown as 0
                    let fmt = |v: &[f64]| {
                        v.iter()
                            .map(|&x| format!("{:.6}", if x.abs() < 1e-12 { 0.0 } else { x }))
                            .collect::<Vec<_>>()
                            .join(",")
                    };
                    let rows: Vec<String> = (0..h)
                        .map(|i| format!("[{}]", fmt(&m.cov[i * h..(i + 1) * h])))
                        .collect();
                    extra = format!(
                        " a1=[{}] s=[{}] S=[{}] rank(G)={}",
                        fmt(&m.a1),
                        fmt(&m.s),
                        rows.join(","),
                        rank.unwrap_or(0)
                    );
                }
                let size = sizes
                    .map(|(n, p)| format!(" n={n} p={p}"))
                    .unwrap_or_default();
                println!("# {} c={c}{size}{extra}", spec.describe());
                let variant = spec.is_softmax()
                    || spec.skip().is_some()
                    || spec.tokens.ar1 != 0.0
                    || spec.tokens.label_blocks.is_some();
                if variant || eq.standing == Standing::Conjecture {
                    println!("# {}", eq.mapping);
                }
            }
            print!("{}", t.render(f));
        }
    }
    Ok(ExitCode::SUCCESS)
}
