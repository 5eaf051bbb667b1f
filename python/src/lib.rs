//! `rmt_verify` for Python: the subcommands of the CLI as functions returning dicts of numpy
//! arrays, computed by the library (the same code, seeds and numbers as the CLI's JSON output).
//!
//! Every function mirrors a subcommand: `hermite`, `theory`, `simulate`, `spectrum`, `verify`
//! (and `claims` for `list`); `model_spec`/`model_toml` show the model a call would run. The
//! dicts have the keys of the CLI's JSON; lists of numbers become numpy arrays, and lists of
//! points become one array per field (`points[i]["E"]` is `result["E"][i]`).

use numpy::{Complex64, PyArray1, PyArray2};
use pyo3::exceptions::PyRuntimeWarning;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};
use rayon::prelude::*;
use rmt_verify::claim::{Budget, Claim, Level, Pack, Row, Verdict};
use rmt_verify::error::{fmt_num, require_time_limit, Deadline};
use rmt_verify::evidence::SEED_SCHEME;
use rmt_verify::heads::HeadStats;
use rmt_verify::hermite::MAX_ORDER;
use rmt_verify::model::{Diag, SimConfig};
use rmt_verify::monte_carlo::{run_replicate, summarize, ReplicateResult, Summary};
use rmt_verify::theory::spectral::{
    self, check_spectrum_c, gram_density_within, gram_edges_within, gram_stieltjes, kernel_density,
    kernel_edges, kernel_stieltjes, MAX_POINTS,
};
use rmt_verify::theory::{self as th, AttentionParams, Dims};
use rmt_verify::{theorems, Activation, Error};
use std::ffi::CString;

mod convert;
mod run;

use convert::Shortcuts;
use run::{interruptible, param_err};

/// The end of a time-out message (the CLI's says `, raise it with --time-limit`).
const TIME_LIMIT_HINT: &str = ", raise it with time_limit=";

fn f64s<'py>(py: Python<'py>, v: Vec<f64>) -> Bound<'py, PyArray1<f64>> {
    PyArray1::from_vec(py, v)
}

fn warn(py: Python<'_>, msg: String) -> PyResult<()> {
    let msg = CString::new(msg).unwrap_or_default();
    PyErr::warn(py, py.get_type::<PyRuntimeWarning>().as_any(), &msg, 1)
}

#[allow(clippy::too_many_arguments)]
fn shortcuts(
    kind: Option<String>,
    activation: Option<String>,
    snr: Option<f64>,
    wk: Option<&Bound<'_, PyAny>>,
    wq: Option<&Bound<'_, PyAny>>,
    diag: Option<String>,
    heads: Option<&Bound<'_, PyAny>>,
    combine: Option<String>,
    softmax: Option<f64>,
    unmasked: bool,
    softmax_side: Option<String>,
    skip: Option<f64>,
    ar1: Option<f64>,
    labels: Option<String>,
) -> PyResult<Shortcuts> {
    Ok(Shortcuts {
        kind,
        activation,
        snr,
        wk: convert::coords("wk", wk)?,
        wq: convert::coords("wq", wq)?,
        diag,
        heads: convert::heads(heads)?,
        combine,
        softmax,
        unmasked,
        softmax_side,
        skip,
        ar1,
        labels,
    })
}

/// Hermite coefficients of an activation (`rmt-verify hermite ACTIVATION --order K
/// --time-limit S`).
#[pyfunction]
#[pyo3(signature = (activation, order = 8, *, time_limit = rmt_verify::hermite::DEFAULT_TIME_LIMIT),
       text_signature = "(activation, order=8, *, time_limit=60.0)")]
fn hermite<'py>(
    py: Python<'py>,
    activation: String,
    order: i64,
    time_limit: f64,
) -> PyResult<Bound<'py, PyDict>> {
    // the CLI's order of checks: the order, the time limit, the activation
    let order = usize::try_from(order)
        .ok()
        .filter(|&k| k <= MAX_ORDER)
        .ok_or_else(|| param_err("--order", order, format!("must be in 0..={MAX_ORDER}")))?;
    require_time_limit("--time-limit", time_limit).map_err(run::to_py)?;
    let (h, cf) = interruptible(py, move |_| {
        let act = Activation::parse(&activation)?;
        let deadline = Deadline::after(Some(time_limit), TIME_LIMIT_HINT);
        let h = rmt_verify::hermite::hermite_coeffs_within(&act, order, &deadline)?;
        Ok((h, rmt_verify::hermite::closed_form(&act)))
    })?;
    let d = PyDict::new(py);
    d.set_item("activation", &h.activation)?;
    d.set_item("mean", h.mean)?;
    d.set_item("a", f64s(py, h.a))?;
    d.set_item("a1", h.a1)?;
    d.set_item("a2", h.a2)?;
    d.set_item("nu", h.nu)?;
    d.set_item("sigma2", h.sigma2)?;
    d.set_item("error_estimate", h.error_estimate)?;
    d.set_item("relative_error", h.relative_error)?;
    d.set_item("errors", f64s(py, h.errors))?;
    d.set_item("nu_error", h.nu_error)?;
    d.set_item("parseval_residual", h.parseval_residual)?;
    d.set_item("digits_lost", h.digits_lost)?;
    let cf = serde_json::to_value(cf).unwrap_or(serde_json::Value::Null);
    d.set_item("closed_form", convert::json_to_py(py, &cf)?)?;
    d.set_item("centred", true)?;
    d.set_item("method", &h.method)?;
    d.set_item("version", rmt_verify::VERSION)?;
    Ok(d)
}

/// `c` from `c=` or `n=` and `p=` (as `rmt-verify theory --c | --n --p`).
fn resolve_c(c: Option<f64>, n: Option<f64>, p: Option<f64>) -> Result<f64, Error> {
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

/// The sizes of `theory` (the CLI's `resolve_dims`): whole `n` and `p` give finite sizes
/// (needed by the softmax and AR(1) tokens), anything else the ratio `c`.
fn resolve_dims(c: Option<f64>, n: Option<f64>, p: Option<f64>) -> Result<Dims, Error> {
    let ratio = resolve_c(c, n, p)?;
    Ok(match (n, p) {
        (Some(n), Some(p))
            if n.fract() == 0.0
                && p.fract() == 0.0
                && n <= usize::MAX as f64
                && p <= usize::MAX as f64 =>
        {
            Dims::Sizes {
                n: n as usize,
                p: p as usize,
            }
        }
        _ => Dims::Ratio(ratio),
    })
}

/// Deterministic equivalents along a gamma path (`rmt-verify theory`).
#[pyfunction]
#[pyo3(signature = (model = None, *, gammas = None, c = None, n = None, p = None,
                    kind = None, activation = None, snr = None, wk = None, wq = None, diag = None,
                    heads = None, combine = None, softmax = None, unmasked = false,
                    softmax_side = None, skip = None, ar1 = None, labels = None))]
#[allow(clippy::too_many_arguments)]
fn theory<'py>(
    py: Python<'py>,
    model: Option<&Bound<'py, PyAny>>,
    gammas: Option<&Bound<'py, PyAny>>,
    c: Option<f64>,
    n: Option<f64>,
    p: Option<f64>,
    kind: Option<String>,
    activation: Option<String>,
    snr: Option<f64>,
    wk: Option<&Bound<'py, PyAny>>,
    wq: Option<&Bound<'py, PyAny>>,
    diag: Option<String>,
    heads: Option<&Bound<'py, PyAny>>,
    combine: Option<String>,
    softmax: Option<f64>,
    unmasked: bool,
    softmax_side: Option<String>,
    skip: Option<f64>,
    ar1: Option<f64>,
    labels: Option<String>,
) -> PyResult<Bound<'py, PyDict>> {
    // the CLI's order of checks: the sizes, the model, the gammas
    let dims = resolve_dims(c, n, p).map_err(run::to_py)?;
    let c = dims.c().map_err(run::to_py)?;
    let spec = convert::spec(
        model,
        shortcuts(
            kind,
            activation,
            snr,
            wk,
            wq,
            diag,
            heads,
            combine,
            softmax,
            unmasked,
            softmax_side,
            skip,
            ar1,
            labels,
        )?,
    )?;
    let gammas = match gammas {
        Some(g) if !g.is_none() => convert::gammas(g)?,
        _ => th::parse_gammas("logspace:1e-3:10:9").map_err(run::to_py)?,
    };
    let spec2 = spec.clone();
    // the library's dispatch, as `rmt-verify theory` (src/cli/theory.rs)
    let (points, eq, rank) = interruptible(py, move |_| {
        let eq = th::equivalent(&spec2, dims)?;
        let points = eq.path(&gammas)?;
        // several heads: rank(G) of the head Gram matrix (docs/multihead.md §2)
        let rank = match eq.multihead_params() {
            Some(_) => {
                let acts: Vec<_> = spec2
                    .heads
                    .iter()
                    .filter_map(|h| h.activation.as_ref())
                    .collect();
                Some(HeadStats::of(&acts)?.rank()?)
            }
            None => None,
        };
        Ok((points, eq, rank))
    })?;
    let params = eq.attention_params();
    let d = PyDict::new(py);
    d.set_item("c", c)?;
    let sizes = match dims {
        Dims::Sizes { n, p } => Some((n, p)),
        Dims::Ratio(_) => None,
    };
    d.set_item("n", sizes.map(|s| s.0))?;
    d.set_item("p", sizes.map(|s| s.1))?;
    d.set_item("a1", params.map(|p| p.a1))?;
    d.set_item("nu", params.map(|p| p.nu))?;
    d.set_item("s", params.map(|p| p.s))?;
    d.set_item("equivalent", &eq.mapping)?;
    let standing = serde_json::to_value(eq.standing).unwrap_or(serde_json::Value::Null);
    d.set_item("standing", convert::json_to_py(py, &standing)?)?;
    d.set_item("gamma_scale", eq.gamma_scale)?;
    let col = |f: fn(&th::TheoryPoint) -> f64| points.iter().map(f).collect::<Vec<_>>();
    d.set_item("gamma", f64s(py, col(|p| p.gamma)))?;
    d.set_item("E", f64s(py, col(|p| p.e)))?;
    d.set_item("yQy", f64s(py, col(|p| p.yqy)))?;
    d.set_item("trQ", f64s(py, col(|p| p.trq)))?;
    let iters: Vec<i64> = points.iter().map(|p| p.iterations as i64).collect();
    d.set_item("iterations", PyArray1::from_vec(py, iters))?;
    d.set_item("residual", f64s(py, col(|p| p.residual)))?;
    let conv: Vec<bool> = points.iter().map(|p| p.converged).collect();
    let all = conv.iter().all(|&b| b);
    d.set_item("converged", PyArray1::from_vec(py, conv))?;
    d.set_item("all_converged", all)?;
    d.set_item("version", rmt_verify::VERSION)?;
    convert::add_model_keys(&d, &spec)?;
    if let Some(m) = eq.multihead_params() {
        let h = m.heads();
        let cov: Vec<Vec<f64>> = (0..h).map(|i| m.cov[i * h..(i + 1) * h].to_vec()).collect();
        let hd = PyDict::new(py);
        hd.set_item("a1", f64s(py, m.a1.clone()))?;
        hd.set_item("s", f64s(py, m.s.clone()))?;
        let cov = PyArray2::from_vec2(py, &cov)
            .map_err(|e| pyo3::exceptions::PyRuntimeError::new_err(e.to_string()))?;
        hd.set_item("wigner_cov", cov)?;
        hd.set_item("gram_rank", rank)?;
        let combine =
            serde_json::to_value(spec.attention.combine).unwrap_or(serde_json::Value::Null);
        hd.set_item("combine", convert::json_to_py(py, &combine)?)?;
        d.set_item("heads", hd)?;
    }
    if !all {
        let bad: Vec<&th::TheoryPoint> = points.iter().filter(|p| !p.converged).collect();
        let worst = bad.iter().map(|p| p.residual).fold(0.0, f64::max);
        let gs: Vec<String> = bad.iter().map(|p| format!("{}", p.gamma)).collect();
        warn(
            py,
            format!(
                "theory: the solver did not converge at {} of {} gammas ({}; largest residual {:.3e}); see result[\"converged\"]",
                bad.len(),
                points.len(),
                gs.join(", "),
                worst
            ),
        )?;
    }
    Ok(d)
}

/// The Monte Carlo run of `simulate`, replicate rounds of `concurrency()` at a time (as the
/// library's `monte_carlo::simulate` does, with the same checks in the same order), stopping
/// between rounds on Ctrl-C. `python/tests/test_simulate.py` compares both, for one replicate,
/// several rounds and every model kind. Replicate `r` depends only on `(seed, r)`: the results are those of
/// `simulate` bit for bit.
fn simulate_rounds(
    cfg: &SimConfig,
    cancel: &run::Cancel,
) -> Result<(Vec<ReplicateResult>, Vec<[Summary; 3]>), Error> {
    cfg.validate()?;
    cfg.check_memory()?;
    let conc = cfg.concurrency();
    let mut reps = Vec::with_capacity(cfg.seeds);
    let mut start = 0;
    while start < cfg.seeds {
        if cancel.requested() {
            return Err(run::cancelled());
        }
        let end = (start + conc).min(cfg.seeds);
        let chunk: Vec<ReplicateResult> = (start..end)
            .into_par_iter()
            .map(|r| run_replicate(cfg, r))
            .collect::<Result<_, _>>()?;
        reps.extend(chunk);
        start = end;
    }
    let points = (0..cfg.gammas.len())
        .map(|k| {
            let col = |f: fn(&ReplicateResult) -> &Vec<f64>| -> Vec<f64> {
                reps.iter().map(|r| f(r)[k]).collect()
            };
            [
                summarize(&col(|r| &r.e)),
                summarize(&col(|r| &r.yqy)),
                summarize(&col(|r| &r.trq)),
            ]
        })
        .collect();
    Ok((reps, points))
}

/// Monte Carlo on the exact model along a gamma path (`rmt-verify simulate`).
#[pyfunction]
#[pyo3(signature = (model = None, *, n = 1024, p = 256, gammas = None, seeds = 4, seed = 2506,
                    kind = None, activation = None, snr = None, wk = None, wq = None, diag = None,
                    heads = None, combine = None, softmax = None, unmasked = false,
                    softmax_side = None, skip = None, ar1 = None, labels = None))]
#[allow(clippy::too_many_arguments)]
fn simulate<'py>(
    py: Python<'py>,
    model: Option<&Bound<'py, PyAny>>,
    n: i64,
    p: i64,
    gammas: Option<&Bound<'py, PyAny>>,
    seeds: i64,
    seed: i64,
    kind: Option<String>,
    activation: Option<String>,
    snr: Option<f64>,
    wk: Option<&Bound<'py, PyAny>>,
    wq: Option<&Bound<'py, PyAny>>,
    diag: Option<String>,
    heads: Option<&Bound<'py, PyAny>>,
    combine: Option<String>,
    softmax: Option<f64>,
    unmasked: bool,
    softmax_side: Option<String>,
    skip: Option<f64>,
    ar1: Option<f64>,
    labels: Option<String>,
) -> PyResult<Bound<'py, PyDict>> {
    let spec = convert::spec(
        model,
        shortcuts(
            kind,
            activation,
            snr,
            wk,
            wq,
            diag,
            heads,
            combine,
            softmax,
            unmasked,
            softmax_side,
            skip,
            ar1,
            labels,
        )?,
    )?;
    let gammas = match gammas {
        Some(g) if !g.is_none() => convert::gammas(g)?,
        _ => th::parse_gammas("0.1").map_err(run::to_py)?,
    };
    let cfg = SimConfig {
        spec,
        n: convert::size("n", n, 1, "must be at least 1")?,
        p: convert::size("p", p, 1, "must be at least 1")?,
        gammas,
        seeds: convert::size("seeds", seeds, 1, "must be at least 1")?,
        seed: u64::try_from(seed).map_err(|_| param_err("seed", seed, "must be >= 0"))?,
    };
    let cfg2 = cfg.clone();
    let t0 = std::time::Instant::now();
    let (reps, points) = interruptible(py, move |cancel| simulate_rounds(&cfg2, cancel))?;
    let seconds = t0.elapsed().as_secs_f64();
    let d = PyDict::new(py);
    d.set_item("n", cfg.n)?;
    d.set_item("p", cfg.p)?;
    d.set_item("seeds", cfg.seeds)?;
    d.set_item("seed", cfg.seed)?;
    d.set_item("rng", rmt_verify::random::RNG_ALGORITHM)?;
    d.set_item("version", rmt_verify::VERSION)?;
    d.set_item("seconds", seconds)?;
    d.set_item("gamma", f64s(py, cfg.gammas.clone()))?;
    // One replicate: no standard error (the CLI prints null), NaN here.
    let single = reps.len() < 2;
    let absent = |x: f64| if single { f64::NAN } else { x };
    for (i, name) in ["E", "yQy", "trQ"].iter().enumerate() {
        let mean: Vec<f64> = points.iter().map(|s| s[i].mean).collect();
        let se: Vec<f64> = points.iter().map(|s| absent(s[i].se)).collect();
        let ci: Vec<Vec<f64>> = points
            .iter()
            .map(|s| vec![absent(s[i].ci95.0), absent(s[i].ci95.1)])
            .collect();
        d.set_item(*name, f64s(py, mean))?;
        d.set_item(format!("{name}_se"), f64s(py, se))?;
        let ci = PyArray2::from_vec2(py, &ci)
            .map_err(|e| pyo3::exceptions::PyRuntimeError::new_err(e.to_string()))?;
        d.set_item(format!("{name}_ci95"), ci)?;
    }
    let r = PyDict::new(py);
    let per = |f: fn(&ReplicateResult) -> &Vec<f64>| -> Vec<Vec<f64>> {
        reps.iter().map(|x| f(x).clone()).collect()
    };
    for (name, rows) in [
        ("E", per(|x| &x.e)),
        ("yQy", per(|x| &x.yqy)),
        ("trQ", per(|x| &x.trq)),
    ] {
        let a = PyArray2::from_vec2(py, &rows)
            .map_err(|e| pyo3::exceptions::PyRuntimeError::new_err(e.to_string()))?;
        r.set_item(name, a)?;
    }
    r.set_item("r1", f64s(py, reps.iter().map(|x| x.r1).collect()))?;
    r.set_item("kappa0", f64s(py, reps.iter().map(|x| x.kappa0).collect()))?;
    r.set_item(
        "lambda_max",
        f64s(py, reps.iter().map(|x| x.lambda_max).collect()),
    )?;
    d.set_item("replicates", r)?;
    convert::add_model_keys(&d, &cfg.spec)?;
    Ok(d)
}

/// A spectral point: a complex number, a pair `(re, im)` or the CLI's `"RE,IM"`, in the CLI's
/// range (`|Re z| <= 1e6`, `1e-12 <= Im z <= 1e6`).
fn spectral_point(obj: &Bound<'_, PyAny>) -> PyResult<Complex64> {
    let (text, v): (String, Vec<f64>) = if let Ok(s) = obj.cast::<PyString>() {
        let s = s.to_cow()?.into_owned();
        let v = s
            .split(',')
            .map(|t| t.trim().parse::<f64>())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| param_err("z", &s, "expected RE,IM"))?;
        (s, v)
    } else if let Ok(z) = obj.extract::<Complex64>() {
        (
            format!("{},{}", fmt_num(z.re), fmt_num(z.im)),
            vec![z.re, z.im],
        )
    } else if let Ok(v) = obj.extract::<Vec<f64>>() {
        let s = v.iter().map(|&x| fmt_num(x)).collect::<Vec<_>>().join(",");
        (s, v)
    } else {
        return Err(pyo3::exceptions::PyTypeError::new_err(
            "z must be complex numbers, (re, im) pairs or strings \"RE,IM\"",
        ));
    };
    let (re, im) = match v[..] {
        [re, im] => (re, im),
        _ => (f64::NAN, f64::NAN),
    };
    spectral::spectral_point(re, im, &text).map_err(run::to_py)
}

fn spectral_points(z: Option<&Bound<'_, PyAny>>) -> PyResult<Vec<Complex64>> {
    let Some(z) = z.filter(|z| !z.is_none()) else {
        return Ok(vec![]);
    };
    // one point (a complex, a string) or a sequence / array of them
    if z.cast::<PyString>().is_ok() || z.extract::<Complex64>().is_ok() {
        return Ok(vec![spectral_point(z)?]);
    }
    let z = if z.hasattr("tolist")? {
        z.call_method0("tolist")?
    } else {
        z.clone()
    };
    // a single (re, im) pair of reals is one point
    if let Ok(v) = z.extract::<Vec<f64>>() {
        if v.len() == 2 && z.cast::<PyList>().is_err() {
            return Ok(vec![spectral_point(&z)?]);
        }
    }
    z.try_iter()?.map(|item| spectral_point(&item?)).collect()
}

/// Limiting spectrum of `K` or `Phi^T Phi / n` (`rmt-verify spectrum`).
#[pyfunction]
#[pyo3(signature = (activation = "tanh".to_string(), *, c, matrix = "kernel".to_string(),
                    diag = "zero".to_string(), z = None, points = 200, x = None,
                    time_limit = 60.0),
       text_signature = "(activation='tanh', *, c, matrix='kernel', diag='zero', z=None, points=200, x=None, time_limit=60.0)")]
#[allow(clippy::too_many_arguments)]
fn spectrum<'py>(
    py: Python<'py>,
    activation: String,
    c: f64,
    matrix: String,
    diag: String,
    z: Option<&Bound<'py, PyAny>>,
    points: i64,
    x: Option<&Bound<'py, PyAny>>,
    time_limit: f64,
) -> PyResult<Bound<'py, PyDict>> {
    let gram = match matrix.as_str() {
        "kernel" => false,
        "gram" => true,
        other => {
            return Err(param_err(
                "matrix",
                other,
                "expected one of `kernel`, `gram`",
            ))
        }
    };
    let diag_v = convert::parse_diag(&diag)?;
    // the CLI's order of checks: c, points, the time limit, z, then the activation
    check_spectrum_c(gram, c).map_err(run::to_py)?;
    let k = usize::try_from(points)
        .ok()
        .filter(|k| (2..=MAX_POINTS).contains(k))
        .ok_or_else(|| param_err("points", points, format!("allowed 2..={MAX_POINTS}")))?;
    require_time_limit("--time-limit", time_limit).map_err(run::to_py)?;
    let zs = spectral_points(z)?;
    let grid: Option<Vec<f64>> = match x {
        Some(x) if !x.is_none() => {
            let v: Vec<f64> = if x.hasattr("tolist")? {
                x.call_method0("tolist")?.extract()?
            } else {
                x.extract()?
            };
            if let Some(bad) = v.iter().find(|t| !t.is_finite()) {
                return Err(param_err("x", bad, "grid points must be finite"));
            }
            if v.len() > MAX_POINTS {
                return Err(param_err(
                    "x",
                    v.len(),
                    format!("at most {MAX_POINTS} grid points"),
                ));
            }
            Some(v)
        }
        _ => None,
    };
    let act_name = activation.clone();
    let out = interruptible(py, move |_| {
        let act = Activation::parse(&act_name)?;
        let p = AttentionParams::from_activation(&act, c, 0.0, [0.0; 3], [0.0; 3], diag_v)?;
        if p.nu == 0.0 {
            return Err(Error::Activation {
                name: act.name().into(),
                reason: "it is constant under N(0,1) (nu = 0): K and Phi^T Phi/n are point masses"
                    .into(),
            });
        }
        let deadline = Deadline::after(Some(time_limit), TIME_LIMIT_HINT);
        let (e, xs, d, ms, atom) = if gram {
            let e = gram_edges_within(&p, &deadline)?;
            let xs = grid.unwrap_or_else(|| {
                let lo = (e.1 * 1e-4).max(e.0 * 0.95);
                (0..k)
                    .map(|i| lo + (1.05 * e.1 - lo) * i as f64 / (k - 1) as f64)
                    .collect()
            });
            let d = gram_density_within(&p, &xs, &deadline)?;
            let ms = zs
                .iter()
                .map(|&z| {
                    deadline.check("the Stieltjes transform of Phi^T Phi/n")?;
                    gram_stieltjes(&p, z)
                })
                .collect::<Result<Vec<_>, _>>()?;
            (e, xs, d, ms, (1.0 - p.c).max(0.0))
        } else {
            let e = kernel_edges(p.c, p.a1, p.nu, p.s)?;
            let xs = grid.unwrap_or_else(|| {
                let w = e.1 - e.0;
                (0..k)
                    .map(|i| e.0 - 0.05 * w + 1.1 * w * i as f64 / (k - 1) as f64)
                    .collect()
            });
            let d = kernel_density(p.c, p.a1, p.nu, p.s, &xs)?;
            let ms = zs
                .iter()
                .map(|&z| kernel_stieltjes(p.c, p.a1, p.nu, p.s, z))
                .collect::<Result<Vec<_>, _>>()?;
            // an affine f (sigma = 0): the eigenvalue s with multiplicity (1 - c) n, as the CLI
            let atom = if p.nu - p.a1 * p.a1 <= 1e-12 * p.nu {
                (1.0 - p.c).max(0.0)
            } else {
                0.0
            };
            (e, xs, d, ms, atom)
        };
        // the CLI's checks of the output: no silent NaN
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
                });
            }
        }
        if d.iter().any(|v| !v.is_finite()) || !(e.0.is_finite() && e.1.is_finite()) {
            return Err(Error::NoConvergence {
                solver: "spectral density".into(),
                iters: 0,
                residual: f64::NAN,
                context: ", non-finite density or edge".into(),
            });
        }
        Ok((p, e, xs, d, zs, ms, atom))
    })?;
    let (p, edges, xs, dens, zs, ms, atom) = out;
    let d = PyDict::new(py);
    d.set_item("matrix", if gram { "gram" } else { "kernel" })?;
    d.set_item("activation", activation)?;
    d.set_item("c", p.c)?;
    d.set_item(
        "diag",
        match diag_v {
            Diag::Zero => "zero",
            Diag::Literal => "literal",
        },
    )?;
    d.set_item("a1", p.a1)?;
    d.set_item("nu", p.nu)?;
    d.set_item("s", p.s)?;
    d.set_item("atom", atom)?;
    // where the atom sits: s for the kernel, 0 for Phi^T Phi/n
    d.set_item("atom_at", if gram { 0.0 } else { p.s })?;
    d.set_item("edges", f64s(py, vec![edges.0, edges.1]))?;
    d.set_item("x", f64s(py, xs))?;
    d.set_item("density", f64s(py, dens))?;
    d.set_item("z", PyArray1::from_vec(py, zs))?;
    d.set_item("m", PyArray1::from_vec(py, ms))?;
    d.set_item("version", rmt_verify::VERSION)?;
    Ok(d)
}

fn row_to_py<'py>(py: Python<'py>, r: &Row) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("label", &r.label)?;
    d.set_item("n", r.n)?;
    d.set_item("reps", r.reps)?;
    d.set_item("theory", r.theory)?;
    d.set_item("measured", r.measured)?;
    d.set_item("mean", r.measured)?;
    d.set_item("se", r.se)?;
    d.set_item("err", r.err)?;
    d.set_item("tol", r.tol)?;
    d.set_item("tolerance", r.tol)?;
    d.set_item("tol_source", &r.tol_source)?;
    d.set_item("z", r.z)?;
    d.set_item("status", status_name(r.status))?;
    Ok(d)
}

fn status_name(s: rmt_verify::Status) -> String {
    s.label().to_lowercase()
}

/// The packs selected by `paper` (all when `None`), refusing an unknown id with the CLI's message.
fn select_packs(paper: Option<&str>) -> Result<Vec<Pack>, Error> {
    let packs = theorems::packs();
    let Some(id) = paper else {
        return Ok(packs);
    };
    match packs.iter().find(|p| p.paper.id == id) {
        Some(p) => Ok(vec![*p]),
        None => Err(Error::UnknownId {
            kind: "paper".into(),
            id: id.to_string(),
            known: packs
                .iter()
                .map(|p| p.paper.id)
                .collect::<Vec<_>>()
                .join(", "),
        }),
    }
}

/// The claims to check: all of the selected packs (paper order) or the given ids, refusing
/// unknown ones with the CLI's message.
fn select(ids: &[String], paper: Option<&str>) -> Result<Vec<Box<dyn Claim>>, Error> {
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
            return Err(Error::UnknownId {
                kind: "claim".into(),
                id: id.clone(),
                known: known.join(", "),
            });
        }
    }
    Ok(all
        .into_iter()
        .filter(|c| ids.iter().any(|i| i == c.id()))
        .collect())
}

/// Checks claims (`rmt-verify verify --format json`): one dict per claim, in paper order.
#[pyfunction]
#[pyo3(signature = (claim = None, budget = "quick".to_string(), *, paper = None, seed = 2506),
       text_signature = "(claim=None, budget='quick', *, paper=None, seed=2506)")]
fn verify<'py>(
    py: Python<'py>,
    claim: Option<&Bound<'py, PyAny>>,
    budget: String,
    paper: Option<String>,
    seed: i64,
) -> PyResult<Bound<'py, PyList>> {
    let ids: Vec<String> = match claim {
        None => vec![],
        Some(c) if c.is_none() => vec![],
        Some(c) => match c.cast::<PyString>() {
            Ok(s) => vec![s.to_cow()?.into_owned()],
            Err(_) => c.extract()?,
        },
    };
    let level = match budget.as_str() {
        "quick" => Level::Quick,
        "full" => Level::Full,
        other => return Err(param_err("budget", other, "expected `quick` or `full`")),
    };
    let budget = Budget {
        level,
        seed: u64::try_from(seed).map_err(|_| param_err("seed", seed, "must be >= 0"))?,
        progress: false,
    };
    select(&ids, paper.as_deref()).map_err(run::to_py)?;
    struct Outcome {
        id: &'static str,
        title: &'static str,
        paper: &'static str,
        statement: &'static str,
        wording: Option<&'static str>,
        verdict: Result<Verdict, String>,
    }
    let outcomes: Vec<Outcome> = interruptible(py, move |cancel| {
        let mut out = Vec::new();
        for c in select(&ids, paper.as_deref())? {
            if cancel.requested() {
                return Err(run::cancelled());
            }
            out.push(Outcome {
                id: c.id(),
                title: c.title(),
                paper: c.paper(),
                statement: c.statement(),
                wording: c.paper_wording(),
                verdict: c.check(&budget).map_err(|e| run::message(&e)),
            });
        }
        Ok(out)
    })?;
    let list = PyList::empty(py);
    for o in outcomes {
        let d = PyDict::new(py);
        match o.verdict {
            Ok(v) => {
                d.set_item("id", &v.id)?;
                d.set_item("title", &v.title)?;
                d.set_item("paper", o.paper)?;
                d.set_item("statement", o.statement)?;
                d.set_item("paper_wording", o.wording)?;
                d.set_item("status", status_name(v.status))?;
                let rows = v
                    .rows
                    .iter()
                    .map(|r| row_to_py(py, r))
                    .collect::<PyResult<Vec<_>>>()?;
                d.set_item("rows", rows)?;
                d.set_item("notes", &v.notes)?;
                d.set_item(
                    "budget",
                    match budget.level {
                        Level::Quick => "quick",
                        Level::Full => "full",
                    },
                )?;
                d.set_item("version", rmt_verify::VERSION)?;
            }
            Err(msg) => {
                // as the CLI: the claim could not run; reported, the others still run
                d.set_item("id", o.id)?;
                d.set_item("title", o.title)?;
                d.set_item("paper", o.paper)?;
                d.set_item("status", "error")?;
                d.set_item("error", msg)?;
                d.set_item("rows", PyList::empty(py))?;
            }
        }
        d.set_item("seed", budget.seed)?;
        d.set_item("seed_scheme", SEED_SCHEME)?;
        list.append(d)?;
    }
    Ok(list)
}

/// The claims (`rmt-verify list --format json`, one dict per claim): id, title, paper pack,
/// statement, the paper's wording where it differs, the status of the committed full run and the
/// negative controls.
#[pyfunction]
#[pyo3(signature = (paper = None))]
fn claims(py: Python<'_>, paper: Option<String>) -> PyResult<Bound<'_, PyList>> {
    let full = theorems::full_run_status();
    let list = PyList::empty(py);
    for p in select_packs(paper.as_deref()).map_err(run::to_py)? {
        for c in (p.claims)() {
            let d = PyDict::new(py);
            d.set_item("id", c.id())?;
            d.set_item("title", c.title())?;
            d.set_item("paper", c.paper())?;
            d.set_item("statement", c.statement())?;
            d.set_item("paper_wording", c.paper_wording())?;
            let status = full.iter().find(|(id, _)| id == c.id()).map(|s| &s.1);
            d.set_item("full_run", status)?;
            let negs: Vec<String> = c
                .negative_controls()
                .iter()
                .map(|n| n.name.clone())
                .collect();
            d.set_item("negative_controls", negs)?;
            list.append(d)?;
        }
    }
    Ok(list)
}

/// The paper packs (`rmt-verify list --format json`, the `paper` of each pack).
#[pyfunction]
fn papers(py: Python<'_>) -> PyResult<Bound<'_, PyList>> {
    let list = PyList::empty(py);
    for p in theorems::papers() {
        let v = serde_json::to_value(p).unwrap_or(serde_json::Value::Null);
        list.append(convert::json_to_py(py, &v)?)?;
    }
    Ok(list)
}

/// The model a call with these arguments runs, as a dict with the keys of a model file.
#[pyfunction]
#[pyo3(signature = (model = None, *, kind = None, activation = None, snr = None, wk = None, wq = None, diag = None,
                    heads = None, combine = None, softmax = None, unmasked = false,
                    softmax_side = None, skip = None, ar1 = None, labels = None))]
#[allow(clippy::too_many_arguments)]
fn model_spec<'py>(
    py: Python<'py>,
    model: Option<&Bound<'py, PyAny>>,
    kind: Option<String>,
    activation: Option<String>,
    snr: Option<f64>,
    wk: Option<&Bound<'py, PyAny>>,
    wq: Option<&Bound<'py, PyAny>>,
    diag: Option<String>,
    heads: Option<&Bound<'py, PyAny>>,
    combine: Option<String>,
    softmax: Option<f64>,
    unmasked: bool,
    softmax_side: Option<String>,
    skip: Option<f64>,
    ar1: Option<f64>,
    labels: Option<String>,
) -> PyResult<Bound<'py, PyAny>> {
    let spec = convert::spec(
        model,
        shortcuts(
            kind,
            activation,
            snr,
            wk,
            wq,
            diag,
            heads,
            combine,
            softmax,
            unmasked,
            softmax_side,
            skip,
            ar1,
            labels,
        )?,
    )?;
    convert::spec_to_py(py, &spec)
}

/// The model a call with these arguments runs, as the text of a model file (TOML).
#[pyfunction]
#[pyo3(signature = (model = None, *, kind = None, activation = None, snr = None, wk = None, wq = None, diag = None,
                    heads = None, combine = None, softmax = None, unmasked = false,
                    softmax_side = None, skip = None, ar1 = None, labels = None))]
#[allow(clippy::too_many_arguments)]
fn model_toml(
    model: Option<&Bound<'_, PyAny>>,
    kind: Option<String>,
    activation: Option<String>,
    snr: Option<f64>,
    wk: Option<&Bound<'_, PyAny>>,
    wq: Option<&Bound<'_, PyAny>>,
    diag: Option<String>,
    heads: Option<&Bound<'_, PyAny>>,
    combine: Option<String>,
    softmax: Option<f64>,
    unmasked: bool,
    softmax_side: Option<String>,
    skip: Option<f64>,
    ar1: Option<f64>,
    labels: Option<String>,
) -> PyResult<String> {
    let spec = convert::spec(
        model,
        shortcuts(
            kind,
            activation,
            snr,
            wk,
            wq,
            diag,
            heads,
            combine,
            softmax,
            unmasked,
            softmax_side,
            skip,
            ar1,
            labels,
        )?,
    )?;
    Ok(spec.to_toml())
}

/// The compiled module (`rmt_verify._rmt_verify`, re-exported by the package `rmt_verify`).
#[pymodule]
fn _rmt_verify(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(hermite, m)?)?;
    m.add_function(wrap_pyfunction!(theory, m)?)?;
    m.add_function(wrap_pyfunction!(simulate, m)?)?;
    m.add_function(wrap_pyfunction!(spectrum, m)?)?;
    m.add_function(wrap_pyfunction!(verify, m)?)?;
    m.add_function(wrap_pyfunction!(claims, m)?)?;
    m.add_function(wrap_pyfunction!(papers, m)?)?;
    m.add_function(wrap_pyfunction!(model_spec, m)?)?;
    m.add_function(wrap_pyfunction!(model_toml, m)?)?;
    m.add("__version__", rmt_verify::VERSION)?;
    Ok(())
}
