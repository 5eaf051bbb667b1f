//! `rmt-verify spectrum`: limiting spectrum of `K` or `Phi^T Phi/n` (mu = 0, w = 0): density on a
//! grid, support edges, Stieltjes transform at requested `z` (docs/spectra.md).
//!
//! Limits (each refusal a one-line error with the allowed range, exit 2):
//! * `c` in `KERNEL_C_RANGE` for the kernel (see there) and in `GRAM_C_RANGE` for `Phi^T Phi/n` (below 0.1 the eta-path solver of the
//!   pencil needs thousands of Newton steps per point near the upper edge — 14 s at
//!   `c = 0.054` — and stops converging near `c = 0.03`);
//! * `--points` in `2..=`[`MAX_POINTS`] (one solve each);
//! * `z`: `|Re z| <= 1e6`, `1e-12 <= Im z <= 1e6` (beyond 1e6 the pencil solve of `m_F` loses
//!   its relative accuracy: at `z = 1e7 + i` its `Im m` is 20 times too large);
//! * a time budget (`--time-limit`, default [`DEFAULT_TIME_LIMIT`] s) on the solver loops;
//! * a constant activation (`nu = 0`): its spectrum is a point mass, refused.

use num_complex::Complex64 as C64;
use rmt_verify::activation::Activation;
use rmt_verify::error::{fmt_num, require_time_limit, Deadline};
use rmt_verify::format::{sci, Format, Table};
use rmt_verify::model::Diag;
use rmt_verify::theory::spectral::{
    check_spectrum_c, gram_density_within, gram_edges_within, gram_stieltjes, kernel_density,
    kernel_edges, kernel_stieltjes, parse_spectral_point, MAX_POINTS,
};
use rmt_verify::theory::AttentionParams;
use rmt_verify::Error;
use std::process::ExitCode;

/// Default `--time-limit`, seconds.
pub const DEFAULT_TIME_LIMIT: f64 = 60.0;

/// Which matrix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Matrix {
    /// Kernel matrix K.
    Kernel,
    /// Phi^T Phi / n.
    Gram,
}

/// Arguments.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Matrix.
    #[arg(long, value_enum, default_value = "kernel")]
    pub matrix: Matrix,
    /// Activation.
    #[arg(long, default_value = "tanh", allow_hyphen_values = true)]
    pub activation: String,
    /// c = p/n.
    #[arg(long, allow_hyphen_values = true)]
    pub c: f64,
    /// Diagonal convention.
    #[arg(long, value_enum, default_value = "zero")]
    pub diag: Diag,
    /// Spectral points RE,IM (Im > 0); repeatable.
    #[arg(long, allow_hyphen_values = true)]
    pub z: Vec<String>,
    /// Number of grid points for the density (2..=10000).
    #[arg(long, default_value_t = 200)]
    pub points: usize,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
    /// Time budget of the solver, seconds (exit 2 when exceeded).
    #[arg(long, value_name = "SECONDS", default_value_t = DEFAULT_TIME_LIMIT, allow_hyphen_values = true)]
    pub time_limit: f64,
}

fn check_c(matrix: Matrix, c: f64) -> Result<(), Error> {
    check_spectrum_c(matrix == Matrix::Gram, c)
}

/// Runs the subcommand.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    check_c(args.matrix, args.c)?;
    if !(2..=MAX_POINTS).contains(&args.points) {
        return Err(
            Error::param("points", args.points, format!("allowed 2..={MAX_POINTS}")).into(),
        );
    }
    require_time_limit("--time-limit", args.time_limit)?;
    let deadline = Deadline::after(Some(args.time_limit), ", raise it with --time-limit");
    let zs: Vec<C64> = args
        .z
        .iter()
        .map(|s| parse_spectral_point(s))
        .collect::<Result<_, _>>()?;
    let act = Activation::parse(&args.activation)?;
    let p = AttentionParams::from_activation(&act, args.c, 0.0, [0.0; 3], [0.0; 3], args.diag)?;
    if p.nu == 0.0 {
        return Err(Error::Activation {
            name: act.name().into(),
            reason: "it is constant under N(0,1) (nu = 0): K and Phi^T Phi/n are point masses"
                .into(),
        }
        .into());
    }
    let (edges, xs, dens, ms, atom) = match args.matrix {
        Matrix::Kernel => {
            let e = kernel_edges(p.c, p.a1, p.nu, p.s)?;
            let w = e.1 - e.0;
            let k = args.points;
            let xs: Vec<f64> = (0..k)
                .map(|i| e.0 - 0.05 * w + 1.1 * w * i as f64 / (k - 1) as f64)
                .collect();
            let d = kernel_density(p.c, p.a1, p.nu, p.s, &xs)?;
            let ms = zs
                .iter()
                .map(|&z| kernel_stieltjes(p.c, p.a1, p.nu, p.s, z))
                .collect::<Result<Vec<_>, _>>()?;
            // sigma = 0 (an affine f): K = a1 X^T W X/p + s I has the eigenvalue s with
            // multiplicity (1 - c) n (the kernel of X).
            let atom = if p.nu - p.a1 * p.a1 <= 1e-12 * p.nu {
                (1.0 - p.c).max(0.0)
            } else {
                0.0
            };
            (e, xs, d, ms, atom)
        }
        Matrix::Gram => {
            let e = gram_edges_within(&p, &deadline)?;
            let k = args.points;
            let lo = (e.1 * 1e-4).max(e.0 * 0.95);
            let xs: Vec<f64> = (0..k)
                .map(|i| lo + (1.05 * e.1 - lo) * i as f64 / (k - 1) as f64)
                .collect();
            let d = gram_density_within(&p, &xs, &deadline)?;
            let ms = zs
                .iter()
                .map(|&z| {
                    deadline.check("the Stieltjes transform of Phi^T Phi/n")?;
                    gram_stieltjes(&p, z)
                })
                .collect::<Result<Vec<_>, _>>()?;
            (e, xs, d, ms, (1.0 - p.c).max(0.0))
        }
    };
    let matrix = match args.matrix {
        Matrix::Kernel => "kernel",
        Matrix::Gram => "gram",
    };
    for (z, m) in zs.iter().zip(&ms) {
        if !(m.re.is_finite() && m.im.is_finite()) {
            return Err(Error::NoConvergence {
                solver: "Stieltjes transform".into(),
                iters: 0,
                residual: f64::NAN,
                context: format!(
                    ", non-finite m at z = {}{:+}i",
                    fmt_num(z.re),
                    fmt_num(z.im)
                ),
            }
            .into());
        }
    }
    if dens.iter().any(|d| !d.is_finite()) || !(edges.0.is_finite() && edges.1.is_finite()) {
        return Err(Error::NoConvergence {
            solver: "spectral density".into(),
            iters: 0,
            residual: f64::NAN,
            context: ", non-finite density or edge".into(),
        }
        .into());
    }
    let mut out = String::new();
    match args.format {
        Format::Json => {
            let v = serde_json::json!({
                "matrix": matrix, "activation": args.activation, "c": p.c,
                "diag": match args.diag { Diag::Zero => "zero", Diag::Literal => "literal" },
                "a1": p.a1, "nu": p.nu, "s": p.s, "atom": atom,
                "atom_at": match args.matrix { Matrix::Kernel => p.s, Matrix::Gram => 0.0 },
                "edges": [edges.0, edges.1],
                "grid": xs.iter().zip(&dens).map(|(x, d)| serde_json::json!({"x": x, "density": d})).collect::<Vec<_>>(),
                "stieltjes": zs.iter().zip(&ms).map(|(z, m)| serde_json::json!({"z": [z.re, z.im], "m": [m.re, m.im]})).collect::<Vec<_>>(),
                "version": rmt_verify::VERSION,
            });
            out.push_str(&serde_json::to_string_pretty(&v)?);
            out.push('\n');
        }
        f => {
            if f == Format::Table {
                out.push_str(&format!(
                    "# matrix={matrix} activation={} c={} a1={:.6} nu={:.6} s={:.6} edges=[{}, {}] atom={}\n",
                    args.activation,
                    fmt_num(p.c),
                    p.a1,
                    p.nu,
                    p.s,
                    sci(edges.0, 6),
                    sci(edges.1, 6),
                    fmt_num((atom * 1e12).round() / 1e12)
                ));
                for (z, m) in zs.iter().zip(&ms) {
                    out.push_str(&format!(
                        "# m({}{}i) = {} {} {}i\n",
                        fmt_num(z.re),
                        if z.im < 0.0 { "-" } else { "+" }.to_string() + &fmt_num(z.im.abs()),
                        sci(m.re, 10),
                        if m.im < 0.0 { "-" } else { "+" },
                        sci(m.im.abs(), 10)
                    ));
                }
            }
            let mut t = Table::new(["x", "density"]);
            for (x, d) in xs.iter().zip(&dens) {
                t.push([sci(*x, 6), sci(*d, 8)]);
            }
            out.push_str(&t.render(f));
        }
    }
    super::hermite::write_stdout(&out)
}
