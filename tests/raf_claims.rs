//! The Rules-and-Facts pack (`theorems/raf/`, `docs/raf.md §11`): every claim at its quick budget
//! (verdict asserted, rounded evidence table snapshotted with the statement in the header, as
//! `tests/claims.rs` does for the attention paper), and a negative control per claim: a perturbed
//! formula or coefficient that must make it fail.
//!
//! Accept new snapshots with `INSTA_UPDATE=always cargo test --release --test raf_claims`, then
//! read them (no FAILS, no NaN) and review the git diff.

use rmt_verify::claim::{Budget, Claim, Status};
use rmt_verify::raf::claims::{
    self, bo_rate_one, krr_equivalent, krr_rate_half, lambda_opt, memorize_generalize, rf_threshold,
};

/// Ids that have a snapshot test below (compared with the pack's registry).
const TESTED_IDS: &[&str] = &[
    "raf-krr-equivalent",
    "raf-lambda-opt",
    "raf-memorize-generalize",
    "raf-krr-rate",
    "raf-bo-rate",
    "raf-rf-threshold",
];

fn check_and_snapshot(id: &str) {
    let claim = claims::find(id).unwrap_or_else(|| panic!("claim `{id}` is not registered"));
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
    assert!(!text.contains("NaN"), "{text}");
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
    let registered: Vec<&str> = claims::registry().iter().map(|c| c.id()).collect();
    assert_eq!(registered, TESTED_IDS, "registry and tests out of step");
    for c in claims::registry() {
        assert!(c.id().starts_with("raf-"), "{}", c.id());
    }
}

/// Every module file in `theorems/raf/` (but `mod.rs` and the `common.rs` helpers) is a
/// registered claim.
#[test]
fn every_pack_file_is_registered() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/theorems/raf");
    let files = std::fs::read_dir(dir)
        .expect("theorems/raf exists")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|f| f.ends_with(".rs") && f != "mod.rs" && f != "common.rs")
        .count();
    assert_eq!(files, claims::registry().len());
}

#[test]
fn raf_krr_equivalent() {
    check_and_snapshot("raf-krr-equivalent")
}

#[test]
fn raf_lambda_opt() {
    check_and_snapshot("raf-lambda-opt")
}

#[test]
fn raf_memorize_generalize() {
    check_and_snapshot("raf-memorize-generalize")
}

#[test]
fn raf_krr_rate() {
    check_and_snapshot("raf-krr-rate")
}

#[test]
fn raf_bo_rate() {
    check_and_snapshot("raf-bo-rate")
}

#[test]
fn raf_rf_threshold() {
    check_and_snapshot("raf-rf-threshold")
}

// ---------------------------------------------------------------- negative controls

/// The kernel treated as linear (`mu_star = 0`): at lambda = 0.01 the theory predicts
/// eps_mem ~ 0.15 where exact KRR memorizes every fact.
#[test]
fn krr_equivalent_without_mu_star_fails() {
    let c = krr_equivalent::RafKrrEquivalent {
        perturb: Some(krr_equivalent::Perturb::DropMuStar),
    };
    let v = c
        .check_cases(&Budget::quick(), &krr_equivalent::CASES[..1])
        .expect("runs");
    assert_eq!(v.status, Status::Fails, "{}", v.report());
    assert!(
        v.failing_rows()
            .iter()
            .any(|l| l.contains("λ=0.01") && l.contains("eps_mem")),
        "{}",
        v.report()
    );
}

#[test]
fn lambda_opt_with_wrong_formulas_fails() {
    for p in [
        lambda_opt::Perturb::ForgetMuStar,
        lambda_opt::Perturb::NoSignFactor,
    ] {
        let v = lambda_opt::RafLambdaOpt { perturb: Some(p) }
            .check_theory()
            .expect("runs");
        assert_eq!(v.status, Status::Fails, "{p:?}:\n{}", v.report());
    }
    // the unperturbed theory rows hold
    let v = lambda_opt::RafLambdaOpt::default()
        .check_theory()
        .expect("runs");
    assert_eq!(v.status, Status::Holds, "{}", v.report());
}

/// The kernel treated as linear: it would keep ~16% of the facts misclassified, while exact
/// KRR at lambda = 1e-4 misclassifies none.
#[test]
fn memorize_generalize_without_mu_star_fails() {
    let c = memorize_generalize::RafMemorizeGeneralize {
        perturb: Some(memorize_generalize::Perturb::DropMuStar),
    };
    let rows = c.kernel_rows(&Budget::quick()).expect("runs");
    let failing: Vec<&str> = rows
        .iter()
        .filter(|r| r.status == Status::Fails)
        .map(|r| r.label.as_str())
        .collect();
    assert!(
        failing.iter().filter(|l| l.contains("eps_mem = 0")).count() == 3,
        "{failing:?}"
    );
}

#[test]
fn krr_rate_with_wrong_prefactor_or_rate_fails() {
    for (p, what) in [
        (krr_rate_half::Perturb::PrefactorWithoutPi, "√α·eps_gen"),
        (krr_rate_half::Perturb::RateOne, "slope"),
    ] {
        let rows = krr_rate_half::RafKrrRate { perturb: Some(p) }
            .theory_rows()
            .expect("runs");
        let bad: Vec<&str> = rows
            .iter()
            .filter(|r| r.status == Status::Fails)
            .map(|r| r.label.as_str())
            .collect();
        assert_eq!(bad.len(), 12, "{p:?}: {bad:?}");
        assert!(bad.iter().all(|l| l.contains(what)), "{p:?}: {bad:?}");
    }
}

/// Flip probability eps instead of eps/2: the authors' q(alpha) and the rate constant are missed.
#[test]
fn bo_with_wrong_channel_fails() {
    let v = bo_rate_one::RafBoRate {
        perturb: Some(bo_rate_one::Perturb::FlipEps),
    }
    .check(&Budget::quick())
    .expect("runs");
    assert_eq!(v.status, Status::Fails, "{}", v.report());
    let bad = v.failing_rows();
    assert!(
        bad.iter().filter(|l| l.contains("Appendix B")).count() >= 8,
        "{bad:?}"
    );
}

/// Random-features theory without its p-dimensional block: wrong threshold (it would memorize
/// only below n = d) and wrong errors against Monte Carlo.
#[test]
fn rf_without_noise_block_fails() {
    let c = rf_threshold::RafRfThreshold {
        perturb: Some(rf_threshold::Perturb::NoNoiseBlock),
    };
    let rows = c.theory_rows().expect("runs");
    assert!(
        rows.iter()
            .any(|r| r.status == Status::Fails && r.label.contains("n/p=0.9")),
        "{rows:#?}"
    );
    let mc = c.mc_rows(&Budget::quick()).expect("runs");
    assert!(
        mc.iter().filter(|r| r.status == Status::Fails).count() >= 3,
        "{mc:#?}"
    );
}

/// The `--full` budget: the paper's sizes (d = 500 and 1000, p = 1000). Minutes.
#[test]
#[ignore = "full budget (d = 1000); run: cargo test --release --test raf_claims -- --ignored"]
fn full_budget_all_raf_claims_hold() {
    let mut report = String::new();
    let mut ok = true;
    for claim in claims::registry() {
        let v = claim
            .check(&Budget::full())
            .unwrap_or_else(|e| panic!("claim `{}` could not run: {e}", claim.id()));
        ok &= v.status == Status::Holds;
        report.push_str(&v.report());
    }
    assert!(ok, "some claims do not hold at the full budget:\n{report}");
}
