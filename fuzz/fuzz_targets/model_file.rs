//! The model-file parser on arbitrary bytes (`docs/model-file.md`): `ModelSpec::from_toml`
//! (TOML syntax, unknown keys, types, the activation expressions, every range check), then on
//! success what every subcommand does next with a spec: describe it, write it back to TOML
//! and re-read it (the round trip must parse and be stable), build each head's geometry and
//! validate a small Monte Carlo run (sizes, memory estimate). An error must be one line; a
//! panic, a stack overflow or a hang (libFuzzer's -timeout) is a finding. Seed corpus:
//! `examples/models/*.toml` (fuzz/corpus/model_file/).
#![no_main]

use libfuzzer_sys::fuzz_target;
use rmt_verify::model::{Geometry, ModelSpec, SimConfig};

fn one_line(what: &str, e: &rmt_verify::Error) {
    let m = e.to_string();
    assert!(!m.is_empty() && !m.contains('\n'), "{what}: {m:?}");
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let spec = match ModelSpec::from_toml(text) {
        Ok(s) => s,
        Err(e) => return one_line("from_toml", &e),
    };
    let _ = spec.describe();
    let written = spec.to_toml();
    let back = ModelSpec::from_toml(&written)
        .unwrap_or_else(|e| panic!("round trip of {text:?} failed: {e}\n{written}"));
    assert_eq!(back.to_toml(), written, "round trip of {text:?} not stable");
    for h in 0..spec.heads.len().max(1) {
        if let Err(e) = Geometry::of(&spec, h) {
            one_line("geometry", &e);
        }
    }
    let mut cfg = SimConfig::new(spec);
    cfg.n = 64;
    cfg.p = 32;
    cfg.seeds = 2;
    if let Err(e) = cfg.validate().and_then(|_| cfg.check_memory()) {
        one_line("validate", &e);
    }
});
