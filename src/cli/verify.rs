//! `rmt-verify list` and `rmt-verify verify`.

use rmt_verify::claim::{Budget, Claim, Level, Pack, Status, Verdict};
use rmt_verify::evidence::SEED_SCHEME;
use rmt_verify::theorems;
use serde_json::json;
use std::process::ExitCode;

/// Output format of `verify`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum VerifyFormat {
    /// Human-readable tables.
    Table,
    /// JSON array of verdicts.
    Json,
    /// Markdown (for write-ups and the README).
    Markdown,
}

/// Output format of `list`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ListFormat {
    /// Ids, titles and statements, pack by pack.
    Table,
    /// The README's claims table (with the status of the committed full run).
    Markdown,
    /// JSON array of packs with their claims.
    Json,
}

/// Arguments of `list`.
#[derive(clap::Args, Debug)]
pub struct ListArgs {
    /// Print the paper's wording too, where it differs from the checked statement.
    #[arg(long)]
    pub verbose: bool,
    /// Only the claims of this paper pack (e.g. `attention`).
    #[arg(long = "paper", value_name = "ID")]
    pub paper: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,
}

/// Arguments of `verify`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Only these claims (repeatable); default: all, in paper order.
    #[arg(long = "claim", value_name = "ID")]
    pub claims: Vec<String>,
    /// Only the claims of this paper pack (e.g. `attention`).
    #[arg(long = "paper", value_name = "ID")]
    pub paper: Option<String>,
    /// Small sizes, about a minute for everything (default).
    #[arg(long, conflicts_with = "full")]
    pub quick: bool,
    /// The paper's sizes (n = 2048..4096); several minutes.
    #[arg(long)]
    pub full: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = VerifyFormat::Table)]
    pub format: VerifyFormat,
    /// Base seed of every random stream.
    #[arg(long, default_value_t = 2506)]
    pub seed: u64,
    /// No progress bars.
    #[arg(long)]
    pub quiet: bool,
    /// Check only part I of N of the selected claims (1 <= I <= N) and write it as JSON lines,
    /// for `rmt-verify merge` (docs/sharding.md).
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
}

/// The packs selected by `--paper` (all when `None`).
fn select_packs(paper: Option<&str>) -> anyhow::Result<Vec<Pack>> {
    let packs = theorems::packs();
    let Some(id) = paper else {
        return Ok(packs);
    };
    match packs.iter().find(|p| p.paper.id == id) {
        Some(p) => Ok(vec![*p]),
        None => Err(rmt_verify::Error::UnknownId {
            kind: "paper".into(),
            id: id.to_string(),
            known: packs
                .iter()
                .map(|p| p.paper.id)
                .collect::<Vec<_>>()
                .join(", "),
        }
        .into()),
    }
}

/// `rmt-verify list`.
pub fn run_list(args: ListArgs) -> anyhow::Result<ExitCode> {
    let packs = select_packs(args.paper.as_deref())?;
    match args.format {
        ListFormat::Markdown => print!("{}", theorems::claims_markdown(&packs)),
        ListFormat::Json => {
            let full = theorems::full_run_status();
            let v: Vec<serde_json::Value> = packs
                .iter()
                .map(|p| {
                    let claims: Vec<serde_json::Value> = (p.claims)()
                        .iter()
                        .map(|c| {
                            let status = full.iter().find(|(id, _)| id == c.id()).map(|s| &s.1);
                            json!({
                                "id": c.id(), "title": c.title(), "statement": c.statement(),
                                "paper_wording": c.paper_wording(), "full_run": status,
                                "negative_controls": c.negative_controls().iter().map(|n| n.name.clone()).collect::<Vec<_>>(),
                            })
                        })
                        .collect();
                    json!({"paper": p.paper, "claims": claims})
                })
                .collect();
            println!("{}", serde_json::to_string_pretty(&v)?);
        }
        ListFormat::Table => {
            let all: Vec<Box<dyn Claim>> = packs.iter().flat_map(|p| (p.claims)()).collect();
            let width = all.iter().map(|c| c.id().len()).max().unwrap_or(0);
            for (i, p) in packs.iter().enumerate() {
                if i > 0 {
                    println!();
                }
                let paper = &p.paper;
                println!(
                    "paper `{}`: {} ({}; arXiv {})",
                    paper.id, paper.title, paper.authors, paper.arxiv
                );
                for line in wrap(paper.version, 96) {
                    println!("  {line}");
                }
                println!();
                for c in (p.claims)() {
                    println!("{:<width$}  {}", c.id(), c.title());
                    for line in wrap(c.statement(), 96) {
                        println!("{:<width$}    {line}", "");
                    }
                    if args.verbose {
                        if let Some(w) = c.paper_wording() {
                            for (i, line) in wrap(w, 96).iter().enumerate() {
                                let tag = if i == 0 { "paper:" } else { "" };
                                println!("{:<width$}    {tag:<7}{line}", "");
                            }
                        }
                    }
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Greedy word wrap at `cols` characters.
fn wrap(text: &str, cols: usize) -> Vec<String> {
    let mut lines = vec![String::new()];
    for word in text.split_whitespace() {
        let last = lines.last_mut().expect("lines is never empty");
        if !last.is_empty() && last.chars().count() + 1 + word.chars().count() > cols {
            lines.push(word.to_string());
        } else {
            if !last.is_empty() {
                last.push(' ');
            }
            last.push_str(word);
        }
    }
    lines
}

fn select(ids: &[String], paper: Option<&str>) -> anyhow::Result<Vec<Box<dyn Claim>>> {
    let all: Vec<Box<dyn Claim>> = select_packs(paper)?
        .iter()
        .flat_map(|p| (p.claims)())
        .collect();
    if ids.is_empty() {
        return Ok(all);
    }
    let known: Vec<&str> = all.iter().map(|c| c.id()).collect();
    for id in ids {
        if !known.contains(&id.as_str()) {
            return Err(rmt_verify::Error::UnknownId {
                kind: "claim".into(),
                id: id.clone(),
                known: known.join(", "),
            }
            .into());
        }
    }
    Ok(all
        .into_iter()
        .filter(|c| ids.iter().any(|i| i == c.id()))
        .collect())
}

/// JSON of one verdict (a contract: id, title, status, rows with theory/mean/se/n/tolerance/z),
/// with the paper pack, the base seed and the seed scheme of the evidence layer.
pub fn verdict_json(claim: &dyn Claim, v: &Verdict, budget: &Budget) -> serde_json::Value {
    let rows: Vec<serde_json::Value> = v
        .rows
        .iter()
        .map(|r| {
            json!({
                "label": r.label, "n": r.n, "reps": r.reps, "theory": r.theory,
                "measured": r.measured, "mean": r.measured, "se": r.se, "err": r.err,
                "tol": r.tol, "tolerance": r.tol, "tol_source": r.tol_source, "z": r.z,
                "status": r.status,
            })
        })
        .collect();
    json!({
        "id": v.id, "title": v.title, "paper": claim.paper(), "statement": claim.statement(),
        "paper_wording": claim.paper_wording(), "status": v.status, "rows": rows, "notes": v.notes,
        "budget": budget.level, "seed": budget.seed, "seed_scheme": SEED_SCHEME,
        "version": rmt_verify::VERSION,
    })
}

/// One claim's result in a `verify` run: its verdict or the error that stopped it, and its time.
#[derive(Clone, Debug)]
pub struct ClaimRun {
    /// The verdict, or the error message.
    pub result: Result<Verdict, String>,
    /// Wall time of the check.
    pub seconds: f64,
}

/// The budget the arguments describe.
pub fn budget(args: &Args) -> Budget {
    Budget {
        level: if args.full { Level::Full } else { Level::Quick },
        seed: args.seed,
        progress: !args.quiet && std::io::IsTerminal::is_terminal(&std::io::stderr()),
    }
}

/// The claims the arguments select, in paper order.
pub fn selected(args: &Args) -> anyhow::Result<Vec<Box<dyn Claim>>> {
    select(&args.claims, args.paper.as_deref())
}

/// Checks `claims[k]` for every `k` in `which`, results in the order of `which`.
///
/// The claims run in parallel on the rayon pool at both budgets: small claims and the
/// sequential parts of large ones (theory, quadrature, the eigenvalue-only spectra) leave cores
/// idle otherwise, and an idle thread steals the replicates of the other claims. Every claim
/// draws from its own named seed streams ([`rmt_verify::evidence::seed_for`]) and the products
/// use a fixed block partition, so each verdict is the same bits for any thread count and any
/// execution order. Memory: each row still sizes its replicate concurrency from the memory
/// available when it starts ([`rmt_verify::SimConfig::concurrency`]); the full run peaks at
/// at 1.2 GiB (README, Performance). With several claims, per-row progress bars would
/// interleave: claims then report their start and end on stderr instead.
pub fn check_claims(claims: &[Box<dyn Claim>], which: &[usize], budget: &Budget) -> Vec<ClaimRun> {
    use rayon::prelude::*;
    let inner = Budget {
        progress: budget.progress && which.len() == 1,
        ..*budget
    };
    let one = |&k: &usize| {
        let c = &claims[k];
        if budget.progress {
            eprintln!("checking {} ...", c.id());
        }
        let t0 = std::time::Instant::now();
        let result = c.check(&inner).map_err(|e| e.to_string());
        let seconds = t0.elapsed().as_secs_f64();
        if budget.progress && which.len() > 1 {
            let status = match &result {
                Ok(v) => v.status.label(),
                Err(_) => "ERROR",
            };
            eprintln!("checked {}: {status} ({seconds:.1} s)", c.id());
        }
        ClaimRun { result, seconds }
    };
    which.par_iter().map(one).collect()
}

/// Prints the results of a `verify` run (one per claim, in the claims' order) as `format`, and
/// returns the exit code: 0 all hold, 1 some fail or are inconclusive, 2 some could not run.
/// `merge` calls it with the runs read back from shards: the same bytes as one run.
pub fn print_runs(
    claims: &[Box<dyn Claim>],
    runs: &[ClaimRun],
    budget: &Budget,
    format: VerifyFormat,
) -> anyhow::Result<ExitCode> {
    let mut worst = Status::Holds;
    let mut errored = false;
    let mut json_out = Vec::new();
    let mut summary = Vec::new();
    for (c, run) in claims.iter().zip(runs) {
        match &run.result {
            Ok(v) => {
                worst = worst.max(v.status);
                summary.push((c.id(), c.title(), v.status.label(), run.seconds));
                match format {
                    VerifyFormat::Table => {
                        println!("{}", v.report());
                        if let Some(w) = c.paper_wording() {
                            println!(
                                "  paper's wording: {w}\n  supported statement: {}\n",
                                c.statement()
                            );
                        }
                    }
                    VerifyFormat::Markdown => {
                        println!("### `{}` — {} — **{}**\n", v.id, v.title, v.status.label());
                        println!("{}\n", c.statement());
                        if let Some(w) = c.paper_wording() {
                            println!("*Paper's wording:* {w}\n");
                        }
                        println!("{}", v.table().to_markdown());
                        for n in &v.notes {
                            println!("- {n}");
                        }
                        println!();
                    }
                    VerifyFormat::Json => json_out.push(verdict_json(c.as_ref(), v, budget)),
                }
            }
            Err(e) => {
                errored = true;
                summary.push((c.id(), c.title(), "ERROR", run.seconds));
                eprintln!("error: claim {}: {e}", c.id());
                if format == VerifyFormat::Json {
                    json_out.push(json!({"id": c.id(), "title": c.title(), "paper": c.paper(), "status": "error", "error": e, "rows": [], "seed": budget.seed, "seed_scheme": SEED_SCHEME}));
                }
            }
        }
    }
    match format {
        VerifyFormat::Json => println!("{}", serde_json::to_string_pretty(&json_out)?),
        VerifyFormat::Table => {
            println!("summary:");
            let w = summary.iter().map(|s| s.0.len()).max().unwrap_or(0);
            for (id, title, st, secs) in &summary {
                println!("  {st:<12} {id:<w$}  {title}  ({secs:.1} s)");
            }
        }
        VerifyFormat::Markdown => {}
    }
    Ok(if errored {
        ExitCode::from(2)
    } else if worst == Status::Holds {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// `rmt-verify verify`.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let claims = selected(&args)?;
    let budget = budget(&args);
    if let Some(sh) = &args.shard {
        let (i, n) = super::shard::parse_shard(sh)?;
        super::shard::write_verify_shard(&claims, &budget, i, n)?;
        return Ok(ExitCode::SUCCESS);
    }
    let all: Vec<usize> = (0..claims.len()).collect();
    let runs = check_claims(&claims, &all, &budget);
    print_runs(&claims, &runs, &budget, args.format)
}
