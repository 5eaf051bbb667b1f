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
    // theory line vs Monte Carlo points: within 4 SE + 2% (SPEC §8: 0.1%-2.9% at these sizes)
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
