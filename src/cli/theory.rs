//! `rmt-verify theory`: deterministic equivalents along a gamma list (ridge closed form or the
//! attention pencil), with the solver status of every point.

use rmt_verify::activation::Activation;
use rmt_verify::format::{sci, Format, Table};
use rmt_verify::model::Diag;
use rmt_verify::theory::{attention_path, parse_gammas, ridge_point, AttentionParams, TheoryPoint};
use rmt_verify::Error;
use std::process::ExitCode;

/// Which equivalent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum TheoryModel {
    /// Nonlinear attention (pencil / MDE).
    Attention,
    /// Ridge regression (closed form).
    Ridge,
}

/// Arguments.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Model.
    #[arg(long, value_enum, default_value = "attention")]
    pub model: TheoryModel,
    /// Activation (built-in name or expression in x); needed for attention.
    #[arg(long, default_value = "tanh")]
    pub activation: String,
    /// Aspect ratio c = p/n (or give --n and --p).
    #[arg(long, allow_hyphen_values = true)]
    pub c: Option<f64>,
    /// Number of tokens n (with --p).
    #[arg(long, allow_hyphen_values = true)]
    pub n: Option<f64>,
    /// Dimension p (with --n).
    #[arg(long, allow_hyphen_values = true)]
    pub p: Option<f64>,
    /// ||mu||^2.
    #[arg(long, default_value_t = 0.0, allow_hyphen_values = true)]
    pub snr: f64,
    /// w_K as a,b,c on (mu/||mu||, e2, e3).
    #[arg(long, default_value = "0,0,0")]
    pub wk: String,
    /// w_Q as a,b,c.
    #[arg(long, default_value = "0,0,0")]
    pub wq: String,
    /// Gamma list: "0.1,1" or "logspace:LO:HI:K".
    #[arg(long, default_value = "logspace:1e-3:10:9", allow_hyphen_values = true)]
    pub gamma: String,
    /// Diagonal convention of K.
    #[arg(long, value_enum, default_value = "zero")]
    pub diag: Diag,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
}

/// Parses "a,b,c".
pub fn parse_vec3(name: &str, s: &str) -> Result<[f64; 3], Error> {
    let v: Vec<f64> = s
        .split(',')
        .map(|t| t.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| Error::param(name, s, "expected three numbers a,b,c"))?;
    if v.len() != 3 || v.iter().any(|x| !x.is_finite()) {
        return Err(Error::param(name, s, "expected three finite numbers a,b,c"));
    }
    Ok([v[0], v[1], v[2]])
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

/// Runs the subcommand.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let c = resolve_c(args.c, args.n, args.p)?;
    rmt_verify::error::require_nonnegative("snr", args.snr)?;
    let wk = parse_vec3("wk", &args.wk)?;
    let wq = parse_vec3("wq", &args.wq)?;
    let gammas = parse_gammas(&args.gamma)?;
    let (points, params): (Vec<TheoryPoint>, Option<AttentionParams>) = match args.model {
        TheoryModel::Ridge => (
            gammas
                .iter()
                .map(|&g| ridge_point(c, args.snr, g))
                .collect::<Result<_, _>>()?,
            None,
        ),
        TheoryModel::Attention => {
            let act = Activation::parse(&args.activation)?;
            let p = AttentionParams::from_activation(&act, c, args.snr, wk, wq, args.diag)?;
            (attention_path(&p, &gammas)?, Some(p))
        }
    };
    let converged = points.iter().all(|p| p.converged);
    let model = match args.model {
        TheoryModel::Attention => "attention",
        TheoryModel::Ridge => "ridge",
    };
    let diag = match args.diag {
        Diag::Zero => "zero",
        Diag::Literal => "literal",
    };
    match args.format {
        Format::Json => {
            let v = serde_json::json!({
                "model": model, "activation": args.activation, "c": c, "snr": args.snr,
                "wk": wk, "wq": wq, "diag": diag,
                "a1": params.as_ref().map(|p| p.a1), "nu": params.as_ref().map(|p| p.nu),
                "s": params.as_ref().map(|p| p.s),
                "converged": converged, "version": rmt_verify::VERSION, "points": points,
            });
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
                let extra = params
                    .as_ref()
                    .map(|p| format!(" a1={:.6} nu={:.6} s={:.6}", p.a1, p.nu, p.s))
                    .unwrap_or_default();
                println!(
                    "# model={model} activation={} c={c} snr={} wk={wk:?} wq={wq:?} diag={diag}{extra}",
                    args.activation, args.snr
                );
            }
            print!("{}", t.render(f));
        }
    }
    Ok(ExitCode::SUCCESS)
}
