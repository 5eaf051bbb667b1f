//! CLI tests for the variant flags (`--softmax --unmasked --softmax-side --skip --ar1 --labels`,
//! `docs/variants.md §7`): the JSON keys of `theory`, `simulate` on every variant, and one-line
//! errors with exit code 2.

use std::process::Command;

fn run(args: &[&str]) -> (i32, String, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_rmt-verify"))
        .args(args)
        .output()
        .unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into(),
        String::from_utf8_lossy(&o.stderr).into(),
    )
}

fn json(args: &[&str]) -> serde_json::Value {
    let (code, out, err) = run(args);
    assert_eq!(code, 0, "{args:?}: {err}");
    serde_json::from_str(&out).unwrap()
}

#[test]
fn theory_reports_the_mapping_and_its_standing() {
    let v = json(&[
        "theory",
        "--softmax",
        "0.5",
        "--n",
        "512",
        "--p",
        "256",
        "--gamma",
        "1e-5",
        "--format",
        "json",
    ]);
    assert_eq!(v["standing"], "derived");
    // gamma_base = gamma (n-1)^2/p, exactly
    assert_eq!(v["gamma_scale"].as_f64(), Some(511.0 * 511.0 / 256.0));
    assert_eq!(v["a1"].as_f64(), Some(0.5));
    assert_eq!(v["spec"]["attention"]["normalize"], "softmax");
    assert!(v["equivalent"].as_str().unwrap().contains("f_beta"));
    let v = json(&[
        "theory", "--ar1", "0.6", "--labels", "block:32", "--n", "256", "--p", "128", "--gamma",
        "0.1", "--format", "json",
    ]);
    assert_eq!(v["standing"], "conjecture");
    assert_eq!(v["spec"]["tokens"]["label_blocks"].as_u64(), Some(32));
    let v = json(&[
        "theory", "--model", "ridge", "--ar1", "0.6", "--n", "256", "--p", "128", "--gamma", "0.1",
        "--format", "json",
    ]);
    assert_eq!(v["standing"], "derived");
    let v = json(&[
        "theory", "--skip", "0.5", "--c", "0.5", "--gamma", "0.1", "--format", "json",
    ]);
    // (a1, nu, s) -> (alpha a1, alpha^2 nu, 1 - alpha a1) for tanh
    let a1 = 0.605_705_509_602_158_9;
    assert!((v["a1"].as_f64().unwrap() - 0.5 * a1).abs() < 1e-12);
    assert!((v["s"].as_f64().unwrap() - (1.0 - 0.5 * a1)).abs() < 1e-12);
    // The table header names the conjecture.
    let (code, out, err) = run(&[
        "theory", "--ar1", "0.3", "--n", "128", "--p", "64", "--gamma", "0.1",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("CONJECTURE"), "{out}");
}

#[test]
fn simulate_runs_every_variant() {
    for extra in [
        vec!["--softmax", "1"],
        vec!["--softmax", "1", "--unmasked", "--softmax-side", "plain"],
        vec!["--skip", "-0.5"],
        vec!["--ar1", "0.5", "--labels", "block:8"],
        vec!["--model", "ridge", "--ar1", "-0.3"],
    ] {
        let mut args = vec![
            "simulate", "--n", "64", "--p", "32", "--gamma", "1e-3,1", "--seeds", "2", "--format",
            "json", "--quiet",
        ];
        args.extend(&extra);
        let v = json(&args);
        let e = v["points"][0]["E"].as_f64().unwrap();
        assert!(e > 0.0 && e <= 1.0, "{extra:?}: E = {e}");
    }
}

#[test]
fn bad_variant_input_is_one_line_and_exit_2() {
    let cases: &[(&[&str], &str)] = &[
        (&["theory", "--softmax", "0.5", "--c", "0.5"], "n and p"),
        (
            &["theory", "--softmax", "0", "--n", "64", "--p", "32"],
            "attention.beta",
        ),
        (
            &["theory", "--ar1", "1.0", "--n", "64", "--p", "32"],
            "tokens.ar1",
        ),
        (&["simulate", "--labels", "block:0"], "labels"),
        (&["simulate", "--labels", "blocks"], "labels"),
        (
            &[
                "theory",
                "--softmax",
                "1",
                "--skip",
                "1",
                "--n",
                "64",
                "--p",
                "32",
            ],
            "no deterministic equivalent",
        ),
        (
            &[
                "theory",
                "--softmax",
                "1",
                "--unmasked",
                "--softmax-side",
                "plain",
                "--n",
                "64",
                "--p",
                "32",
            ],
            "softmax_side",
        ),
        (&["theory", "--ar1", "0.5", "--c", "0.5"], "n and p"),
    ];
    for (args, needle) in cases {
        let (code, out, err) = run(args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(out.is_empty(), "{args:?}: {out}");
        assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
        assert!(err.contains(needle), "{args:?}: `{err}` lacks `{needle}`");
    }
    // Flag combinations clap refuses (exit 2).
    for args in [
        &["theory", "--unmasked", "--c", "0.5"][..],
        &[
            "theory",
            "--softmax",
            "1",
            "--activation",
            "relu",
            "--n",
            "64",
            "--p",
            "32",
        ][..],
    ] {
        assert_eq!(run(args).0, 2, "{args:?}");
    }
}
