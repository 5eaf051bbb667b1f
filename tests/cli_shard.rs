//! `simulate --shard I/N` + `rmt-verify merge` print exactly what one unsharded run prints, and
//! bad input is a one-line error with exit code 2.

use std::process::{Command, Output};

fn bin(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rmt-verify"))
        .args(args)
        .output()
        .expect("binary runs")
}

/// A small run: 5 replicates (not a multiple of 3 shards), an expression activation.
const RUN: &[&str] = &[
    "simulate",
    "--n",
    "48",
    "--p",
    "20",
    "--seeds",
    "5",
    "--seed",
    "7",
    "--activation",
    "x*tanh(x)",
    "--wk",
    "1,0",
    "--wq",
    "1,0",
    "--gamma",
    "0.1,1,10",
    "--quiet",
];

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).expect("utf-8")
}

fn one_line_error(out: &Output) -> String {
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr).trim().to_string();
    assert_eq!(err.lines().count(), 1, "{err}");
    err
}

/// Writes shards `1..=n` of `run` into `dir`, returning their paths.
fn shards(dir: &std::path::Path, run: &[&str], n: usize, tag: &str) -> Vec<String> {
    (1..=n)
        .map(|i| {
            let spec = format!("{i}/{n}");
            let out = ok(&bin(&[run, &["--shard", spec.as_str()]].concat()));
            let path = dir.join(format!("{tag}-{i}.jsonl"));
            std::fs::write(&path, out).expect("write shard");
            path.display().to_string()
        })
        .collect()
}

fn tmpdir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("rmt-verify-shard-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&d).expect("tmp dir");
    d
}

#[test]
fn merged_shards_print_exactly_the_unsharded_run() {
    let dir = tmpdir("eq");
    for n in [1, 3, 7] {
        let files = shards(&dir, RUN, n, &format!("n{n}"));
        // Shards given in reverse order: order does not matter.
        let mut rev: Vec<&str> = files.iter().map(String::as_str).rev().collect();
        for fmt in ["csv", "markdown"] {
            let one = ok(&bin(&[RUN, &["--format", fmt]].concat()));
            let mut args = vec!["merge", "--format", fmt];
            args.append(&mut rev.clone());
            assert_eq!(ok(&bin(&args)), one, "{n} shards, {fmt}");
        }
        // Table: identical but for the wall time in the header line.
        let strip = |s: String| -> String {
            s.lines()
                .map(|l| match l.rfind(" (") {
                    Some(i) if l.starts_with('#') => l[..i].to_string(),
                    _ => l.to_string(),
                })
                .collect::<Vec<_>>()
                .join("\n")
        };
        let one = strip(ok(&bin(RUN)));
        let mut args = vec!["merge"];
        args.append(&mut rev);
        assert_eq!(strip(ok(&bin(&args))), one);
        // JSON: every field but the wall time identical (numbers bit for bit).
        let js = |s: String| -> serde_json::Value {
            let mut v: serde_json::Value = serde_json::from_str(&s).expect("json");
            v.as_object_mut().expect("object").remove("seconds");
            v
        };
        let one = js(ok(&bin(&[RUN, &["--format", "json"]].concat())));
        let mut args = vec!["merge", "--format", "json"];
        args.extend(files.iter().map(String::as_str));
        assert_eq!(js(ok(&bin(&args))), one);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_shards_and_bad_merges_are_one_line_errors() {
    for bad in ["3/2", "0/0", "0/2", "x/2", "2"] {
        let e = one_line_error(&bin(&[RUN, &["--shard", bad]].concat()));
        assert!(e.contains("--shard"), "{e}");
    }
    let dir = tmpdir("bad");
    let a = shards(&dir, RUN, 2, "a");
    // Another run (other seed): refused.
    let mut other: Vec<&str> = RUN.to_vec();
    other[8] = "8";
    let b = shards(&dir, &other, 2, "b");
    let e = one_line_error(&bin(&["merge", &a[0], &b[1]]));
    assert!(e.contains("different run"), "{e}");
    // A missing shard, a repeated shard, a file that is not a shard.
    let e = one_line_error(&bin(&["merge", &a[0]]));
    assert!(e.contains("missing"), "{e}");
    let e = one_line_error(&bin(&["merge", &a[0], &a[0], &a[1]]));
    assert!(e.contains("twice"), "{e}");
    let junk = dir.join("junk.jsonl");
    std::fs::write(&junk, "hello\n").expect("write");
    let e = one_line_error(&bin(&["merge", junk.to_str().expect("utf-8")]));
    assert!(e.contains("not a shard"), "{e}");
    let _ = std::fs::remove_dir_all(&dir);
}
