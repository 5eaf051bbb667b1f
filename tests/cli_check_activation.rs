//! `rmt-verify check-activation`: the report's numbers are the theory engine's (same code path,
//! bit-for-bit), the a1 = 0 diagnosis matches docs/bounds.md §4, the CLI writes its files and exit codes
//! follow the convention (0 spot check holds, 2 error).

use rmt_verify::activation::Activation;
use rmt_verify::model::Diag;
use rmt_verify::report::{check_activation, ReportOptions, GAMMAS, GAMMA_REF, SNRS, WEIGHTS};
use rmt_verify::theory::{attention_point, psi_c, ridge_point, AttentionParams};
use std::process::Command;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_rmt-verify"))
}

/// Small spot check (n = 256, 3 seeds) so each report takes well under a second; the
/// tolerance `3 SE + 0.5 n^-1/2` scales with both.
fn quick() -> ReportOptions {
    ReportOptions {
        n: 256,
        seeds: 3,
        ..ReportOptions::default()
    }
}

fn e_a(act: &str, c: f64, snr: f64, wk: &[f64], wq: &[f64], gamma: f64) -> f64 {
    let a = Activation::parse(act).expect("activation");
    let par = AttentionParams::from_activation(&a, c, snr, wk, wq, Diag::Zero).expect("params");
    attention_point(&par, gamma).expect("theory").e
}

/// Every theory number of the report equals `attention_point` / `ridge_point` exactly.
fn assert_same_as_theory(spec: &str) -> rmt_verify::report::ActivationReport {
    let o = quick();
    let r = check_activation(spec, &o).expect("report");
    assert_eq!(r.gamma_rows.len(), WEIGHTS.len() * GAMMAS.len());
    assert_eq!(r.snr_rows.len(), WEIGHTS.len() * SNRS.len());
    for row in r.gamma_rows.iter().chain(&r.snr_rows) {
        let (_, wk, wq) = WEIGHTS
            .iter()
            .find(|w| w.0 == row.weights)
            .expect("known weights");
        assert_eq!(
            row.e_a,
            e_a(spec, o.c, row.snr, wk, wq, row.gamma),
            "{row:?}"
        );
        if row.gamma == GAMMAS[0] || row.snr == SNRS[0] {
            // tanh column: spot-checked (its cost doubles the test otherwise)
            assert_eq!(
                row.e_tanh,
                e_a("tanh", o.c, row.snr, wk, wq, row.gamma),
                "{row:?}"
            );
        }
        // The report's ridge reads the SNR back from the model's mean (`sqrt(snr)^2`), so it
        // may differ from the closed form at `snr` by a few ulps (a few eps relative).
        let rr = ridge_point(o.c, row.snr, row.gamma).expect("ridge").e;
        assert!(
            (row.e_rr - rr).abs() <= 8.0 * f64::EPSILON * rr.abs(),
            "{row:?} vs {rr}"
        );
    }
    for row in &r.snr_rows {
        assert_eq!(row.gamma, GAMMA_REF);
    }
    // the spot check's theory column is the same engine at the run's own c = p/n
    let c_spot = r.spot_p as f64 / o.n as f64;
    for s in &r.spot {
        let (_, wk, wq) = WEIGHTS.iter().find(|w| w.0 == s.weights).expect("weights");
        assert_eq!(s.theory, e_a(spec, c_spot, o.snr, wk, wq, s.gamma));
        assert!(s.se > 0.0 && s.tol > 3.0 * s.se);
    }
    r
}

#[test]
fn x_tanh_x_report_is_the_theory_and_is_diagnosed_a1_zero() {
    let r = assert_same_as_theory("x*tanh(x)");
    // x tanh(x) is even: a1 = 0 (docs/bounds.md §4), so E_A = Psi_c(gamma/nu) for every snr and w.
    assert!(r.a1_zero);
    let psi = r.psi.as_ref().expect("psi for a1 = 0");
    for (k, g) in GAMMAS.iter().enumerate() {
        let want = psi_c(g / r.hermite.nu, r.options.c).expect("psi");
        assert_eq!(psi[k], want);
        // pencil vs closed form: solver tolerance ~1e-10 relative (theory tests), 1e-8 here
        assert!((r.gamma_rows[k].e_a - want).abs() <= 1e-8 * want, "{k}");
    }
    let snr_e: Vec<f64> = r.snr_rows.iter().map(|x| x.e_a).collect();
    let spread = snr_e.iter().cloned().fold(f64::NEG_INFINITY, f64::max)
        - snr_e.iter().cloned().fold(f64::INFINITY, f64::min);
    assert!(
        spread <= 1e-8,
        "E_A depends on snr/w with a1 = 0: {snr_e:?}"
    );
    let md = r.to_markdown();
    assert!(md.lines().next().expect("verdict").contains("than tanh"));
    assert!(md.contains("**fails**") && md.contains("Ψ_c(γ/ν)"));
    assert!(r.spot_holds(), "{md}");
}

#[test]
fn cos_report_is_the_theory() {
    let r = assert_same_as_theory("cos");
    assert!(r.a1_zero);
    // cos cannot use the signal: worse than tanh wherever snr > 0 (docs/claims-attention.md §1 (iii))
    assert!(r.verdict.starts_with("**Mostly no**"), "{}", r.verdict);
}

#[test]
fn tanh_against_itself_is_a_tie_and_relu_has_a1() {
    let o = quick();
    let r = check_activation("tanh", &o).expect("report");
    assert!(r.verdict.starts_with("**Same as tanh**"), "{}", r.verdict);
    assert!(!r.a1_zero && r.psi.is_none());
}

#[test]
fn cli_prints_the_report_and_writes_files() {
    let dir = std::env::temp_dir().join(format!("rmt-ca-{}", std::process::id()));
    let out = bin()
        .args(["check-activation", "x*tanh(x)", "--quick", "--out"])
        .arg(&dir)
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.lines().next().expect("line").contains("than tanh"));
    let md = std::fs::read_to_string(dir.join("report.md")).expect("report.md");
    assert_eq!(md, stdout);
    for ext in ["svg", "csv", "md", "tex"] {
        assert!(dir.join(format!("x_tanh_x.{ext}")).exists(), "{ext}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn cli_bad_input_exits_2() {
    for args in [
        vec!["check-activation", "not_a_function(x)"],
        vec!["check-activation", "tanh", "--c", "-1"],
        vec!["check-activation", "tanh", "--snr", "nan"],
    ] {
        let out = bin().args(&args).output().expect("runs");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("error"),
            "{args:?}"
        );
    }
}

#[test]
fn model_file_report_uses_the_model() {
    // A rank-K model file: one "model file" setting, theory numbers from the same engine.
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/models/rank-k-E.toml");
    let spec = rmt_verify::model::ModelSpec::from_file(std::path::Path::new(path)).unwrap();
    let o = ReportOptions {
        snr: spec.snr(),
        model: Some(spec.clone()),
        ..quick()
    };
    let r = check_activation("relu", &o).expect("report");
    assert_eq!(r.gamma_rows.len(), GAMMAS.len());
    let relu = Activation::parse("relu").unwrap();
    for row in &r.gamma_rows {
        assert_eq!(row.weights, "model file");
        let want = rmt_verify::report::attention_e(&relu, o.c, &spec, row.snr, row.gamma).unwrap();
        assert_eq!(row.e_a, want);
    }
    assert!(r.spot_holds(), "{:?}", r.spot);
    assert!(r.to_markdown().contains("the model file"));
    // ridge is not a setting for comparing activations
    let mut ridge = spec;
    ridge.kind = rmt_verify::model::ModelKind::Ridge;
    let o = ReportOptions {
        model: Some(ridge),
        ..quick()
    };
    assert!(check_activation("relu", &o).is_err());
}

#[test]
fn spot_check_draws_fixed_precision_replicates_independent_of_the_theory() {
    // The spot check's replicate count comes from the spread of its replicates only: within
    // [floor, cap] of the planned seeds, the same for every gamma of a setting, and equal to the
    // count `measure_with` draws for that configuration without any theory in sight.
    use rmt_verify::evidence::measure_with;
    use rmt_verify::model::SimConfig;
    use rmt_verify::report::{setting_spec, spot_replicates, SPOT_GAMMAS};
    let o = ReportOptions {
        n: 128,
        seeds: 4,
        ..ReportOptions::default()
    };
    let (floor, cap) = spot_replicates().floor_cap(o.seeds);
    assert_eq!((floor, cap), (4, 8));
    let r = check_activation("relu", &o).expect("report");
    let act = Activation::parse("relu").expect("relu");
    for st in o.settings().expect("settings") {
        let rows: Vec<_> = r.spot.iter().filter(|s| s.weights == st.label).collect();
        assert_eq!(rows.len(), SPOT_GAMMAS.len());
        let reps = rows[0].reps;
        assert!((floor..=cap).contains(&reps), "{reps}");
        assert!(rows.iter().all(|s| s.reps == reps));
        let cfg = SimConfig {
            spec: setting_spec(&st.spec, &act, o.snr),
            n: o.n,
            p: ((o.c * o.n as f64).round() as usize).max(1),
            gammas: SPOT_GAMMAS.to_vec(),
            seeds: o.seeds,
            seed: o.seed,
        };
        let run = measure_with(&cfg, &spot_replicates(), false).expect("runs");
        assert_eq!(run.replicates.len(), reps, "{}", st.label);
        for (s, p) in rows.iter().zip(&run.points) {
            assert_eq!((s.mc, s.se), (p.e.mean, p.e.se));
        }
    }
    let text = r.to_markdown();
    assert!(
        text.contains("| reps |") && text.contains("fixed precision"),
        "{text}"
    );
}
