//! Theory benchmarks (divan): one attention point (cold), a 200-point gamma path 10 -> 1e-3, and a
//! path to 1e-6. Targets (issue 4): one point <= 1 ms, 200-point path <= 50 ms.

use rmt_verify::theory::{attention_path, attention_point, AttentionParams};

fn main() {
    divan::main();
}

fn params() -> AttentionParams {
    // tanh (docs/hermite.md), c = 0.25, snr = 1, aligned w (docs/pencil.md §8.1 setting)
    AttentionParams::new(
        0.25,
        1.0,
        [1.0, 0.0, 0.0],
        [1.0, 0.0, 0.0],
        0.605_705_5,
        0.394_294_5,
        -0.605_705_5,
    )
    .expect("valid parameters")
}

fn logspace(lo: f64, hi: f64, k: usize) -> Vec<f64> {
    (0..k)
        .map(|i| (lo.ln() + (hi.ln() - lo.ln()) * i as f64 / (k - 1) as f64).exp())
        .collect()
}

#[divan::bench]
fn one_point_cold() -> f64 {
    attention_point(divan::black_box(&params()), 0.1)
        .expect("solves")
        .e
}

#[divan::bench]
fn path_200_points_10_to_1e_3() -> usize {
    let g = logspace(1e-3, 10.0, 200);
    attention_path(&params(), divan::black_box(&g))
        .expect("solves")
        .len()
}

#[divan::bench]
fn path_to_1e_6() -> f64 {
    let g = logspace(1e-6, 10.0, 20);
    attention_path(&params(), divan::black_box(&g)).expect("solves")[0].e
}
