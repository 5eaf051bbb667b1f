//! Subcommands. Each lives in its own file with an `Args` struct and a `run` function.

use clap::{Parser, Subcommand};
use std::process::ExitCode;

mod check_activation;
mod figure;
mod hermite;
mod model_args;
mod raf;
mod shard;
mod simulate;
mod spectrum;
mod theory;
mod verify;

/// Verify the claims of "A Random Matrix Analysis of In-context Memorization for Nonlinear
/// Attention" (arXiv 2506.18656) against theory and Monte Carlo.
#[derive(Parser, Debug)]
#[command(name = "rmt-verify", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// List the claims (ids and statements), in paper order.
    List(verify::ListArgs),
    /// Check the claims; exit 0 if all hold, 1 if some fail or are inconclusive, 2 on error.
    Verify(verify::Args),
    /// Hermite coefficients of an activation (built-in name or expression in x).
    Hermite(hermite::Args),
    /// Monte Carlo on the exact model: memorization error along a gamma path.
    Simulate(simulate::Args),
    /// Deterministic equivalents: ridge closed form and the attention pencil.
    Theory(theory::Args),
    /// Limiting spectra: Stieltjes transform, density and edges of K or Phi^T Phi/n.
    Spectrum(spectrum::Args),
    /// Figures and tables for write-ups (SVG, CSV, markdown, LaTeX).
    Figure(figure::Args),
    /// Report on a new activation: Hermite data, assumptions, predicted errors, MC spot check.
    CheckActivation(check_activation::Args),
    /// The Rules-and-Facts paper (arXiv 2603.25579): theory, Monte Carlo, activation report.
    Raf(raf::Args),
    /// Merge the JSON-lines shards of `simulate`, `verify` or `figure --shard I/N` and print
    /// (or, for `figure`, write) what one run prints.
    Merge(shard::MergeArgs),
}

/// Dispatches to the subcommand.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::List(a) => verify::run_list(a),
        Command::Verify(a) => verify::run(a),
        Command::Hermite(a) => hermite::run(a),
        Command::Simulate(a) => simulate::run(a),
        Command::Theory(a) => theory::run(a),
        Command::Spectrum(a) => spectrum::run(a),
        Command::Figure(a) => figure::run(a),
        Command::CheckActivation(a) => check_activation::run(a),
        Command::Raf(a) => raf::run(a),
        Command::Merge(a) => shard::run_merge(a),
    }
}
