//! `rmt-verify spectrum`: limiting spectrum of `K` or `Phi^T Phi/n` (mu = 0, w = 0): density on a
//! grid, support edges, Stieltjes transform at requested `z` (ADDENDUM §1).

use num_complex::Complex64 as C64;
use rmt_verify::activation::Activation;
use rmt_verify::format::{sci, Format, Table};
use rmt_verify::model::Diag;
use rmt_verify::theory::*;
use rmt_verify::Error;
use std::process::ExitCode;

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
    #[arg(long, default_value = "tanh")]
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
    /// Number of grid points for the density.
    #[arg(long, default_value_t = 200)]
    pub points: usize,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
}

fn parse_z(s: &str) -> Result<C64, Error> {
    let v: Vec<f64> = s
        .split(',')
        .map(|t| t.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| Error::param("z", s, "expected RE,IM"))?;
    if v.len() != 2 || !v[0].is_finite() || !(v[1] > 0.0 && v[1].is_finite()) {
        return Err(Error::param("z", s, "expected RE,IM with IM > 0"));
    }
    Ok(C64::new(v[0], v[1]))
}

/// Runs the subcommand.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    rmt_verify::error::require_positive("c", args.c)?;
    if args.points < 2 {
        return Err(Error::param("points", args.points, "must be >= 2").into());
    }
    let zs: Vec<C64> = args
        .z
        .iter()
        .map(|s| parse_z(s))
        .collect::<Result<_, _>>()?;
    let act = Activation::parse(&args.activation)?;
    let p = AttentionParams::from_activation(&act, args.c, 0.0, [0.0; 3], [0.0; 3], args.diag)?;
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
            (e, xs, d, ms, 0.0)
        }
        Matrix::Gram => {
            let e = gram_edges(&p)?;
            let k = args.points;
            let lo = (e.1 * 1e-4).max(e.0 * 0.95);
            let xs: Vec<f64> = (0..k)
                .map(|i| lo + (1.05 * e.1 - lo) * i as f64 / (k - 1) as f64)
                .collect();
            let d = gram_density(&p, &xs)?;
            let ms = zs
                .iter()
                .map(|&z| gram_stieltjes(&p, z))
                .collect::<Result<Vec<_>, _>>()?;
            (e, xs, d, ms, (1.0 - p.c).max(0.0))
        }
    };
    let matrix = match args.matrix {
        Matrix::Kernel => "kernel",
        Matrix::Gram => "gram",
    };
    match args.format {
        Format::Json => {
            let v = serde_json::json!({
                "matrix": matrix, "activation": args.activation, "c": p.c,
                "diag": match args.diag { Diag::Zero => "zero", Diag::Literal => "literal" },
                "a1": p.a1, "nu": p.nu, "s": p.s, "atom": atom, "edges": [edges.0, edges.1],
                "grid": xs.iter().zip(&dens).map(|(x, d)| serde_json::json!({"x": x, "density": d})).collect::<Vec<_>>(),
                "stieltjes": zs.iter().zip(&ms).map(|(z, m)| serde_json::json!({"z": [z.re, z.im], "m": [m.re, m.im]})).collect::<Vec<_>>(),
                "version": rmt_verify::VERSION,
            });
            println!("{}", serde_json::to_string_pretty(&v)?);
        }
        f => {
            if f == Format::Table {
                println!(
                    "# matrix={matrix} activation={} c={} a1={:.6} nu={:.6} s={:.6} edges=[{}, {}] atom={}",
                    args.activation, p.c, p.a1, p.nu, p.s, sci(edges.0, 6), sci(edges.1, 6), atom
                );
                for (z, m) in zs.iter().zip(&ms) {
                    println!(
                        "# m({}{:+}i) = {} {} {}i",
                        z.re,
                        z.im,
                        sci(m.re, 10),
                        if m.im < 0.0 { "-" } else { "+" },
                        sci(m.im.abs(), 10)
                    );
                }
            }
            let mut t = Table::new(["x", "density"]);
            for (x, d) in xs.iter().zip(&dens) {
                t.push([sci(*x, 6), sci(*d, 8)]);
            }
            print!("{}", t.render(f));
        }
    }
    Ok(ExitCode::SUCCESS)
}
