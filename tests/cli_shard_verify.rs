//! `verify --shard I/N` and `figure --shard I/N` + `rmt-verify merge` print (write) exactly what
//! the unsharded run prints (writes), and `verify` prints the same bytes for any thread count.

use std::process::{Command, Output};

fn bin_env(args: &[&str], threads: Option<&str>) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_rmt-verify"));
    c.args(args);
    if let Some(t) = threads {
        c.env("RAYON_NUM_THREADS", t);
    }
    c.output().expect("binary runs")
}

fn bin(args: &[&str]) -> Output {
    bin_env(args, None)
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).expect("utf-8")
}

fn tmpdir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("rmt-verify-shard-v-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&d).expect("tmp dir");
    d
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

/// Cheap claims of the `raf` pack, with Monte Carlo rows (`raf-rf-threshold`), selected within
/// the pack with `--paper`.
const VERIFY: &[&str] = &[
    "verify",
    "--paper",
    "raf",
    "--claim",
    "raf-lambda-opt",
    "--claim",
    "raf-bo-rate",
    "--claim",
    "raf-rf-threshold",
    "--quiet",
];

/// The table without the per-claim times of the summary (` (0.4 s)`).
fn strip_times(s: &str) -> String {
    s.lines()
        .map(|l| match l.rfind("  (") {
            Some(i) if l.ends_with(" s)") => &l[..i],
            _ => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn merged_verify_shards_print_exactly_the_unsharded_run() {
    let dir = tmpdir("verify");
    let json1 = ok(&bin(&[VERIFY, &["--format", "json"]].concat()));
    let md1 = ok(&bin(&[VERIFY, &["--format", "markdown"]].concat()));
    let table1 = ok(&bin(VERIFY));
    let code1 = bin(VERIFY).status.code();
    assert!(json1.contains("raf-rf-threshold") && !json1.contains("raf-krr-rate"));
    for n in [1, 2, 3] {
        let files = shards(&dir, VERIFY, n, &format!("n{n}"));
        let mut rev: Vec<&str> = files.iter().map(String::as_str).rev().collect();
        for (fmt, one) in [("json", &json1), ("markdown", &md1)] {
            let mut args = vec!["merge", "--format", fmt];
            args.append(&mut rev.clone());
            assert_eq!(&ok(&bin(&args)), one, "{n} shards, {fmt}");
        }
        let mut args = vec!["merge"];
        args.append(&mut rev);
        let out = bin(&args);
        assert_eq!(out.status.code(), code1, "{n} shards: exit code");
        let merged = ok(&out);
        assert_eq!(
            strip_times(&merged),
            strip_times(&table1),
            "{n} shards, table"
        );
        assert!(merged.contains("summary:"));
    }
    // Shards of another selection or seed are refused; so is csv for a verify run.
    let a = shards(&dir, VERIFY, 2, "a");
    let b = shards(&dir, &[VERIFY, &["--seed", "7"]].concat(), 2, "b");
    let out = bin(&["merge", &a[0], &b[1]]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("different run"));
    let out = bin(&["merge", "--format", "csv", &a[0], &a[1]]);
    assert_eq!(out.status.code(), Some(2));
    let out = bin(&["merge", &a[0]]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn merged_figure_shards_write_exactly_the_unsharded_files() {
    let dir = tmpdir("figure");
    let one_dir = dir.join("one");
    let one_s = one_dir.display().to_string();
    // raf-rates: four Monte Carlo units (one per alpha), theory lines around them.
    let printed = ok(&bin(&["figure", "raf-rates", "--out", &one_s]));
    assert_eq!(printed.lines().count(), 4);
    for n in [1, 2, 3] {
        let run = ["figure", "raf-rates", "--out", &one_s];
        let files = shards(&dir, &run, n, &format!("f{n}"));
        let out = dir.join(format!("merged{n}"));
        let out_s = out.display().to_string();
        let mut args = vec!["merge", "--out", out_s.as_str()];
        args.extend(files.iter().rev().map(String::as_str));
        let printed_m = ok(&bin(&args));
        assert_eq!(printed_m.replace(&out_s, &one_s), printed, "{n} shards");
        for ext in ["svg", "csv", "md", "tex"] {
            let a = std::fs::read(one_dir.join(format!("raf-rates.{ext}"))).expect("read");
            let b = std::fs::read(out.join(format!("raf-rates.{ext}"))).expect("read");
            assert!(a == b, "{n} shards: raf-rates.{ext} differs");
        }
        // Shards hold every unit exactly once: a unit line per Monte Carlo unit overall.
        let units: usize = files
            .iter()
            .map(|f| std::fs::read_to_string(f).expect("read").lines().count() - 1)
            .sum();
        assert_eq!(units, 4, "{n} shards");
    }
    // A shard of another figure is refused.
    let a = shards(&dir, &["figure", "raf-rates"], 2, "ra");
    let b = shards(&dir, &["figure", "fig1b"], 2, "fb");
    let out = bin(&["merge", &a[0], &b[1]]);
    assert_eq!(out.status.code(), Some(2));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn verify_prints_the_same_bytes_for_any_thread_count() {
    // Several claims (they run in parallel at the quick budget) with Monte Carlo rows (which run
    // in parallel inside a claim): the JSON and markdown are byte for byte the same with 1, 2
    // and 3 threads; the table differs only in the times.
    let run: Vec<&str> = [
        "verify",
        "--claim",
        "cor-random-inputs",
        "--claim",
        "cor-alignment",
        "--claim",
        "raf-rf-threshold",
        "--claim",
        "raf-lambda-opt",
        "--quiet",
    ]
    .to_vec();
    let outs: Vec<(String, String)> = ["1", "2", "3"]
        .iter()
        .map(|t| {
            let j = ok(&bin_env(
                &[&run[..], &["--format", "json"]].concat(),
                Some(t),
            ));
            let m = ok(&bin_env(
                &[&run[..], &["--format", "markdown"]].concat(),
                Some(t),
            ));
            (j, m)
        })
        .collect();
    assert!(outs[0].0.contains("cor-alignment"));
    for (k, o) in outs.iter().enumerate().skip(1) {
        assert!(o.0 == outs[0].0, "json differs with {} threads", k + 1);
        assert!(o.1 == outs[0].1, "markdown differs with {} threads", k + 1);
    }
}

#[test]
fn every_figure_builds_with_placeholder_units() {
    // Shard N/N of a large N owns no unit of any figure: the whole build runs on placeholders
    // (theory only) and must still finish, or a shard of a real split could not reach its units.
    let list = ok(&bin(&["figure", "--list"]));
    let ids: Vec<&str> = list
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert!(ids.len() >= 16, "{list}");
    for id in ids {
        let out = ok(&bin(&["figure", id, "--shard", "100000/100000"]));
        let header: serde_json::Value =
            serde_json::from_str(out.lines().next().expect("header")).expect("json");
        assert_eq!(header["command"], "figure", "{id}");
        assert!(header["units"].as_u64().is_some(), "{id}");
        assert_eq!(
            out.lines().count(),
            1,
            "{id}: a unit computed by an empty shard"
        );
    }
}
