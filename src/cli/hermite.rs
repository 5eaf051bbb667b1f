//! `rmt-verify hermite ACTIVATION [--order K] [--format table|json|csv|markdown|latex]
//! [--time-limit S]`: Hermite coefficients (orthonormal `He_k/sqrt(k!)`, `xi ~ N(0,1)`,
//! docs/hermite.md) with error estimates and, where known, closed forms.

use rmt_verify::error::{require_time_limit, Deadline};
use rmt_verify::format::{sci, Format, Table};
use rmt_verify::hermite::{closed_form, hermite_coeffs_within, DEFAULT_TIME_LIMIT, MAX_ORDER};
use rmt_verify::Activation;
use serde_json::json;
use std::io::Write;
use std::process::ExitCode;

/// Arguments of `hermite`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// A built-in (relu, tanh, leaky-relu:0.1, elu:1, ...) or an expression in x ("x*tanh(x)").
    #[arg(allow_hyphen_values = true)]
    pub activation: String,
    /// Highest coefficient K (a_0..a_K), at most 200.
    #[arg(long, default_value_t = 8)]
    pub order: usize,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Time budget of the quadrature, seconds (exit 2 when exceeded).
    #[arg(long, value_name = "SECONDS", default_value_t = DEFAULT_TIME_LIMIT, allow_hyphen_values = true)]
    pub time_limit: f64,
}

/// Runs `hermite`.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    if args.order > MAX_ORDER {
        return Err(rmt_verify::Error::param(
            "--order",
            args.order,
            format!("must be in 0..={MAX_ORDER}"),
        )
        .into());
    }
    require_time_limit("--time-limit", args.time_limit)?;
    let act = Activation::parse(&args.activation)?;
    let deadline = Deadline::after(Some(args.time_limit), ", raise it with --time-limit");
    let h = hermite_coeffs_within(&act, args.order, &deadline)?;
    let cf = closed_form(&act);
    // Written in one piece, so that a write error (a full disk) is an error, not a panic.
    let mut out = String::new();
    if args.format == Format::Json {
        let v = json!({
            "activation": h.activation,
            "mean": h.mean,
            "a": h.a,
            "a1": h.a1,
            "a2": h.a2,
            "nu": h.nu,
            "sigma2": h.sigma2,
            "error_estimate": h.error_estimate,
            "relative_error": h.relative_error,
            "errors": h.errors,
            "nu_error": h.nu_error,
            "parseval_residual": h.parseval_residual,
            "digits_lost": h.digits_lost,
            "closed_form": cf,
            "centred": true,
            "method": h.method,
            "version": rmt_verify::VERSION,
        });
        out.push_str(&serde_json::to_string_pretty(&v)?);
        out.push('\n');
        return write_stdout(&out);
    }
    let known = |k: usize| -> Option<f64> {
        let c = cf?;
        match k {
            0 => c.mean,
            1 => c.a1,
            2 => c.a2,
            _ => None,
        }
    };
    let mut t = Table::new(["quantity", "value (raw f)", "error est.", "closed form"]);
    for (k, (a, e)) in h.a.iter().zip(&h.errors).enumerate() {
        let label = if k == 0 {
            "a_0 (mean)".to_string()
        } else {
            format!("a_{k}")
        };
        t.push([
            label,
            sci(*a, 15),
            sci(*e, 2),
            known(k).map_or("-".into(), |v| sci(v, 15)),
        ]);
    }
    let cnu = cf.and_then(|c| c.nu);
    t.push([
        "nu".to_string(),
        sci(h.nu, 15),
        sci(h.nu_error, 2),
        cnu.map_or("-".into(), |v| sci(v, 15)),
    ]);
    let csig = cf.and_then(|c| Some(c.nu? - c.a1? * c.a1?));
    t.push([
        "sigma2 = nu - a1^2".to_string(),
        sci(h.sigma2, 15),
        sci(
            h.nu_error + 2.0 * h.a1.abs() * h.errors.get(1).copied().unwrap_or(0.0),
            2,
        ),
        csig.map_or("-".into(), |v| sci(v, 15)),
    ]);
    if args.format == Format::Table {
        out.push_str(&format!(
            "Hermite coefficients of `{}`: a_k = E[f(xi) He_k(xi)/sqrt(k!)], xi ~ N(0,1) (SPEC §2)\n",
            h.activation
        ));
        out.push_str(&format!("method: {}\n", h.method));
        out.push_str(&t.to_text());
        out.push_str(&format!(
            "centred: the paper assumes E f(xi) = 0; the tool removes the mean {} (= a_0); \
             a_k for k >= 1, nu and sigma2 are those of the centred f.\n",
            sci(h.mean, 6)
        ));
        if h.digits_lost >= 1.0 {
            out.push_str(&format!(
                "precision: the mean is {} times the fluctuation sqrt(nu): centring loses about \
                 {:.0} of the 16 significant digits of f(x) (included in the error estimates).\n",
                sci(10f64.powf(h.digits_lost), 2),
                h.digits_lost
            ));
        }
        out.push_str(&format!(
            "Parseval: nu - sum_{{k=1..{}}} a_k^2 = {} (tail of the series beyond K)\n",
            args.order,
            sci(h.parseval_residual, 3)
        ));
        if h.relative_error > 1e-10 {
            out.push_str(&format!(
                "warning: error estimate {} (relative to max(1, rms f)) is above the 1e-10 target\n",
                sci(h.relative_error, 2)
            ));
        }
        if cf.is_none() {
            out.push_str("closed form: none known for this activation (numeric only)\n");
        }
    } else {
        out.push_str(&t.render(args.format));
    }
    write_stdout(&out)
}

/// Writes `s` to stdout; a failed write (e.g. `> /dev/full`) is an error (exit 2). A closed
/// pipe never gets here: SIGPIPE ends the process quietly (`src/main.rs`).
pub(crate) fn write_stdout(s: &str) -> anyhow::Result<ExitCode> {
    let mut o = std::io::stdout().lock();
    o.write_all(s.as_bytes())
        .and_then(|()| o.flush())
        .map_err(|e| anyhow::anyhow!("cannot write to stdout: {e}"))?;
    Ok(ExitCode::SUCCESS)
}
