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

#[test]
fn every_example_model_file_runs_with_solver_status() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/models");
    let mut seen = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("toml") {
            continue;
        }
        let file = path.to_str().unwrap();
        let (code, out, err) = run(&[
            "theory",
            "--model-file",
            file,
            "--c",
            "0.5",
            "--gamma",
            "0.1",
            "--format",
            "json",
        ]);
        assert_eq!(code, 0, "{file}: {err}");
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        let pt = &v["points"][0];
        let e = pt["E"].as_f64().unwrap();
        assert!(e > 0.0 && e < 1.0, "{file}: E = {e}");
        assert_eq!(pt["converged"], true, "{file}");
        assert!(pt["residual"].as_f64().unwrap() < 1e-12, "{file}");
        seen += 1;
    }
    assert!(seen >= 6, "only {seen} example files");
}

#[test]
fn model_file_errors_name_the_key_and_exit_2() {
    let dir = std::env::temp_dir().join(format!("rmt-verify-mf-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cases: &[(&str, &str)] = &[
        ("[signal]\nmeanz = [[1.0]]\n[[heads]]\nactivation = \"tanh\"", "meanz"),
        // softmax with a skip connection: simulate runs it, theory has no equivalent
        (
            "[[heads]]\n[attention]\nnormalize = \"softmax\"\nskip = 0.5",
            "attention.skip",
        ),
        // softmax needs n and p (gamma map, mask correction)
        ("[[heads]]\n[attention]\nnormalize = \"softmax\"", "n and p"),
        ("[[heads]]\nactivation = \"tanh\"\n[tokens]\nar1 = 1.5", "tokens.ar1"),
        ("[signal]\nmeans = [[1.0]]\nlabels = \"classes\"\nproportions = [1.0]\ntarget = [1.0]\n[[heads]]\nactivation = \"tanh\"", "not centred"),
        ("kind = \"attention\"", "heads"),
        ("kind = \"nonsense\"", "nonsense"),
    ];
    for (i, (text, needle)) in cases.iter().enumerate() {
        let f = dir.join(format!("m{i}.toml"));
        std::fs::write(&f, text).unwrap();
        let (code, out, err) = run(&["theory", "--model-file", f.to_str().unwrap(), "--c", "0.5"]);
        assert_eq!(code, 2, "{text}: {err}");
        assert!(out.is_empty());
        assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
        assert!(err.contains(needle), "{text}: `{err}` lacks `{needle}`");
    }
    let (code, _, err) = run(&["theory", "--model-file", "/nonexistent.toml", "--c", "1"]);
    assert_eq!(code, 2);
    assert!(err.contains("cannot read"), "{err}");
    let (code, _, err) = run(&[
        "theory",
        "--model-file",
        dir.join("m0.toml").to_str().unwrap(),
        "--snr",
        "2",
    ]);
    assert_eq!(code, 2, "conflicting flags: {err}");
}
