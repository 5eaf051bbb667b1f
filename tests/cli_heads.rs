//! CLI with several heads (`docs/multihead.md`): `--heads` / `--combine` in `theory` and
//! `simulate`, `check-activation --heads`, and the exit-code convention (2 on bad input, one
//! line naming the flag).

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
fn theory_with_heads_flag_matches_the_reference() {
    // docs/multihead.md §8, C2 (tanh + cos, W = I, concatenated, c = 0.5): E = 0.0703383656
    let (code, out, err) = run(&[
        "theory", "--heads", "tanh,cos", "--c", "0.5", "--gamma", "0.01", "--format", "json",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let e = v["points"][0]["E"].as_f64().unwrap();
    assert!((e - 0.0703383656).abs() < 1e-8, "{e}");
    assert_eq!(v["points"][0]["converged"], true);
    assert_eq!(v["heads"]["gram_rank"], 2);
    assert_eq!(v["heads"]["combine"], "concat");
    assert!(v["heads"]["wigner_cov"][0][1].as_f64().unwrap().abs() < 1e-12);
    assert_eq!(v["spec"]["heads"].as_array().unwrap().len(), 2);
    // summed: one head with activation tanh + cos (docs/multihead.md §3)
    let (code, out, _) = run(&[
        "theory",
        "--heads",
        "tanh,cos",
        "--combine",
        "sum",
        "--c",
        "0.5",
        "--gamma",
        "0.01",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["spec"]["attention"]["combine"], "sum");
    let e = v["points"][0]["E"].as_f64().unwrap();
    assert!((e - 0.2900092240).abs() < 1e-8, "{e}");
}

#[test]
fn simulate_with_heads() {
    let (code, out, err) = run(&[
        "simulate", "--heads", "tanh,cos", "--n", "128", "--p", "64", "--seeds", "2", "--gamma",
        "0.1", "--format", "json",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["spec"]["heads"].as_array().unwrap().len(), 2);
    let e = v["points"][0]["E"].as_f64().unwrap();
    assert!(e > 0.0 && e < 1.0, "{e}");
}

#[test]
fn bad_head_lists_exit_2_with_one_line() {
    for args in [
        &["theory", "--heads", "tanh,", "--c", "0.5"][..],
        &["theory", "--heads", "tanh,tanhh", "--c", "0.5"][..],
        &["theory", "--heads", "max(x,0", "--c", "0.5"][..],
        &[
            "theory",
            "--heads",
            "tanh,cos",
            "--activation",
            "relu",
            "--c",
            "0.5",
        ][..],
        &["simulate", "--heads", "tanh,cos", "--combine", "mean"][..],
        &["check-activation", "--heads", "tanh"][..],
        &["check-activation", "tanh", "--heads", "tanh,cos"][..],
    ] {
        let (code, out, err) = run(args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(out.is_empty(), "{args:?}: {out}");
        assert!(err.starts_with("error"), "{args:?}: {err}");
    }
    // a head list parsed by our splitter names the flag
    let (_, _, err) = run(&["theory", "--heads", "tanh,", "--c", "0.5"]);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("heads"), "{err}");
}

#[test]
fn check_activation_heads_report() {
    let dir = std::env::temp_dir().join(format!("rmt-heads-{}", std::process::id()));
    let (code, out, err) = run(&[
        "check-activation",
        "--heads",
        "tanh,cos",
        "--quick",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("rank(G) = 2 of 2"), "{out}");
    assert!(out.contains("Spot check: holds"), "{out}");
    for f in ["report.md", "heads_tanh_cos.svg", "heads_tanh_cos.csv"] {
        assert!(dir.join(f).exists(), "{f}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
