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

use super::{figure, simulate, verify};
use clap::Parser;
use rayon::prelude::*;
use rmt_verify::claim::{Budget, Claim, Row, Status, Verdict};
use rmt_verify::figures;
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
    /// Shard files (JSON lines from `simulate`, `verify` or `figure --shard I/N`), in any order.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<std::path::PathBuf>,
    /// Output format (as `simulate --format`; `verify`: table, json or markdown).
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
    /// Output directory of a merged `figure` (default: the shards' `--out`).
    #[arg(long, value_name = "DIR")]
    out: Option<std::path::PathBuf>,
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

/// A shard file read back: its name, header and body lines.
struct ShardFile {
    file: String,
    header: Value,
    lines: Vec<Value>,
}

/// Reads the shard files (header line, then JSON lines).
fn read_shards(files: &[std::path::PathBuf]) -> anyhow::Result<Vec<ShardFile>> {
    files
        .iter()
        .map(|path| {
            let file = path.display().to_string();
            let text = std::fs::read_to_string(path)
                .map_err(|e| anyhow::anyhow!("{file}: cannot read: {e}"))?;
            let mut lines = text.lines().filter(|l| !l.trim().is_empty());
            let header: Value = lines
                .next()
                .and_then(|l| serde_json::from_str(l).ok())
                .filter(|h: &Value| h.get("rmt_verify_shard").is_some())
                .ok_or_else(|| {
                    anyhow::anyhow!("{file}: not a shard of `simulate`, `verify` or `figure --shard` (no header line)")
                })?;
            let lines = lines
                .map(|l| {
                    serde_json::from_str(l)
                        .map_err(|e| anyhow::anyhow!("{file}: bad JSON line: {e}"))
                })
                .collect::<anyhow::Result<Vec<Value>>>()?;
            Ok(ShardFile {
                file,
                header,
                lines,
            })
        })
        .collect()
}

/// Checks that the shards are the `1..=N` parts of one run (same `run`, `of` and command):
/// returns `(run, argv, of)` of the first.
fn check_parts(shards: &[ShardFile]) -> anyhow::Result<(Value, Value, usize)> {
    let mut first: Option<(Value, Value, usize, Value)> = None; // run, argv, of, command
    let mut seen = Vec::new();
    for sh in shards {
        let (file, header) = (&sh.file, &sh.header);
        let run = header["run"].clone();
        let of = header["of"].as_u64().unwrap_or(0) as usize;
        let shard = header["shard"].as_u64().unwrap_or(0) as usize;
        if shard == 0 || shard > of {
            anyhow::bail!("{file}: bad shard number {shard}/{of}");
        }
        let command = header["command"].clone();
        match &first {
            None => first = Some((run, header["argv"].clone(), of, command)),
            Some((r0, _, of0, c0)) => {
                if *c0 != command {
                    anyhow::bail!("{file}: a shard of another command ({command} after {c0})");
                }
                if *r0 != run || *of0 != of {
                    anyhow::bail!("{file}: a shard of a different run (its settings, version or shard count differ from the first file)");
                }
            }
        }
        if seen.contains(&shard) {
            anyhow::bail!("{file}: shard {shard}/{of} given twice");
        }
        seen.push(shard);
    }
    let Some((run, argv, of, _)) = first else {
        anyhow::bail!("merge: no files");
    };
    if seen.len() != of {
        let mut missing: Vec<String> = (1..=of)
            .filter(|s| !seen.contains(s))
            .map(|s| format!("{s}/{of}"))
            .collect();
        missing.truncate(8);
        anyhow::bail!("merge: missing shards {}", missing.join(", "));
    }
    Ok((run, argv, of))
}

/// `rmt-verify merge`.
pub fn run_merge(args: MergeArgs) -> anyhow::Result<ExitCode> {
    let shards = read_shards(&args.files)?;
    match shards.first().map(|s| s.header["command"].as_str()) {
        Some(Some("verify")) => merge_verify(&shards, &args),
        Some(Some("figure")) => merge_figure(&shards, &args),
        _ => merge_simulate(&shards, &args),
    }
}

/// Merges `simulate --shard` parts.
fn merge_simulate(shards: &[ShardFile], args: &MergeArgs) -> anyhow::Result<ExitCode> {
    let mut first: Option<(Value, Value, usize)> = None; // run, argv, of
    let mut seen_shards = Vec::new();
    let mut reps: Vec<Option<ReplicateResult>> = Vec::new();
    let mut seconds = 0.0;
    for sh in shards {
        let file = sh.file.clone();
        let header = &sh.header;
        let lines = sh.lines.iter();
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
        for v in lines {
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
                e: floats(v, "e", &file, k)?,
                yqy: floats(v, "yQy", &file, k)?,
                trq: floats(v, "trQ", &file, k)?,
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

/// Units `k < total` of shard `i` (1-based) of `n` for `verify` and `figure`: round robin
/// (`k mod n == i - 1`), so that expensive neighbours (a paper's large claims, a figure's largest
/// sizes) spread over the shards.
pub fn round_robin(i: usize, n: usize, total: usize) -> Vec<usize> {
    (0..total).filter(|k| k % n == i - 1).collect()
}

/// A float that reads back bit for bit: a shortest round-trip number, or `"NaN"`, `"inf"`,
/// `"-inf"` (JSON has no non-finite numbers).
pub fn exact(x: f64) -> Value {
    match serde_json::Number::from_f64(x) {
        Some(n) => Value::Number(n),
        None if x.is_nan() => Value::String("NaN".into()),
        None if x > 0.0 => Value::String("inf".into()),
        None => Value::String("-inf".into()),
    }
}

/// Reads back [`exact`].
pub fn from_exact(v: &Value) -> anyhow::Result<f64> {
    match v {
        Value::Number(n) => n
            .as_f64()
            .ok_or_else(|| anyhow::anyhow!("number out of range: {n}")),
        Value::String(s) if s == "NaN" => Ok(f64::NAN),
        Value::String(s) if s == "inf" => Ok(f64::INFINITY),
        Value::String(s) if s == "-inf" => Ok(f64::NEG_INFINITY),
        other => anyhow::bail!("not a number: {other}"),
    }
}

fn status_of(v: &Value) -> anyhow::Result<Status> {
    Ok(match v.as_str() {
        Some("holds") => Status::Holds,
        Some("inconclusive") => Status::Inconclusive,
        Some("fails") => Status::Fails,
        _ => anyhow::bail!("bad status {v}"),
    })
}

fn status_name(s: Status) -> &'static str {
    match s {
        Status::Holds => "holds",
        Status::Inconclusive => "inconclusive",
        Status::Fails => "fails",
    }
}

/// A verdict as JSON that [`verdict_from`] reads back exactly.
fn verdict_to(v: &Verdict) -> Value {
    let rows: Vec<Value> = v
        .rows
        .iter()
        .map(|r| {
            json!({
                "label": r.label, "n": r.n, "reps": r.reps, "theory": exact(r.theory),
                "measured": exact(r.measured), "se": exact(r.se), "err": exact(r.err),
                "tol": exact(r.tol), "tol_source": r.tol_source,
                "z": r.z.map(exact), "status": status_name(r.status),
            })
        })
        .collect();
    json!({"id": v.id, "title": v.title, "status": status_name(v.status), "rows": rows, "notes": v.notes})
}

fn verdict_from(v: &Value) -> anyhow::Result<Verdict> {
    let s = |x: &Value| -> anyhow::Result<String> {
        x.as_str()
            .map(str::to_string)
            .ok_or_else(|| anyhow::anyhow!("expected a string, got {x}"))
    };
    let opt = |x: &Value| -> anyhow::Result<Option<usize>> {
        match x {
            Value::Null => Ok(None),
            x => x
                .as_u64()
                .map(|n| Some(n as usize))
                .ok_or_else(|| anyhow::anyhow!("expected a count, got {x}")),
        }
    };
    let rows = v["rows"]
        .as_array()
        .ok_or_else(|| anyhow::anyhow!("a verdict without rows"))?
        .iter()
        .map(|r| {
            Ok(Row {
                label: s(&r["label"])?,
                n: opt(&r["n"])?,
                reps: opt(&r["reps"])?,
                theory: from_exact(&r["theory"])?,
                measured: from_exact(&r["measured"])?,
                se: from_exact(&r["se"])?,
                err: from_exact(&r["err"])?,
                tol: from_exact(&r["tol"])?,
                tol_source: s(&r["tol_source"])?,
                z: match &r["z"] {
                    Value::Null => None,
                    z => Some(from_exact(z)?),
                },
                status: status_of(&r["status"])?,
            })
        })
        .collect::<anyhow::Result<Vec<Row>>>()?;
    let notes = v["notes"]
        .as_array()
        .ok_or_else(|| anyhow::anyhow!("a verdict without notes"))?
        .iter()
        .map(s)
        .collect::<anyhow::Result<Vec<String>>>()?;
    Ok(Verdict {
        id: s(&v["id"])?,
        title: s(&v["title"])?,
        status: status_of(&v["status"])?,
        rows,
        notes,
    })
}

/// What identifies a `verify` run: the selected claims, the budget, the version.
fn verify_identity(claims: &[Box<dyn Claim>], budget: &Budget) -> Value {
    json!({
        "claims": claims.iter().map(|c| c.id()).collect::<Vec<_>>(),
        "level": budget.level, "seed": budget.seed,
        "seed_scheme": rmt_verify::evidence::SEED_SCHEME,
        "rng": rmt_verify::random::RNG_ALGORITHM,
        "version": rmt_verify::VERSION,
    })
}

/// Checks shard `i` of `n` of the selected claims (round robin, [`round_robin`]) and writes
/// them to stdout as JSON lines: a header, then one line per claim (`k`, `id`, `seconds`, and
/// `verdict` or `error`).
pub fn write_verify_shard(
    claims: &[Box<dyn Claim>],
    budget: &Budget,
    i: usize,
    n: usize,
) -> anyhow::Result<()> {
    use std::io::Write;
    let t0 = std::time::Instant::now();
    let which = round_robin(i, n, claims.len());
    let runs = verify::check_claims(claims, &which, budget);
    let header = json!({
        "rmt_verify_shard": 1,
        "command": "verify",
        "shard": i, "of": n,
        "run": verify_identity(claims, budget),
        "argv": argv_without_shard(),
        "seconds": num(t0.elapsed().as_secs_f64()),
    });
    let mut out = std::io::stdout().lock();
    writeln!(out, "{}", serde_json::to_string(&header)?)?;
    for (&k, run) in which.iter().zip(&runs) {
        let mut line = json!({"k": k, "id": claims[k].id(), "seconds": exact(run.seconds)});
        match &run.result {
            Ok(v) => line["verdict"] = verdict_to(v),
            Err(e) => line["error"] = Value::String(e.clone()),
        }
        writeln!(out, "{}", serde_json::to_string(&line)?)?;
    }
    Ok(())
}

/// Re-parses a `verify` command line.
#[derive(Parser, Debug)]
#[command(no_binary_name = true)]
struct VerifyLine {
    #[command(flatten)]
    args: verify::Args,
}

/// Merges `verify --shard` parts: prints what `verify` prints (the summary's times are the
/// shards' own), with its exit code.
fn merge_verify(shards: &[ShardFile], args: &MergeArgs) -> anyhow::Result<ExitCode> {
    let (run, argv, of) = check_parts(shards)?;
    let argv: Vec<String> = serde_json::from_value(argv)
        .map_err(|_| anyhow::anyhow!("merge: the shard header has no command line"))?;
    let line = VerifyLine::try_parse_from(&argv).map_err(|e| {
        anyhow::anyhow!(
            "merge: the shards' command line does not parse: {}",
            e.kind()
        )
    })?;
    let mut vargs = line.args;
    vargs.quiet = true;
    let claims = verify::selected(&vargs)?;
    let budget = verify::budget(&vargs);
    if verify_identity(&claims, &budget) != run {
        anyhow::bail!("merge: the shards were written by another version or claim registry");
    }
    let mut runs: Vec<Option<verify::ClaimRun>> = vec![None; claims.len()];
    for sh in shards {
        let file = &sh.file;
        let shard = sh.header["shard"].as_u64().unwrap_or(0) as usize;
        let mine = round_robin(shard, of, claims.len());
        for v in &sh.lines {
            let k = v["k"].as_u64().map(|k| k as usize);
            let Some(k) = k.filter(|k| mine.contains(k)) else {
                anyhow::bail!("{file}: claim index {} outside shard {shard}/{of}", v["k"]);
            };
            if v["id"].as_str() != Some(claims[k].id()) {
                anyhow::bail!("{file}: claim {k} is `{}`, not {}", claims[k].id(), v["id"]);
            }
            if runs[k].is_some() {
                anyhow::bail!("{file}: claim {} given twice", claims[k].id());
            }
            let result = match (&v["verdict"], &v["error"]) {
                (Value::Object(_), _) => Ok(verdict_from(&v["verdict"])
                    .map_err(|e| anyhow::anyhow!("{file}: claim {}: {e}", claims[k].id()))?),
                (_, Value::String(e)) => Err(e.clone()),
                _ => anyhow::bail!(
                    "{file}: claim {} has neither verdict nor error",
                    claims[k].id()
                ),
            };
            runs[k] = Some(verify::ClaimRun {
                result,
                seconds: from_exact(&v["seconds"]).unwrap_or(0.0),
            });
        }
    }
    let runs: Vec<verify::ClaimRun> = runs
        .into_iter()
        .enumerate()
        .map(|(k, r)| r.ok_or_else(|| anyhow::anyhow!("merge: claim {} missing", claims[k].id())))
        .collect::<anyhow::Result<_>>()?;
    let format = match args.format {
        Format::Table => verify::VerifyFormat::Table,
        Format::Json => verify::VerifyFormat::Json,
        Format::Markdown => verify::VerifyFormat::Markdown,
        other => anyhow::bail!("merge: `verify` prints table, json or markdown, not {other:?}"),
    };
    verify::print_runs(&claims, &runs, &budget, format)
}

/// What identifies a `figure` run.
fn figure_identity(id: &str, budget: &Budget) -> Value {
    json!({
        "figure": id, "level": budget.level, "seed": budget.seed,
        "rng": rmt_verify::random::RNG_ALGORITHM,
        "version": rmt_verify::VERSION,
    })
}

/// Builds `spec` computing only shard `i` of `n` of its Monte Carlo units and writes them to
/// stdout as JSON lines: a header (with the number of units), then one line per unit (`u`, `v`).
pub fn write_figure_shard(
    spec: &figures::FigureSpec,
    budget: &Budget,
    i: usize,
    n: usize,
) -> anyhow::Result<()> {
    use std::io::Write;
    let t0 = std::time::Instant::now();
    let (total, units) = figures::shard_units(spec, budget, i, n)?;
    let header = json!({
        "rmt_verify_shard": 1,
        "command": "figure",
        "shard": i, "of": n,
        "run": figure_identity(spec.id, budget),
        "units": total,
        "argv": argv_without_shard(),
        "seconds": num(t0.elapsed().as_secs_f64()),
    });
    let mut out = std::io::stdout().lock();
    writeln!(out, "{}", serde_json::to_string(&header)?)?;
    for (u, v) in &units {
        let line = json!({"u": u, "v": v.iter().map(|&x| exact(x)).collect::<Vec<_>>()});
        writeln!(out, "{}", serde_json::to_string(&line)?)?;
    }
    Ok(())
}

/// Re-parses a `figure` command line.
#[derive(Parser, Debug)]
#[command(no_binary_name = true)]
struct FigureLine {
    #[command(flatten)]
    args: figure::Args,
}

/// Merges `figure --shard` parts: writes the figure's files into `--out` (default: the `--out`
/// of the shards' command line) and prints their paths, as `figure` does.
fn merge_figure(shards: &[ShardFile], args: &MergeArgs) -> anyhow::Result<ExitCode> {
    let (run, argv, of) = check_parts(shards)?;
    let argv: Vec<String> = serde_json::from_value(argv)
        .map_err(|_| anyhow::anyhow!("merge: the shard header has no command line"))?;
    let line = FigureLine::try_parse_from(&argv).map_err(|e| {
        anyhow::anyhow!(
            "merge: the shards' command line does not parse: {}",
            e.kind()
        )
    })?;
    let fargs = line.args;
    let spec = figures::find(fargs.id.as_deref().unwrap_or_default())?;
    let budget = figure::budget(&fargs);
    if figure_identity(spec.id, &budget) != run {
        anyhow::bail!("merge: the shards were written by another version or figure registry");
    }
    let total = shards[0].header["units"].as_u64().unwrap_or(0) as usize;
    let mut units = std::collections::HashMap::new();
    for sh in shards {
        let file = &sh.file;
        let shard = sh.header["shard"].as_u64().unwrap_or(0) as usize;
        if sh.header["units"].as_u64() != Some(total as u64) {
            anyhow::bail!("{file}: another number of Monte Carlo units than the first file");
        }
        for v in &sh.lines {
            let u = v["u"].as_u64().map(|u| u as usize);
            let Some(u) = u.filter(|&u| u < total && u % of == shard - 1) else {
                anyhow::bail!("{file}: unit {} outside shard {shard}/{of}", v["u"]);
            };
            let vals = v["v"]
                .as_array()
                .ok_or_else(|| anyhow::anyhow!("{file}: unit {u} without numbers"))?
                .iter()
                .map(from_exact)
                .collect::<anyhow::Result<Vec<f64>>>()
                .map_err(|e| anyhow::anyhow!("{file}: unit {u}: {e}"))?;
            if units.insert(u, vals).is_some() {
                anyhow::bail!("{file}: unit {u} given twice");
            }
        }
    }
    if let Some(u) = (0..total).find(|u| !units.contains_key(u)) {
        anyhow::bail!("merge: Monte Carlo unit {u} missing");
    }
    let plots = figures::replay_units(&spec, &budget, total, units)?;
    let out = args.out.clone().unwrap_or(fargs.out);
    for path in figures::write_plots(spec.id, spec.title, &plots, &out)? {
        println!("{}", path.display());
    }
    Ok(ExitCode::SUCCESS)
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
