//! The Rules-and-Facts pack (`theorems/raf/`, `docs/raf.md §11`): a negative control per claim
//! beyond those the claims declare, each a perturbed formula or coefficient that must make it
//! fail, checked on the rows it must fail. The claims themselves (verdict at the quick budget,
//! snapshot, declared negative controls, full budget, registration) are tested with every other
//! pack's in `tests/claims.rs`.

use rmt_verify::claim::{Budget, Claim, Status};
use rmt_verify::raf::claims::{
    bo_rate_one, krr_equivalent, krr_rate_half, lambda_opt, memorize_generalize, rf_threshold,
};

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
