//! `simulate --shard I/N` and `rmt-verify merge`: a run split into parts that run anywhere (SLURM
//! array tasks, GNU parallel), merged back into exactly what the unsharded run prints.
//!
//! A shard is JSON lines: a header `{"rmt_verify_shard": 1, "shard": I, "of": N, "run": {...},
//! "argv": [...], "seconds": ...}`, then one line per replicate `{"r": r, "e": [...], "yQy": [...],
//! "trQ": [...]}`. Shard `I` of `N` holds replicates `floor((I-1) R / N) .. floor(I R / N)` of the
//! `R = --seeds` replicates. Replicate `r` depends only on the seed and `r` (its own ChaCha
//! streams), so the merged replicates are those of one run, bit for bit; numbers are written as
//! shortest round-trip decimals and read back exactly (serde_json `float_roundtrip`). `run`
//! identifies the run (model, n, p, gammas, seeds, seed, version, rng): `merge` refuses shards of
//! different runs, missing or repeated shards and replicates.

use super::simulate;
use clap::Parser;
use rayon::prelude::*;
use rmt_verify::model::SimConfig;
use rmt_verify::monte_carlo::{run_replicate, summarize, ReplicateResult, SimPoint, SimResult};
use rmt_verify::Format;
use serde_json::{json, Value};
use std::process::ExitCode;

/// Parses `I/N` with `1 <= I <= N`.
pub fn parse_shard(s: &str) -> anyhow::Result<(usize, usize)> {
    let bad = || anyhow::anyhow!("--shard `{s}`: expected I/N with 1 <= I <= N (e.g. --shard 2/8)");
    let (i, n) = s.split_once('/').ok_or_else(bad)?;
    let i: usize = i.trim().parse().map_err(|_| bad())?;
    let n: usize = n.trim().parse().map_err(|_| bad())?;
    if n == 0 || i == 0 || i > n {
        return Err(bad());
    }
    Ok((i, n))
}

/// Replicates of shard `i` (1-based) of `n` among `total`.
pub fn shard_range(i: usize, n: usize, total: usize) -> std::ops::Range<usize> {
    (i - 1) * total / n..i * total / n
}

fn num(x: f64) -> Value {
    serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number)
}

/// What identifies a run.
fn run_identity(cfg: &SimConfig) -> Value {
    let mut v = json!({
        "n": cfg.n, "p": cfg.p,
        "gammas": cfg.gammas.iter().map(|&g| num(g)).collect::<Vec<_>>(),
        "seeds": cfg.seeds, "seed": cfg.seed,
        "rng": rmt_verify::random::RNG_ALGORITHM,
        "version": rmt_verify::VERSION,
    });
    if let Some(o) = v.as_object_mut() {
        o.extend(super::model_args::model_json(&cfg.spec));
    }
    v
}

/// The command line without `--shard I/N` (merge re-parses it to print the run's header).
fn argv_without_shard() -> Vec<String> {
    let mut out = Vec::new();
    let mut it = std::env::args().skip(2); // program, `simulate`
    while let Some(a) = it.next() {
        if a == "--shard" {
            it.next();
        } else if !a.starts_with("--shard=") {
            out.push(a);
        }
    }
    out
}

/// Runs shard `i` of `n` of `cfg`'s replicates and writes it to stdout as JSON lines.
pub fn write_simulate_shard(cfg: &SimConfig, i: usize, n: usize) -> anyhow::Result<()> {
    use std::io::Write;
    cfg.validate()?;
    cfg.check_memory()?;
    let range = shard_range(i, n, cfg.seeds);
    let t0 = std::time::Instant::now();
    // At most `concurrency` replicates at a time (memory), collected in replicate order.
    let conc = cfg.concurrency();
    let idx: Vec<usize> = range.collect();
    let mut reps: Vec<(usize, ReplicateResult)> = Vec::with_capacity(idx.len());
    for chunk in idx.chunks(conc) {
        let got = chunk
            .par_iter()
            .map(|&r| run_replicate(cfg, r).map(|x| (r, x)))
            .collect::<rmt_verify::Result<Vec<_>>>()?;
        reps.extend(got);
    }
    let header = json!({
        "rmt_verify_shard": 1,
        "command": "simulate",
        "shard": i, "of": n,
        "run": run_identity(cfg),
        "argv": argv_without_shard(),
        "seconds": num(t0.elapsed().as_secs_f64()),
    });
    let mut out = std::io::stdout().lock();
    writeln!(out, "{}", serde_json::to_string(&header)?)?;
    for (r, x) in &reps {
        let line = json!({
            "r": r,
            "e": x.e.iter().map(|&v| num(v)).collect::<Vec<_>>(),
            "yQy": x.yqy.iter().map(|&v| num(v)).collect::<Vec<_>>(),
            "trQ": x.trq.iter().map(|&v| num(v)).collect::<Vec<_>>(),
        });
        writeln!(out, "{}", serde_json::to_string(&line)?)?;
    }
    Ok(())
}

/// Arguments of `merge`.
#[derive(clap::Args, Debug)]
pub struct MergeArgs {
    /// Shard files (JSON lines from `simulate --shard I/N`), in any order.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<std::path::PathBuf>,
    /// Output format (as `simulate --format`).
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
}

/// Re-parses a `simulate` command line.
#[derive(Parser, Debug)]
#[command(no_binary_name = true)]
struct SimLine {
    #[command(flatten)]
    args: simulate::Args,
}

fn floats(v: &Value, key: &str, file: &str, k: usize) -> anyhow::Result<Vec<f64>> {
    let a = v
        .get(key)
        .and_then(Value::as_array)
        .filter(|a| a.len() == k)
        .ok_or_else(|| anyhow::anyhow!("{file}: a replicate line lacks `{key}` ({k} numbers)"))?;
    a.iter()
        .map(|x| {
            x.as_f64()
                .ok_or_else(|| anyhow::anyhow!("{file}: `{key}` holds a non-number"))
        })
        .collect()
}

/// `rmt-verify merge`.
pub fn run_merge(args: MergeArgs) -> anyhow::Result<ExitCode> {
    let mut first: Option<(Value, Value, usize)> = None; // run, argv, of
    let mut seen_shards = Vec::new();
    let mut reps: Vec<Option<ReplicateResult>> = Vec::new();
    let mut seconds = 0.0;
    for path in &args.files {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("{file}: cannot read: {e}"))?;
        let mut lines = text.lines().filter(|l| !l.trim().is_empty());
        let header: Value = lines
            .next()
            .and_then(|l| serde_json::from_str(l).ok())
            .filter(|h: &Value| h.get("rmt_verify_shard").is_some())
            .ok_or_else(|| {
                anyhow::anyhow!("{file}: not a shard of `simulate --shard` (no header line)")
            })?;
        let run = header["run"].clone();
        let of = header["of"].as_u64().unwrap_or(0) as usize;
        let shard = header["shard"].as_u64().unwrap_or(0) as usize;
        if shard == 0 || shard > of {
            anyhow::bail!("{file}: bad shard number {shard}/{of}");
        }
        match &first {
            None => {
                let seeds = run["seeds"].as_u64().unwrap_or(0) as usize;
                reps = vec![None; seeds];
                first = Some((run.clone(), header["argv"].clone(), of));
            }
            Some((r0, _, of0)) => {
                if *r0 != run || *of0 != of {
                    anyhow::bail!("{file}: a shard of a different run (model, sizes, gammas, seeds, seed, version or shard count differ from the first file)");
                }
            }
        }
        if seen_shards.contains(&shard) {
            anyhow::bail!("{file}: shard {shard}/{of} given twice");
        }
        seen_shards.push(shard);
        seconds += header["seconds"].as_f64().unwrap_or(0.0);
        let k = run["gammas"].as_array().map_or(0, Vec::len);
        for l in lines {
            let v: Value = serde_json::from_str(l)
                .map_err(|e| anyhow::anyhow!("{file}: bad JSON line: {e}"))?;
            let r = v["r"]
                .as_u64()
                .map(|r| r as usize)
                .filter(|&r| r < reps.len());
            let Some(r) = r.filter(|r| shard_range(shard, of, reps.len()).contains(r)) else {
                anyhow::bail!(
                    "{file}: replicate index {} outside shard {shard}/{of}",
                    v["r"]
                );
            };
            if reps[r].is_some() {
                anyhow::bail!("{file}: replicate {r} given twice");
            }
            reps[r] = Some(ReplicateResult {
                e: floats(&v, "e", &file, k)?,
                yqy: floats(&v, "yQy", &file, k)?,
                trq: floats(&v, "trQ", &file, k)?,
                r1: f64::NAN,
                kappa0: f64::NAN,
                lambda_max: f64::NAN,
            });
        }
    }
    let Some((run, argv, of)) = first else {
        anyhow::bail!("merge: no files");
    };
    if seen_shards.len() != of {
        let mut missing: Vec<String> = (1..=of)
            .filter(|s| !seen_shards.contains(s))
            .map(|s| format!("{s}/{of}"))
            .collect();
        missing.truncate(8);
        anyhow::bail!("merge: missing shards {}", missing.join(", "));
    }
    let replicates: Vec<ReplicateResult> = reps
        .into_iter()
        .enumerate()
        .map(|(r, x)| x.ok_or_else(|| anyhow::anyhow!("merge: replicate {r} missing")))
        .collect::<anyhow::Result<_>>()?;
    let argv: Vec<String> = serde_json::from_value(argv)
        .map_err(|_| anyhow::anyhow!("merge: the shard header has no command line"))?;
    let line = SimLine::try_parse_from(&argv).map_err(|e| {
        anyhow::anyhow!(
            "merge: the shards' command line does not parse: {}",
            e.kind()
        )
    })?;
    let cfg = simulate::config(&line.args)?;
    if run_identity(&cfg) != run {
        anyhow::bail!("merge: the shards were written by another version or model definition");
    }
    let points = cfg
        .gammas
        .iter()
        .enumerate()
        .map(|(k, &gamma)| {
            let col = |f: fn(&ReplicateResult) -> &Vec<f64>| -> Vec<f64> {
                replicates.iter().map(|r| f(r)[k]).collect()
            };
            SimPoint {
                gamma,
                e: summarize(&col(|r| &r.e)),
                yqy: summarize(&col(|r| &r.yqy)),
                trq: summarize(&col(|r| &r.trq)),
            }
        })
        .collect();
    let res = SimResult {
        config: cfg.clone(),
        replicates,
        points,
    };
    simulate::print_result(&cfg, &res, seconds, args.format)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shard_specs_and_ranges() {
        assert_eq!(parse_shard("1/1").unwrap(), (1, 1));
        assert_eq!(parse_shard("3/8").unwrap(), (3, 8));
        for bad in ["3/2", "0/0", "0/3", "1/0", "a/2", "2", "-1/2", "1/2/3"] {
            assert!(parse_shard(bad).is_err(), "{bad}");
        }
        // The shards partition 0..total, in order, for any total (also total < n).
        for total in [0, 1, 5, 7, 64] {
            for n in 1..10 {
                let all: Vec<usize> = (1..=n).flat_map(|i| shard_range(i, n, total)).collect();
                assert_eq!(all, (0..total).collect::<Vec<_>>());
            }
        }
    }
}
