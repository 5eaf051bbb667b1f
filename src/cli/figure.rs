//! `rmt-verify figure ID [--out DIR] [--quick|--full]` and `rmt-verify figure --list`.
//!
//! Writes `DIR/ID.svg`, `DIR/ID.csv`, `DIR/ID.md`, `DIR/ID.tex` and prints the paths. An unknown
//! id is an error listing the known ids (exit 2), as is an output directory that cannot be
//! created or written.

use rmt_verify::claim::{Budget, Level};
use rmt_verify::figures;
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Figure id (see `--list`).
    #[arg(required_unless_present = "list")]
    pub id: Option<String>,
    /// List the figure ids and titles.
    #[arg(long, conflicts_with = "id")]
    pub list: bool,
    /// Output directory (created if missing).
    #[arg(long, value_name = "DIR", default_value = "figures")]
    pub out: PathBuf,
    /// Small sizes, under a minute per figure (default).
    #[arg(long, conflicts_with = "full")]
    pub quick: bool,
    /// The paper's sizes.
    #[arg(long)]
    pub full: bool,
    /// Base seed of every random stream.
    #[arg(long, default_value_t = 2506)]
    pub seed: u64,
    /// Compute only part I of N of the figure's Monte Carlo units (series and grid points,
    /// 1 <= I <= N) and write them to stdout as JSON lines, for `rmt-verify merge --out DIR`
    /// (docs/sharding.md); no files are written.
    #[arg(long, value_name = "I/N", conflicts_with = "list")]
    pub shard: Option<String>,
}

/// The budget the arguments describe.
pub fn budget(args: &Args) -> Budget {
    Budget {
        level: if args.full { Level::Full } else { Level::Quick },
        seed: args.seed,
        progress: false,
    }
}

/// Runs the subcommand.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    if args.list {
        for f in figures::registry() {
            println!("{:<10} {}", f.id, f.title);
        }
        return Ok(ExitCode::SUCCESS);
    }
    let id = args.id.clone().unwrap_or_default();
    let spec = figures::find(&id)?;
    let budget = budget(&args);
    if let Some(sh) = &args.shard {
        let (i, n) = super::shard::parse_shard(sh)?;
        super::shard::write_figure_shard(&spec, &budget, i, n)?;
        return Ok(ExitCode::SUCCESS);
    }
    for path in figures::write_figure(&spec, &budget, &args.out)? {
        println!("{}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}
