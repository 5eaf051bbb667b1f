//! `rmt-verify raf ...` end to end: the JSON contract of `theory` and `simulate` (keys, values
//! equal to the library's), the conventions (`linear` = KRR with `mu_star = 0`, `rf`'s `eps_rt`
//! from its order parameters), `check-activation`, and exit code 2 with a one-line message on
//! every kind of bad input.

use rmt_verify::raf::kernel::KernelCoeffs;
use rmt_verify::raf::theory::{krr_theory, normal_cdf};
use rmt_verify::Activation;
use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rmt-verify"))
        .arg("raf")
        .args(args)
        .output()
        .expect("binary runs")
}

fn json(args: &[&str]) -> serde_json::Value {
    let out = run(args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("valid JSON")
}

/// `a == b` up to the last-bit error of serde_json's default float parser.
fn same(a: f64, b: f64) -> bool {
    (a - b).abs() <= 4.0 * f64::EPSILON * b.abs()
}

fn num(v: &serde_json::Value, key: &str) -> f64 {
    v[key]
        .as_f64()
        .unwrap_or_else(|| panic!("{key} missing in {v}"))
}

const KRR: &[&str] = &[
    "theory",
    "--learner",
    "krr",
    "--activation",
    "sign",
    "--alpha",
    "2",
    "--eps",
    "0.2",
    "--lambda",
    "3",
    "--format",
    "json",
];

#[test]
fn theory_json_contract_and_values() {
    let v = json(KRR);
    for key in [
        "eps_gen",
        "eps_mem",
        "eps_rt",
        "learner",
        "activation",
        "alpha",
        "eps",
        "lambda",
        "order_parameters",
        "version",
    ] {
        assert!(v.get(key).is_some(), "missing {key}");
    }
    let k = KernelCoeffs::from_activation(&Activation::parse("sign").unwrap()).unwrap();
    let t = krr_theory(2.0, 0.2, 3.0, &k).unwrap().errors;
    assert!(same(num(&v, "eps_gen"), t.eps_gen));
    assert!(same(num(&v, "eps_mem"), t.eps_mem));
    assert!(same(num(&v, "eps_rt"), t.eps_rt));
    // docs/raf.md §9.2: 0.2532, 0.1083
    assert!((t.eps_gen - 0.2532).abs() < 5e-5 && (t.eps_mem - 0.1083).abs() < 5e-5);
}

/// `linear` is kernel ridge with `mu1 = 1`, `mu_star = 0` (the activation is ignored).
#[test]
fn linear_is_krr_without_mu_star() {
    let v = json(&[
        "theory",
        "--learner",
        "linear",
        "--activation",
        "tanh",
        "--alpha",
        "2",
        "--eps",
        "0.2",
        "--lambda",
        "0.5",
        "--format",
        "json",
    ]);
    let t = krr_theory(2.0, 0.2, 0.5, &KernelCoeffs::linear())
        .unwrap()
        .errors;
    assert!(same(num(&v, "eps_gen"), t.eps_gen));
    assert!(same(num(&v, "eps_mem"), t.eps_mem));
    assert_eq!(v["activation"], "linear");
    assert_eq!(v["order_parameters"]["mustar2"].as_f64(), Some(0.0));
}

/// `rf`: alpha = n/p, gamma = d/p; eps_mem = Phi(-V/sqrt Q) and
/// eps_rt = E_zeta Phi((-V - M|zeta|)/sqrt(Q - M^2)) from the printed order parameters.
#[test]
fn rf_errors_follow_from_its_order_parameters() {
    let v = json(&[
        "theory",
        "--learner",
        "rf",
        "--activation",
        "sign",
        "--alpha",
        "2",
        "--eps",
        "0.2",
        "--lambda",
        "0.01",
        "--gamma-rf",
        "0.5",
        "--format",
        "json",
    ]);
    let o = &v["order_parameters"];
    let (bv, bq, bm) = (num(o, "V"), num(o, "Q"), num(o, "M"));
    let s = (bq - bm * bm).sqrt();
    // trapezoid on [0, 12] of 2 Phi((-V - M z)/s) phi(z)
    let n = 200_000;
    let h = 12.0 / n as f64;
    let rt: f64 = (0..=n)
        .map(|i| {
            let z = i as f64 * h;
            let w = if i == 0 || i == n { 0.5 } else { 1.0 };
            w * normal_cdf((-bv - bm * z) / s) * (-0.5 * z * z).exp()
        })
        .sum::<f64>()
        * 2.0
        * h
        / (2.0 * std::f64::consts::PI).sqrt();
    assert!(
        (num(&v, "eps_rt") - rt).abs() < 1e-9,
        "{} vs {rt}",
        v["eps_rt"]
    );
    assert!((num(&v, "eps_mem") - normal_cdf(-bv / bq.sqrt())).abs() < 1e-15);
    assert!((num(&v, "eps_gen") - (bm / bq.sqrt()).acos() / std::f64::consts::PI).abs() < 1e-15);
    // docs/raf.md §9.3: (2, 0.5, 0.2, 0.01) -> 0.3505, 0.1606
    assert!((num(&v, "eps_gen") - 0.3505).abs() < 5e-5);
    assert!((num(&v, "eps_mem") - 0.1606).abs() < 5e-5);
}

/// Bayes-optimal: eps_gen only (training errors undefined: null).
#[test]
fn bo_theory_has_null_training_errors() {
    let v = json(&[
        "theory",
        "--learner",
        "bo",
        "--alpha",
        "1",
        "--eps",
        "0.2",
        "--format",
        "json",
    ]);
    assert!((num(&v, "eps_gen") - 0.30806).abs() < 5e-6);
    assert!(v["eps_mem"].is_null() && v["eps_rt"].is_null());
    assert!(v.get("eps_mem").is_some() && v.get("eps_rt").is_some());
    assert!(v["activation"].is_null() && v["lambda"].is_null());
}

#[test]
fn theory_table_and_csv() {
    let out = run(&KRR[..KRR.len() - 2]);
    assert!(out.status.success());
    let s = String::from_utf8(out.stdout).unwrap();
    assert!(s.starts_with("# RAF theory"), "{s}");
    assert!(s.contains("eps_gen") && s.contains("2.53236e-1"), "{s}");
    let out = run(&[&KRR[..KRR.len() - 1], &["csv"]].concat());
    let s = String::from_utf8(out.stdout).unwrap();
    assert_eq!(s.lines().count(), 2, "{s}");
    assert!(s.starts_with("learner,activation,alpha,eps,lambda,eps_gen,eps_mem,eps_rt"));
}

#[test]
fn simulate_json_contract() {
    for args in [
        &[
            "--learner",
            "krr",
            "--activation",
            "sign",
            "--d",
            "40",
            "--n-test",
            "500",
        ][..],
        &["--learner", "linear", "--d", "40"][..],
        &[
            "--learner",
            "rf",
            "--activation",
            "sign",
            "--d",
            "20",
            "--p",
            "40",
            "--n-test",
            "500",
        ][..],
    ] {
        let v = json(
            &[
                &[
                    "simulate", "--alpha", "1.5", "--eps", "0.2", "--lambda", "0.1",
                ][..],
                args,
                &["--seeds", "3", "--seed", "11", "--format", "json"][..],
            ]
            .concat(),
        );
        for key in [
            "eps_gen",
            "eps_gen_se",
            "eps_mem",
            "eps_mem_se",
            "eps_rt",
            "eps_rt_se",
            "theory",
            "n",
            "d",
            "seeds",
            "seed",
            "rng",
            "version",
            "seconds",
        ] {
            assert!(v.get(key).is_some(), "{args:?}: missing {key}");
        }
        assert_eq!(v["seed"], 11);
        assert_eq!(v["seeds"], 3);
        for key in ["eps_gen", "eps_mem", "eps_rt"] {
            let x = num(&v, key);
            assert!((0.0..=1.0).contains(&x), "{key} = {x}");
            assert!(num(&v, &format!("{key}_se")) >= 0.0);
        }
    }
    // rf: n = alpha p, gamma = d/p recorded
    let v = json(&[
        "simulate",
        "--learner",
        "rf",
        "--alpha",
        "1.5",
        "--d",
        "20",
        "--p",
        "40",
        "--seeds",
        "2",
        "--n-test",
        "100",
        "--format",
        "json",
    ]);
    assert_eq!(v["n"], 60);
    assert_eq!(v["p"], 40);
    assert_eq!(num(&v, "gamma_rf"), 0.5);
}

/// Same seed, same numbers; the table format has a header line.
#[test]
fn simulate_is_reproducible_and_has_a_table() {
    let a: &[&str] = &[
        "simulate", "--d", "30", "--seeds", "2", "--n-test", "200", "--seed", "5",
    ];
    let x = json(&[a, &["--format", "json"]].concat());
    let y = json(&[a, &["--format", "json"]].concat());
    assert_eq!(x["eps_gen"], y["eps_gen"]);
    let out = run(a);
    assert!(out.status.success());
    let s = String::from_utf8(out.stdout).unwrap();
    assert!(
        s.starts_with("# RAF Monte Carlo: krr sign, n = 60, d = 30"),
        "{s}"
    );
}

#[test]
fn check_activation_reports_the_tradeoff() {
    let out = run(&["check-activation", "sign"]);
    assert!(out.status.success());
    let s = String::from_utf8(out.stdout).unwrap();
    assert!(s.contains("mu*^2/mu1^2 = 0.570796"), "{s}");
    assert!(s.contains("eps_c(r) = 0.0000"), "{s}");
    // sin(1.5 x): r = 1.08, eps_c = 0.131: ridgeless is optimal for eps in {0, 0.1} only
    let v = json(&["check-activation", "sin(1.5*x)", "--format", "json"]);
    let r = num(&v, "ratio");
    let ec = num(&v, "eps_c");
    assert!((ec - (1.0 - (std::f64::consts::PI / (2.0 * (1.0 + r))).sqrt())).abs() < 1e-12);
    let rows = v["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 5);
    for row in rows {
        // ridgeless memorizes every fact; lambda_opt = 0 exactly when eps <= eps_c
        assert_eq!(row["ridgeless"]["eps_mem"].as_f64(), Some(0.0));
        let eps = num(row, "eps");
        assert_eq!(num(row, "lambda_opt") == 0.0, eps <= ec, "{row}");
        assert_eq!(num(row, "lambda_opt") == 0.0, eps < 0.15, "{row}");
        assert!(num(row, "memorization_cost") >= -1e-12);
    }
    let v = json(&["check-activation", "tanh", "--format", "json"]);
    assert!(v["eps_c"].is_null(), "tanh: r = 0.075 < pi/2 - 1");
}

/// Asserts exit code 2 and a one-line `error: ...` containing `needle`.
fn fails_with(args: &[&str], needle: &str) {
    let out = run(args);
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(2), "{args:?}: stderr {err}");
    assert!(err.contains(needle), "{args:?}: `{needle}` not in {err}");
    assert_eq!(err.trim_end().lines().count(), 1, "not one line: {err}");
    assert!(err.starts_with("error: "), "{err}");
    assert!(out.stdout.is_empty(), "{args:?}");
}

#[test]
fn bad_input_exits_2_with_one_line() {
    let cases: &[(&[&str], &str)] = &[
        (&["theory", "--learner", "svm"], "`learner` = svm"),
        (&["theory", "--eps", "1"], "`eps` = 1"),
        (&["theory", "--eps", "-0.1"], "`eps` = -0.1"),
        (&["theory", "--eps", "nan"], "`eps` = NaN"),
        (&["theory", "--alpha", "0"], "`alpha` = 0"),
        (&["theory", "--alpha", "-2"], "`alpha` = -2"),
        (&["theory", "--alpha", "x"], "`alpha` = x: not a number"),
        (&["theory", "--lambda", "-1"], "`lambda` = -1"),
        (
            &["theory", "--learner", "linear", "--lambda", "0"],
            "`lambda` = 0",
        ),
        (&["theory", "--learner", "rf"], "--gamma-rf"),
        (
            &["theory", "--learner", "rf", "--gamma-rf", "0"],
            "`gamma-rf` = 0",
        ),
        (&["theory", "--gamma-rf", "0.5"], "only the rf learner"),
        (&["theory", "--activation", "cos"], "a1 != 0"),
        (&["theory", "--activation", "nosuch"], "nosuch"),
        (&["simulate", "--d", "0"], "`d` = 0"),
        (&["simulate", "--d", "-3"], "`d` = -3"),
        (&["simulate", "--seeds", "1"], "`seeds` = 1"),
        (&["simulate", "--n-test", "0"], "`n-test` = 0"),
        (&["simulate", "--lambda", "0"], "`lambda` = 0"),
        (&["simulate", "--learner", "bo"], "Bayes-optimal"),
        (&["simulate", "--learner", "rf"], "--p"),
        (&["simulate", "--p", "10"], "only the rf learner"),
        (&["simulate", "--d", "100000000"], "`d` = 100000000"),
        (
            &["simulate", "--d", "1000", "--alpha", "1e300"],
            "`alpha` = 1e300",
        ),
        (&["simulate", "--d", "1000000", "--alpha", "10"], "GiB"),
        (
            &[
                "simulate",
                "--learner",
                "rf",
                "--d",
                "50",
                "--p",
                "100",
                "--gamma-rf",
                "0.3",
            ],
            "gamma = d/p = 0.5",
        ),
        (&["check-activation", "cos"], "a1 != 0"),
        (&["check-activation", "relu", "--alpha", "0"], "`alpha` = 0"),
    ];
    for (args, needle) in cases {
        fails_with(args, needle);
    }
}
