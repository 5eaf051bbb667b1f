//! `rmt-verify figure`: listing, unknown ids, unwritable output, and one cheap figure end to end.

use rmt_verify::claim::Budget;
use rmt_verify::figures;
use std::process::Command;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_rmt-verify"))
}

const IDS: [&str; 16] = [
    "fig1a",
    "fig1b",
    "fig1c",
    "att-gamma",
    "att-p",
    "att-snr",
    "att-heads",
    "spec-kernel",
    "spec-gram",
    "raf-alpha",
    "raf-tradeoff",
    "raf-rates",
    "raf-phase",
    "att-softmax",
    "att-skip",
    "att-correlated",
];

#[test]
fn list_shows_every_id() {
    let out = bin().args(["figure", "--list"]).output().expect("runs");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for id in IDS {
        assert!(text.lines().any(|l| l.starts_with(id)), "{id}: {text}");
    }
    let reg: Vec<&str> = figures::registry().iter().map(|s| s.id).collect();
    assert_eq!(reg, IDS);
}

#[test]
fn unknown_id_exits_2_listing_the_known_ids() {
    let out = bin().args(["figure", "fig9z"]).output().expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("fig9z"), "{err}");
    for id in IDS {
        assert!(err.contains(id), "{id} missing from: {err}");
    }
}

#[test]
fn unwritable_out_exits_2_with_the_path() {
    let dir = std::env::temp_dir().join(format!("rmt-fig-io-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp");
    // a regular file used as a directory: creation fails for every user, root included
    let blocker = dir.join("blocker");
    std::fs::write(&blocker, "x").expect("write");
    let out = bin()
        .args(["figure", "fig1a", "--quick", "--out"])
        .arg(blocker.join("out"))
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.starts_with("error") && err.contains("blocker"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn fig1a_builds_and_writes_four_files() {
    // fig1a (ridge, p = 1024, n = 256, 4 seeds) takes ~0.2 s in quick mode
    let dir = std::env::temp_dir().join(format!("rmt-fig1a-{}", std::process::id()));
    let spec = figures::find("fig1a").expect("registered");
    let plots = (spec.build)(&Budget::quick()).expect("builds");
    assert_eq!(plots.len(), 1);
    let p = &plots[0];
    assert!(p.log_x && p.log_y);
    assert!(p.caption.contains("p = 2048, n = 512") && p.caption.contains("n = 256, p = 1024"));
    // theory line vs Monte Carlo points: within 4 SE + 2% (docs/claims-attention.md §3: 0.1%-2.9% at these sizes)
    let (th, mc) = (&p.series[0], &p.series[1]);
    let se = mc.y_err.as_ref().expect("error bars");
    for (k, (&g, &m)) in mc.x.iter().zip(&mc.y).enumerate() {
        let t = rmt_verify::theory::ridge_point(4.0, 1.0, g)
            .expect("ridge")
            .e;
        assert!(
            (m - t).abs() <= 4.0 * se[k] + 0.02 * t,
            "gamma {g}: MC {m} theory {t}"
        );
    }
    assert!(th.x.len() > mc.x.len());
    let paths = figures::write_plots(spec.id, spec.title, &plots, &dir).expect("writes");
    for (path, ext) in paths.iter().zip(["svg", "csv", "md", "tex"]) {
        assert_eq!(path.extension().and_then(|e| e.to_str()), Some(ext));
        assert!(std::fs::metadata(path).expect("exists").len() > 500);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn figure_points_draw_fixed_precision_replicates_from_the_spread_only() {
    use rmt_verify::evidence::{measure_with, Fixed, ReplicatePolicy};
    use rmt_verify::model::SimConfig;
    let policy = figures::replicates();
    assert_eq!(policy.floor_cap(4), (4, 8));
    assert_eq!(policy.floor_cap(8), (4, 16));
    assert!(figures::seeds_rule(4).starts_with("4–8 seeds per point"));
    // A noisy point (small n, tiny gamma): the rule draws past the planned 4 ...
    let mut cfg = SimConfig::single_head(rmt_verify::Activation::parse("tanh").expect("tanh"));
    (cfg.n, cfg.p, cfg.gammas, cfg.seeds, cfg.seed) = (48, 12, vec![1e-3, 1.0], 4, 11);
    let run = measure_with(&cfg, &policy, false).expect("runs");
    let reps = run.replicates.len();
    assert!((4..=8).contains(&reps), "{reps}");
    assert!(
        reps > 4,
        "this noisy point reaches the target with the planned 4"
    );
    // ... and the result is a fixed run of the final count, bit for bit (same streams).
    let mut fixed = cfg.clone();
    fixed.seeds = reps;
    let f = measure_with(&fixed, &Fixed, false).expect("runs");
    let bits = |r: &rmt_verify::monte_carlo::SimResult| -> Vec<u64> {
        r.points
            .iter()
            .flat_map(|p| [p.e.mean, p.e.se, p.yqy.mean, p.trq.se])
            .map(f64::to_bits)
            .collect()
    };
    assert_eq!(bits(&run), bits(&f));
    // The stop is where the SE first reaches the target (checked at 4, 8, ...): the rule reads
    // the replicates' spread, nothing else (it has no theory to read).
    let reached = |m: usize| policy.reached(&run.replicates[..m]);
    assert!(
        reps == 8 || reached(reps),
        "stopped at {reps} without the target"
    );
    if reps > 4 {
        assert!(
            !reached(4),
            "drew more although 4 replicates reached the target"
        );
    }
    assert_eq!(policy.more(4, &run.replicates), 0);
    // `mc_errors` (what the figures plot) is that run's mean and SE of E.
    let (m, se) = figures::mc_errors(&cfg).expect("runs");
    assert_eq!(m, run.points.iter().map(|p| p.e.mean).collect::<Vec<_>>());
    assert_eq!(se, run.points.iter().map(|p| p.e.se).collect::<Vec<_>>());
}
