//! The model flags shared by every subcommand that runs a model (`simulate`, `theory`, ...):
//! either a model file (`--model-file F`, `docs/model-file.md`) or the paper's single-head
//! flags (`--model --activation --snr --wk --wq --diag`), which map onto the same
//! [`ModelSpec`].

use rmt_verify::model::{Diag, ModelKind, ModelSpec};
use rmt_verify::{Activation, Error};
use std::path::PathBuf;

/// Model flags (flattened into subcommands).
#[derive(clap::Args, Debug, Clone, Default)]
pub struct ModelArgs {
    /// Model file (TOML) describing the whole model: signal, heads, attention options, tokens
    /// (format: docs/model-file.md; examples in examples/models/). Excludes the single-head flags.
    #[arg(
        long,
        value_name = "FILE",
        conflicts_with_all = ["model", "activation", "snr", "wk", "wq", "diag"]
    )]
    pub model_file: Option<PathBuf>,
    /// Feature map: attention (Phi = X K), ridge (Phi = X) or equivalent (Gaussian-equivalent K)
    /// [default: attention].
    #[arg(long, value_enum)]
    pub model: Option<ModelKind>,
    /// Activation: built-in name or expression in x [default: tanh].
    #[arg(long, allow_hyphen_values = true)]
    pub activation: Option<String>,
    /// Signal-to-noise ratio ||mu||^2, mu = sqrt(snr) e_1 [default: 1].
    #[arg(long, allow_hyphen_values = true)]
    pub snr: Option<f64>,
    /// w_K as coordinates a,b,c,... on (e_1, e_2, ...); W = I + w_K w_Q^T [default: 0].
    #[arg(long, allow_hyphen_values = true)]
    pub wk: Option<String>,
    /// w_Q as coordinates a,b,c,... on (e_1, e_2, ...) [default: 0].
    #[arg(long, allow_hyphen_values = true)]
    pub wq: Option<String>,
    /// Diagonal convention of K [default: zero].
    #[arg(long, value_enum)]
    pub diag: Option<Diag>,
}

impl ModelArgs {
    /// The model described by the flags (or the file).
    pub fn spec(&self) -> Result<ModelSpec, Error> {
        if let Some(path) = &self.model_file {
            return ModelSpec::from_file(path);
        }
        let act = Activation::parse(self.activation.as_deref().unwrap_or("tanh"))?;
        let wk = parse_coords("wk", self.wk.as_deref().unwrap_or("0"))?;
        let wq = parse_coords("wq", self.wq.as_deref().unwrap_or("0"))?;
        ModelSpec::single_head(
            self.model.unwrap_or(ModelKind::Attention),
            act,
            self.snr.unwrap_or(1.0),
            &wk,
            &wq,
            self.diag.unwrap_or(Diag::Zero),
        )
    }
}

/// Parses coordinates `a,b,c,...` (at least one, all finite, at most
/// [`rmt_verify::model::MAX_BASIS`]).
pub fn parse_coords(name: &str, s: &str) -> Result<Vec<f64>, Error> {
    let v: Vec<f64> = s
        .split(',')
        .map(|t| t.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| Error::param(name, s, "expected numbers a,b,c,... separated by commas"))?;
    if v.iter().any(|x| !x.is_finite()) {
        return Err(Error::param(name, s, "coordinates must be finite"));
    }
    if v.len() > rmt_verify::model::MAX_BASIS {
        return Err(Error::param(
            name,
            v.len(),
            format!("at most {} coordinates", rmt_verify::model::MAX_BASIS),
        ));
    }
    Ok(v)
}

/// The model's keys in JSON output: `model` (the kind), `spec` (the whole model, with the keys
/// of a model file), and for convenience `activation` (head 1), `snr` (`||mu_1||^2`) and `diag`
/// (head 1).
pub fn model_json(spec: &ModelSpec) -> serde_json::Map<String, serde_json::Value> {
    let mut m = serde_json::Map::new();
    let head = spec.heads.first();
    m.insert("model".into(), spec.kind.name().into());
    m.insert(
        "activation".into(),
        head.and_then(|h| h.activation.as_ref())
            .map(|a| a.name().into())
            .unwrap_or(serde_json::Value::Null),
    );
    m.insert(
        "snr".into(),
        serde_json::Number::from_f64(spec.snr()).map_or(serde_json::Value::Null, Into::into),
    );
    m.insert(
        "diag".into(),
        head.map_or(serde_json::Value::Null, |h| h.diag.name().into()),
    );
    m.insert(
        "spec".into(),
        serde_json::to_value(spec.to_file()).unwrap_or(serde_json::Value::Null),
    );
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coordinates() {
        assert_eq!(parse_coords("wk", "1,-2,0").unwrap(), vec![1.0, -2.0, 0.0]);
        assert_eq!(parse_coords("wk", "0.5").unwrap(), vec![0.5]);
        assert!(parse_coords("wk", "1,,2").is_err());
        assert!(parse_coords("wk", "nan").is_err());
    }
}
