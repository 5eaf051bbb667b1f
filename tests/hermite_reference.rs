//! Hermite coefficients against an independent high-precision reference.
//!
//! `tests/data/hermite_coeffs.csv` holds `a_0..a_6` and `nu` computed with mpmath at 40 digits
//! (generator: `tests/data/gen/hermite_coeffs.py`, header of the CSV), for the activations
//! without closed forms (tanh, gelu, silu, sigmoid, softplus, elu:1), leaky-relu and a few
//! expressions (smooth, off-grid kink, C^2 kink). Tolerances: issue 2's targets, 1e-12 absolute
//! for smooth `f`, 1e-10 for kinked `f`.

use rmt_verify::{hermite_coeffs, Activation};

const DATA: &str = include_str!("data/hermite_coeffs.csv");

#[test]
fn matches_mpmath_reference() {
    let mut rows = 0;
    let mut worst = (0.0f64, String::new());
    for line in DATA.lines().filter(|l| !l.starts_with('#')).skip(1) {
        let (name, rest) = line[1..].split_once("\",").expect("quoted name");
        let vals: Vec<f64> = rest
            .split(',')
            .map(|v| v.parse().expect("number"))
            .collect();
        assert_eq!(vals.len(), 8, "{line}");
        let act = Activation::parse(name).unwrap_or_else(|e| panic!("{name}: {e}"));
        let h = hermite_coeffs(&act, 6).unwrap_or_else(|e| panic!("{name}: {e}"));
        let kinked = !act.breakpoints().is_empty();
        let tol = if kinked { 1e-10 } else { 1e-12 };
        for (k, &reference) in vals.iter().enumerate().take(7) {
            let err = (h.a[k] - reference).abs();
            assert!(
                err < tol,
                "{name} a_{k}: {} vs {} ({})",
                h.a[k],
                vals[k],
                h.method
            );
            // The error estimate must not be wildly optimistic: err <= 100 x estimate + 1e-14.
            assert!(
                err <= 100.0 * h.errors[k] + 1e-14,
                "{name} a_{k}: error {err:e} vs estimate {:e}",
                h.errors[k]
            );
            if err > worst.0 {
                worst = (err, format!("{name} a_{k}"));
            }
        }
        assert!(
            (h.nu - vals[7]).abs() < tol,
            "{name} nu: {} vs {}",
            h.nu,
            vals[7]
        );
        rows += 1;
    }
    assert_eq!(rows, 10);
    eprintln!("worst |a_k - reference| = {:.2e} ({})", worst.0, worst.1);
}

// Spot value: E|xi - 1| = 2 phi(1) + 2 Phi(1) - 1 (kink off the grid of the breakpoint search).
#[test]
fn abs_shifted_mean_closed_form() {
    let h = hermite_coeffs(&Activation::parse("abs(x-1)").unwrap(), 2).unwrap();
    let phi1 = (-0.5f64).exp() / (2.0 * std::f64::consts::PI).sqrt();
    let cdf1 = 0.5 * (1.0 + libm::erf(1.0 / std::f64::consts::SQRT_2));
    assert!((h.mean - (2.0 * phi1 + 2.0 * cdf1 - 1.0)).abs() < 1e-10);
    // a_1 = E[sign(xi - 1)] = 1 - 2 Phi(1).
    assert!((h.a1 - (1.0 - 2.0 * cdf1)).abs() < 1e-10);
}
