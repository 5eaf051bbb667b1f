//! The model flags shared by every subcommand that runs a model (`simulate`, `theory`, ...):
//! either a model file (`--model-file F`, `docs/model-file.md`) or the paper's single-head
//! flags (`--model --activation --snr --wk --wq --diag`), which map onto the same
//! [`ModelSpec`], with the variant flags (`--softmax BETA --unmasked --softmax-side --skip ALPHA
//! --ar1 RHO --labels iid|block:L`, `docs/variants.md §7`); `--heads f1,f2,... [--combine
//! concat|sum]` gives several heads with equal `W` (`docs/multihead.md`).

pub use rmt_verify::model::flags::{parse_coords, parse_labels, split_heads};
use rmt_verify::model::{Combine, Diag, ModelKind, ModelSpec, Normalize, SoftmaxSide};
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
        conflicts_with_all = [
            "model", "activation", "snr", "wk", "wq", "diag", "heads", "combine",
            "softmax", "unmasked", "softmax_side", "skip", "ar1", "labels",
        ]
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
    /// Row-softmax attention A = softmax_rows(BETA T) instead of an entry-wise activation
    /// (model file: [attention] normalize = "softmax", beta); masked diagonal unless --unmasked.
    #[arg(
        long,
        value_name = "BETA",
        allow_hyphen_values = true,
        conflicts_with_all = ["activation", "heads"]
    )]
    pub softmax: Option<f64>,
    /// Softmax without the diagonal mask (A_ii included; [attention] masked = false).
    #[arg(long, requires = "softmax")]
    pub unmasked: bool,
    /// Softmax side: transpose (Phi = X A^T) or plain (Phi = X A) [default: transpose].
    #[arg(long, value_enum, requires = "softmax")]
    pub softmax_side: Option<SoftmaxSide>,
    /// Skip connection Phi = X (I + ALPHA K) ([attention] skip).
    #[arg(long, value_name = "ALPHA", allow_hyphen_values = true)]
    pub skip: Option<f64>,
    /// AR(1) correlation RHO across tokens, in (-1, 1) ([tokens] ar1).
    #[arg(long, value_name = "RHO", allow_hyphen_values = true)]
    pub ar1: Option<f64>,
    /// Labels: iid, or block:L (constant on blocks of L consecutive tokens; [tokens] label_blocks).
    #[arg(long, value_name = "iid|block:L")]
    pub labels: Option<String>,
    /// Several heads with these activations, comma-separated (`tanh,cos`; commas inside
    /// parentheses belong to an expression: `max(x,0),cos`), all with the W of --wk/--wq and
    /// the --diag convention (docs/multihead.md). Replaces --activation.
    #[arg(long, conflicts_with = "activation", allow_hyphen_values = true)]
    pub heads: Option<String>,
    /// How several heads combine: concat (Phi = [X K_1; ...; X K_H]) or sum
    /// (Phi = sum_h X K_h) [default: concat].
    #[arg(long, value_enum)]
    pub combine: Option<CombineArg>,
}

/// `--combine`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum CombineArg {
    /// Stacked features `[X K_1; ...; X K_H]`.
    Concat,
    /// `sum_h X K_h`.
    Sum,
}

impl From<CombineArg> for Combine {
    fn from(c: CombineArg) -> Combine {
        match c {
            CombineArg::Concat => Combine::Concat,
            CombineArg::Sum => Combine::Sum,
        }
    }
}

impl ModelArgs {
    /// The model described by the flags (or the file).
    pub fn spec(&self) -> Result<ModelSpec, Error> {
        if let Some(path) = &self.model_file {
            return ModelSpec::from_file(path);
        }
        let names = match &self.heads {
            Some(h) => split_heads(h)?,
            None => vec![self.activation.clone().unwrap_or_else(|| "tanh".into())],
        };
        let acts = names
            .iter()
            .map(|n| Activation::parse(n))
            .collect::<Result<Vec<_>, _>>()?;
        let wk = parse_coords("wk", self.wk.as_deref().unwrap_or("0"))?;
        let wq = parse_coords("wq", self.wq.as_deref().unwrap_or("0"))?;
        let mut spec = ModelSpec::equal_w_heads(
            self.model.unwrap_or(ModelKind::Attention),
            &acts,
            self.snr.unwrap_or(1.0),
            &wk,
            &wq,
            self.diag.unwrap_or(Diag::Zero),
            self.combine.map_or(Combine::Concat, Into::into),
        )?;
        if let Some(beta) = self.softmax {
            spec.heads[0].activation = None;
            spec.attention.normalize = Normalize::Softmax;
            spec.attention.beta = beta;
            spec.attention.masked = !self.unmasked;
            spec.attention.softmax_side = self.softmax_side.unwrap_or_default();
        }
        spec.attention.skip = self.skip;
        if let Some(r) = self.ar1 {
            spec.tokens.ar1 = r;
        }
        if let Some(l) = &self.labels {
            spec.tokens.label_blocks = parse_labels(l)?;
        }
        spec.validate()?;
        Ok(spec)
    }
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

    #[test]
    fn labels() {
        assert_eq!(parse_labels("iid").unwrap(), None);
        assert_eq!(parse_labels("block:32").unwrap(), Some(32));
        for bad in ["block:0", "block:", "blocks:3", "block:-1", "3"] {
            assert!(parse_labels(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn head_lists() {
        assert_eq!(split_heads("tanh,cos").unwrap(), vec!["tanh", "cos"]);
        assert_eq!(
            split_heads("max(x,0), cos ,x^2-1").unwrap(),
            vec!["max(x,0)", "cos", "x^2-1"]
        );
        assert!(split_heads("tanh,,cos").is_err());
        assert!(split_heads("max(x,0").is_err());
        assert!(split_heads("").is_err());
    }
}
