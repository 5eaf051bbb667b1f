//! Every registered claim at its quick budget: assert the verdict, snapshot the rounded
//! evidence table (with the claim statement in the snapshot header) into `snapshots/`.
//!
//! Accept new snapshots with `INSTA_UPDATE=always cargo test --release`, then read them
//! (no FAILS, no NaN) and review the git diff. With `CI=true` nothing is written and a
//! mismatch fails.

use rmt_verify::claim::{Budget, Claim, Status};
use rmt_verify::theorems;

/// Ids that have a `#[test]` below. `every_claim_has_a_test` compares it with the registry:
/// when you register a claim, add its test here.
const TESTED_IDS: &[&str] = &[
    "lem-hermite",
    "lem-linearization",
    "prop1-resolvent",
    "prop2-ridge",
    "thm1-attention",
    "thm-bounds",
    "cor-random-inputs",
    "cor-alignment",
    "cor-a1-zero",
    "ext-multihead-equivalent",
    "ext-multihead-what-heads-buy",
];

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
    insta::with_settings!({
        snapshot_path => concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots"),
        prepend_module_to_snapshot => false,
        description => claim.statement(),
        omit_expression => true,
    }, {
        insta::assert_snapshot!(id, text);
    });
}

#[test]
fn every_claim_has_a_test() {
    let registered: Vec<&str> = theorems::registry().iter().map(|c| c.id()).collect();
    for id in &registered {
        assert!(
            TESTED_IDS.contains(id),
            "claim `{id}` is registered but has no test in tests/claims.rs"
        );
    }
    for id in TESTED_IDS {
        assert!(
            registered.contains(id),
            "tests/claims.rs tests `{id}`, which is not registered"
        );
    }
}

#[test]
fn lem_hermite() {
    check_and_snapshot("lem-hermite")
}

#[test]
fn lem_linearization() {
    check_and_snapshot("lem-linearization")
}

#[test]
fn prop1_resolvent() {
    check_and_snapshot("prop1-resolvent")
}

#[test]
fn prop2_ridge() {
    check_and_snapshot("prop2-ridge")
}

#[test]
fn thm1_attention() {
    check_and_snapshot("thm1-attention")
}

#[test]
fn thm_bounds() {
    check_and_snapshot("thm-bounds")
}

#[test]
fn cor_random_inputs() {
    check_and_snapshot("cor-random-inputs")
}

#[test]
fn cor_alignment() {
    check_and_snapshot("cor-alignment")
}

#[test]
fn cor_a1_zero() {
    check_and_snapshot("cor-a1-zero")
}

#[test]
fn ext_multihead_equivalent() {
    check_and_snapshot("ext-multihead-equivalent")
}

#[test]
fn ext_multihead_what_heads_buy() {
    check_and_snapshot("ext-multihead-what-heads-buy")
}

/// Negative controls of `ext-multihead-equivalent`: the theory with independent or fully
/// shared nonlinear parts across heads must fail the agreement rows.
#[test]
fn ext_multihead_equivalent_wrong_covariance_fails() {
    use rmt_verify::heads::CovVariant;
    use rmt_verify::theorems::ext_multihead_equivalent::ExtMultiheadEquivalent;
    for v in [CovVariant::Independent, CovVariant::Shared] {
        let c = ExtMultiheadEquivalent { perturb: Some(v) };
        let verdict = c.check(&Budget::quick()).expect("check runs");
        assert_eq!(
            verdict.status,
            Status::Fails,
            "{v:?}:\n{}",
            verdict.report()
        );
        eprintln!("{v:?}: failing rows {:?}", verdict.failing_rows());
    }
}

/// Negative controls of `ext-multihead-what-heads-buy`: counting heads instead of rank(G),
/// or independent nonlinear parts across heads, must fail.
#[test]
fn ext_multihead_what_heads_buy_controls_fail() {
    use rmt_verify::theorems::ext_multihead_what_heads_buy::{ExtMultiheadWhatHeadsBuy, Perturb};
    for p in [Perturb::CountHeads, Perturb::Independent] {
        let c = ExtMultiheadWhatHeadsBuy { perturb: Some(p) };
        let verdict = c.check(&Budget::quick()).expect("check runs");
        assert_eq!(
            verdict.status,
            Status::Fails,
            "{p:?}:\n{}",
            verdict.report()
        );
        eprintln!("{p:?}: failing rows {:?}", verdict.failing_rows());
    }
}

/// Negative test: a1 off by 1e-6 (far above the 1e-10 / 1e-12 tolerances) must fail.
#[test]
fn lem_hermite_perturbed_coefficient_fails() {
    let v = theorems::lem_hermite_expansion::LemHermite
        .check_with(&Budget::quick(), 1e-6)
        .expect("check runs");
    assert_eq!(v.status, Status::Fails, "{}", v.report());
    // Only the a1 rows (and the Stein identity, which uses a1) fail.
    for r in &v.rows {
        if r.status == Status::Fails {
            assert!(r.label.contains("a1"), "unexpected failing row {}", r.label);
        }
    }
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

/// Every module file in `theorems/` is a registered claim (none forgotten in `registry()`).
#[test]
fn every_theorem_file_is_registered() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/theorems");
    let files = std::fs::read_dir(dir)
        .expect("theorems/ exists")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|f| f.ends_with(".rs") && f != "mod.rs")
        .count();
    assert_eq!(files, theorems::registry().len());
}
