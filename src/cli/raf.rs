//! `rmt-verify raf ...`: the Rules-and-Facts pack (arXiv 2603.25579, `docs/raf.md`).
//!
//! * `raf theory --learner krr|linear|rf|bo --activation A --alpha A --eps E --lambda L
//!   [--gamma-rf G]`: the three errors from the theory;
//! * `raf simulate --learner krr|linear|rf ... --d D [--p P] --seeds S --seed K`: Monte Carlo on the
//!   exact model, with standard errors (and the theory beside it);
//! * `raf check-activation A [--alpha A]`: how the activation's kernel trades rules against facts.
//!
//! JSON contract (`--format json`): `theory` prints an object with `eps_gen`, `eps_mem`, `eps_rt`
//! (`null` where undefined: the Bayes-optimal estimator has no training error), `simulate` also
//! `eps_gen_se`, `eps_mem_se`, `eps_rt_se`; both record the parameters and `version`, `simulate`
//! the seed, sizes and RNG. Conventions: `linear` is kernel ridge with the linear kernel
//! (`mu1 = 1`, `mu_star = 0`; `--activation` is ignored); `rf` uses `alpha = n/p`,
//! `gamma = d/p`. Bad input is a one-line `error: ...` and exit code 2.

use rmt_verify::error::{require_nonnegative, require_positive};
use rmt_verify::format::{sci, Format, Table};
use rmt_verify::raf::bo::bo_theory;
use rmt_verify::raf::kernel::KernelCoeffs;
use rmt_verify::raf::mc::{simulate, McLearner, McSpec, MAX_SIZE};
use rmt_verify::raf::report::tradeoff;
use rmt_verify::raf::rf::rf_theory;
use rmt_verify::raf::theory::{krr_theory, require_eps};
use rmt_verify::{Activation, Error};
use serde_json::{json, Value};
use std::process::ExitCode;

/// Arguments of `raf`.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    command: Sub,
}

#[derive(clap::Subcommand, Debug)]
enum Sub {
    /// Theory: eps_gen, eps_mem, eps_rt of a learner (docs/raf.md §4–6).
    Theory(TheoryArgs),
    /// Monte Carlo on the exact model, with standard errors and the theory beside it.
    Simulate(SimArgs),
    /// How an activation's kernel trades rules against facts (mu*^2/mu1^2, lambda_opt, eps_c).
    CheckActivation(CheckArgs),
}

/// Parameters shared by `theory` and `simulate` (numbers are parsed here, so that every bad
/// value gets the same one-line message).
#[derive(clap::Args, Debug)]
struct Common {
    /// Learner: krr, linear, rf, bo (bo: theory only).
    #[arg(long, default_value = "krr")]
    learner: String,
    /// Activation of the kernel / features: built-in name or expression in x.
    #[arg(long, default_value = "sign", allow_hyphen_values = true)]
    activation: String,
    /// n/d (krr, linear, bo) or n/p (rf).
    #[arg(long, default_value = "2", allow_hyphen_values = true)]
    alpha: String,
    /// Fraction of facts, in [0, 1).
    #[arg(long, default_value = "0.2", allow_hyphen_values = true)]
    eps: String,
    /// Ridge (> 0; krr also accepts 0, the ridgeless limit, when mu_star > 0).
    #[arg(long, default_value = "0.1", allow_hyphen_values = true)]
    lambda: String,
    /// gamma = d/p of random features (rf theory; rf simulate takes it from --d/--p).
    #[arg(long = "gamma-rf", allow_hyphen_values = true)]
    gamma_rf: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(clap::Args, Debug)]
struct TheoryArgs {
    #[command(flatten)]
    common: Common,
}

#[derive(clap::Args, Debug)]
struct SimArgs {
    #[command(flatten)]
    common: Common,
    /// Input dimension d.
    #[arg(long, default_value = "500", allow_hyphen_values = true)]
    d: String,
    /// Number of random features p (rf only).
    #[arg(long, allow_hyphen_values = true)]
    p: Option<String>,
    /// Fresh test inputs per replicate (krr, rf).
    #[arg(long = "n-test", default_value = "10000", allow_hyphen_values = true)]
    n_test: String,
    /// Replicates (at least 2).
    #[arg(long, default_value = "4", allow_hyphen_values = true)]
    seeds: String,
    /// Base seed.
    #[arg(long, default_value = "2506", allow_hyphen_values = true)]
    seed: String,
}

#[derive(clap::Args, Debug)]
struct CheckArgs {
    /// Activation: built-in name or expression in x.
    activation: String,
    /// n/d of the error columns.
    #[arg(long, default_value = "2", allow_hyphen_values = true)]
    alpha: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Learner {
    Krr,
    Linear,
    Rf,
    Bo,
}

impl Learner {
    fn name(self) -> &'static str {
        match self {
            Learner::Krr => "krr",
            Learner::Linear => "linear",
            Learner::Rf => "rf",
            Learner::Bo => "bo",
        }
    }
}

fn parse_learner(s: &str) -> Result<Learner, Error> {
    Ok(match s.trim().to_ascii_lowercase().as_str() {
        "krr" => Learner::Krr,
        "linear" => Learner::Linear,
        "rf" => Learner::Rf,
        "bo" => Learner::Bo,
        _ => {
            return Err(Error::param(
                "learner",
                s,
                "unknown learner; known: krr, linear, rf, bo",
            ))
        }
    })
}

fn parse_f64(name: &str, s: &str) -> Result<f64, Error> {
    let v: f64 = s
        .trim()
        .parse()
        .map_err(|_| Error::param(name, s, "not a number"))?;
    if !v.is_finite() {
        return Err(Error::param(name, v, "must be a finite number"));
    }
    Ok(v)
}

fn parse_count(name: &str, s: &str) -> Result<usize, Error> {
    let v: u64 = s
        .trim()
        .parse()
        .map_err(|_| Error::param(name, s, "must be a non-negative integer"))?;
    if v == 0 || v > MAX_SIZE as u64 {
        return Err(Error::param(name, v, format!("must be in 1..={MAX_SIZE}")));
    }
    Ok(v as usize)
}

/// The validated common parameters.
struct Params {
    learner: Learner,
    activation: Activation,
    alpha: f64,
    eps: f64,
    lambda: f64,
    gamma_rf: Option<f64>,
}

fn params(c: &Common) -> Result<Params, Error> {
    let learner = parse_learner(&c.learner)?;
    let alpha = require_positive("alpha", parse_f64("alpha", &c.alpha)?)?;
    let eps = require_eps(parse_f64("eps", &c.eps)?)?;
    let lambda = require_nonnegative("lambda", parse_f64("lambda", &c.lambda)?)?;
    let gamma_rf = c
        .gamma_rf
        .as_deref()
        .map(|g| require_positive("gamma-rf", parse_f64("gamma-rf", g)?))
        .transpose()?;
    let activation = match learner {
        Learner::Linear => Activation::parse("linear")?,
        _ => Activation::parse(&c.activation)?,
    };
    Ok(Params {
        learner,
        activation,
        alpha,
        eps,
        lambda,
        gamma_rf,
    })
}

/// `x` for messages: scientific notation when very large or very small.
fn show(x: f64) -> String {
    if x != 0.0 && !(1e-6..1e15).contains(&x.abs()) {
        format!("{x:e}")
    } else {
        x.to_string()
    }
}

fn num(x: f64) -> Value {
    serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number)
}

/// Runs `raf`.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    match args.command {
        Sub::Theory(a) => run_theory(a),
        Sub::Simulate(a) => run_simulate(a),
        Sub::CheckActivation(a) => run_check(a),
    }
}

/// `(eps_gen, eps_mem, eps_rt, extra JSON)` of the theory.
fn theory_values(p: &Params) -> Result<(f64, Option<f64>, Option<f64>, Value), Error> {
    let need_lambda = |p: &Params| {
        if p.lambda == 0.0 {
            Err(Error::param(
                "lambda",
                0,
                "must be > 0 for this learner (only krr with mu_star > 0 has a ridgeless limit)",
            ))
        } else {
            Ok(())
        }
    };
    Ok(match p.learner {
        Learner::Krr | Learner::Linear => {
            let k = match p.learner {
                Learner::Linear => KernelCoeffs::linear(),
                _ => KernelCoeffs::from_activation(&p.activation)?,
            };
            let t = krr_theory(p.alpha, p.eps, p.lambda, &k)?;
            let extra = json!({
                "mu1": k.mu1, "mustar2": k.mustar2, "lambda_e": t.lambda_e,
                "V": t.state.v, "m": t.state.m, "q": t.state.q, "t": num(t.t),
            });
            (
                t.errors.eps_gen,
                Some(t.errors.eps_mem),
                Some(t.errors.eps_rt),
                extra,
            )
        }
        Learner::Rf => {
            need_lambda(p)?;
            let g = p.gamma_rf.ok_or_else(|| {
                Error::param("gamma-rf", "(missing)", "rf needs --gamma-rf (= d/p)")
            })?;
            let k = KernelCoeffs::from_activation(&p.activation)?;
            let t = rf_theory(p.alpha, g, p.eps, p.lambda, &k)?;
            let extra = json!({
                "mu1": k.mu1, "mustar2": k.mustar2,
                "V_s": t.v_s, "q_s": t.q_s, "m_s": t.m_s, "V_w": t.v_w, "q_w": t.q_w,
                "V": t.big_v, "Q": t.big_q, "M": t.big_m,
            });
            (
                t.errors.eps_gen,
                Some(t.errors.eps_mem),
                Some(t.errors.eps_rt),
                extra,
            )
        }
        Learner::Bo => {
            let t = bo_theory(p.alpha, p.eps)?;
            let extra = json!({
                "q": t.q, "q_hat": t.q_hat,
                "note": "Bayes-optimal estimation of the rule: eps_mem and eps_rt are not defined",
            });
            (t.eps_gen, None, None, extra)
        }
    })
}

fn opt(x: Option<f64>) -> Value {
    x.map_or(Value::Null, num)
}

fn opt_text(x: Option<f64>) -> String {
    x.map_or("-".into(), |v| sci(v, 6))
}

fn run_theory(a: TheoryArgs) -> anyhow::Result<ExitCode> {
    let p = params(&a.common)?;
    if p.learner != Learner::Rf && p.gamma_rf.is_some() {
        return Err(Error::param("gamma-rf", "", "only the rf learner takes --gamma-rf").into());
    }
    let (g, m, r, extra) = theory_values(&p)?;
    let bo = p.learner == Learner::Bo;
    if a.common.format == Format::Json {
        let v = json!({
            "learner": p.learner.name(),
            // the Bayes-optimal estimator has neither activation nor ridge
            "activation": (!bo).then(|| p.activation.name()),
            "alpha": p.alpha, "eps": p.eps, "lambda": (!bo).then_some(p.lambda),
            "gamma_rf": p.gamma_rf,
            "eps_gen": num(g), "eps_mem": opt(m), "eps_rt": opt(r),
            "order_parameters": extra,
            "version": rmt_verify::VERSION,
        });
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(ExitCode::SUCCESS);
    }
    let mut t = Table::new([
        "learner",
        "activation",
        "alpha",
        "eps",
        "lambda",
        "eps_gen",
        "eps_mem",
        "eps_rt",
    ]);
    t.push([
        p.learner.name().to_string(),
        if bo {
            "-".into()
        } else {
            p.activation.name().to_string()
        },
        p.alpha.to_string(),
        p.eps.to_string(),
        if bo { "-".into() } else { p.lambda.to_string() },
        sci(g, 6),
        opt_text(m),
        opt_text(r),
    ]);
    if a.common.format == Format::Table {
        let conv = match p.learner {
            Learner::Rf => format!(
                " (alpha = n/p, gamma = d/p = {})",
                p.gamma_rf.unwrap_or(f64::NAN)
            ),
            _ => " (alpha = n/d)".to_string(),
        };
        println!("# RAF theory, docs/raf.md{conv}; order parameters: {extra}");
    }
    print!("{}", t.render(a.common.format));
    Ok(ExitCode::SUCCESS)
}

fn run_simulate(a: SimArgs) -> anyhow::Result<ExitCode> {
    let p = params(&a.common)?;
    let d = parse_count("d", &a.d)?;
    let seeds = parse_count("seeds", &a.seeds)?;
    let n_test = parse_count("n-test", &a.n_test)?;
    let seed: u64 = a
        .seed
        .trim()
        .parse()
        .map_err(|_| Error::param("seed", &a.seed, "must be a non-negative integer"))?;
    let learner =
        match p.learner {
            Learner::Krr => McLearner::Krr,
            Learner::Linear => McLearner::Linear,
            Learner::Rf => McLearner::Rf,
            Learner::Bo => return Err(Error::param(
                "learner",
                "bo",
                "no Monte Carlo for the Bayes-optimal estimator (it needs posterior sampling); \
                 use `raf theory --learner bo`",
            )
            .into()),
        };
    if p.lambda == 0.0 {
        return Err(Error::param("lambda", 0, "must be > 0 in Monte Carlo").into());
    }
    let pf = match (learner, &a.p) {
        (McLearner::Rf, Some(s)) => parse_count("p", s)?,
        (McLearner::Rf, None) => {
            return Err(Error::param("p", "(missing)", "rf needs --p (number of features)").into())
        }
        (_, Some(_)) => {
            return Err(Error::param("p", "", "only the rf learner takes --p").into());
        }
        (_, None) => 0,
    };
    // n = alpha d (alpha p for rf), checked before any allocation
    let base = if learner == McLearner::Rf { pf } else { d };
    let n_f = (p.alpha * base as f64).round();
    if !(n_f >= 1.0 && n_f <= MAX_SIZE as f64) {
        return Err(Error::param(
            "alpha",
            show(p.alpha),
            format!(
                "n = alpha x {} = {} samples must be in 1..={MAX_SIZE}",
                if learner == McLearner::Rf { "p" } else { "d" },
                show(n_f)
            ),
        )
        .into());
    }
    let n = n_f as usize;
    let gamma = (learner == McLearner::Rf).then(|| d as f64 / pf as f64);
    if let (Some(g), Some(given)) = (gamma, p.gamma_rf) {
        if (g - given).abs() > 1e-9 * given {
            return Err(Error::param(
                "gamma-rf",
                given,
                format!("simulate takes gamma = d/p = {g} from --d and --p; drop --gamma-rf or make them agree"),
            )
            .into());
        }
    }
    let mut spec = McSpec::new(learner, p.activation.clone(), p.eps, vec![p.lambda], n, d);
    spec.p = pf;
    spec.n_test = n_test;
    spec.seeds = seeds;
    spec.seed = seed;
    spec.validate()?;
    spec.check_memory()?;
    // the theory beside the measurement (same conventions)
    let th_params = Params {
        gamma_rf: gamma,
        activation: p.activation.clone(),
        ..p
    };
    let (tg, tm, tr, _) = theory_values(&th_params)?;
    let t0 = std::time::Instant::now();
    let res = simulate(&spec)?;
    let seconds = t0.elapsed().as_secs_f64();
    let pt = res.points[0];
    let n_facts: usize = res.replicates.iter().map(|r| r.n_facts).sum();
    if a.common.format == Format::Json {
        let v = json!({
            "learner": th_params.learner.name(),
            "activation": spec.activation.name(),
            "alpha": th_params.alpha, "eps": spec.eps, "lambda": th_params.lambda,
            "gamma_rf": gamma,
            "n": n, "d": d, "p": (learner == McLearner::Rf).then_some(pf),
            "n_test": (learner != McLearner::Linear).then_some(n_test),
            "seeds": seeds, "seed": seed,
            "eps_gen": num(pt.eps_gen.mean), "eps_gen_se": num(pt.eps_gen.se),
            "eps_mem": num(pt.eps_mem.mean), "eps_mem_se": num(pt.eps_mem.se),
            "eps_rt": num(pt.eps_rt.mean), "eps_rt_se": num(pt.eps_rt.se),
            "eps_gen_plain": num(pt.eps_gen_plain.mean), "eps_gen_plain_se": num(pt.eps_gen_plain.se),
            "facts_total": n_facts,
            "theory": { "eps_gen": num(tg), "eps_mem": opt(tm), "eps_rt": opt(tr) },
            "rng": rmt_verify::random::RNG_ALGORITHM,
            "version": rmt_verify::VERSION,
            "seconds": num(seconds),
        });
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(ExitCode::SUCCESS);
    }
    let mut t = Table::new(["quantity", "monte_carlo", "se", "theory"]);
    for (name, s, th) in [
        ("eps_gen", pt.eps_gen, Some(tg)),
        ("eps_mem", pt.eps_mem, tm),
        ("eps_rt", pt.eps_rt, tr),
    ] {
        t.push([name.to_string(), sci(s.mean, 4), sci(s.se, 2), opt_text(th)]);
    }
    if a.common.format == Format::Table {
        println!(
            "# RAF Monte Carlo: {} {}, n = {n}, d = {d}{}, alpha = {}, eps = {}, lambda = {}, {} seeds from seed {seed}, {} facts in all ({seconds:.2} s)",
            th_params.learner.name(),
            spec.activation.name(),
            if learner == McLearner::Rf { format!(", p = {pf}") } else { String::new() },
            th_params.alpha,
            spec.eps,
            th_params.lambda,
            seeds,
            n_facts,
        );
    }
    print!("{}", t.render(a.common.format));
    Ok(ExitCode::SUCCESS)
}

fn run_check(a: CheckArgs) -> anyhow::Result<ExitCode> {
    let act = Activation::parse(&a.activation)?;
    let alpha = require_positive("alpha", parse_f64("alpha", &a.alpha)?)?;
    let r = tradeoff(&act, alpha)?;
    if a.format == Format::Json {
        let mut v = serde_json::to_value(&r)?;
        v["activation"] = json!(act.name());
        v["version"] = json!(rmt_verify::VERSION);
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(ExitCode::SUCCESS);
    }
    let mut t = Table::new([
        "eps",
        "lambda_opt",
        "eps_gen(opt)",
        "eps_mem(opt)",
        "eps_gen(ridgeless)",
        "eps_mem(ridgeless)",
        "cost of memorizing",
    ]);
    for row in &r.rows {
        t.push([
            row.eps.to_string(),
            sci(row.lambda_opt, 4),
            sci(row.at_opt.eps_gen, 4),
            sci(row.at_opt.eps_mem, 4),
            sci(row.ridgeless.eps_gen, 4),
            sci(row.ridgeless.eps_mem, 4),
            sci(row.memorization_cost, 2),
        ]);
    }
    if a.format == Format::Table {
        let k = &r.kernel;
        println!(
            "# Rules and facts: the kernel of `{}` (docs/raf.md §7)",
            act.name()
        );
        println!(
            "# mu1 = {:.6}, mu*^2 = {:.6} ({}), implicit ridge r = mu*^2/mu1^2 = {:.6}",
            k.mu1, k.mustar2, k.source, r.ratio
        );
        match r.eps_c {
            Some(e) => println!(
                "# ridgeless KRR memorizes every fact at no cost to generalization for eps <= eps_c(r) = {e:.4}; above, the optimal ridge lambda_opt > 0 gives up some facts"
            ),
            None => println!(
                "# eps_c(r) < 0: even without facts (eps = 0) the optimal ridge is > 0; memorizing every fact (lambda -> 0) always costs generalization"
            ),
        }
        println!(
            "# errors at alpha = n/d = {alpha}; ridgeless = lambda -> 0+ ({})",
            r.ridgeless_lambda
        );
    }
    print!("{}", t.render(a.format));
    Ok(ExitCode::SUCCESS)
}
