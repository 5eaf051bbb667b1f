//! Acceptance test of the theory issue: `theory` (the attention pencil, SPEC §5) agrees with
//! `simulate` (exact kernel, zero diagonal) within 3 standard errors at n = 2048 for tanh, relu,
//! sign and cos, with and without alignment (`w_K = w_Q = e1 || mu`).
//!
//! Setting: p = c n with c = 1/4 (the Figure 1 aspect "n = 2048, p = 512"), 8 seeds, gamma = 0.1,
//! snr = 1, zero diagonal.
//!
//! * `theory_matches_simulate_at_n2048` (`#[ignore]`, a few minutes on 2 cores):
//!   `|theory - mean| <= 3 SE`, no finite-size allowance (the criterion). With 8
//!   configurations and 7 degrees of freedom per SE, a spurious failure of one row has probability
//!   ~2% per row under the null (Student t_7), ~15% for the whole table: a failure must be read
//!   together with the printed z values. Run:
//!   `cargo test --release --test theory_vs_mc -- --ignored --nocapture`
//! * `theory_matches_simulate_quick` (n = 512, seconds): `|theory - mean| <= 3 SE + C |theory|
//!   n^{-1/2}` with C = 0.5: the neglected terms of the kernel linearisation are O(p^{-1/2})
//!   (SPEC §3), and ADDENDUM §2 measured a median 1.3% deviation at n = 512 for snr <= 1 (4 seeds,
//!   mostly noise); C = 0.5 allows 2.2% at n = 512 (the constant of claim `thm1-attention`).

use rmt_verify::activation::Activation;
use rmt_verify::format::{sci, Table};
use rmt_verify::model::{Diag, ModelKind, SimConfig};
use rmt_verify::monte_carlo::simulate;
use rmt_verify::theory::{attention_point, AttentionParams};

const ACTIVATIONS: [&str; 4] = ["tanh", "relu", "sign", "cos"];
const GEOMETRIES: [(&str, [f64; 3]); 2] = [("w=0", [0.0; 3]), ("aligned", [1.0, 0.0, 0.0])];
const C: f64 = 0.25;
const GAMMA: f64 = 0.1;
const SNR: f64 = 1.0;
const SEEDS: usize = 8;
/// Standard errors allowed (the theory issue's "within 3 standard errors").
const Z: f64 = 3.0;

/// Runs the grid at size `n`; returns the table and the failing rows under
/// `|theory - mean| <= Z SE + bias_const |theory| n^{-1/2}`.
fn compare(n: usize, bias_const: f64) -> (Table, Vec<String>) {
    let mut t = Table::new([
        "activation",
        "w",
        "n",
        "p",
        "seeds",
        "theory",
        "MC mean",
        "SE",
        "z",
        "tol",
        "ok",
    ]);
    let mut bad = Vec::new();
    for (ai, name) in ACTIVATIONS.iter().enumerate() {
        let act = Activation::parse(name).expect("built-in activation");
        for (gi, (gname, w)) in GEOMETRIES.iter().enumerate() {
            let params = AttentionParams::from_activation(&act, C, SNR, *w, *w, Diag::Zero)
                .expect("valid parameters");
            let th = attention_point(&params, GAMMA).expect("pencil converges");
            assert!(th.converged, "{name} {gname}: solver did not converge");
            let mut cfg = SimConfig::single_head(act.clone());
            cfg.spec.kind = ModelKind::Attention;
            cfg.spec.set_diag(Diag::Zero);
            cfg.n = n;
            cfg.p = (C * n as f64) as usize;
            cfg.spec.set_snr(SNR);
            cfg.spec.set_w(w, w);
            cfg.gammas = vec![GAMMA];
            cfg.seeds = SEEDS;
            cfg.seed = 2506 + 100 * ai as u64 + gi as u64;
            let sim = simulate(&cfg, false).expect("simulation runs");
            let e = sim.points[0].e;
            let z = (e.mean - th.e) / e.se;
            let tol = Z * e.se + bias_const * th.e.abs() / (n as f64).sqrt();
            let ok = (e.mean - th.e).abs() <= tol;
            if !ok {
                bad.push(format!(
                    "{name} {gname}: theory {} MC {} ± {} (z = {z:.2})",
                    th.e, e.mean, e.se
                ));
            }
            t.push([
                name.to_string(),
                gname.to_string(),
                n.to_string(),
                cfg.p.to_string(),
                SEEDS.to_string(),
                sci(th.e, 7),
                sci(e.mean, 4),
                sci(e.se, 2),
                format!("{z:.2}"),
                sci(tol, 2),
                if ok { "yes" } else { "NO" }.to_string(),
            ]);
        }
    }
    (t, bad)
}

#[test]
#[ignore = "n = 2048 (64 replicates, minutes); run: cargo test --release --test theory_vs_mc -- --ignored --nocapture"]
fn theory_matches_simulate_at_n2048() {
    let (t, bad) = compare(2048, 0.0);
    println!("{}", t.to_text());
    assert!(
        bad.is_empty(),
        "outside 3 SE at n = 2048:\n{}\n{}",
        bad.join("\n"),
        t.to_text()
    );
}

#[test]
fn theory_matches_simulate_quick() {
    // Finite-size allowance 0.5 |theory| n^{-1/2} (see the module doc).
    let (t, bad) = compare(512, 0.5);
    assert!(
        bad.is_empty(),
        "outside 3 SE + 0.5 |theory| n^-1/2 at n = 512:\n{}\n{}",
        bad.join("\n"),
        t.to_text()
    );
}
