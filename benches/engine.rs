//! Stage timings of one Monte Carlo replicate at n = 2048, p = 512 (tanh, w_K = w_Q = e_1,
//! 50-point gamma path), next to this machine's faer GEMM rate.
//!
//! Run: `RAYON_NUM_THREADS=2 cargo bench --bench engine`. Each benchmark's throughput counter is
//! its FLOP count, so divan's `item/s` column reads as FLOP/s (`Gitem/s` = GFLOP/s). FLOPs:
//! `X^T X` lower triangle `n(n+1)p`; `Phi = X K` `2pn^2`; `Phi Phi^T` lower triangle `p(p+1)n`;
//! symmetric EVD with vectors ~`9p^3` (tridiagonalization `4/3 p^3`, QR/D&C and back-transform;
//! a conventional estimate); activation counted as `n(n+1)/2` evaluations (one per unordered pair:
//! the symmetric kernel is transformed on its lower triangle); path `50 * 6p`.
//! `s23_xtx_fused_kernel` is what a replicate runs: `X^T X` with the kernel transform fused into
//! each column block, then a mirror of the diagonal blocks only, counted with the `X^T X` FLOPs;
//! `s4_phi_xk` reads that lower triangle directly (`linalg::gemm_sym_lower_acc`). The
//! `_mirrored` / `_full` variants are the former path (whole triangle mirrored, then a plain
//! GEMM), kept for comparison.
//! Compare with `benches/numpy_baseline.py` (same stages, OpenBLAS, same thread count).

use divan::counter::ItemsCount;
use divan::Bencher;
use faer::linalg::matmul::matmul;
use faer::{Accum, Mat, Par};
use rmt_verify::linalg;
use rmt_verify::model::{ModelKind, SimConfig};
use rmt_verify::monte_carlo::{
    kernel_from_gram, kernel_into, path_from_spectrum, run_replicate, sample,
};
use rmt_verify::{hermite_coeffs, Activation};

const N: usize = 2048;
const P: usize = 512;

fn main() {
    println!(
        "rayon threads: {} (set RAYON_NUM_THREADS=2 to match the numpy baseline)",
        rayon::current_num_threads()
    );
    // The summary runs under `cargo bench` (which passes `--bench`), not under `cargo test`,
    // `--list`, or a divan name filter.
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--bench")
        && args.iter().all(|a| a.starts_with("--") && a != "--list")
    {
        summary();
    }
    divan::main();
}

/// Median wall time of `reps` runs of `f` (after one warm-up run), in seconds.
fn median_secs(reps: usize, mut f: impl FnMut()) -> f64 {
    f();
    let mut t: Vec<f64> = (0..reps)
        .map(|_| {
            let s = std::time::Instant::now();
            f();
            s.elapsed().as_secs_f64()
        })
        .collect();
    t.sort_by(f64::total_cmp);
    t[reps / 2]
}

/// Ratios taken within one run (so that a loaded machine slows numerator and denominator
/// alike): the kernel stage (`X^T X` fused with the activation, as a replicate runs it: lower
/// triangle and diagonal blocks) against `X^T X` alone,
/// for tanh and for a user expression; and a whole replicate against its GEMM-bound floor
/// (GEMM FLOPs at the GEMM rate measured here, plus the measured eigendecomposition).
fn summary() {
    const REPS: usize = 7;
    let a = Mat::<f64>::from_fn(N, P, |i, j| ((i + 3 * j) % 7) as f64);
    let bm = Mat::<f64>::from_fn(P, N, |i, j| ((2 * i + j) % 5) as f64);
    let mut d = Mat::<f64>::zeros(N, N);
    let t_gemm = median_secs(REPS, || {
        matmul(
            d.as_mut(),
            Accum::Replace,
            a.as_ref(),
            bm.as_ref(),
            1.0,
            Par::rayon(0),
        )
    });
    let rate = (2 * N * P * N) as f64 / t_gemm;
    let c = cfg();
    let (x, _) = sample(&c, 0);
    let mut m = Mat::<f64>::zeros(N, N);
    let t_xtx = median_secs(REPS, || linalg::gram_lower(m.as_mut(), x.as_ref(), 1.0));
    let t_kern = median_secs(REPS, || {
        kernel_into(&c, x.as_ref(), m.as_mut(), 0, false).expect("kernel")
    });
    let t_kern_mirrored = median_secs(REPS, || {
        kernel_into(&c, x.as_ref(), m.as_mut(), 0, true).expect("kernel")
    });
    let mut ce = c.clone();
    let expr = Activation::parse("x*tanh(x)").expect("expression");
    ce.spec.set_activation(expr.clone());
    // `kernel_into` derives the Hermite coefficients each call (a replicate gets them once per
    // run): timed on their own and subtracted.
    let act = Activation::parse("tanh").expect("tanh");
    let t_co = median_secs(REPS, || {
        hermite_coeffs(&act, 2).expect("coeffs");
    });
    let t_co_expr = median_secs(REPS, || {
        hermite_coeffs(&expr, 2).expect("coeffs");
    });
    let t_kern = t_kern - t_co;
    let t_kern_mirrored = t_kern_mirrored - t_co;
    let t_kern_expr = median_secs(REPS, || {
        kernel_into(&ce, x.as_ref(), m.as_mut(), 0, false).expect("kernel")
    }) - t_co_expr;
    // Reference: the former per-element tree walk of the expression, fused into the same
    // parallel X^T X blocks (no centring, no mirror: a lower bound of the former stage).
    let s = 1.0 / (P as f64).sqrt();
    let t_tree = median_secs(REPS, || {
        linalg::gram_lower_then(m.as_mut(), x.as_ref(), 1.0, |j0, mut blk| {
            for jj in 0..blk.ncols() {
                for i in j0 + jj..N {
                    blk[(i, jj)] = expr.eval(blk[(i, jj)] * s);
                }
            }
        })
    });
    let phi = phi();
    let mut g = Mat::<f64>::zeros(P, P);
    linalg::gram_lower(g.as_mut(), phi.transpose(), 1.0 / N as f64);
    let t_evd = median_secs(REPS, || {
        linalg::sym_eigen(g.as_ref(), true).expect("evd");
    });
    let t_rep = median_secs(REPS, || {
        run_replicate(&c, 0).expect("replicate");
    });
    let gemm_flops = N * (N + 1) * P + 2 * P * N * N + P * (P + 1) * N;
    let floor = gemm_flops as f64 / rate + t_evd;
    let ms = |t: f64| t * 1e3;
    println!("summary (median of {REPS}, one run; ratios are the meaningful numbers):");
    println!(
        "  Hermite coefficients      {:8.1} ms tanh, {:.1} ms x*tanh(x) (subtracted below)",
        ms(t_co),
        ms(t_co_expr)
    );
    println!("  faer GEMM rate            {:8.1} GFLOP/s", rate / 1e9);
    println!("  X^T X lower (alone)       {:8.1} ms", ms(t_xtx));
    println!(
        "  kernel stage, tanh        {:8.1} ms  = {:.2} x X^T X",
        ms(t_kern),
        t_kern / t_xtx
    );
    println!(
        "  ... mirrored whole (old)  {:8.1} ms  = {:.2} x X^T X",
        ms(t_kern_mirrored),
        t_kern_mirrored / t_xtx
    );
    println!(
        "  kernel stage, x*tanh(x)   {:8.1} ms  = {:.2} x X^T X",
        ms(t_kern_expr),
        t_kern_expr / t_xtx
    );
    println!(
        "  X^T X + tree walk (old)   {:8.1} ms  = {:.2} x X^T X  (x*tanh(x), lower bound)",
        ms(t_tree),
        t_tree / t_xtx
    );
    println!("  eigendecomposition        {:8.1} ms", ms(t_evd));
    println!(
        "  GEMM-bound floor          {:8.1} ms  ({:.2} GFLOP at the rate above + EVD)",
        ms(floor),
        gemm_flops as f64 / 1e9
    );
    println!(
        "  whole replicate           {:8.1} ms  = {:.2} x floor",
        ms(t_rep),
        t_rep / floor
    );
}

fn cfg() -> SimConfig {
    let mut c = SimConfig::single_head(Activation::parse("tanh").expect("tanh"));
    c.spec.kind = ModelKind::Attention;
    c.n = N;
    c.p = P;
    c.spec.set_w(&[1.0, 0.0, 0.0], &[1.0, 0.0, 0.0]);
    let k = 50;
    c.gammas = (0..k)
        .map(|i| 10f64.powf(-4.0 + 5.0 * i as f64 / (k - 1) as f64))
        .collect();
    c
}

fn flops(x: usize) -> ItemsCount {
    ItemsCount::new(x)
}

#[divan::bench(sample_count = 5, sample_size = 1)]
fn gemm_faer_2048x512x2048(b: Bencher) {
    let a = Mat::<f64>::from_fn(N, P, |i, j| ((i + 3 * j) % 7) as f64);
    let c = Mat::<f64>::from_fn(P, N, |i, j| ((2 * i + j) % 5) as f64);
    let mut d = Mat::<f64>::zeros(N, N);
    b.counter(flops(2 * N * P * N)).bench_local(|| {
        matmul(
            d.as_mut(),
            Accum::Replace,
            a.as_ref(),
            c.as_ref(),
            1.0,
            Par::rayon(0),
        );
    });
}

#[divan::bench(sample_count = 5, sample_size = 1)]
fn s1_sampling(b: Bencher) {
    let c = cfg();
    b.bench_local(|| sample(&c, 0));
}

#[divan::bench(sample_count = 5, sample_size = 1)]
fn s2_xtx_lower(b: Bencher) {
    let (x, _) = sample(&cfg(), 0);
    let mut m = Mat::<f64>::zeros(N, N);
    b.counter(flops(N * (N + 1) * P))
        .bench_local(|| linalg::gram_lower(m.as_mut(), x.as_ref(), 1.0));
}

#[divan::bench(sample_count = 5, sample_size = 1)]
fn s3_activation(b: Bencher) {
    let c = cfg();
    let (x, _) = sample(&c, 0);
    let mut s = Mat::<f64>::zeros(N, N);
    linalg::gram_lower(s.as_mut(), x.as_ref(), 1.0);
    b.counter(flops(N * (N + 1) / 2))
        .with_inputs(|| s.clone())
        .bench_local_refs(|m| {
            kernel_from_gram(&c, x.as_ref(), m.as_mut(), 0, true).expect("kernel")
        });
}

#[divan::bench(sample_count = 5, sample_size = 1)]
fn s4_phi_xk(b: Bencher) {
    let c = cfg();
    let (x, _) = sample(&c, 0);
    let mut k = Mat::<f64>::zeros(N, N);
    linalg::gram_lower(k.as_mut(), x.as_ref(), 1.0);
    kernel_from_gram(&c, x.as_ref(), k.as_mut(), 0, false).expect("kernel");
    let mut phi = Mat::<f64>::zeros(P, N);
    b.counter(flops(2 * P * N * N)).bench_local(|| {
        linalg::gemm_sym_lower_acc(phi.as_mut(), x.as_ref(), k.as_ref(), 1.0, false)
    });
}

/// As `s4_phi_xk` on the whole (mirrored) kernel with a plain blocked GEMM (the former path).
#[divan::bench(sample_count = 5, sample_size = 1)]
fn s4_phi_xk_full(b: Bencher) {
    let c = cfg();
    let (x, _) = sample(&c, 0);
    let mut k = Mat::<f64>::zeros(N, N);
    linalg::gram_lower(k.as_mut(), x.as_ref(), 1.0);
    kernel_from_gram(&c, x.as_ref(), k.as_mut(), 0, true).expect("kernel");
    let mut phi = Mat::<f64>::zeros(P, N);
    b.counter(flops(2 * P * N * N))
        .bench_local(|| linalg::gemm_blocked(phi.as_mut(), x.as_ref(), k.as_ref(), 1.0));
}

#[divan::bench(sample_count = 5, sample_size = 1)]
fn s23_xtx_fused_kernel(b: Bencher) {
    let c = cfg();
    let (x, _) = sample(&c, 0);
    let mut m = Mat::<f64>::zeros(N, N);
    b.counter(flops(N * (N + 1) * P))
        .bench_local(|| kernel_into(&c, x.as_ref(), m.as_mut(), 0, false).expect("kernel"));
}

/// As `s23_xtx_fused_kernel`, then the whole lower triangle mirrored (the former path, for a
/// plain GEMM after it): the difference is the cost of that mirror.
#[divan::bench(sample_count = 5, sample_size = 1)]
fn s23_xtx_fused_kernel_mirrored(b: Bencher) {
    let c = cfg();
    let (x, _) = sample(&c, 0);
    let mut m = Mat::<f64>::zeros(N, N);
    b.counter(flops(N * (N + 1) * P))
        .bench_local(|| kernel_into(&c, x.as_ref(), m.as_mut(), 0, true).expect("kernel"));
}

/// As `s23_xtx_fused_kernel` with the user expression `x*tanh(x)` (slice-evaluated).
#[divan::bench(sample_count = 5, sample_size = 1)]
fn s23_xtx_fused_kernel_expr(b: Bencher) {
    let mut c = cfg();
    c.spec
        .set_activation(Activation::parse("x*tanh(x)").expect("expression"));
    let (x, _) = sample(&c, 0);
    let mut m = Mat::<f64>::zeros(N, N);
    b.counter(flops(N * (N + 1) * P))
        .bench_local(|| kernel_into(&c, x.as_ref(), m.as_mut(), 0, false).expect("kernel"));
}

fn phi() -> Mat<f64> {
    let c = cfg();
    let (x, _) = sample(&c, 0);
    let mut k = Mat::<f64>::zeros(N, N);
    linalg::gram_lower(k.as_mut(), x.as_ref(), 1.0);
    kernel_from_gram(&c, x.as_ref(), k.as_mut(), 0, true).expect("kernel");
    let mut phi = Mat::<f64>::zeros(P, N);
    linalg::gemm_blocked(phi.as_mut(), x.as_ref(), k.as_ref(), 1.0);
    phi
}

#[divan::bench(sample_count = 5, sample_size = 1)]
fn s5_phi_phit_lower(b: Bencher) {
    let phi = phi();
    let mut g = Mat::<f64>::zeros(P, P);
    b.counter(flops(P * (P + 1) * N))
        .bench_local(|| linalg::gram_lower(g.as_mut(), phi.transpose(), 1.0 / N as f64));
}

#[divan::bench(sample_count = 5, sample_size = 1)]
fn s6_eigendecomposition(b: Bencher) {
    let phi = phi();
    let mut g = Mat::<f64>::zeros(P, P);
    linalg::gram_lower(g.as_mut(), phi.transpose(), 1.0 / N as f64);
    b.counter(flops(9 * P * P * P))
        .bench_local(|| linalg::sym_eigen(g.as_ref(), true).expect("evd"));
}

/// As `s6_eigendecomposition` without eigenvectors (tridiagonalization and QR only): what a
/// replicate would pay if the path needed no weights (it does: `w_i = (u_i^T Phi y)^2 / n`).
#[divan::bench(sample_count = 5, sample_size = 1)]
fn s6_eigenvalues_only(b: Bencher) {
    let phi = phi();
    let mut g = Mat::<f64>::zeros(P, P);
    linalg::gram_lower(g.as_mut(), phi.transpose(), 1.0 / N as f64);
    b.counter(flops(4 * P * P * P / 3))
        .bench_local(|| linalg::sym_eigen(g.as_ref(), false).expect("evd"));
}

#[divan::bench(sample_count = 5, sample_size = 10)]
fn s7_gamma_path(b: Bencher) {
    let c = cfg();
    let l: Vec<f64> = (0..P).map(|i| i as f64 / P as f64).collect();
    let w: Vec<f64> = (0..P).map(|i| 1.0 / (1.0 + i as f64)).collect();
    b.counter(flops(c.gammas.len() * 6 * P))
        .bench_local(|| path_from_spectrum(&l, &w, P, N, &c.gammas));
}

#[divan::bench(sample_count = 5, sample_size = 1)]
fn s8_whole_replicate(b: Bencher) {
    let c = cfg();
    let total = N * (N + 1) * P + 2 * P * N * N + P * (P + 1) * N + 9 * P * P * P;
    b.counter(flops(total))
        .bench_local(|| run_replicate(&c, 0).expect("replicate"));
}
