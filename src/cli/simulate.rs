//! `rmt-verify simulate`: Monte Carlo on the exact model along a gamma path (SPEC §1, §3).

use super::model_args::{model_json, ModelArgs};
use rmt_verify::model::SimConfig;
use rmt_verify::monte_carlo::simulate;
use rmt_verify::theory::parse_gammas;
use rmt_verify::{format::sci, Format, Table};
use std::io::IsTerminal;
use std::process::ExitCode;

/// Arguments.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    model: ModelArgs,
    /// Number of tokens n.
    #[arg(long, default_value_t = 1024)]
    n: usize,
    /// Token dimension p.
    #[arg(long, default_value_t = 256)]
    p: usize,
    /// Ridge parameters: a list G1,G2,... or logspace:lo:hi:k.
    #[arg(long, default_value = "0.1", allow_hyphen_values = true)]
    gamma: String,
    /// Number of replicates (1 gives no standard error).
    #[arg(long, default_value_t = 4)]
    seeds: usize,
    /// Master seed.
    #[arg(long, default_value_t = 2506)]
    seed: u64,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
    /// No progress bar.
    #[arg(long)]
    quiet: bool,
    /// Run only part I of N of the replicates (1 <= I <= N) and write it as JSON lines, for
    /// `rmt-verify merge` (docs/sharding.md).
    #[arg(long, value_name = "I/N")]
    shard: Option<String>,
}

fn num(x: f64) -> serde_json::Value {
    serde_json::Number::from_f64(x).map_or(serde_json::Value::Null, serde_json::Value::Number)
}

/// The configuration the arguments describe.
pub fn config(args: &Args) -> anyhow::Result<SimConfig> {
    Ok(SimConfig {
        spec: args.model.spec()?,
        n: args.n,
        p: args.p,
        gammas: parse_gammas(&args.gamma)?,
        seeds: args.seeds,
        seed: args.seed,
    })
}

/// Runs the subcommand.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let cfg = config(&args)?;
    if let Some(sh) = &args.shard {
        let (i, k) = super::shard::parse_shard(sh)?;
        super::shard::write_simulate_shard(&cfg, i, k)?;
        return Ok(ExitCode::SUCCESS);
    }
    let progress = !args.quiet && std::io::stderr().is_terminal();
    let t0 = std::time::Instant::now();
    let res = simulate(&cfg, progress)?;
    let seconds = t0.elapsed().as_secs_f64();
    print_result(&cfg, &res, seconds, args.format)
}

/// Prints a run as `simulate` does (`seconds`: the wall time reported in the header / JSON).
pub fn print_result(
    cfg: &SimConfig,
    res: &rmt_verify::monte_carlo::SimResult,
    seconds: f64,
    format: Format,
) -> anyhow::Result<ExitCode> {
    // One replicate: no standard error (null in JSON, `-` in tables), not an error.
    let single = res.replicates.len() < 2;
    let se = |x: f64| {
        if single {
            serde_json::Value::Null
        } else {
            num(x)
        }
    };
    let se_txt = |x: f64, d: usize| if single { "-".to_string() } else { sci(x, d) };
    match format {
        Format::Json => {
            let points: Vec<serde_json::Value> = res
                .points
                .iter()
                .map(|pt| {
                    serde_json::json!({
                        "gamma": num(pt.gamma),
                        "E": num(pt.e.mean), "E_se": se(pt.e.se),
                        "E_ci95": if single {
                            serde_json::Value::Null
                        } else {
                            serde_json::json!([num(pt.e.ci95.0), num(pt.e.ci95.1)])
                        },
                        "yQy": num(pt.yqy.mean), "yQy_se": se(pt.yqy.se),
                        "trQ": num(pt.trq.mean), "trQ_se": se(pt.trq.se),
                    })
                })
                .collect();
            let mut out = serde_json::json!({
                "n": cfg.n, "p": cfg.p,
                "seeds": cfg.seeds, "seed": cfg.seed,
                "rng": rmt_verify::random::RNG_ALGORITHM,
                "version": rmt_verify::VERSION,
                "seconds": num(seconds),
                "points": points,
            });
            if let Some(o) = out.as_object_mut() {
                o.extend(model_json(&cfg.spec));
            }
            println!("{}", serde_json::to_string_pretty(&out)?);
        }
        fmt => {
            let mut t = Table::new([
                "gamma",
                "E",
                "E_se",
                "E_ci95_lo",
                "E_ci95_hi",
                "yQy",
                "yQy_se",
                "trQ",
                "trQ_se",
            ]);
            for pt in &res.points {
                t.push([
                    sci(pt.gamma, 4),
                    sci(pt.e.mean, 6),
                    se_txt(pt.e.se, 2),
                    se_txt(pt.e.ci95.0, 6),
                    se_txt(pt.e.ci95.1, 6),
                    sci(pt.yqy.mean, 6),
                    se_txt(pt.yqy.se, 2),
                    sci(pt.trq.mean, 6),
                    se_txt(pt.trq.se, 2),
                ]);
            }
            if fmt == Format::Table {
                println!(
                    "# {}, n = {}, p = {}, {} seeds from seed {} ({:.2} s)",
                    cfg.spec.describe(),
                    cfg.n,
                    cfg.p,
                    cfg.seeds,
                    cfg.seed,
                    seconds
                );
            }
            print!("{}", t.render(fmt));
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_gamma_lists_and_logspace() {
        assert_eq!(parse_gammas("0.1,1").unwrap(), vec![0.1, 1.0]);
        let g = parse_gammas("logspace:1e-4:10:50").unwrap();
        assert_eq!(g.len(), 50);
        // exp/ln round trip: a few ulps.
        assert!((g[0] - 1e-4).abs() < 1e-15 && (g[49] - 10.0).abs() < 1e-12);
        assert!(parse_gammas("logspace:1:2").is_err());
    }
}
