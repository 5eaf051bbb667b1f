//! `rmt-verify hermite ACTIVATION [--order K] [--format table|json|csv|markdown|latex]`:
//! Hermite coefficients (orthonormal `He_k/sqrt(k!)`, `xi ~ N(0,1)`, SPEC §2) with error
//! estimates and, where known, closed forms.

use rmt_verify::format::{sci, Format, Table};
use rmt_verify::hermite::{closed_form, hermite_coeffs, MAX_ORDER};
use rmt_verify::Activation;
use serde_json::json;
use std::process::ExitCode;

/// Arguments of `hermite`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// A built-in (relu, tanh, leaky-relu:0.1, elu:1, ...) or an expression in x ("x*tanh(x)").
    pub activation: String,
    /// Highest coefficient K (a_0..a_K), at most 200.
    #[arg(long, default_value_t = 8)]
    pub order: usize,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
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
    let act = Activation::parse(&args.activation)?;
    let h = hermite_coeffs(&act, args.order)?;
    let cf = closed_form(&act);
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
            "errors": h.errors,
            "nu_error": h.nu_error,
            "parseval_residual": h.parseval_residual,
            "closed_form": cf,
            "centred": true,
            "method": h.method,
            "version": rmt_verify::VERSION,
        });
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(ExitCode::SUCCESS);
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
        println!(
            "Hermite coefficients of `{}`: a_k = E[f(xi) He_k(xi)/sqrt(k!)], xi ~ N(0,1) (SPEC §2)",
            h.activation
        );
        println!("method: {}", h.method);
        print!("{}", t.to_text());
        println!(
            "centred: the paper assumes E f(xi) = 0; the tool removes the mean {} (= a_0); \
             a_k for k >= 1, nu and sigma2 are those of the centred f.",
            sci(h.mean, 6)
        );
        println!(
            "Parseval: nu - sum_{{k=1..{}}} a_k^2 = {} (tail of the series beyond K)",
            args.order,
            sci(h.parseval_residual, 3)
        );
        if h.error_estimate > 1e-10 {
            println!(
                "warning: error estimate {} is above the 1e-10 target",
                sci(h.error_estimate, 2)
            );
        }
        if cf.is_none() {
            println!("closed form: none known for this activation (numeric only)");
        }
    } else {
        print!("{}", t.render(args.format));
    }
    Ok(ExitCode::SUCCESS)
}
