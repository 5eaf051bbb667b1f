//! Stable-toolchain fuzz driver (README "Fuzzing"): the `cargo fuzz` targets of `fuzz/` need
//! nightly; this runs the same checks on random expressions from the seeded generator of
//! `tests/common` for a fixed time, on any toolchain. Ignored in the default run:
//!
//! ```sh
//! RMT_FUZZ_SECS=600 RMT_FUZZ_SEED=1 cargo test --release --test fuzz_stable -- --ignored --nocapture
//! ```
//!
//! Each case: parse the rendering of a random tree and compare with the reference evaluation;
//! parse a mangled string (must parse or refuse, never panic); run the Hermite pipeline under
//! a 2 s budget (a value with finite numbers and non-negative variances, or an `Error`; a case
//! that overruns its budget by 5 s is a hang). A failing case prints its input first.

mod common;

use common::{mangled, tree};
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use rmt_verify::error::Deadline;
use rmt_verify::expr::Expr;
use rmt_verify::hermite::hermite_coeffs_within;
use rmt_verify::Activation;
use std::time::{Duration, Instant};

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn check_case(rendered: &str, reference: &common::T, garbled: &str, order: usize) {
    match Expr::parse(rendered) {
        Ok(e) => {
            for x in [-11.3, -0.7, 0.0, 0.3, 7.7, 40.0] {
                let (a, b) = (e.eval(x), reference.eval(x));
                assert!(
                    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan()),
                    "{rendered} at {x}: {a} vs {b}"
                );
                let _ = e.eval_log(x);
            }
        }
        Err(rmt_verify::Error::InvalidParam { name, .. }) => {
            assert!(name.contains("break points"), "{rendered}: {name}")
        }
        Err(e) => panic!("{rendered}: {e}"),
    }
    if let Ok(e) = Expr::parse(garbled) {
        let _ = e.eval(0.5);
    }
    for src in [rendered, garbled] {
        let Ok(act) = Activation::parse(src) else {
            continue;
        };
        let t = Instant::now();
        let r = hermite_coeffs_within(&act, order, &Deadline::after(Some(2.0), ""));
        assert!(
            t.elapsed() < Duration::from_secs(7),
            "{src}: {:?} for a 2 s budget",
            t.elapsed()
        );
        if let Ok(h) = r {
            assert!(
                h.a.iter().all(|v| v.is_finite()) && h.nu.is_finite(),
                "{src}"
            );
            assert!(h.nu >= 0.0 && h.sigma2 >= 0.0, "{src}: {h:?}");
        }
    }
}

#[test]
#[ignore = "runs for RMT_FUZZ_SECS seconds (default 60); see README Fuzzing"]
fn fuzz_expressions_for_a_while() {
    let secs = env_u64("RMT_FUZZ_SECS", 60);
    let seed = env_u64("RMT_FUZZ_SEED", 2506);
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &bytes),
    );
    let strategy = (tree(6), mangled(5), 0usize..16);
    let start = Instant::now();
    let mut runs = 0u64;
    while start.elapsed() < Duration::from_secs(secs) {
        let (t, garbled, order) = strategy.new_tree(&mut runner).expect("generator").current();
        let rendered = t.render();
        let r = std::panic::catch_unwind(|| check_case(&rendered, &t, &garbled, order));
        if let Err(p) = r {
            eprintln!("failing case: {rendered:?} / {garbled:?} / order {order}");
            std::panic::resume_unwind(p);
        }
        runs += 1;
    }
    println!(
        "fuzz_stable: {runs} cases in {:.0} s (seed {seed}), no failure",
        start.elapsed().as_secs_f64()
    );
}
