//! Activation functions: the built-ins of the paper's experiments and user expressions in `x`.
//!
//! An [`Activation`] is the *raw* `f`; the paper assumes a centred `f` (`E f(xi) = 0`,
//! `xi ~ N(0,1)`), and [`crate::hermite::hermite_coeffs`] reports the mean that the tool removes.

use crate::error::{Error, Result};

/// Names of the built-in activations (parameterised ones shown with their parameter).
pub const BUILTIN_NAMES: &[&str] = &[
    "linear",
    "relu",
    "leaky-relu:ALPHA",
    "tanh",
    "erf",
    "sin",
    "cos",
    "sign",
    "abs",
    "quad",
    "gelu",
    "silu",
    "sigmoid",
    "softplus",
    "elu:ALPHA",
];

/// A built-in activation.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Builtin {
    /// `x`
    Linear,
    /// `max(x, 0)`
    Relu,
    /// `max(x, alpha x)`
    LeakyRelu(f64),
    /// `tanh x`
    Tanh,
    /// `erf x`
    Erf,
    /// `sin x`
    Sin,
    /// `cos x`
    Cos,
    /// `sign x` (0 at 0)
    Sign,
    /// `|x|`
    Abs,
    /// `x^2 - 1`
    Quad,
    /// `x Phi(x)` (exact, erf-based)
    Gelu,
    /// `x / (1 + e^-x)`
    Silu,
    /// `1 / (1 + e^-x)`
    Sigmoid,
    /// `log(1 + e^x)`
    Softplus,
    /// `x` for `x > 0`, `alpha (e^x - 1)` otherwise
    Elu(f64),
}

impl Builtin {
    /// Evaluates the raw function.
    #[inline]
    pub fn eval(&self, x: f64) -> f64 {
        match *self {
            Builtin::Linear => x,
            Builtin::Relu => x.max(0.0),
            Builtin::LeakyRelu(a) => {
                if x >= 0.0 {
                    x
                } else {
                    a * x
                }
            }
            Builtin::Tanh => x.tanh(),
            Builtin::Erf => libm::erf(x),
            Builtin::Sin => x.sin(),
            Builtin::Cos => x.cos(),
            Builtin::Sign => {
                if x > 0.0 {
                    1.0
                } else if x < 0.0 {
                    -1.0
                } else {
                    0.0
                }
            }
            Builtin::Abs => x.abs(),
            Builtin::Quad => x * x - 1.0,
            Builtin::Gelu => 0.5 * x * libm::erfc(-x / std::f64::consts::SQRT_2),
            Builtin::Silu => x / (1.0 + (-x).exp()),
            Builtin::Sigmoid => 1.0 / (1.0 + (-x).exp()),
            Builtin::Softplus => {
                // log(1 + e^x) without overflow.
                if x > 0.0 {
                    x + (-x).exp().ln_1p()
                } else {
                    x.exp().ln_1p()
                }
            }
            Builtin::Elu(a) => {
                if x > 0.0 {
                    x
                } else {
                    a * x.exp_m1()
                }
            }
        }
    }

    /// Points where `f` or a derivative jumps (quadrature splits there).
    pub fn breakpoints(&self) -> Vec<f64> {
        match self {
            Builtin::Relu
            | Builtin::LeakyRelu(_)
            | Builtin::Sign
            | Builtin::Abs
            | Builtin::Elu(_) => {
                vec![0.0]
            }
            _ => vec![],
        }
    }

    /// `tau_D = lim_{t -> +inf} f(t)/t`: the diagonal of the literal kernel,
    /// `f(x_i^T W x_i/sqrt p)/sqrt p` with `x_i^T W x_i / sqrt p ~ sqrt p` (docs/linearization.md).
    /// `None` when the limit is infinite (e.g. `x^2 - 1`).
    pub fn diag_limit(&self) -> Option<f64> {
        match self {
            Builtin::Linear
            | Builtin::Relu
            | Builtin::LeakyRelu(_)
            | Builtin::Abs
            | Builtin::Gelu
            | Builtin::Silu
            | Builtin::Softplus
            | Builtin::Elu(_) => Some(1.0),
            Builtin::Tanh
            | Builtin::Erf
            | Builtin::Sin
            | Builtin::Cos
            | Builtin::Sign
            | Builtin::Sigmoid => Some(0.0),
            Builtin::Quad => None,
        }
    }
}

/// Kind of an activation: a built-in or a parsed expression.
#[derive(Clone, Debug, PartialEq)]
pub enum Kind {
    /// A built-in.
    Builtin(Builtin),
    /// A user expression in `x`.
    Expr(crate::expr::Expr),
}

/// An activation function `f: R -> R` (raw, not centred).
#[derive(Clone, Debug, PartialEq)]
pub struct Activation {
    name: String,
    kind: Kind,
}

impl Activation {
    /// Parses a built-in name (`tanh`, `leaky-relu:0.1`, `elu:1`) or an expression in `x`
    /// (`"x*tanh(x)"`, `"max(x,0.1*x)"`).
    pub fn parse(spec: &str) -> Result<Activation> {
        let s = spec.trim();
        if s.is_empty() {
            return Err(Error::UnknownActivation {
                name: crate::error::one_line(spec.to_string()),
                known: BUILTIN_NAMES.join(", "),
            });
        }
        if let Some(b) = parse_builtin(s)? {
            return Ok(Activation {
                name: s.to_string(),
                kind: Kind::Builtin(b),
            });
        }
        // A bare identifier that is not a built-in is an unknown name, not an expression.
        if s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == ':' || c == '.')
            && s != "x"
            && !s.chars().next().is_some_and(|c| c.is_ascii_digit())
            && !s.starts_with('-')
        {
            // ... unless it is an expression after all (`x-x`, `x-1`).
            if let Ok(e) = crate::expr::Expr::parse(s) {
                return Ok(Activation {
                    name: s.to_string(),
                    kind: Kind::Expr(e),
                });
            }
            return Err(Error::UnknownActivation {
                name: crate::error::one_line(s.to_string()),
                known: BUILTIN_NAMES.join(", "),
            });
        }
        let e = crate::expr::Expr::parse(s)?;
        Ok(Activation {
            name: s.to_string(),
            kind: Kind::Expr(e),
        })
    }

    /// A built-in activation.
    pub fn builtin(b: Builtin) -> Activation {
        let name = match b {
            Builtin::LeakyRelu(a) => format!("leaky-relu:{a}"),
            Builtin::Elu(a) => format!("elu:{a}"),
            _ => format!("{b:?}").to_lowercase(),
        };
        Activation {
            name,
            kind: Kind::Builtin(b),
        }
    }

    /// The name as given.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Built-in or expression.
    pub fn kind(&self) -> &Kind {
        &self.kind
    }

    /// Evaluates the raw `f(x)`.
    #[inline]
    pub fn eval(&self, x: f64) -> f64 {
        match &self.kind {
            Kind::Builtin(b) => b.eval(x),
            Kind::Expr(e) => e.eval(x),
        }
    }

    /// `f(x)` as sign and log-magnitude, without overflow for expressions
    /// ([`crate::expr::Node::eval_log`]); built-ins are evaluated directly (none overflows for
    /// `|x| <= 1e150`).
    pub fn eval_log(&self, x: f64) -> crate::expr::LogAbs {
        match &self.kind {
            Kind::Builtin(b) => crate::expr::LogAbs::from_f64(b.eval(x)),
            Kind::Expr(e) => e.eval_log(x),
        }
    }

    /// Break points (kinks or jumps) of `f` on the real line, sorted.
    pub fn breakpoints(&self) -> Vec<f64> {
        match &self.kind {
            Kind::Builtin(b) => b.breakpoints(),
            Kind::Expr(e) => e.breakpoints(),
        }
    }

    /// `tau_D = lim_{t->inf} f(t)/t` (see [`Builtin::diag_limit`]); for expressions estimated
    /// numerically from `f(t)/t` at `t = 1e4, 1e6`, `None` if it does not settle.
    pub fn diag_limit(&self) -> Option<f64> {
        match &self.kind {
            Kind::Builtin(b) => b.diag_limit(),
            Kind::Expr(e) => {
                let r1 = e.eval(1e4) / 1e4;
                let r2 = e.eval(1e6) / 1e6;
                (r1.is_finite() && r2.is_finite() && (r1 - r2).abs() <= 1e-3 * (1.0 + r2.abs()))
                    .then(|| if r2.abs() < 1e-6 { 0.0 } else { r2 })
            }
        }
    }
}

fn parse_param(name: &str, v: &str) -> Result<f64> {
    let a: f64 = v
        .parse()
        .map_err(|_| Error::param(name, v, "expected a number, e.g. leaky-relu:0.1"))?;
    crate::error::require_finite(name, a)
}

fn parse_builtin(s: &str) -> Result<Option<Builtin>> {
    let lower = s.to_ascii_lowercase();
    let (head, param) = match lower.split_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (lower.as_str(), None),
    };
    let b = match (head, param) {
        ("linear" | "identity", None) => Builtin::Linear,
        ("relu", None) => Builtin::Relu,
        ("leaky-relu" | "leaky_relu" | "leakyrelu", p) => {
            Builtin::LeakyRelu(p.map_or(Ok(0.01), |p| parse_param("leaky-relu alpha", p))?)
        }
        ("tanh", None) => Builtin::Tanh,
        ("erf", None) => Builtin::Erf,
        ("sin", None) => Builtin::Sin,
        ("cos", None) => Builtin::Cos,
        ("sign", None) => Builtin::Sign,
        ("abs", None) => Builtin::Abs,
        ("quad", None) => Builtin::Quad,
        ("gelu", None) => Builtin::Gelu,
        ("silu" | "swish", None) => Builtin::Silu,
        ("sigmoid", None) => Builtin::Sigmoid,
        ("softplus", None) => Builtin::Softplus,
        ("elu", p) => Builtin::Elu(p.map_or(Ok(1.0), |p| parse_param("elu alpha", p))?),
        _ => return Ok(None),
    };
    Ok(Some(b))
}
