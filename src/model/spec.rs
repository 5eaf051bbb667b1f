//! One model description for every variant: [`ModelSpec`] and its model file (TOML).
//!
//! The model lives on a small orthonormal basis `e_1, ..., e_d` of special directions of
//! `R^p` (`d` is small and grows as needed; `p` stays large). Every vector of the description
//! (class means, low-rank attention terms) is given by its coordinates on that basis; a
//! shorter vector is padded with zeros. See `docs/model-file.md` for the file format (its keys
//! are a contract: other tools write these files) and `docs/model.md` for the model itself.
//!
//! ```text
//! X = sum_k mu_k label_k^T + Z            (p x n; labels: K independent ±1 vectors, or one-hot classes)
//! y = sum_k target_k label_k, rescaled to ||y||^2 = n
//! W_h = I + sum_j wk[j] wq[j]^T           (one per head)
//! K_h = f_h(X^T W_h X / sqrt p) / sqrt p  (centred f_h; zero or literal diagonal)
//! Phi = X K (attention) | X (ridge) | X K~ (Gaussian equivalent)
//! variants (docs/variants.md): A = softmax_rows(beta T) (masked or not), Phi = X A^T | X A;
//! skip: Phi = X (I + alpha K); tokens: Z = Z0 C^{1/2}, C_ij = ar1^|i-j|, labels in blocks
//! ```
//!
//! A field that no engine supports yet is accepted by the parser (the keys are a contract) but
//! refused by the engines with an error that names the key ([`ModelSpec::require_supported`]).

use crate::activation::Activation;
use crate::error::{Error, Result};
use crate::model::{Diag, ModelKind};
use serde::{Deserialize, Serialize};

/// How the labels are drawn.
#[derive(Clone, Debug, PartialEq)]
pub enum Labels {
    /// `K` independent uniform ±1 vectors, one per mean.
    Signs,
    /// One-hot classes: token `i` belongs to class `k` with probability `proportions[k]`
    /// (`label_k` is the 0/1 indicator of class `k`; not centred).
    Classes {
        /// Class probabilities (positive, summing to 1).
        proportions: Vec<f64>,
    },
}

/// The signal: `K` means on the basis, the labels, and the target.
#[derive(Clone, Debug, PartialEq)]
pub struct Signal {
    /// `mu_k` on the basis; `||mu_k||^2` is its SNR.
    pub means: Vec<Vec<f64>>,
    /// Label vectors.
    pub labels: Labels,
    /// `y = sum_k target[k] label_k` (length `K`).
    pub target: Vec<f64>,
}

/// How several heads combine.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Combine {
    /// `Phi = [X K_1; ...; X K_H]` (stacked features).
    Concat,
    /// `Phi = sum_h X K_h`.
    Sum,
}

/// How the attention scores are normalised.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Normalize {
    /// `f` applied entry-wise (the paper).
    Entrywise,
    /// Row-wise softmax with inverse temperature `beta`.
    Softmax,
}

/// Which side of the softmax attention matrix `A` multiplies the tokens.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum SoftmaxSide {
    /// `Phi = X A^T`: token `i`'s output is `sum_j A_ij x_j` (default).
    #[default]
    Transpose,
    /// `Phi = X A`.
    Plain,
}

impl SoftmaxSide {
    /// The name used in model files and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            SoftmaxSide::Transpose => "transpose",
            SoftmaxSide::Plain => "plain",
        }
    }

    fn is_transpose(&self) -> bool {
        *self == SoftmaxSide::Transpose
    }
}

/// One attention head: `W_h = I + sum_j wk[j] wq[j]^T`, its activation and diagonal convention.
#[derive(Clone, Debug, PartialEq)]
pub struct Head {
    /// Activation `f_h` (`None` only with softmax normalisation).
    pub activation: Option<Activation>,
    /// Left vectors of the low-rank terms, on the basis.
    pub wk: Vec<Vec<f64>>,
    /// Right vectors of the low-rank terms (as many as `wk`).
    pub wq: Vec<Vec<f64>>,
    /// Diagonal convention of `K_h`.
    pub diag: Diag,
}

/// Options of the attention layer (several heads, softmax, skip connection).
#[derive(Clone, Debug, PartialEq)]
pub struct AttentionOpts {
    /// How heads combine.
    pub combine: Combine,
    /// Entry-wise `f` or row softmax.
    pub normalize: Normalize,
    /// Softmax inverse temperature.
    pub beta: f64,
    /// Softmax: `A_ii = 0`, rows normalised over `j != i`.
    pub masked: bool,
    /// Softmax: `Phi = X A^T` (default) or `Phi = X A`.
    pub softmax_side: SoftmaxSide,
    /// `Phi = X (I + skip K)` when present.
    pub skip: Option<f64>,
}

impl Default for AttentionOpts {
    fn default() -> Self {
        AttentionOpts {
            combine: Combine::Concat,
            normalize: Normalize::Entrywise,
            beta: 1.0,
            masked: true,
            softmax_side: SoftmaxSide::Transpose,
            skip: None,
        }
    }
}

/// Token statistics.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Tokens {
    /// AR(1) correlation across tokens (`0`: iid tokens): `Z = Z0 C^{1/2}`, `C_ij = ar1^|i-j|`.
    pub ar1: f64,
    /// Labels constant on blocks of this many consecutive tokens (`None`: iid labels).
    pub label_blocks: Option<usize>,
}

/// Largest `|[attention] skip|` accepted.
pub const MAX_SKIP: f64 = 1e6;

/// Largest `[tokens] label_blocks` accepted.
pub const MAX_LABEL_BLOCK: usize = 1 << 28;

/// The model: feature map, signal, heads, attention options and token statistics.
///
/// Built by [`ModelSpec::single_head`] (the CLI's single-head flags), [`ModelSpec::from_toml`]
/// (a model file) or field by field followed by [`ModelSpec::validate`].
#[derive(Clone, Debug, PartialEq)]
pub struct ModelSpec {
    /// Feature map.
    pub kind: ModelKind,
    /// Signal.
    pub signal: Signal,
    /// Heads (at least one for attention and the Gaussian equivalent; unused by ridge).
    pub heads: Vec<Head>,
    /// Attention options.
    pub attention: AttentionOpts,
    /// Token statistics.
    pub tokens: Tokens,
}

/// Largest basis dimension `d` accepted (the reduced systems are dense in `d`).
pub const MAX_BASIS: usize = 64;
/// Largest number of label vectors / classes accepted.
pub const MAX_LABELS: usize = 64;
/// Largest number of heads, and of low-rank terms per head.
pub const MAX_HEADS: usize = 64;

fn vec_name(v: &[f64]) -> String {
    let parts: Vec<String> = v.iter().map(|x| format!("{x}")).collect();
    format!("[{}]", parts.join(", "))
}

impl ModelSpec {
    /// The paper's single-head model: `mu = sqrt(snr) e_1`, one ±1 label vector, one head with
    /// `W = I + w_K w_Q^T` (no term when both are zero).
    pub fn single_head(
        kind: ModelKind,
        activation: Activation,
        snr: f64,
        wk: &[f64],
        wq: &[f64],
        diag: Diag,
    ) -> Result<ModelSpec> {
        crate::error::require_nonnegative("snr", snr)?;
        let zero = |w: &[f64]| w.iter().all(|&v| v == 0.0);
        let (wk_terms, wq_terms) = if zero(wk) && zero(wq) {
            (vec![], vec![])
        } else {
            (vec![wk.to_vec()], vec![wq.to_vec()])
        };
        let spec = ModelSpec {
            kind,
            signal: Signal {
                means: vec![vec![snr.sqrt()]],
                labels: Labels::Signs,
                target: vec![1.0],
            },
            heads: vec![Head {
                activation: Some(activation),
                wk: wk_terms,
                wq: wq_terms,
                diag,
            }],
            attention: AttentionOpts::default(),
            tokens: Tokens::default(),
        };
        spec.validate()?;
        Ok(spec)
    }

    /// Several heads with the same `W = I + w_K w_Q^T` and diagonal convention, activations
    /// `acts` (at least one), combined by `combine` (`docs/multihead.md`); signal as in
    /// [`ModelSpec::single_head`]. One activation gives the single-head model.
    pub fn equal_w_heads(
        kind: ModelKind,
        acts: &[Activation],
        snr: f64,
        wk: &[f64],
        wq: &[f64],
        diag: Diag,
        combine: Combine,
    ) -> Result<ModelSpec> {
        let first = acts
            .first()
            .ok_or_else(|| Error::param("heads", "[]", "give at least one activation"))?;
        let mut spec = Self::single_head(kind, first.clone(), snr, wk, wq, diag)?;
        let head = spec.heads[0].clone();
        for a in &acts[1..] {
            spec.heads.push(Head {
                activation: Some(a.clone()),
                ..head.clone()
            });
        }
        spec.attention.combine = combine;
        spec.validate()?;
        Ok(spec)
    }

    /// Single-head convenience: `mu_1 = sqrt(snr) e_1` (the other means unchanged).
    pub fn set_snr(&mut self, snr: f64) {
        self.signal.means[0] = vec![snr.sqrt()];
    }

    /// Single-head convenience: head 0 gets `W = I + w_K w_Q^T` (no term when both are zero).
    pub fn set_w(&mut self, wk: &[f64], wq: &[f64]) {
        let h = &mut self.heads[0];
        if wk.iter().chain(wq).all(|&v| v == 0.0) {
            h.wk.clear();
            h.wq.clear();
        } else {
            h.wk = vec![wk.to_vec()];
            h.wq = vec![wq.to_vec()];
        }
    }

    /// Single-head convenience: the activation of head 0.
    pub fn set_activation(&mut self, act: Activation) {
        self.heads[0].activation = Some(act);
    }

    /// Single-head convenience: the diagonal convention of every head.
    pub fn set_diag(&mut self, diag: Diag) {
        self.heads.iter_mut().for_each(|h| h.diag = diag);
    }

    /// Checks every field (finite numbers, matching lengths, proportions, limits on sizes).
    /// Sizes `n`, `p` are checked by the engines ([`ModelSpec::basis_dim`] `<= p`).
    pub fn validate(&self) -> Result<()> {
        let s = &self.signal;
        let k = s.means.len();
        if k == 0 {
            return Err(Error::param(
                "signal.means",
                "[]",
                "give at least one mean vector (use [[0.0]] for no signal)",
            ));
        }
        if k > MAX_LABELS {
            return Err(Error::param(
                "signal.means",
                k,
                format!("at most {MAX_LABELS} mean vectors"),
            ));
        }
        let check_vec = |name: &str, v: &[f64]| -> Result<()> {
            if v.is_empty() {
                return Err(Error::param(
                    name,
                    "[]",
                    "a vector needs at least one coordinate",
                ));
            }
            if v.len() > MAX_BASIS {
                return Err(Error::param(
                    name,
                    v.len(),
                    format!("at most {MAX_BASIS} coordinates"),
                ));
            }
            if let Some(x) = v.iter().find(|x| !x.is_finite()) {
                return Err(Error::param(name, x, "coordinates must be finite"));
            }
            Ok(())
        };
        for m in &s.means {
            check_vec("signal.means", m)?;
        }
        if s.target.len() != k {
            return Err(Error::param(
                "signal.target",
                vec_name(&s.target),
                format!("needs one coefficient per mean vector ({k})"),
            ));
        }
        if let Some(x) = s.target.iter().find(|x| !x.is_finite()) {
            return Err(Error::param("signal.target", x, "must be finite"));
        }
        if s.target.iter().all(|&t| t == 0.0) {
            return Err(Error::param(
                "signal.target",
                vec_name(&s.target),
                "the target y = sum_k target_k label_k is zero",
            ));
        }
        if let Labels::Classes { proportions } = &s.labels {
            if proportions.len() != k {
                return Err(Error::param(
                    "signal.proportions",
                    vec_name(proportions),
                    format!("needs one proportion per class mean ({k})"),
                ));
            }
            if proportions.iter().any(|&p| !(p.is_finite() && p > 0.0)) {
                return Err(Error::param(
                    "signal.proportions",
                    vec_name(proportions),
                    "proportions must be finite and > 0",
                ));
            }
            let total: f64 = proportions.iter().sum();
            // Written by people and scripts as decimals (1/3 as 0.333333): 1e-6 relative slack.
            if (total - 1.0).abs() > 1e-6 {
                return Err(Error::param(
                    "signal.proportions",
                    vec_name(proportions),
                    format!("must sum to 1 (sum = {total})"),
                ));
            }
        }
        if self.heads.len() > MAX_HEADS {
            return Err(Error::param(
                "heads",
                self.heads.len(),
                format!("at most {MAX_HEADS} heads"),
            ));
        }
        if self.kind != ModelKind::Ridge && self.heads.is_empty() {
            return Err(Error::param(
                "heads",
                "[]",
                "attention needs at least one [[heads]] entry",
            ));
        }
        for h in &self.heads {
            if h.wk.len() != h.wq.len() {
                return Err(Error::param(
                    "heads.wk",
                    h.wk.len(),
                    format!("needs as many vectors as heads.wq ({})", h.wq.len()),
                ));
            }
            if h.wk.len() > MAX_HEADS {
                return Err(Error::param(
                    "heads.wk",
                    h.wk.len(),
                    format!("at most {MAX_HEADS} low-rank terms per head"),
                ));
            }
            for w in &h.wk {
                check_vec("heads.wk", w)?;
            }
            for w in &h.wq {
                check_vec("heads.wq", w)?;
            }
            if h.activation.is_none()
                && self.kind != ModelKind::Ridge
                && self.attention.normalize == Normalize::Entrywise
            {
                return Err(Error::param(
                    "heads.activation",
                    "(missing)",
                    "every head needs an activation (only softmax attention does without)",
                ));
            }
            if self.kind != ModelKind::Ridge && self.attention.normalize == Normalize::Softmax {
                if let Some(a) = &h.activation {
                    return Err(Error::param(
                        "heads.activation",
                        a.name(),
                        "is not used with attention.normalize = \"softmax\" (the softmax is the \
                         nonlinearity); remove it",
                    ));
                }
                if h.diag == Diag::Literal {
                    return Err(Error::param(
                        "heads.diag",
                        "literal",
                        "has no meaning with softmax attention: the diagonal is set by \
                         attention.masked",
                    ));
                }
            }
        }
        if self.kind == ModelKind::Equivalent && self.attention.normalize == Normalize::Softmax {
            return Err(Error::param(
                "attention.normalize",
                "softmax",
                "has no Gaussian-equivalent model (kind = \"equivalent\"); use kind = \
                 \"attention\" (the theory maps the masked softmax to the entry-wise kernel, \
                 docs/variants.md §2)",
            ));
        }
        let a = &self.attention;
        if !(a.beta.is_finite() && a.beta > 0.0) {
            return Err(Error::param(
                "attention.beta",
                a.beta,
                "must be finite and > 0",
            ));
        }
        if let Some(sk) = a.skip {
            crate::error::require_finite("attention.skip", sk)?;
            // alpha enters the equivalent as alpha^2 nu and 1 + alpha s: beyond 1e6 the skip
            // term is 1e12 times the residual path and nothing is left to resolve
            if sk.abs() > MAX_SKIP {
                return Err(Error::param(
                    "attention.skip",
                    crate::error::fmt_num(sk),
                    format!("allowed [-{MAX_SKIP:e}, {MAX_SKIP:e}]"),
                ));
            }
        }
        let r = self.tokens.ar1;
        if !(r.is_finite() && r.abs() < 1.0) {
            return Err(Error::param("tokens.ar1", r, "must be in (-1, 1)"));
        }
        if let Some(l) = self.tokens.label_blocks {
            if l == 0 || l > MAX_LABEL_BLOCK {
                return Err(Error::param(
                    "tokens.label_blocks",
                    l,
                    format!("must be in 1..={MAX_LABEL_BLOCK}"),
                ));
            }
        }
        Ok(())
    }

    /// Refuses, naming the key, what neither engine can run yet: several heads combined with a
    /// variant (softmax, a skip connection, correlated tokens). One head runs every variant in
    /// the Monte Carlo engine; several entry-wise heads, concatenated or summed, run in both
    /// engines (`docs/multihead.md`); the deterministic equivalent refuses, naming the key, the
    /// variants it has no equivalent for (`theory::model_path_at`, `docs/variants.md`). `engine`
    /// names the caller in the message.
    pub fn require_supported(&self, engine: &str) -> Result<()> {
        let refuse = |key: &str, value: String| {
            Err(Error::param(
                key,
                value,
                format!("not supported by {engine} yet"),
            ))
        };
        if self.kind != ModelKind::Ridge && self.heads.len() > 1 {
            let heads = self.heads.len();
            if self.attention.normalize != Normalize::Entrywise {
                return refuse("attention.normalize", format!("softmax with {heads} heads"));
            }
            if let Some(s) = self.attention.skip {
                return refuse("attention.skip", format!("{s} with {heads} heads"));
            }
            if self.tokens.ar1 != 0.0 {
                return refuse(
                    "tokens.ar1",
                    format!("{} with {heads} heads", self.tokens.ar1),
                );
            }
            if self.label_block() > 1 {
                return refuse(
                    "tokens.label_blocks",
                    format!("{} with {heads} heads", self.label_block()),
                );
            }
        }
        Ok(())
    }

    /// Whether the attention is a row softmax (and the model is not ridge).
    pub fn is_softmax(&self) -> bool {
        self.kind != ModelKind::Ridge && self.attention.normalize == Normalize::Softmax
    }

    /// The skip strength `alpha` of `Phi = X (I + alpha K)` (`None`: no skip; ridge ignores it).
    pub fn skip(&self) -> Option<f64> {
        if self.kind == ModelKind::Ridge {
            None
        } else {
            self.attention.skip
        }
    }

    /// Block length of the labels (1: iid labels).
    pub fn label_block(&self) -> usize {
        self.tokens.label_blocks.unwrap_or(1)
    }

    /// Dimension `d` of the basis: the longest vector, at least 1.
    pub fn basis_dim(&self) -> usize {
        let lens = self
            .signal
            .means
            .iter()
            .chain(self.heads.iter().flat_map(|h| h.wk.iter().chain(&h.wq)))
            .map(Vec::len);
        lens.max().unwrap_or(1).max(1)
    }

    /// `p` must hold every nonzero coordinate: the index of the last nonzero coordinate + 1.
    pub fn min_p(&self) -> usize {
        self.signal
            .means
            .iter()
            .chain(self.heads.iter().flat_map(|h| h.wk.iter().chain(&h.wq)))
            .filter_map(|v| v.iter().rposition(|&x| x != 0.0))
            .map(|i| i + 1)
            .max()
            .unwrap_or(1)
    }

    /// Number of label vectors (`K`).
    pub fn labels(&self) -> usize {
        self.signal.means.len()
    }

    /// The single head of a one-head model (the engines' current scope).
    pub fn head(&self) -> Result<&Head> {
        self.heads
            .first()
            .ok_or_else(|| Error::param("heads", "[]", "no head"))
    }

    /// The activation of head 0 (an error for a head without one).
    pub fn activation(&self) -> Result<&Activation> {
        self.head()?
            .activation
            .as_ref()
            .ok_or_else(|| Error::param("heads.activation", "(missing)", "head 0 has none"))
    }

    /// `||mu_1||^2` of the first mean (the single-head model's SNR).
    pub fn snr(&self) -> f64 {
        self.signal.means[0].iter().map(|x| x * x).sum()
    }

    /// Whether the target is centred under the class proportions (always for ±1 labels).
    pub fn target_centred(&self) -> bool {
        match &self.signal.labels {
            Labels::Signs => true,
            Labels::Classes { proportions } => {
                let m: f64 = proportions
                    .iter()
                    .zip(&self.signal.target)
                    .map(|(p, t)| p * t)
                    .sum();
                let scale: f64 = self.signal.target.iter().map(|t| t.abs()).sum();
                m.abs() <= 1e-9 * scale
            }
        }
    }

    /// A short one-line description (for table headers and captions).
    pub fn describe(&self) -> String {
        let mut s = format!("model={}", self.kind.name());
        if self.kind != ModelKind::Ridge {
            let acts: Vec<&str> = self
                .heads
                .iter()
                .map(|h| h.activation.as_ref().map_or("softmax", |a| a.name()))
                .collect();
            s.push_str(&format!(" activation={}", acts.join(",")));
            if self.heads.len() > 1 {
                s.push_str(match self.attention.combine {
                    Combine::Concat => " combine=concat",
                    Combine::Sum => " combine=sum",
                });
            }
        }
        let means: Vec<String> = self.signal.means.iter().map(|m| vec_name(m)).collect();
        s.push_str(&format!(" means=[{}]", means.join(", ")));
        if let Labels::Classes { proportions } = &self.signal.labels {
            s.push_str(&format!(" classes={}", vec_name(proportions)));
        }
        if self.signal.target.len() > 1 {
            s.push_str(&format!(" target={}", vec_name(&self.signal.target)));
        }
        for (i, h) in self.heads.iter().enumerate() {
            if self.kind == ModelKind::Ridge {
                break;
            }
            let pre = if self.heads.len() > 1 {
                format!(" head{}:", i + 1)
            } else {
                " ".into()
            };
            let wk: Vec<String> = h.wk.iter().map(|w| vec_name(w)).collect();
            let wq: Vec<String> = h.wq.iter().map(|w| vec_name(w)).collect();
            s.push_str(&format!(
                "{pre}wk=[{}] wq=[{}] diag={}",
                wk.join(", "),
                wq.join(", "),
                h.diag.name()
            ));
        }
        if self.is_softmax() {
            let a = &self.attention;
            s.push_str(&format!(
                " softmax beta={} {} side={}",
                a.beta,
                if a.masked { "masked" } else { "unmasked" },
                a.softmax_side.name()
            ));
        }
        if let Some(al) = self.skip() {
            s.push_str(&format!(" skip={al}"));
        }
        if self.tokens.ar1 != 0.0 {
            s.push_str(&format!(" ar1={}", self.tokens.ar1));
        }
        if let Some(l) = self.tokens.label_blocks {
            s.push_str(&format!(" label_blocks={l}"));
        }
        s
    }

    /// Parses a model file (TOML). Unknown keys are errors naming the key.
    pub fn from_toml(text: &str) -> Result<ModelSpec> {
        let file: ModelFile = toml::from_str(text).map_err(|e| {
            let msg = e.message().trim().replace('\n', " ");
            Error::param("model file", "(toml)", msg)
        })?;
        file.into_spec()
    }

    /// Reads and parses a model file.
    pub fn from_file(path: &std::path::Path) -> Result<ModelSpec> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::param("model-file", path.display(), format!("cannot read: {e}")))?;
        Self::from_toml(&text).map_err(|e| match e {
            Error::InvalidParam {
                name,
                value,
                reason,
            } => Error::InvalidParam {
                name: format!("{name} (in {})", path.display()),
                value,
                reason,
            },
            other => other,
        })
    }

    /// The model as a model file (TOML); [`ModelSpec::from_toml`] reads it back unchanged.
    pub fn to_toml(&self) -> String {
        toml::to_string(&ModelFile::from_spec(self)).unwrap_or_default()
    }

    /// The model file's structure (for JSON output: the same keys as the TOML).
    pub fn to_file(&self) -> ModelFile {
        ModelFile::from_spec(self)
    }
}

/// The model file as written on disk; see `docs/model-file.md`. Field names are a contract.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ModelFile {
    /// `"attention" | "ridge" | "equivalent"` (default attention).
    #[serde(default = "default_kind")]
    pub kind: ModelKind,
    /// `"zero" | "literal"`: default diagonal convention of every head (default zero).
    #[serde(default = "default_diag")]
    pub diag: Diag,
    /// The signal (default: one zero mean, ±1 labels).
    #[serde(default)]
    pub signal: SignalFile,
    /// Heads.
    #[serde(default)]
    pub heads: Vec<HeadFile>,
    /// Attention options.
    #[serde(default)]
    pub attention: AttentionFile,
    /// Token statistics.
    #[serde(default)]
    pub tokens: TokensFile,
}

fn default_kind() -> ModelKind {
    ModelKind::Attention
}
fn default_diag() -> Diag {
    Diag::Zero
}

/// `[signal]`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SignalFile {
    /// Mean vectors on the basis.
    #[serde(default = "default_means")]
    pub means: Vec<Vec<f64>>,
    /// `"signs"` or `"classes"`.
    #[serde(default = "default_labels")]
    pub labels: LabelsFile,
    /// Class proportions (with `labels = "classes"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proportions: Option<Vec<f64>>,
    /// Target coefficients (default: the first label vector).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<Vec<f64>>,
}

impl Default for SignalFile {
    fn default() -> Self {
        SignalFile {
            means: default_means(),
            labels: LabelsFile::Signs,
            proportions: None,
            target: None,
        }
    }
}

fn default_means() -> Vec<Vec<f64>> {
    vec![vec![0.0]]
}
fn default_labels() -> LabelsFile {
    LabelsFile::Signs
}

/// `labels = "signs" | "classes"`.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LabelsFile {
    /// Independent ±1 vectors.
    Signs,
    /// One-hot classes.
    Classes,
}

/// `[[heads]]`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct HeadFile {
    /// Built-in name or expression in `x`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activation: Option<String>,
    /// Left vectors of the low-rank terms.
    #[serde(default)]
    pub wk: Vec<Vec<f64>>,
    /// Right vectors of the low-rank terms.
    #[serde(default)]
    pub wq: Vec<Vec<f64>>,
    /// Diagonal convention of this head (default: the top-level `diag`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diag: Option<Diag>,
}

/// `[attention]`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AttentionFile {
    /// `"concat" | "sum"`.
    #[serde(default = "default_combine")]
    pub combine: Combine,
    /// `"entrywise" | "softmax"`.
    #[serde(default = "default_normalize")]
    pub normalize: Normalize,
    /// Softmax inverse temperature.
    #[serde(default = "default_beta")]
    pub beta: f64,
    /// Softmax diagonal masked.
    #[serde(default = "default_masked")]
    pub masked: bool,
    /// Softmax: `"transpose"` (`Phi = X A^T`, default) or `"plain"` (`Phi = X A`).
    #[serde(default, skip_serializing_if = "SoftmaxSide::is_transpose")]
    pub softmax_side: SoftmaxSide,
    /// Skip connection strength.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skip: Option<f64>,
}

impl Default for AttentionFile {
    fn default() -> Self {
        AttentionFile {
            combine: Combine::Concat,
            normalize: Normalize::Entrywise,
            beta: 1.0,
            masked: true,
            softmax_side: SoftmaxSide::Transpose,
            skip: None,
        }
    }
}

fn default_combine() -> Combine {
    Combine::Concat
}
fn default_normalize() -> Normalize {
    Normalize::Entrywise
}
fn default_beta() -> f64 {
    1.0
}
fn default_masked() -> bool {
    true
}

/// `[tokens]`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct TokensFile {
    /// AR(1) correlation across tokens.
    #[serde(default)]
    pub ar1: f64,
    /// Labels constant on blocks of this many consecutive tokens (absent: iid labels).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label_blocks: Option<usize>,
}

impl ModelFile {
    /// Validates and converts (activations parsed, defaults filled in).
    pub fn into_spec(self) -> Result<ModelSpec> {
        let k = self.signal.means.len();
        let labels = match (self.signal.labels, self.signal.proportions) {
            (LabelsFile::Signs, None) => Labels::Signs,
            (LabelsFile::Signs, Some(_)) => {
                return Err(Error::param(
                    "signal.proportions",
                    "(given)",
                    "only with labels = \"classes\"",
                ))
            }
            (LabelsFile::Classes, Some(p)) => Labels::Classes { proportions: p },
            (LabelsFile::Classes, None) => {
                return Err(Error::param(
                    "signal.proportions",
                    "(missing)",
                    "labels = \"classes\" needs proportions",
                ))
            }
        };
        let target = self.signal.target.unwrap_or_else(|| {
            let mut t = vec![0.0; k.max(1)];
            t[0] = 1.0;
            t
        });
        let heads = self
            .heads
            .into_iter()
            .map(|h| {
                Ok(Head {
                    activation: h.activation.as_deref().map(Activation::parse).transpose()?,
                    wk: h.wk,
                    wq: h.wq,
                    diag: h.diag.unwrap_or(self.diag),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let spec = ModelSpec {
            kind: self.kind,
            signal: Signal {
                means: self.signal.means,
                labels,
                target,
            },
            heads,
            attention: AttentionOpts {
                combine: self.attention.combine,
                normalize: self.attention.normalize,
                beta: self.attention.beta,
                masked: self.attention.masked,
                softmax_side: self.attention.softmax_side,
                skip: self.attention.skip,
            },
            tokens: Tokens {
                ar1: self.tokens.ar1,
                label_blocks: self.tokens.label_blocks,
            },
        };
        spec.validate()?;
        Ok(spec)
    }

    /// The file form of a model.
    pub fn from_spec(s: &ModelSpec) -> ModelFile {
        let diag = s.heads.first().map_or(Diag::Zero, |h| h.diag);
        ModelFile {
            kind: s.kind,
            diag,
            signal: SignalFile {
                means: s.signal.means.clone(),
                labels: match s.signal.labels {
                    Labels::Signs => LabelsFile::Signs,
                    Labels::Classes { .. } => LabelsFile::Classes,
                },
                proportions: match &s.signal.labels {
                    Labels::Signs => None,
                    Labels::Classes { proportions } => Some(proportions.clone()),
                },
                target: Some(s.signal.target.clone()),
            },
            heads: s
                .heads
                .iter()
                .map(|h| HeadFile {
                    activation: h.activation.as_ref().map(|a| a.name().to_string()),
                    wk: h.wk.clone(),
                    wq: h.wq.clone(),
                    diag: (h.diag != diag).then_some(h.diag),
                })
                .collect(),
            attention: AttentionFile {
                combine: s.attention.combine,
                normalize: s.attention.normalize,
                beta: s.attention.beta,
                masked: s.attention.masked,
                softmax_side: s.attention.softmax_side,
                skip: s.attention.skip,
            },
            tokens: TokensFile {
                ar1: s.tokens.ar1,
                label_blocks: s.tokens.label_blocks,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONTRACT: &str = r#"
kind = "attention"
diag = "zero"
[signal]
means = [[1.0, 0.0, 0.0]]
labels = "signs"
target = [1.0]
[[heads]]
activation = "tanh"
wk = [[1.0, 0.0, 0.0]]
wq = [[1.0, 0.0, 0.0]]
[attention]
combine = "concat"
normalize = "entrywise"
beta = 1.0
masked = true
skip = 0.5
[tokens]
ar1 = 0.0
"#;

    #[test]
    fn the_contract_keys_parse() {
        let s = ModelSpec::from_toml(CONTRACT).unwrap();
        assert_eq!(s.kind, ModelKind::Attention);
        assert_eq!(s.signal.means, vec![vec![1.0, 0.0, 0.0]]);
        assert_eq!(s.heads[0].wk, vec![vec![1.0, 0.0, 0.0]]);
        assert_eq!(s.attention.skip, Some(0.5));
        assert_eq!(s.skip(), Some(0.5));
        assert_eq!(s.attention.softmax_side, SoftmaxSide::Transpose);
        assert_eq!(s.label_block(), 1);
        s.require_supported("theory").unwrap();
        // several heads run, but not with a variant (here the skip): refused naming the key
        let mut two = s.clone();
        two.heads.push(two.heads[0].clone());
        let e = two.require_supported("theory").unwrap_err().to_string();
        assert!(e.contains("attention.skip") && e.contains("2 heads"), "{e}");
        two.attention.skip = None;
        two.require_supported("theory").unwrap();
    }

    #[test]
    fn variant_keys_parse_and_are_checked() {
        let s = ModelSpec::from_toml(
            "[[heads]]\n[attention]\nnormalize = \"softmax\"\nbeta = 0.5\nmasked = false\n\
             softmax_side = \"plain\"\n[tokens]\nar1 = 0.6\nlabel_blocks = 32",
        )
        .unwrap();
        assert!(s.is_softmax());
        assert_eq!(s.attention.softmax_side, SoftmaxSide::Plain);
        assert_eq!(s.label_block(), 32);
        assert_eq!(ModelSpec::from_toml(&s.to_toml()).unwrap(), s);
        for (toml, key) in [
            (
                "[[heads]]\nactivation = \"tanh\"\n[attention]\nnormalize = \"softmax\"",
                "heads.activation",
            ),
            (
                "diag = \"literal\"\n[[heads]]\n[attention]\nnormalize = \"softmax\"",
                "heads.diag",
            ),
            (
                "kind = \"equivalent\"\n[[heads]]\n[attention]\nnormalize = \"softmax\"",
                "attention.normalize",
            ),
            (
                "[[heads]]\nactivation = \"tanh\"\n[tokens]\nlabel_blocks = 0",
                "tokens.label_blocks",
            ),
            (
                "[[heads]]\nactivation = \"tanh\"\n[attention]\nsoftmax_side = \"left\"",
                "left",
            ),
        ] {
            let e = ModelSpec::from_toml(toml).unwrap_err().to_string();
            assert!(e.contains(key), "{key}: {e}");
        }
    }

    #[test]
    fn round_trip_through_toml() {
        let s = ModelSpec::from_toml(CONTRACT).unwrap();
        assert_eq!(ModelSpec::from_toml(&s.to_toml()).unwrap(), s);
        let single = ModelSpec::single_head(
            ModelKind::Equivalent,
            Activation::parse("relu").unwrap(),
            2.0,
            &[1.0, 0.0, 0.0],
            &[0.0, 1.0],
            Diag::Literal,
        )
        .unwrap();
        assert_eq!(ModelSpec::from_toml(&single.to_toml()).unwrap(), single);
    }

    #[test]
    fn unknown_and_bad_keys_are_named() {
        let e =
            ModelSpec::from_toml("kind = \"attention\"\nfoo = 1\n[[heads]]\nactivation = \"tanh\"")
                .unwrap_err()
                .to_string();
        assert!(e.contains("foo"), "{e}");
        let e = ModelSpec::from_toml(
            "[signal]\nlabels = \"classes\"\nmeans = [[1.0]]\n[[heads]]\nactivation = \"tanh\"",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("proportions"), "{e}");
        let e = ModelSpec::from_toml("[[heads]]\nactivation = \"tanhh\"")
            .unwrap_err()
            .to_string();
        assert!(e.contains("tanhh"), "{e}");
        let e = ModelSpec::from_toml("[[heads]]\nactivation = \"tanh\"\nwk = [[1.0]]")
            .unwrap_err()
            .to_string();
        assert!(e.contains("heads.wk"), "{e}");
        let e = ModelSpec::from_toml("kind = \"attention\"")
            .unwrap_err()
            .to_string();
        assert!(e.contains("heads"), "{e}");
    }

    #[test]
    fn basis_dimension_and_min_p() {
        let s = ModelSpec::from_toml(
            "[signal]\nmeans = [[1.0], [0.0, 0.0, 2.0, 0.0]]\n[[heads]]\nactivation = \"tanh\"",
        )
        .unwrap();
        assert_eq!(s.basis_dim(), 4);
        assert_eq!(s.min_p(), 3);
        assert_eq!(s.signal.target, vec![1.0, 0.0]);
    }
}
