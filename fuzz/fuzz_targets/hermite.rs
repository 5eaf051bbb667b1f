//! The whole activation pipeline on arbitrary bytes: parse as an activation (built-in names
//! too), then Hermite coefficients (admissibility scan, quadrature, precision guards) under a
//! 2 s time budget. Every outcome must be a value or an `Error`; a panic or a run past the
//! budget (libFuzzer's -timeout=10) is a finding. The first byte picks the order 0..=15.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rmt_verify::error::Deadline;
use rmt_verify::hermite::hermite_coeffs_within;
use rmt_verify::Activation;

fuzz_target!(|data: &[u8]| {
    let Some((&order, rest)) = data.split_first() else {
        return;
    };
    let Ok(src) = std::str::from_utf8(rest) else {
        return;
    };
    if let Ok(act) = Activation::parse(src) {
        let deadline = Deadline::after(Some(2.0), "");
        if let Ok(h) = hermite_coeffs_within(&act, usize::from(order % 16), &deadline) {
            // What is printed is finite, and a variance is never negative.
            assert!(h.a.iter().all(|v| v.is_finite()) && h.nu.is_finite());
            assert!(h.nu >= 0.0 && h.sigma2 >= 0.0, "{src}: {h:?}");
        }
    }
});
