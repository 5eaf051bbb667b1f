//! `rmt-verify simulate` end to end: the JSON contract and exit code 2 on every kind of bad input.

use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rmt-verify"))
        .arg("simulate")
        .args(args)
        .output()
        .expect("binary runs")
}

const SMALL: &[&str] = &["--n", "64", "--p", "16", "--seeds", "2", "--quiet"];

/// `args` plus those `--n/--p/--seeds` of [`SMALL`] that `args` does not set.
fn with_small<'a>(args: &[&'a str]) -> Vec<&'a str> {
    let mut out: Vec<&'a str> = args.to_vec();
    for pair in SMALL[..6].chunks(2) {
        if !args.contains(&pair[0]) {
            out.extend_from_slice(pair);
        }
    }
    out.push("--quiet");
    out
}

#[test]
fn json_contract() {
    let out = run(&[
        SMALL,
        &[
            "--wk", "1,0,0", "--wq", "1,0,0", "--gamma", "0.1,1", "--format", "json",
        ],
    ]
    .concat());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for key in [
        "model",
        "activation",
        "n",
        "p",
        "snr",
        "spec",
        "diag",
        "seeds",
        "seed",
        "rng",
        "version",
        "seconds",
    ] {
        assert!(v.get(key).is_some(), "missing {key}");
    }
    assert_eq!(v["model"], "attention");
    assert_eq!(v["n"], 64);
    let pts = v["points"].as_array().unwrap();
    assert_eq!(pts.len(), 2);
    for key in [
        "gamma", "E", "E_se", "E_ci95", "yQy", "yQy_se", "trQ", "trQ_se",
    ] {
        assert!(pts[0].get(key).is_some(), "missing points[].{key}");
    }
    // Stderr is not a terminal here: no progress bar output.
    assert!(out.stderr.is_empty());
}

#[test]
fn table_csv_and_logspace() {
    let out = run(&[
        SMALL,
        &[
            "--model",
            "ridge",
            "--gamma",
            "logspace:1e-4:10:5",
            "--format",
            "csv",
        ],
    ]
    .concat());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let s = String::from_utf8(out.stdout).unwrap();
    assert_eq!(s.lines().count(), 6, "{s}");
    let out = run(&[SMALL, &["--model", "equivalent", "--diag", "literal"]].concat());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn bad_input_exits_2_with_a_message() {
    let cases: &[(&[&str], &str)] = &[
        (&["--n", "0"], "`n` = 0"),
        (&["--p", "0"], "`p` = 0"),
        (&["--seeds", "0"], "`seeds` = 0"),
        (&["--gamma", "0"], "`gamma` = 0"),
        (&["--gamma", "-1"], "`gamma` = -1"),
        (&["--gamma", "nan"], "`gamma` = NaN"),
        (&["--gamma", "inf"], "`gamma` = inf"),
        (&["--gamma", "0.1,x"], "`gamma` = x: not a number"),
        (&["--gamma", "logspace:1e-4:10"], "logspace"),
        (&["--gamma", "logspace:0:10:5"], "logspace"),
        (&["--gamma", "logspace:1e-4:10:z"], "logspace"),
        (&["--snr", "-1"], "`snr` = -1"),
        (&["--snr", "nan"], "`snr` = NaN"),
        (&["--wk", "1,,2"], "`wk` = 1,,2"),
        (&["--wq", "1,a,0"], "`wq` = 1,a,0"),
        (&["--wk", "0,0,1", "--p", "2"], "needs p >= 3"),
        (&["--activation", "nosuch"], "nosuch"),
        (&["--model", "quadratic"], "invalid value 'quadratic'"),
        (&["--n", "1000000", "--p", "1000"], "GiB"),
    ];
    for (args, needle) in cases {
        let out = run(&with_small(args));
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains(needle),
            "{args:?}: message `{err}` lacks `{needle}`"
        );
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}

#[test]
fn one_replicate_has_no_standard_error() {
    let out = run(&with_small(&["--seeds", "1", "--format", "json"]));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let pt = &v["points"][0];
    assert!(pt["E"].as_f64().unwrap() > 0.0);
    assert!(pt["E_se"].is_null() && pt["E_ci95"].is_null() && pt["trQ_se"].is_null());
    let out = run(&with_small(&["--seeds", "1"]));
    let text = String::from_utf8_lossy(&out.stdout);
    let row = text.lines().last().unwrap();
    assert!(row.split_whitespace().nth(2) == Some("-"), "{text}");
    assert!(!text.contains("NaN"));
}
