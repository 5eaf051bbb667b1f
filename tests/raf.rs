//! The Rules-and-Facts engine (`src/raf/`, `docs/raf.md`): the theory against the reference
//! tables of `docs/raf.md §9` and Appendix B, the rate slopes, the Monte Carlo's
//! reproducibility and thread-count invariance, and the control-variate estimator.

use rmt_verify::quadrature::gauss_hermite;
use rmt_verify::raf::bo::{bo_rate_prefactor, bo_theory};
use rmt_verify::raf::common::{mc_tol, Z};
use rmt_verify::raf::mc::{run_replicate, simulate, McLearner, McResult, McSpec};
use rmt_verify::raf::rf::rf_theory;
use rmt_verify::raf::theory::{
    eps_c, krr_rate_prefactor, krr_theory, lambda_opt, normal_cdf, ridge_state, Errors,
};
use rmt_verify::raf::KernelCoeffs;
use rmt_verify::Activation;

fn kernel(name: &str) -> KernelCoeffs {
    match name {
        "linear" => KernelCoeffs::linear(),
        _ => KernelCoeffs::from_activation(&Activation::parse(name).unwrap()).unwrap(),
    }
}

fn krr(alpha: f64, eps: f64, lambda: f64, k: &str) -> Errors {
    krr_theory(alpha, eps, lambda, &kernel(k)).unwrap().errors
}

/// `(alpha, eps, lambda, kernel, eps_gen, eps_mem)` of a reference table.
type TheoryRow = (f64, f64, f64, &'static str, Option<f64>, Option<f64>);

/// `(alpha, eps, lambda, kernel, (MC eps_gen, seed sd), (MC eps_mem, seed sd))`.
type McRow = (f64, f64, f64, &'static str, (f64, f64), (f64, f64));

/// `|x - printed| <=` half a unit of the printed digit.
fn printed(x: f64, value: f64, decimals: i32, what: &str) {
    let tol = 0.5 * 10f64.powi(-decimals) + 1e-12;
    assert!((x - value).abs() <= tol, "{what}: {x} vs printed {value}");
}

// ------------------------------------------------------------------ docs/raf.md §9 (theory)

/// §9.1 (linear ridge) and §9.2 (kernel ridge): every theory entry to its printed digits, but
/// `eps_rt` (see [`eps_rt_reference_values_were_gauss_hermite_artifacts`]).
#[test]
fn section_9_theory_values() {
    let s = ridge_state(0.5, 0.2, 0.1).unwrap();
    printed(s.m, 0.2718, 4, "m");
    printed(s.q, 0.4875, 4, "q");
    let rows: &[TheoryRow] = &[
        // (alpha, eps, lambda, kernel, eps_gen, eps_mem)
        (0.5, 0.2, 0.1, "linear", Some(0.3727), Some(0.0)),
        (2.0, 0.2, 0.5, "linear", Some(0.2527), Some(0.1955)),
        (3.0, 0.5, 0.05, "linear", Some(0.3228), Some(0.2564)),
        (1.5, 0.1, 1.0, "linear", Some(0.2460), None),
        (2.0, 0.2, 0.01, "sign", Some(0.2514), Some(0.0)),
        (2.0, 0.2, 3.0, "sign", Some(0.2532), Some(0.1083)),
        (3.0, 0.3, 1.0, "erf", Some(0.2410), Some(0.2591)),
        (3.0, 0.3, 0.1, "erf(0.5*x)", Some(0.2467), Some(0.2499)),
        (2.0, 0.4, 0.02, "erf(0.5*x)", Some(0.3300), Some(0.0784)),
        (4.0, 0.2, 0.05, "sign", Some(0.1877), None),
        (1.5, 0.1, 1e-3, "erf", Some(0.2695), None),
        (1.0, 0.2, 10.0, "sign", None, Some(0.0662)),
    ];
    for &(a, e, l, k, g, m) in rows {
        let t = krr(a, e, l, k);
        let what = format!("{k} α={a} ε={e} λ={l}");
        if let Some(g) = g {
            printed(t.eps_gen, g, 4, &what);
        }
        if let Some(m) = m {
            printed(t.eps_mem, m, 4, &what);
        }
    }
    printed(krr(1.5, 0.1, 1.0, "linear").eps_mem, 0.159, 3, "linear 1.5");
}

/// The reference `eps_rt` values (0.0406 linear, 0.0129 sign) came from a 121-point
/// Gauss–Hermite rule applied to an integrand with a kink (`|zeta|`): our tanh-sinh value split
/// at the kink agrees with a 2e6-interval trapezoid to 1e-10, and the reference numbers are
/// what the fixed rule gives.
#[test]
fn eps_rt_reference_values_were_gauss_hermite_artifacts() {
    for (alpha, eps, lambda, k, reference) in [
        (2.0, 0.2, 0.5, "linear", 0.0406),
        (2.0, 0.2, 3.0, "sign", 0.0129),
    ] {
        let p = krr_theory(alpha, eps, lambda, &kernel(k)).unwrap();
        let (t, m, q) = (p.t, p.state.m, p.state.q);
        let s = (q - m * m).sqrt();
        let f = |z: f64| normal_cdf((t - m * z.abs()) / s);
        let n = 2_000_000;
        let h = 12.0 / n as f64;
        let trap: f64 = (0..=n)
            .map(|i| {
                let z = i as f64 * h;
                let w = if i == 0 || i == n { 0.5 } else { 1.0 };
                w * f(z) * (-0.5 * z * z).exp()
            })
            .sum::<f64>()
            * 2.0
            * h
            / (2.0 * std::f64::consts::PI).sqrt();
        assert!(
            (p.errors.eps_rt - trap).abs() < 1e-10,
            "{k}: {} vs {trap}",
            p.errors.eps_rt
        );
        let gh = gauss_hermite(121).unwrap().expect(f);
        printed(gh, reference, 4, "fixed Gauss-Hermite");
        assert!((p.errors.eps_rt - reference).abs() > 4e-4);
    }
}

/// §9.3 and §4.5: random features at finite p, and the approach to kernel ridge as gamma -> 0.
#[test]
fn random_features_theory_values() {
    let sign = kernel("sign");
    for (a, g, e, l, gen, mem) in [
        (1.0, 0.5, 0.2, 0.1, 0.3699, 0.0126),
        (2.0, 0.5, 0.2, 0.01, 0.3505, 0.1606),
        (0.8, 0.3, 0.3, 0.05, 0.3744, 1e-4),
        (1.5, 1.5, 0.2, 0.1, 0.4331, 0.0873),
    ] {
        let t = rf_theory(a, g, e, l, &sign).unwrap().errors;
        printed(t.eps_gen, gen, 4, "RF eps_gen");
        printed(t.eps_mem, mem, 4, "RF eps_mem");
    }
    printed(krr(2.0, 0.2, 0.3, "sign").eps_gen, 0.2484, 4, "KRR");
    for (g, want) in [(0.1, 0.2802), (0.01, 0.2520), (0.001, 0.2488)] {
        let t = rf_theory(2.0 * g, g, 0.2, 0.3, &sign).unwrap().errors;
        // one unit of the last digit: the reference used a damped iteration stopped at a
        // 1e-9 step (0.2488 at gamma = 0.001 vs our converged 0.248745)
        assert!(
            (t.eps_gen - want).abs() <= 1e-4,
            "RF -> KRR {g}: {}",
            t.eps_gen
        );
    }
    // docs/raf.md §7 C7: ridgeless eps_mem at gamma = 0.5, eps = 0.2 ("< 1e-4", "1e-4", 0.159)
    for (a, want) in [
        (0.5, 0.0f64),
        (0.9, 0.0),
        (0.99, 0.0),
        (1.01, 0.0),
        (1.1, 1e-4),
        (2.0, 0.159),
    ] {
        let t = rf_theory(a, 0.5, 0.2, 1e-6, &sign).unwrap().errors;
        // printed to one significant digit (1e-4) or three decimals (0.159)
        let tol = if want < 0.01 { 1e-4 } else { 5e-4 };
        assert!((t.eps_mem - want).abs() <= tol, "n/p = {a}: {}", t.eps_mem);
    }
}

/// §7: lambda_opt, eps_c, the linear trade-off values and the KRR prefactor.
#[test]
fn section_7_values() {
    printed(eps_c(1.0), 0.114, 3, "eps_c(1)");
    printed(eps_c(2.0), 0.276, 3, "eps_c(2)");
    printed(eps_c(5.0), 0.488, 3, "eps_c(5)");
    // sign kernel sits at the boundary for eps = 0
    assert!(eps_c(std::f64::consts::FRAC_PI_2 - 1.0).abs() < 1e-15);
    assert_eq!(lambda_opt(0.0, &kernel("sign")), 0.0);
    assert!(lambda_opt(0.01, &kernel("sign")) > 0.0);
    for (a, want) in [(1.5, 0.057), (2.0, 0.159), (3.0, 0.276)] {
        printed(
            krr(a, 0.2, 1e-9, "linear").eps_mem,
            want,
            3,
            "linear ridgeless",
        );
    }
    printed(krr_rate_prefactor(0.2), 0.38387, 5, "KRR prefactor");
}

// ------------------------------------------------------------------ Appendix B and rates

/// Appendix B: the authors' Bayes-optimal overlaps at eps = 0.2, to 1e-5.
#[test]
fn appendix_b_to_1e5() {
    for (alpha, q) in rmt_verify::raf::claims::bo_rate_one::APPENDIX_B {
        let p = bo_theory(alpha, 0.2).unwrap();
        assert!((p.q - q).abs() <= 1e-5, "alpha = {alpha}: {} vs {q}", p.q);
    }
    let p = bo_theory(1.0, 0.2).unwrap();
    printed(p.eps_gen, 0.30806, 5, "BO eps_gen(1)");
}

/// The stated rate slopes to 1e-3: KRR -1/2 on [1e2, 1e4] (eps = 0.2), Bayes-optimal -1 on
/// [100, 300] and beyond; prefactors.
#[test]
fn rate_slopes() {
    for k in ["sign", "erf", "linear"] {
        for lambda in [0.01, 1.0] {
            let e = |a: f64| krr(a, 0.2, lambda, k).eps_gen;
            for (lo, hi) in [(1e2, 1e3), (1e3, 1e4), (1e2, 1e4)] {
                let s = (e(hi) / e(lo)).ln() / (hi / lo).ln();
                assert!((s + 0.5).abs() < 1e-3, "{k} λ={lambda} [{lo},{hi}]: {s}");
            }
            assert!((e(1e4) * 100.0 / krr_rate_prefactor(0.2) - 1.0).abs() < 1e-4);
        }
    }
    let e = |a: f64| bo_theory(a, 0.2).unwrap().eps_gen;
    for (lo, hi) in [(100.0, 300.0), (300.0, 1000.0), (1000.0, 3000.0)] {
        let s = (e(hi) / e(lo)).ln() / (hi / lo).ln();
        assert!((s + 1.0).abs() < 1e-3, "BO [{lo},{hi}]: {s}");
    }
    let c = bo_rate_prefactor(0.2).unwrap();
    printed(c, 0.917, 3, "BO prefactor (docs/raf.md §6: 0.917)");
    assert!((3000.0 * e(3000.0) / c - 1.0).abs() < 1e-4);
}

// ------------------------------------------------------------------ Monte Carlo engine

fn spec(learner: McLearner, act: &str, n: usize, d: usize, p: usize) -> McSpec {
    let mut s = McSpec::new(
        learner,
        Activation::parse(act).unwrap(),
        0.3,
        vec![0.05, 1.0],
        n,
        d,
    );
    s.p = p;
    s.n_test = 1500; // two test blocks, one ragged
    s.seeds = 3;
    s.seed = 99;
    s
}

fn bits(r: &McResult) -> Vec<u64> {
    r.replicates
        .iter()
        .flat_map(|x| x.per_lambda.iter())
        .flat_map(|e| [e.eps_gen, e.eps_gen_plain, e.eps_mem, e.eps_rt])
        .map(f64::to_bits)
        .collect()
}

/// Bit-identical results with 1 and 2 rayon threads, for every learner and both solve paths
/// (n = 150 spans two column blocks of the fixed partition).
#[test]
fn results_do_not_depend_on_thread_count() {
    let cases = [
        spec(McLearner::Krr, "sign", 150, 60, 0),
        spec(McLearner::Krr, "tanh", 150, 60, 0),
        spec(McLearner::Linear, "linear", 150, 60, 0),
        spec(McLearner::Linear, "linear", 60, 150, 0),
        spec(McLearner::Rf, "sign", 150, 40, 130),
        spec(McLearner::Rf, "relu", 100, 40, 130),
    ];
    for c in cases {
        let run = |t: usize| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(t)
                .build()
                .unwrap()
                .install(|| simulate(&c).unwrap())
        };
        let (a, b) = (run(1), run(2));
        assert_eq!(
            bits(&a),
            bits(&b),
            "{:?} {}",
            c.learner,
            c.activation.name()
        );
    }
}

/// Replicate r of a run is `run_replicate(spec, r)`; another seed gives other numbers; the
/// label stream is pinned (value stability: 16 facts among the 40 samples at eps = 0.3,
/// seed 99, replicate 0).
#[test]
fn reproducible_from_the_seed() {
    let c = spec(McLearner::Krr, "sign", 40, 30, 0);
    let a = simulate(&c).unwrap();
    let r1 = run_replicate(&c, 1).unwrap();
    assert_eq!(
        r1.per_lambda[0].eps_gen.to_bits(),
        a.replicates[1].per_lambda[0].eps_gen.to_bits()
    );
    assert_eq!(a.replicates[0].n_facts, 16);
    let mut c2 = c.clone();
    c2.seed += 1;
    let b = simulate(&c2).unwrap();
    assert_ne!(bits(&a), bits(&b));
}

/// The control-variate estimate of eps_gen and the plain test-point average estimate the
/// same quantity: their paired difference over 40 replicates is within 4 standard errors of 0,
/// and the control variate has the smaller spread.
#[test]
fn control_variate_is_unbiased() {
    let mut c = McSpec::new(
        McLearner::Krr,
        Activation::parse("sign").unwrap(),
        0.2,
        vec![0.1],
        200,
        100,
    );
    c.seeds = 40;
    c.n_test = 1000;
    let r = simulate(&c).unwrap();
    let diffs: Vec<f64> = r
        .replicates
        .iter()
        .map(|x| x.per_lambda[0].eps_gen - x.per_lambda[0].eps_gen_plain)
        .collect();
    let s = rmt_verify::monte_carlo::summarize(&diffs);
    assert!(s.mean.abs() <= Z * s.se, "{s:?}");
    assert!(r.points[0].eps_gen.se < r.points[0].eps_gen_plain.se);
}

/// Bad configurations are errors before any allocation.
#[test]
fn bad_specs_are_rejected() {
    let ok = spec(McLearner::Krr, "sign", 40, 30, 0);
    assert!(ok.validate().is_ok());
    let mut s = ok.clone();
    s.eps = 1.0;
    assert!(s.validate().is_err());
    let mut s = ok.clone();
    s.lambdas = vec![0.0];
    assert!(s.validate().is_err());
    let mut s = ok.clone();
    s.seeds = 1;
    assert!(s.validate().is_err());
    let mut s = ok.clone();
    s.learner = McLearner::Rf;
    assert!(s.validate().is_err(), "rf without p");
    let mut s = ok.clone();
    s.n = 1 << 26;
    s.d = 1 << 26;
    assert!(s.check_memory().is_err());
    let mut s = ok;
    s.activation = Activation::parse("cos").unwrap();
    assert!(simulate(&s).is_err(), "a1 = 0 kernel");
}

// ------------------------------------------------------------------ §9 Monte Carlo (heavy)

/// The Monte Carlo columns of `docs/raf.md §9.2` (kernel ridge, d = 1000) and §9.3 (random
/// features, p = 1000): our Monte Carlo agrees with the theory (the claims' tolerance) and with
/// the reference Monte Carlo (3 seeds, "±" = seed std) within 4 combined standard errors plus
/// the finite-size term. Several minutes.
#[test]
#[ignore = "d = 1000 Monte Carlo; run: cargo test --release --test raf -- --ignored"]
fn section_9_monte_carlo() {
    // (alpha, eps, lambda, kernel, (theory gen, ref gen, ref sd), (theory mem, ref mem, ref sd))
    let krr_rows: &[McRow] = &[
        (2.0, 0.2, 0.01, "sign", (0.2485, 0.007), (0.0, 0.0)),
        (2.0, 0.2, 3.0, "sign", (0.2528, 0.007), (0.1097, 0.007)),
        (3.0, 0.3, 1.0, "erf", (0.2527, 0.009), (0.2602, 0.004)),
        (3.0, 0.3, 0.1, "erf(0.5*x)", (0.258, 0.009), (0.2458, 0.005)),
        (2.0, 0.4, 0.02, "erf(0.5*x)", (0.340, 0.008), (0.078, 0.014)),
        (4.0, 0.2, 0.05, "sign", (0.1901, 0.002), (0.0, 0.0)),
    ];
    let d = 1000;
    for &(alpha, eps, lambda, k, (rg, rgs), (rm, rms)) in krr_rows {
        let th = krr(alpha, eps, lambda, k);
        let mut s = McSpec::new(
            McLearner::Krr,
            Activation::parse(k).unwrap(),
            eps,
            vec![lambda],
            (alpha * d as f64) as usize,
            d,
        );
        s.seeds = 6;
        let pt = simulate(&s).unwrap().points[0];
        let what = format!("{k} α={alpha} ε={eps} λ={lambda}");
        for (mc, t, r, rsd) in [
            (pt.eps_gen, th.eps_gen, rg, rgs),
            (pt.eps_mem, th.eps_mem, rm, rms),
        ] {
            assert!(
                (mc.mean - t).abs() <= mc_tol(mc.se, d),
                "{what}: {mc:?} vs theory {t}"
            );
            let se = (mc.se.powi(2) + rsd.powi(2) / 3.0).sqrt();
            assert!(
                (mc.mean - r).abs() <= Z * se + mc_tol(0.0, d),
                "{what}: {mc:?} vs reference {r} ± {rsd}"
            );
        }
    }
    let sign = kernel("sign");
    let p = 1000;
    for (a, g, e, l, rg, rm) in [
        (1.0, 0.5, 0.2, 0.1, 0.3695, 0.0129),
        (2.0, 0.5, 0.2, 0.01, 0.3586, 0.152),
        (0.8, 0.3, 0.3, 0.05, 0.381, 0.0),
        (1.5, 1.5, 0.2, 0.1, 0.4363, 0.094),
    ] {
        let th = rf_theory(a, g, e, l, &sign).unwrap().errors;
        let mut s = McSpec::new(
            McLearner::Rf,
            Activation::parse("sign").unwrap(),
            e,
            vec![l],
            (a * p as f64) as usize,
            (g * p as f64) as usize,
        );
        s.p = p;
        s.seeds = 6;
        let pt = simulate(&s).unwrap().points[0];
        for (mc, t, r) in [(pt.eps_gen, th.eps_gen, rg), (pt.eps_mem, th.eps_mem, rm)] {
            assert!(
                (mc.mean - t).abs() <= mc_tol(mc.se, p),
                "RF {a} {g}: {mc:?} vs {t}"
            );
            // the reference gives no spread for most RF entries: 0.015 (its largest) assumed
            let se = (mc.se.powi(2) + 0.015f64.powi(2) / 3.0).sqrt();
            assert!(
                (mc.mean - r).abs() <= Z * se + mc_tol(0.0, p),
                "RF {a} {g}: vs {r}"
            );
        }
    }
}

// ------------------------------------------------------------------ figures

/// `raf-phase` (theory only): the boundary starts at the sign kernel's ratio pi/2 - 1 at
/// eps = 0 and grows with eps; each activation is a horizontal line at its mu*^2/mu1^2.
#[test]
fn raf_phase_figure() {
    let spec = rmt_verify::figures::find("raf-phase").unwrap();
    let plots = (spec.build)(&rmt_verify::claim::Budget::quick()).unwrap();
    let p = &plots[0];
    assert!(p.log_y && !p.log_x);
    let line = &p.series[0];
    assert!((line.y[0] - (std::f64::consts::FRAC_PI_2 - 1.0)).abs() < 1e-12);
    assert!(line.y.windows(2).all(|w| w[1] > w[0]));
    let sign = p
        .series
        .iter()
        .find(|s| s.name.starts_with("sign"))
        .unwrap();
    assert!((sign.y[0] - (std::f64::consts::FRAC_PI_2 - 1.0)).abs() < 1e-12);
}
