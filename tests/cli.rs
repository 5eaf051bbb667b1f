//! The `rmt-verify` binary, end to end: `hermite` output and its errors (exit 2), `verify`.

use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rmt-verify"))
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

/// Asserts exit code 2 and a one-line `error: ...` containing `needle`; returns stderr.
fn fails_with(args: &[&str], needle: &str) -> String {
    let out = run(args);
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(2), "{args:?}: stderr {err}");
    assert!(err.contains(needle), "{args:?}: `{needle}` not in {err}");
    assert_eq!(err.trim_end().lines().count(), 1, "not one line: {err}");
    assert!(err.starts_with("error: "), "{err}");
    err
}

fn num(v: &serde_json::Value, key: &str) -> f64 {
    v[key]
        .as_f64()
        .unwrap_or_else(|| panic!("{key} missing in {v}"))
}

// Issue 2 "Done when": relu's a1, a2, nu within 1e-10 of the closed forms (SPEC §2).
#[test]
fn hermite_relu_json() {
    let v = json(&["hermite", "relu", "--format", "json"]);
    let pi = std::f64::consts::PI;
    assert!((num(&v, "a1") - 0.5).abs() < 1e-10);
    assert!((num(&v, "a2") - 1.0 / (2.0 * pi.sqrt())).abs() < 1e-10);
    assert!((num(&v, "nu") - (0.5 - 0.5 / pi)).abs() < 1e-10);
    assert!((num(&v, "mean") - 1.0 / (2.0 * pi).sqrt()).abs() < 1e-10);
    assert_eq!(v["a"].as_array().map(Vec::len), Some(9)); // default order 8
    assert_eq!(v["centred"], true);
    assert!(num(&v, "error_estimate") < 1e-10);
    assert!(v["closed_form"]["a1"].is_number());
    for key in [
        "activation",
        "sigma2",
        "errors",
        "parseval_residual",
        "version",
    ] {
        assert!(!v[key].is_null(), "{key} missing");
    }
}

#[test]
fn expressions_reproduce_builtins() {
    for (e, b) in [("max(x,0)", "relu"), ("x^2-1", "quad")] {
        let p = json(&["hermite", e, "--format", "json", "--order", "6"]);
        let q = json(&["hermite", b, "--format", "json", "--order", "6"]);
        for key in ["mean", "a1", "a2", "nu", "sigma2"] {
            assert!(
                (num(&p, key) - num(&q, key)).abs() < 1e-10,
                "{e} vs {b}: {key}"
            );
        }
        assert!(p["closed_form"].is_null());
    }
}

#[test]
fn table_and_other_formats() {
    let out = run(&["hermite", "relu", "--order", "3"]);
    assert!(out.status.success());
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(
        s.contains("closed form") && s.contains("removes the mean"),
        "{s}"
    );
    for f in ["csv", "markdown", "latex"] {
        let out = run(&["hermite", "tanh", "--order", "3", "--format", f]);
        assert!(out.status.success(), "{f}");
        assert!(!out.stdout.is_empty());
    }
}

#[test]
fn unknown_activation_lists_known_names() {
    let e = fails_with(&["hermite", "tanhh"], "unknown activation");
    assert!(e.contains("relu") && e.contains("leaky-relu"), "{e}");
}

#[test]
fn unparsable_expression_names_position() {
    fails_with(&["hermite", "x + * 2"], "position 4");
}

#[test]
fn not_square_integrable() {
    fails_with(&["hermite", "exp(x^2)"], "not square-integrable");
}

#[test]
fn nan_on_the_line() {
    fails_with(&["hermite", "log(x)"], "NaN");
}

#[test]
fn order_out_of_range() {
    fails_with(&["hermite", "relu", "--order", "100000"], "--order");
}

#[test]
fn verify_lem_hermite_exits_0() {
    let out = run(&["verify", "--claim", "lem-hermite", "--quiet"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn verify_json_records_the_seed_scheme_and_the_paper() {
    let v = json(&[
        "verify",
        "--claim",
        "lem-hermite",
        "--paper",
        "attention",
        "--format",
        "json",
        "--quiet",
    ]);
    let c = &v[0];
    assert_eq!(c["paper"], "attention");
    assert_eq!(c["seed"], 2506);
    let scheme = c["seed_scheme"].as_str().expect("seed_scheme");
    assert!(
        scheme.starts_with("fnv1a64(claim_id/row_label) xor base seed"),
        "{scheme}"
    );
}
