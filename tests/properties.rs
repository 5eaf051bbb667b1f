//! Property tests (issue 10): random expressions parse and evaluate exactly like an independent
//! reference evaluation; Hermite coefficients are linear and scale-covariant; every generated
//! CLI input succeeds or exits 2 with one line. Fixed seeds (the same cases every run; a new
//! seed is a one-line change to explore) and few cases: the whole file runs in a few seconds.

mod common;

use common::{mangled, tree};
use proptest::prelude::*;
use proptest::test_runner::RngSeed;
use rmt_verify::error::Error;
use rmt_verify::expr::Expr;
use rmt_verify::hermite::{hermite_coeffs, HermiteCoeffs};
use rmt_verify::Activation;
use std::process::Command;

/// Evaluation points: both signs, the kink at 0, the tails.
const XS: [f64; 8] = [-11.3, -2.5, -0.7, 0.0, 0.3, 1.9, 7.7, 40.0];

fn same(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, rng_seed: RngSeed::Fixed(2506), ..ProptestConfig::default() })]

    /// Parsing the minimal-parentheses rendering recovers the tree: the parsed expression
    /// gives bit for bit the reference value (same operations in the same order).
    #[test]
    fn random_expressions_evaluate_like_the_reference(t in tree(5)) {
        let src = t.render();
        match Expr::parse(&src) {
            Ok(e) => {
                for x in XS {
                    let (got, want) = (e.eval(x), t.eval(x));
                    prop_assert!(same(got, want), "{src} at {x}: {got} vs {want}");
                }
            }
            // The only admissible refusal of a short, shallow expression: too many kinks
            // (`abs(sin(9*x))` has 69; nested ones multiply).
            Err(Error::InvalidParam { name, .. }) => {
                prop_assert!(name.contains("break points"), "{src}: {name}");
            }
            Err(e) => prop_assert!(false, "{src}: {e}"),
        }
    }

    /// Strings near the grammar never panic; a refusal names a position or a limit.
    #[test]
    fn mangled_expressions_parse_or_refuse(s in mangled(4)) {
        match Expr::parse(&s) {
            Ok(e) => {
                for x in XS {
                    let _ = e.eval(x);
                    let _ = e.eval_log(x);
                }
            }
            Err(Error::Parse { pos, .. }) => prop_assert!(pos <= s.chars().count()),
            Err(Error::InvalidParam { .. }) => {}
            Err(e) => prop_assert!(false, "{s:?}: unexpected error kind {e}"),
        }
    }
}

/// Activations for the Hermite properties: smooth (Gauss–Hermite) and kinked (tanh-sinh).
const POOL: [&str; 8] = [
    "tanh(x)",
    "x^2",
    "sin(2*x)",
    "max(x,0)",
    "abs(x-0.3)",
    "x*tanh(x)",
    "exp(-x^2)",
    "erf(x)+0.1*x^3",
];

fn coeffs(spec: &str) -> HermiteCoeffs {
    let act = Activation::parse(spec).unwrap_or_else(|e| panic!("{spec}: {e}"));
    hermite_coeffs(&act, 4).unwrap_or_else(|e| panic!("{spec}: {e}"))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 10, rng_seed: RngSeed::Fixed(2506), ..ProptestConfig::default() })]

    /// `a f + b g` has coefficients `a a_k(f) + b a_k(g)`, within the error estimates (x 10)
    /// plus rounding (`eps` times the terms, x 64 for the evaluation and the sums).
    #[test]
    fn hermite_coefficients_are_linear(
        i in 0..POOL.len(),
        j in 0..POOL.len(),
        a in -3.0f64..3.0,
        b in -3.0f64..3.0,
    ) {
        let (f, g) = (coeffs(POOL[i]), coeffs(POOL[j]));
        let h = coeffs(&format!("{a:?}*({}) + {b:?}*({})", POOL[i], POOL[j]));
        for k in 0..=4 {
            let want = a * f.a[k] + b * g.a[k];
            let err = h.errors[k] + a.abs() * f.errors[k] + b.abs() * g.errors[k];
            let round = 64.0 * f64::EPSILON * (a.abs() * f.nu.sqrt().max(f.mean.abs())
                + b.abs() * g.nu.sqrt().max(g.mean.abs()) + 1.0);
            prop_assert!(
                (h.a[k] - want).abs() <= 10.0 * err + round,
                "a_{k} of {a} {} + {b} {}: {} vs {want} (err {err:e})", POOL[i], POOL[j], h.a[k]
            );
        }
    }

    /// Scale covariance (issue 10: `1e12*tanh(x)` was refused while `1e9*tanh(x)` worked):
    /// `c f` has coefficients `c a_k(f)` and `nu(c f) = c^2 nu(f)`, relative to the scale of
    /// `c f`, within 10 error estimates plus 64 eps.
    #[test]
    fn hermite_coefficients_scale(i in 0..POOL.len(), e in -12.0f64..12.0, neg in any::<bool>()) {
        let c = if neg { -(10f64.powf(e)) } else { 10f64.powf(e) };
        let f = coeffs(POOL[i]);
        let h = coeffs(&format!("{c:e}*({})", POOL[i]));
        let unit = c.abs() * (f.nu + f.mean * f.mean).sqrt();
        for k in 0..=4 {
            let want = c * f.a[k];
            let tol = 10.0 * (h.errors[k] + c.abs() * f.errors[k]) + 64.0 * f64::EPSILON * unit;
            prop_assert!((h.a[k] - want).abs() <= tol, "a_{k} of {c} {}: {} vs {want}", POOL[i], h.a[k]);
        }
        let tol = 10.0 * (h.nu_error + c * c * f.nu_error) + 64.0 * f64::EPSILON * unit * unit;
        prop_assert!((h.nu - c * c * f.nu).abs() <= tol, "nu of {c} {}: {} vs {}", POOL[i], h.nu, c * c * f.nu);
    }
}

/// A generated CLI input: the argument vector.
fn cli_input() -> impl Strategy<Value = Vec<String>> {
    let num = prop_oneof![
        Just("NaN".to_string()),
        Just("inf".to_string()),
        Just("-inf".to_string()),
        Just("0".to_string()),
        Just("-0".to_string()),
        Just("1e308".to_string()),
        Just("-1e-300".to_string()),
        Just("1e-320".to_string()),
        (-1e3f64..1e3).prop_map(|v| format!("{v}")),
        (0.01f64..10.0).prop_map(|v| format!("{v}")),
    ];
    let count = prop_oneof![
        Just("0".to_string()),
        Just("1".to_string()),
        Just("3".to_string()),
        Just("18446744073709551615".to_string()),
    ];
    let act = prop_oneof![
        Just("tanh".to_string()),
        Just("relu".to_string()),
        tree(3).prop_map(|t| t.render()),
        mangled(2),
    ];
    prop_oneof![
        (act.clone(), count.clone(), any::<bool>()).prop_map(|(a, k, json)| {
            let mut v = vec!["hermite".into(), a, "--order".into(), k];
            if json {
                v.extend(["--format".into(), "json".into()]);
            }
            v
        }),
        (num.clone(), count, num.clone(), num.clone()).prop_map(|(c, k, re, im)| {
            vec![
                "spectrum".into(),
                "--c".into(),
                c,
                "--points".into(),
                k,
                "--z".into(),
                format!("{re},{im}"),
            ]
        }),
        (act, num.clone()).prop_map(|(a, c)| {
            vec![
                "spectrum".into(),
                "--activation".into(),
                a,
                "--c".into(),
                c,
                "--points".into(),
                "3".into(),
            ]
        }),
        (num.clone(), num)
            .prop_map(|(c, g)| { vec!["theory".into(), "--c".into(), c, "--gamma".into(), g] }),
    ]
}

proptest! {
    // Each case spawns the binary: few cases.
    #![proptest_config(ProptestConfig { cases: 12, rng_seed: RngSeed::Fixed(2506), ..ProptestConfig::default() })]

    /// Every input exits 0 or 2, never 101 (panic) or a signal; an error is one line.
    #[test]
    fn cli_inputs_succeed_or_exit_2_with_one_line(args in cli_input()) {
        let out = Command::new(env!("CARGO_BIN_EXE_rmt-verify"))
            .args(&args)
            .output()
            .expect("binary runs");
        let code = out.status.code();
        prop_assert!(matches!(code, Some(0) | Some(2)), "{args:?}: status {:?}", out.status);
        if code == Some(2) {
            let err = String::from_utf8_lossy(&out.stderr);
            prop_assert!(err.starts_with("error: "), "{args:?}: {err}");
            prop_assert_eq!(err.trim_end().lines().count(), 1, "{:?}: {}", args, err);
        }
    }
}

// ---- theory and Monte Carlo over random model parameters (issue 10) ----

/// Every built-in activation of the library (`rmt_verify::activation::BUILTIN_NAMES`), the
/// parameterised ones at `ALPHA = 0.1` (leaky-relu) and `1` (elu).
fn builtins() -> Vec<String> {
    rmt_verify::activation::BUILTIN_NAMES
        .iter()
        .map(|n| match *n {
            "leaky-relu:ALPHA" => "leaky-relu:0.1".to_string(),
            "elu:ALPHA" => "elu:1".to_string(),
            other => {
                assert!(
                    !other.contains("ALPHA"),
                    "new parameterised built-in {other}"
                );
                other.to_string()
            }
        })
        .collect()
}

/// The paper's single-head model: an activation, `snr`, `W = I + w_K w_Q^T` with `w_K` on
/// `e_1` and `w_Q` a rotation of it towards `e_2` (`align` = cosine: 1 aligned, 0 orthogonal).
fn paper_model(
    kind: rmt_verify::model::ModelKind,
    act: &str,
    snr: f64,
    w: f64,
    align: f64,
) -> rmt_verify::model::ModelSpec {
    let act = Activation::parse(act).expect("built-in");
    let wq = [w * align, w * (1.0 - align * align).max(0.0).sqrt()];
    rmt_verify::model::ModelSpec::single_head(
        kind,
        act,
        snr,
        &[w, 0.0],
        &wq,
        rmt_verify::model::Diag::Zero,
    )
    .expect("valid spec")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, rng_seed: RngSeed::Fixed(2506), ..ProptestConfig::default() })]

    /// Inside the documented ranges (c in [1e-6, 1e6], gamma in [1e-10, 1e10]; drawn over the
    /// bulk of them) the deterministic equivalent converges and `E = (gamma^2/n) y^T Q^2 y`
    /// lies in [0, 1] (`||y||^2 = n` and `gamma Q <= I`), `tr Q/n > 0`, `y^T Q y/n > 0`.
    /// Allowance 1e-9 on [0, 1]: the pencil's `E` is accurate to ~1e-10 (implicit derivative
    /// of a Newton solution with relative residual ~1e-15 and condition ~1/gamma).
    #[test]
    fn theory_e_in_unit_interval_and_traces_positive(
        act in 0..rmt_verify::activation::BUILTIN_NAMES.len(),
        lc in -3.0f64..3.0,
        lsnr in -2.0f64..2.0,
        no_signal in any::<bool>(),
        lg in -6.0f64..3.0,
        w in 0.0f64..2.0,
        align in 0.0f64..1.0,
        ridge in 0..6u8,
    ) {
        use rmt_verify::model::ModelKind;
        let kind = if ridge == 0 { ModelKind::Ridge } else { ModelKind::Attention };
        let snr = if no_signal { 0.0 } else { 10f64.powf(lsnr) };
        let (c, gamma) = (10f64.powf(lc), 10f64.powf(lg));
        let spec = paper_model(kind, &builtins()[act], snr, w, align);
        let pts = rmt_verify::theory::model_path(&spec, c, &[gamma, 10.0 * gamma])
            .unwrap_or_else(|e| panic!("{} c={c} snr={snr} gamma={gamma} w={w}: {e}", builtins()[act]));
        for p in &pts {
            let what = format!("{} {kind:?} c={c:e} snr={snr:e} gamma={:e} w={w} align={align}", builtins()[act], p.gamma);
            prop_assert!(p.converged, "{what}: not converged");
            prop_assert!(p.e >= -1e-9 && p.e <= 1.0 + 1e-9, "{what}: E = {}", p.e);
            prop_assert!(p.trq > 0.0 && p.trq.is_finite(), "{what}: trQ = {}", p.trq);
            prop_assert!(p.yqy > 0.0 && p.yqy.is_finite(), "{what}: yQy = {}", p.yqy);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 8, rng_seed: RngSeed::Fixed(2506), ..ProptestConfig::default() })]

    /// The Monte Carlo path (`monte_carlo::simulate`) is bit-identical under 1, 2 and 3
    /// rayon threads (fixed block partitions, replicates collected in order), for random
    /// small sizes on both sides of `p = n`, models, activations and alignments.
    #[test]
    fn simulate_is_bit_identical_across_thread_counts(
        act in 0..rmt_verify::activation::BUILTIN_NAMES.len(),
        n in 8usize..80,
        p in 4usize..100,
        kind in 0..3u8,
        w in 0.0f64..2.0,
        align in 0.0f64..1.0,
        seed in 0u64..1000,
    ) {
        use rmt_verify::model::{ModelKind, SimConfig};
        let kind = [ModelKind::Attention, ModelKind::Equivalent, ModelKind::Ridge][kind as usize];
        let cfg = SimConfig {
            spec: paper_model(kind, &builtins()[act], 1.0, w, align),
            n,
            p,
            gammas: vec![1e-3, 0.1, 10.0],
            seeds: 3,
            seed,
        };
        let run = |t: usize| {
            let r = rayon::ThreadPoolBuilder::new()
                .num_threads(t)
                .build()
                .expect("thread pool")
                .install(|| rmt_verify::monte_carlo::simulate(&cfg, false))
                .unwrap_or_else(|e| panic!("{cfg:?}: {e}"));
            r.replicates
                .iter()
                .flat_map(|x| {
                    x.e.iter()
                        .chain(&x.yqy)
                        .chain(&x.trq)
                        .chain([&x.r1, &x.kappa0, &x.lambda_max])
                        .map(|v| v.to_bits())
                        .collect::<Vec<_>>()
                })
                .collect::<Vec<u64>>()
        };
        let one = run(1);
        prop_assert_eq!(one.len(), 3 * (3 * 3 + 3));
        prop_assert_eq!(&one, &run(2), "1 vs 2 threads");
        prop_assert_eq!(&one, &run(3), "1 vs 3 threads");
    }
}
