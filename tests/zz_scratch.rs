use rmt_verify::heads::CovVariant;
use rmt_verify::model::{ModelSpec, SimConfig};
use rmt_verify::monte_carlo::simulate;
use rmt_verify::theory::{multihead_path, MultiHeadParams};
use std::time::Instant;
fn spec(t: &str) -> ModelSpec {
    ModelSpec::from_toml(t).unwrap()
}
#[test]
fn scratch() {
    let al = "wk=[[1.0]]\nwq=[[1.0]]";
    let cfgs = [
        ("tanh+cos I cat", "tanh", "", "cos", "", "concat", 0.5),
        ("relu+sign I cat", "relu", "", "sign", "", "concat", 0.5),
        ("tanh+sign al cat", "tanh", al, "sign", al, "concat", 0.5),
        ("sin+tanh I cat", "sin", "", "tanh", "", "concat", 0.5),
        ("relu+abs I cat", "relu", "", "abs", "", "concat", 0.5),
        (
            "relu+quad I cat c.25",
            "relu",
            "",
            "quad",
            "",
            "concat",
            0.25,
        ),
        ("tanh+sign al sum", "tanh", al, "sign", al, "sum", 0.5),
        ("tanh+cos I sum", "tanh", "", "cos", "", "sum", 0.5),
    ];
    let gs = vec![0.01, 0.1, 1.0];
    for (name, a, wa, b, wb, comb, c) in cfgs {
        let s = spec(&format!("[signal]\nmeans=[[1.0]]\n[attention]\ncombine=\"{comb}\"\n[[heads]]\nactivation=\"{a}\"\n{wa}\n[[heads]]\nactivation=\"{b}\"\n{wb}"));
        for n in [128usize, 256, 512] {
            let t0 = Instant::now();
            let p = (c * n as f64) as usize;
            let mut cf = SimConfig::new(s.clone());
            cf.n = n;
            cf.p = p;
            cf.gammas = gs.clone();
            cf.seeds = 8;
            cf.seed = 11;
            let r = simulate(&cf, false).unwrap();
            let cc = p as f64 / n as f64;
            let par = MultiHeadParams::from_spec(&s, cc).unwrap();
            let th: Vec<Vec<f64>> = [
                CovVariant::Correct,
                CovVariant::Independent,
                CovVariant::Shared,
            ]
            .iter()
            .map(|v| {
                multihead_path(&par.clone().with_cov_variant(*v), &gs)
                    .unwrap()
                    .iter()
                    .map(|t| t.e)
                    .collect()
            })
            .collect();
            let mut line = format!("{name:22} n={n:4}");
            for k in 0..3 {
                let pt = &r.points[k];
                let tol = 4.0 * pt.e.se + 0.5 / (n as f64).sqrt();
                line.push_str(&format!(
                    " | g={} d={:+.4} se={:.4} tol={:.3} ind={:+.3} sh={:+.3}",
                    gs[k],
                    pt.e.mean - th[0][k],
                    pt.e.se,
                    tol,
                    pt.e.mean - th[1][k],
                    pt.e.mean - th[2][k]
                ));
            }
            println!("{line} {:.2}s", t0.elapsed().as_secs_f64());
        }
    }
}
