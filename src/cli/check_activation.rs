//! `rmt-verify check-activation ACTIVATION [--c C] [--snr S] [--out DIR] [--quick]`: the
//! activation report of [`rmt_verify::report`] ("would this activation memorize better than tanh
//! in this model?"), printed as markdown; with `--out`, also written to `DIR/report.md` and
//! `DIR/<name>.svg` (plus the figure's CSV/MD/TeX). `check-activation --heads f1,f2,...`: the
//! head-set report of [`rmt_verify::report_heads`] ("would these heads together memorize better
//! than one head?"). Exit 0 when the Monte Carlo spot check holds, 1 when it does not, 2 on
//! error.

use rmt_verify::figures::write_plots;
use rmt_verify::report::{check_activation, ReportOptions};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Activation: built-in name (tanh, relu, sign, cos, ...) or expression in x (`x*tanh(x)`).
    /// A leading `-` is part of the expression (`-x`), as in `hermite` and `--activation`.
    #[arg(
        required_unless_present = "heads",
        conflicts_with = "heads",
        allow_hyphen_values = true
    )]
    pub activation: Option<String>,
    /// A set of head activations to compare against one head (`tanh,cos`; commas inside
    /// parentheses belong to an expression), concatenated and summed (docs/multihead.md).
    #[arg(long, allow_hyphen_values = true)]
    pub heads: Option<String>,
    /// Aspect ratio c = p/n.
    #[arg(long, default_value_t = 0.25, allow_hyphen_values = true)]
    pub c: f64,
    /// Signal-to-noise ratio ||mu||^2 (with --model-file: ||mu_1||^2, every mean rescaled)
    /// [default: 1, or the model file's].
    #[arg(long, allow_hyphen_values = true)]
    pub snr: Option<f64>,
    /// Compare the activations in this model (TOML, docs/model-file.md) instead of the paper's
    /// single-head settings `w = 0` and `aligned`; head 1's activation is replaced.
    #[arg(long, value_name = "FILE")]
    pub model_file: Option<PathBuf>,
    /// Also write DIR/report.md and DIR/<name>.svg (created if missing).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Fewer Monte Carlo replicates (4 instead of 8; n = 512 either way).
    #[arg(long)]
    pub quick: bool,
    /// Base seed of every random stream.
    #[arg(long, default_value_t = 2506, allow_hyphen_values = true)]
    pub seed: u64,
}

/// File-name stem for an activation name (`x*tanh(x)` -> `x_tanh_x`).
fn stem(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|ch| if ch.is_ascii_alphanumeric() { ch } else { '_' })
        .collect();
    let s = s.trim_matches('_').to_string();
    let mut out = String::new();
    for ch in s.chars() {
        if !(ch == '_' && out.ends_with('_')) {
            out.push(ch);
        }
    }
    if out.is_empty() {
        "activation".into()
    } else {
        out
    }
}

/// Runs the subcommand.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let model = args
        .model_file
        .as_deref()
        .map(rmt_verify::model::ModelSpec::from_file)
        .transpose()?;
    let snr = args
        .snr
        .unwrap_or_else(|| model.as_ref().map_or(1.0, |m| m.snr()));
    let opts = ReportOptions {
        c: args.c,
        snr,
        model,
        seeds: if args.quick { 4 } else { 8 },
        seed: args.seed,
        ..ReportOptions::default()
    };
    if let Some(list) = &args.heads {
        return run_heads(list, &args, &opts);
    }
    let Some(activation) = args.activation.as_deref() else {
        anyhow::bail!("give an ACTIVATION or --heads");
    };
    let report = check_activation(activation, &opts)?;
    let md = report.to_markdown();
    // a closed pipe (`| head`) is not an error: the report is still written with --out
    if let Err(e) = std::io::stdout().lock().write_all(md.as_bytes()) {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            return Err(e.into());
        }
    }
    if let Some(dir) = &args.out {
        let name = stem(report.activation.name());
        let plots = report.plots()?;
        let written = write_plots(
            &name,
            &format!("check-activation {}", report.activation.name()),
            &plots,
            dir,
        )?;
        let path = dir.join("report.md");
        std::fs::write(&path, &md)
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
        eprintln!("wrote {}", path.display());
        for p in written {
            eprintln!("wrote {}", p.display());
        }
    }
    Ok(if report.spot_holds() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn run_heads(list: &str, args: &Args, opts: &ReportOptions) -> anyhow::Result<ExitCode> {
    let acts = super::model_args::split_heads(list)?
        .iter()
        .map(|n| rmt_verify::Activation::parse(n))
        .collect::<Result<Vec<_>, _>>()?;
    let report = rmt_verify::report_heads::check_heads(&acts, opts)?;
    let md = report.to_markdown();
    if let Err(e) = std::io::stdout().lock().write_all(md.as_bytes()) {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            return Err(e.into());
        }
    }
    if let Some(dir) = &args.out {
        let names: Vec<String> = acts.iter().map(|a| stem(a.name())).collect();
        let name = format!("heads_{}", names.join("_"));
        let plots = report.plots()?;
        let written = write_plots(
            &name,
            &format!("check-activation --heads {list}"),
            &plots,
            dir,
        )?;
        let path = dir.join("report.md");
        std::fs::write(&path, &md)
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
        eprintln!("wrote {}", path.display());
        for p in written {
            eprintln!("wrote {}", p.display());
        }
    }
    Ok(if report.spot_holds() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
