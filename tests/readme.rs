//! The README's claims table is generated: between `<!-- claims:begin -->` and
//! `<!-- claims:end -->` it must be exactly `rmt-verify list --format markdown` (ids, titles and
//! the status of the committed full run `snapshots/verify-full.md`). Regenerate it with
//! `cargo run --release -- list --format markdown` and paste it between the markers.

use std::process::Command;

const BEGIN: &str = "<!-- claims:begin -->\n";
const END: &str = "<!-- claims:end -->";

#[test]
fn readme_claims_table_is_list_markdown() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    let start = readme.find(BEGIN).expect("claims:begin marker") + BEGIN.len();
    let end = readme.find(END).expect("claims:end marker");
    assert!(start <= end, "markers out of order");
    let out = Command::new(env!("CARGO_BIN_EXE_rmt-verify"))
        .args(["list", "--format", "markdown"])
        .output()
        .expect("binary runs");
    assert!(out.status.success());
    let table = String::from_utf8(out.stdout).expect("utf-8");
    assert_eq!(
        &readme[start..end],
        table,
        "README claims table differs from `rmt-verify list --format markdown`"
    );
}

#[test]
fn list_by_paper_and_unknown_paper() {
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_rmt-verify"))
            .args(args)
            .output()
            .expect("binary runs")
    };
    let out = run(&["list", "--paper", "attention"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("paper `attention`"), "{text}");
    assert!(text.contains("thm1-attention"));
    let out = run(&["verify", "--paper", "no-such-paper"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("unknown paper `no-such-paper`") && err.contains("attention"),
        "{err}"
    );
    let out = run(&["list", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(v[0]["paper"]["id"], "attention");
    // one entry per claim of the pack (the pack grows: compare with the registry)
    let pack = rmt_verify::theorems::pack("attention").expect("attention pack");
    assert_eq!(
        v[0]["claims"].as_array().map(Vec::len),
        Some((pack.claims)().len())
    );
}
