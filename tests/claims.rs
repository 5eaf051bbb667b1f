//! Every registered claim at its quick budget: assert the verdict, snapshot the rounded
//! evidence table (with the claim statement in the snapshot header) into `snapshots/`; and every
//! negative control a claim declares must FAIL.
//!
//! Accept new snapshots with `INSTA_UPDATE=always cargo test --release --test claims`, then read
//! them (no FAILS, no NaN) and review the git diff. With `CI=true` nothing is written and a
//! mismatch fails.
//!
//! The claims below have a named test (`cargo test --release --test claims thm1`); a claim added
//! later needs no edit here: `other_registered_claims_hold` checks every registered claim without
//! a named test, and the negative controls are found through `Claim::negative_controls`.

use rayon::prelude::*;
use rmt_verify::claim::{Budget, Status};
use rmt_verify::theorems;

/// Runs claim `id` at the quick budget, asserts `Holds` (full report on failure), snapshots
/// the evidence table and notes.
fn check_and_snapshot(id: &str) {
    let claim = theorems::find(id).unwrap_or_else(|| panic!("claim `{id}` is not registered"));
    let verdict = claim
        .check(&Budget::quick())
        .unwrap_or_else(|e| panic!("claim `{id}` could not run: {e}"));
    assert_eq!(
        verdict.status,
        Status::Holds,
        "claim `{id}` does not hold:\n{}",
        verdict.report()
    );
    let mut text = verdict.table().to_text();
    for n in &verdict.notes {
        text.push_str(&format!("note: {n}\n"));
    }
    assert!(!text.contains("NaN"), "claim `{id}` prints NaN:\n{text}");
    insta::with_settings!({
        snapshot_path => concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots"),
        prepend_module_to_snapshot => false,
        description => claim.statement(),
        omit_expression => true,
    }, {
        insta::assert_snapshot!(id, text);
    });
}

/// Named tests, one per claim: `name => "claim-id"`.
macro_rules! named_claims {
    ($($name:ident => $id:literal),* $(,)?) => {
        /// Ids with a named test.
        const NAMED: &[&str] = &[$($id),*];
        $(
            #[test]
            fn $name() {
                check_and_snapshot($id)
            }
        )*
    };
}

named_claims! {
    lem_hermite => "lem-hermite",
    lem_linearization => "lem-linearization",
    prop1_resolvent => "prop1-resolvent",
    prop2_ridge => "prop2-ridge",
    thm1_attention => "thm1-attention",
    thm_bounds => "thm-bounds",
    cor_random_inputs => "cor-random-inputs",
    cor_alignment => "cor-alignment",
    cor_a1_zero => "cor-a1-zero",
    rem_softmax => "rem-softmax",
    open_skip => "open-skip",
    open_correlated_tokens => "open-correlated-tokens",
    ext_multihead_equivalent => "ext-multihead-equivalent",
    ext_multihead_what_heads_buy => "ext-multihead-what-heads-buy",
    raf_krr_equivalent => "raf-krr-equivalent",
    raf_lambda_opt => "raf-lambda-opt",
    raf_memorize_generalize => "raf-memorize-generalize",
    raf_krr_rate => "raf-krr-rate",
    raf_bo_rate => "raf-bo-rate",
    raf_rf_threshold => "raf-rf-threshold",
}

#[test]
fn named_claims_are_registered() {
    for id in NAMED {
        assert!(theorems::find(id).is_some(), "`{id}` is not registered");
    }
}

/// Every registered claim without a named test (e.g. another paper's pack).
#[test]
fn other_registered_claims_hold() {
    for c in theorems::registry() {
        if !NAMED.contains(&c.id()) {
            check_and_snapshot(c.id());
        }
    }
}

/// Every claim declares at least one negative control.
#[test]
fn every_claim_declares_a_negative_control() {
    for c in theorems::registry() {
        assert!(
            !c.negative_controls().is_empty(),
            "claim `{}` declares no negative control (Claim::negative_controls)",
            c.id()
        );
    }
}

/// The one generic negative test: every declared control must FAIL at the quick budget (and
/// where it says so, on the expected rows). Controls run in parallel (each is deterministic).
#[test]
fn every_negative_control_fails() {
    let controls: Vec<(String, _)> = theorems::registry()
        .iter()
        .flat_map(|c| {
            let id = c.id();
            c.negative_controls()
                .into_iter()
                .map(move |n| (format!("{id} / {}", n.name), n))
        })
        .collect();
    assert!(!controls.is_empty());
    let problems: Vec<String> = controls
        .par_iter()
        .filter_map(|(name, n)| match n.run(&Budget::quick()) {
            Ok(v) => {
                eprintln!(
                    "{name}: FAILS as required ({} failing rows)",
                    v.failing_rows().len()
                );
                None
            }
            Err(e) => Some(format!(
                "negative control {name} did not fail as required: {e}"
            )),
        })
        .collect();
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

/// The `--full` run: the paper's sizes, every claim must hold. Minutes, not seconds.
#[test]
#[ignore = "full budget (n = 2048..4096); run: cargo test --release --test claims -- --ignored"]
fn full_budget_all_claims_hold() {
    let mut report = String::new();
    let mut ok = true;
    for claim in theorems::registry() {
        let v = claim
            .check(&Budget::full())
            .unwrap_or_else(|e| panic!("claim `{}` could not run: {e}", claim.id()));
        ok &= v.status == Status::Holds;
        report.push_str(&v.report());
    }
    assert!(ok, "some claims do not hold at the full budget:\n{report}");
}

/// Every folder of `theorems/` is a registered pack, and each of its module files a registered
/// claim of that pack (none forgotten in a `registry()`).
#[test]
fn every_theorem_file_is_registered() {
    let dir = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/theorems"));
    let packs = theorems::packs();
    let mut folders = 0;
    for e in std::fs::read_dir(dir).expect("theorems/ exists").flatten() {
        if !e.path().is_dir() {
            continue;
        }
        folders += 1;
        let name = e.file_name().to_string_lossy().into_owned();
        let pack = packs
            .iter()
            .find(|p| p.paper.id == name)
            .unwrap_or_else(|| panic!("theorems/{name}/ is not a registered pack"));
        let files = std::fs::read_dir(e.path())
            .expect("readable")
            .flatten()
            .map(|f| f.file_name().to_string_lossy().into_owned())
            .filter(|f| f.ends_with(".rs") && f != "mod.rs")
            .count();
        assert_eq!(files, (pack.claims)().len(), "theorems/{name}/");
    }
    assert_eq!(folders, packs.len());
}
