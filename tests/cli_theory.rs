//! CLI tests for `theory` and `spectrum`: JSON contract and exit code 2 on bad input.

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

#[test]
fn theory_json_contract() {
    let (code, out, err) = run(&[
        "theory",
        "--model",
        "attention",
        "--activation",
        "tanh",
        "--c",
        "0.25",
        "--snr",
        "1",
        "--wk",
        "1,0,0",
        "--wq",
        "1,0,0",
        "--gamma",
        "0.1,0.01",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    for k in [
        "model",
        "activation",
        "c",
        "snr",
        "spec",
        "diag",
        "points",
        "converged",
        "a1",
        "nu",
        "s",
        "version",
    ] {
        assert!(v.get(k).is_some(), "missing {k}");
    }
    assert_eq!(v["spec"]["heads"][0]["wk"][0][0].as_f64(), Some(1.0));
    let pts = v["points"].as_array().unwrap();
    assert_eq!(pts.len(), 2);
    for k in ["gamma", "E", "yQy", "trQ", "iterations", "residual"] {
        assert!(pts[0].get(k).is_some(), "missing point field {k}");
    }
    // input order kept; SPEC §5.6 row 3 (tanh, aligned, gamma 0.1): E = 0.38561400 (hermite stub ~1e-6)
    assert_eq!(pts[0]["gamma"].as_f64(), Some(0.1));
    assert!((pts[0]["E"].as_f64().unwrap() - 0.385614).abs() < 1e-5);
}

#[test]
fn ridge_with_n_p_and_csv() {
    let (code, out, _) = run(&[
        "theory",
        "--model",
        "ridge",
        "--n",
        "2048",
        "--p",
        "512",
        "--snr",
        "1",
        "--gamma",
        "logspace:1e-3:1:3",
        "--format",
        "csv",
    ]);
    assert_eq!(code, 0);
    assert_eq!(out.lines().count(), 4);
}

#[test]
fn spectrum_json() {
    let (code, out, err) = run(&[
        "spectrum",
        "--matrix",
        "kernel",
        "--activation",
        "tanh",
        "--c",
        "0.5",
        "--z",
        "0.5,0.1",
        "--points",
        "50",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["grid"].as_array().unwrap().len(), 50);
    assert!(v["stieltjes"][0]["m"][1].as_f64().unwrap() > 0.0);
}

#[test]
fn bad_inputs_exit_2() {
    let cases: &[&[&str]] = &[
        &["theory", "--c", "0", "--gamma", "0.1"],
        &["theory", "--c", "1", "--gamma", "-1"],
        &["theory", "--c", "1", "--gamma", "0"],
        &["theory", "--c", "nan", "--gamma", "0.1"],
        &["theory", "--c", "1", "--gamma", "0.1", "--snr", "nan"],
        &[
            "theory",
            "--activation",
            "quad",
            "--c",
            "1",
            "--diag",
            "literal",
            "--gamma",
            "0.1",
        ],
        &[
            "theory",
            "--activation",
            "nosuchfn",
            "--c",
            "1",
            "--gamma",
            "0.1",
        ],
        &["spectrum", "--c", "-1"],
        &["spectrum", "--c", "1", "--z", "1,-0.1"],
        &[
            "spectrum",
            "--c",
            "1",
            "--activation",
            "quad",
            "--diag",
            "literal",
        ],
    ];
    for args in cases {
        let (code, _, err) = run(args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains("error"), "{args:?}: {err}");
    }
}

/// Negative numbers reach our validation (a clear message), not clap's "unexpected argument".
#[test]
fn negative_numbers_are_validated_not_misparsed() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_rmt-verify"))
        .args(["theory", "--c", "1", "--snr", "-1"])
        .output()
        .expect("binary runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("`snr` = -1"), "{err}");
}
