//! Rank-K signals and several low-rank `W` terms (`docs/rank-k.md`): the five validation
//! configurations shipped as `examples/models/rank-k-{A..E}.toml`.
//!
//! * theory reproduces the table of `docs/rank-k.md §5` (tanh and relu) to its printed digits;
//! * Monte Carlo agrees with the theory: a quick version here (n = 256), the table's own size
//!   (n = 768, 6 seeds, within 3 SE) as an ignored test;
//! * negative control: the naive rank-1 theory (first mean only, ±1 labels, first W term) is
//!   rejected by the same Monte Carlo rows;
//! * the generalised ridge pencil equals the closed form on the paper's rank-one signal.

use rmt_verify::activation::Activation;
use rmt_verify::model::{Geometry, ModelKind, ModelSpec, SimConfig};
use rmt_verify::monte_carlo::simulate;
use rmt_verify::theory::{model_path, ridge_path_geometry, ridge_point};

const CONFIGS: [&str; 5] = ["A", "B", "C", "D", "E"];
const GAMMAS: [f64; 3] = [0.01, 0.1, 1.0];
const C: f64 = 0.5;

fn load(cfg: &str, act: &str) -> ModelSpec {
    let path = format!(
        "{}/examples/models/rank-k-{cfg}.toml",
        env!("CARGO_MANIFEST_DIR")
    );
    let mut s = ModelSpec::from_file(std::path::Path::new(&path)).expect("example parses");
    s.set_activation(Activation::parse(act).unwrap());
    s
}

/// Theory column of `docs/rank-k.md §5` (tanh rows then relu rows; gammas 0.01, 0.1, 1).
const TABLE: [(&str, &str, [f64; 3]); 10] = [
    ("A", "tanh", [0.39044, 0.48766, 0.60920]),
    ("B", "tanh", [0.29111, 0.36378, 0.45563]),
    ("C", "tanh", [0.27038, 0.33685, 0.41623]),
    ("D", "tanh", [0.38745, 0.48006, 0.58569]),
    ("E", "tanh", [0.42024, 0.52104, 0.63707]),
    ("A", "relu", [0.39729, 0.47683, 0.62163]),
    ("B", "relu", [0.29941, 0.35945, 0.46982]),
    ("C", "relu", [0.27258, 0.32686, 0.42270]),
    ("D", "relu", [0.38282, 0.45811, 0.58723]),
    ("E", "relu", [0.41602, 0.49797, 0.63935]),
];

#[test]
fn rank_k_theory_matches_the_table() {
    for (cfg, act, want) in TABLE {
        let pts = model_path(&load(cfg, act), C, &GAMMAS).unwrap();
        for (p, w) in pts.iter().zip(want) {
            assert!(p.converged, "{cfg} {act} gamma {}", p.gamma);
            // The table prints 5 decimals: half a unit of the last digit (5e-6), plus the
            // Hermite coefficients' quadrature error (<= 1e-13, docs/hermite.md §4).
            assert!(
                (p.e - w).abs() <= 5e-6 + 1e-12,
                "{cfg} {act} gamma {}: {} vs table {w}",
                p.gamma,
                p.e
            );
        }
    }
}

#[test]
fn ridge_pencil_equals_the_closed_form_on_a_rank_one_signal() {
    // The geometry route (closed form) and the generic 2-block pencil must agree; force the
    // pencil by giving the same signal as two label vectors, the second with a zero mean and a
    // zero target coefficient (a mathematically identical model).
    let one = ModelSpec::from_toml("kind = \"ridge\"\n[signal]\nmeans = [[1.5]]").unwrap();
    let two = ModelSpec::from_toml(
        "kind = \"ridge\"\n[signal]\nmeans = [[1.5], [0.0]]\ntarget = [1.0, 0.0]",
    )
    .unwrap();
    for c in [0.25, 2.0] {
        let g1 = Geometry::of(&one, 0).unwrap();
        let g2 = Geometry::of(&two, 0).unwrap();
        let a = ridge_path_geometry(c, &g1, &GAMMAS).unwrap();
        let b = ridge_path_geometry(c, &g2, &GAMMAS).unwrap();
        for ((x, y), &g) in a.iter().zip(&b).zip(&GAMMAS) {
            let r = ridge_point(c, 2.25, g).unwrap();
            assert_eq!(x.e, r.e);
            // MDE solved to a relative residual of 1e-13 and polished (docs/pencil.md §5);
            // 1e-10 leaves room for the conditioning ~1/gamma at gamma = 0.01.
            assert!(
                (y.e - r.e).abs() < 1e-10,
                "c {c} gamma {g}: {} vs {}",
                y.e,
                r.e
            );
            assert!((y.yqy - r.yqy).abs() < 1e-10 * r.yqy.abs().max(1.0));
        }
    }
}

/// The naive rank-1 reading of a rank-K model: only the first mean with ±1 labels and the
/// first W term (what a single-head, rank-one tool would compute).
fn naive(spec: &ModelSpec) -> ModelSpec {
    let h = &spec.heads[0];
    let (wk, wq) = match (h.wk.first(), h.wq.first()) {
        (Some(a), Some(b)) => (a.clone(), b.clone()),
        _ => (vec![0.0], vec![0.0]),
    };
    let snr: f64 = spec.signal.means[0].iter().map(|v| v * v).sum();
    ModelSpec::single_head(
        ModelKind::Attention,
        h.activation.clone().unwrap(),
        snr,
        &wk,
        &wq,
        h.diag,
    )
    .unwrap()
}

/// `(config, gamma, theory, naive, mc mean, mc se)` for every config at size `n`.
fn mc_rows(n: usize, seeds: usize) -> Vec<(String, f64, f64, f64, f64, f64)> {
    let mut out = Vec::new();
    for (i, cfg) in CONFIGS.iter().enumerate() {
        let spec = load(cfg, "tanh");
        let th = model_path(&spec, C, &GAMMAS).unwrap();
        let nv = model_path(&naive(&spec), C, &GAMMAS).unwrap();
        let run = SimConfig {
            spec,
            n,
            p: n / 2,
            gammas: GAMMAS.to_vec(),
            seeds,
            seed: 7680 + i as u64,
        };
        let mc = simulate(&run, false).unwrap();
        for (k, pt) in mc.points.iter().enumerate() {
            out.push((
                cfg.to_string(),
                pt.gamma,
                th[k].e,
                nv[k].e,
                pt.e.mean,
                pt.e.se,
            ));
        }
    }
    out
}

#[test]
fn rank_k_theory_vs_monte_carlo_quick() {
    // n = 256, p = 128, 12 replicates: ~0.1 s per config on 2 cores. Tolerance 4 SE (per-row
    // false alarm ~6e-5 under normality) plus the linearisation's finite-size term
    // 0.5 |E| n^-1/2 (rate and constant as for the single-head claim thm1-attention; 3 % here).
    let n = 256;
    let mut naive_rejected = 0;
    for (cfg, g, th, nv, mean, se) in mc_rows(n, 12) {
        let tol = 4.0 * se + 0.5 * th.abs() / (n as f64).sqrt();
        assert!(
            (mean - th).abs() <= tol,
            "{cfg} gamma {g}: MC {mean} ± {se} vs theory {th} (tol {tol})"
        );
        if (mean - nv).abs() > tol {
            naive_rejected += 1;
        }
    }
    // Negative control: the naive rank-1 theory is off by 5–40 % on configs A, D, E
    // (docs/rank-k.md §5); the same rows must reject it at least there.
    eprintln!("naive rank-1 theory rejected on {naive_rejected} of 15 rows");
    assert!(
        naive_rejected >= 6,
        "naive rank-1 theory rejected on {naive_rejected} rows only"
    );
}

#[test]
#[ignore = "n = 768, 6 seeds, 5 configs (about 5 s on 2 cores, more on a busy machine): cargo test --release -- --ignored"]
fn rank_k_theory_vs_monte_carlo_n768() {
    // The table's own setting: theory within 3 SE of the 6-seed mean at n = 768 (the table
    // itself has |z| <= 1.5 on every row).
    for (cfg, g, th, _, mean, se) in mc_rows(768, 6) {
        let z = (mean - th) / se;
        eprintln!("{cfg} gamma {g}: theory {th:.5} MC {mean:.5} ± {se:.5} z = {z:+.2}");
        assert!(z.abs() <= 3.0, "{cfg} gamma {g}: z = {z}");
    }
}
