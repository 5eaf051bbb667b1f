//! Monte Carlo with several heads (`docs/multihead.md §1`): the engine's features against a
//! naive construction of `Phi` (concatenated and summed heads), thread-count invariance, the
//! one-head special case, the jointly Gaussian Wigner parts of the equivalent model, and the
//! memory estimate. Small sizes: each test well under a second.

use faer::Mat;
use rmt_verify::heads::HeadStats;
use rmt_verify::model::{Combine, ModelKind, ModelSpec, SimConfig};
use rmt_verify::monte_carlo::{
    features, kernel_matrix, kernel_matrix_head, run_replicate, sample, simulate,
};
use rmt_verify::{hermite_coeffs, Activation};

fn cfg(model_file: &str, n: usize, p: usize) -> SimConfig {
    let mut c = SimConfig::new(ModelSpec::from_toml(model_file).unwrap());
    c.n = n;
    c.p = p;
    c
}

const TWO_HEADS: &str = r#"
[signal]
means = [[1.0, 0.5]]
[[heads]]
activation = "tanh"
wk = [[1.0]]
wq = [[1.0]]
[[heads]]
activation = "cos"
wk = [[0.0, 1.0]]
wq = [[1.0, 1.0, 0.5]]
"#;

/// `K_h` entry by entry: `(f_h(x_i^T W_h x_j / sqrt p) - E f_h) / sqrt p`, zero diagonal.
fn naive_kernel(x: &Mat<f64>, act: &str, wk: &[f64], wq: &[f64]) -> Mat<f64> {
    let (p, n) = (x.nrows(), x.ncols());
    let a = Activation::parse(act).unwrap();
    let mean = hermite_coeffs(&a, 2).unwrap().mean;
    let proj =
        |w: &[f64], j: usize| -> f64 { w.iter().enumerate().map(|(k, v)| v * x[(k, j)]).sum() };
    Mat::from_fn(n, n, |i, j| {
        if i == j {
            return 0.0;
        }
        let t: f64 = (0..p).map(|k| x[(k, i)] * x[(k, j)]).sum::<f64>() + proj(wk, i) * proj(wq, j);
        (a.eval(t / (p as f64).sqrt()) - mean) / (p as f64).sqrt()
    })
}

#[test]
fn features_equal_the_naive_construction() {
    for combine in [Combine::Concat, Combine::Sum] {
        let mut c = cfg(TWO_HEADS, 70, 30);
        c.spec.attention.combine = combine;
        let (phi, y) = features(&c, 2).unwrap();
        let (x, y2) = sample(&c, 2);
        assert_eq!(y, y2);
        let k1 = naive_kernel(&x, "tanh", &[1.0], &[1.0]);
        let k2 = naive_kernel(&x, "cos", &[0.0, 1.0], &[1.0, 1.0, 0.5]);
        let want = match combine {
            Combine::Concat => {
                let (a, b) = (&x * &k1, &x * &k2);
                Mat::from_fn(
                    60,
                    70,
                    |i, j| if i < 30 { a[(i, j)] } else { b[(i - 30, j)] },
                )
            }
            Combine::Sum => &x * &k1 + &x * &k2,
        };
        assert_eq!((phi.nrows(), phi.ncols()), (want.nrows(), want.ncols()));
        let mut worst = 0.0f64;
        for j in 0..70 {
            for i in 0..want.nrows() {
                worst = worst.max((phi[(i, j)] - want[(i, j)]).abs());
            }
        }
        // sums of p = 30 products of O(1) entries, then n = 70: rounding ~1e-14
        assert!(worst < 1e-12, "{combine:?}: {worst:e}");
    }
}

#[test]
fn one_head_is_unchanged() {
    // A one-head model file and the single-head flags give bit-identical replicates.
    let c = cfg(
        "[signal]\nmeans = [[1.0]]\n[[heads]]\nactivation = \"tanh\"\nwk = [[1.0]]\nwq = [[1.0]]\n\
         [attention]\ncombine = \"sum\"",
        100,
        40,
    );
    let mut d = SimConfig::single_head(Activation::parse("tanh").unwrap());
    d.spec.set_w(&[1.0], &[1.0]);
    d.n = 100;
    d.p = 40;
    let (a, b) = (run_replicate(&c, 1).unwrap(), run_replicate(&d, 1).unwrap());
    assert_eq!(a.e[0].to_bits(), b.e[0].to_bits());
}

#[test]
fn several_heads_do_not_depend_on_thread_count() {
    // n = 300: three column blocks (one ragged); non-symmetric W_2 takes the full-kernel path;
    // the equivalent model adds two GOE streams.
    let mut a = cfg(TWO_HEADS, 300, 70);
    a.gammas = vec![0.01, 1.0];
    a.seeds = 2;
    let mut b = a.clone();
    b.spec.attention.combine = Combine::Sum;
    let mut e = a.clone();
    e.spec.kind = ModelKind::Equivalent;
    for c in [a, b, e] {
        let run = |t: usize| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(t)
                .build()
                .unwrap()
                .install(|| simulate(&c, false).unwrap())
        };
        let bits = |r: &rmt_verify::monte_carlo::SimResult| -> Vec<u64> {
            r.replicates
                .iter()
                .flat_map(|x| {
                    x.e.iter()
                        .chain(&x.trq)
                        .map(|v| v.to_bits())
                        .collect::<Vec<_>>()
                })
                .collect()
        };
        let (r1, r3) = (run(1), run(3));
        assert_eq!(
            bits(&r1),
            bits(&r3),
            "{:?} {:?}",
            c.spec.kind,
            c.spec.attention.combine
        );
    }
}

/// The equivalent model's Wigner parts `N_h = sqrt p (K~_h - a1_h T_h/p - s_h I)` have entry
/// covariance `S` across heads (tanh + sign: rho = 0.728). With `n = 300`, 44850 off-diagonal
/// pairs: the sample covariance has SE ~ sqrt((S_11 S_22 + S_12^2)/44850) ~ 5e-4; 5 SE.
#[test]
fn equivalent_wigner_parts_have_covariance_s() {
    let model = "[signal]\nmeans = [[0.0]]\n[[heads]]\nactivation = \"tanh\"\n\
                 [[heads]]\nactivation = \"sign\"";
    let mut c = cfg(model, 300, 150);
    c.spec.kind = ModelKind::Equivalent;
    let (x, _) = sample(&c, 0);
    let (t, th) = (
        Activation::parse("tanh").unwrap(),
        Activation::parse("sign").unwrap(),
    );
    let st = HeadStats::of(&[&t, &th]).unwrap();
    let p = 150.0f64;
    let xtx = x.transpose() * &x;
    let noise = |h: usize| {
        let k = kernel_matrix_head(&c, 0, h).unwrap();
        Mat::from_fn(300, 300, |i, j| {
            (k[(i, j)] - st.a1[h] * xtx[(i, j)] / p) * p.sqrt()
        })
    };
    let (n1, n2) = (noise(0), noise(1));
    let (mut s11, mut s12, mut s22, mut m) = (0.0, 0.0, 0.0, 0.0);
    for j in 0..300 {
        for i in j + 1..300 {
            s11 += n1[(i, j)] * n1[(i, j)];
            s12 += n1[(i, j)] * n2[(i, j)];
            s22 += n2[(i, j)] * n2[(i, j)];
            m += 1.0;
        }
    }
    let se = |a: f64, b: f64, ab: f64| ((a * b + ab * ab) / m).sqrt();
    for (got, want, e) in [
        (s11 / m, st.s(0, 0), se(st.s(0, 0), st.s(0, 0), st.s(0, 0))),
        (s12 / m, st.s(0, 1), se(st.s(0, 0), st.s(1, 1), st.s(0, 1))),
        (s22 / m, st.s(1, 1), se(st.s(1, 1), st.s(1, 1), st.s(1, 1))),
    ] {
        assert!((got - want).abs() < 5.0 * e, "{got} vs {want} (se {e})");
    }
    // kernel_matrix is per head
    assert!(kernel_matrix(&c, 0)
        .unwrap_err()
        .to_string()
        .contains("per head"));
}

#[test]
fn memory_estimate_counts_concatenated_features() {
    let mut c = cfg(TWO_HEADS, 1000, 300);
    assert_eq!(c.feature_rows(), 600);
    let cat = c.replicate_bytes();
    c.spec.attention.combine = Combine::Sum;
    assert_eq!(c.feature_rows(), 300);
    let sum = c.replicate_bytes();
    // Phi grows by p n and the Gram side by 3 (600^2 - 300^2), in f64
    assert_eq!(cat - sum, 8 * (300 * 1000 + 3 * (600 * 600 - 300 * 300)));
}
