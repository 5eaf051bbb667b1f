//! Python arguments to library inputs (models, gamma lists, coordinates, enums) and library
//! outputs to Python objects. The model mapping mirrors the CLI's model flags
//! (`src/cli/model_args.rs`): a model file (here: a dict with the same keys, or a path) or the
//! single-head shortcuts with the same defaults.

use crate::run::{param_err, to_py};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyMapping, PySequence, PyString};
use rmt_verify::model::{
    Combine, Diag, ModelKind, ModelSpec, Normalize, SoftmaxSide, MAX_BASIS, MAX_HEADS,
};
use rmt_verify::theory::parse_gammas;
use rmt_verify::Activation;
use std::path::PathBuf;

/// The model keywords (`None`: not given): the CLI's model flags (`src/cli/model_args.rs`)
/// with `kind` for `--model` — the single-head ones, several heads with equal `W`
/// (`heads`, `combine`) and the variants (`softmax`, `unmasked`, `softmax_side`, `skip`, `ar1`,
/// `labels`).
#[derive(Default)]
pub struct Shortcuts {
    pub kind: Option<String>,
    pub activation: Option<String>,
    pub snr: Option<f64>,
    pub wk: Option<Vec<f64>>,
    pub wq: Option<Vec<f64>>,
    pub diag: Option<String>,
    pub heads: Option<Vec<String>>,
    pub combine: Option<String>,
    pub softmax: Option<f64>,
    pub unmasked: bool,
    pub softmax_side: Option<String>,
    pub skip: Option<f64>,
    pub ar1: Option<f64>,
    pub labels: Option<String>,
}

impl Shortcuts {
    fn given(&self) -> Vec<&'static str> {
        let flags = [
            ("kind", self.kind.is_some()),
            ("activation", self.activation.is_some()),
            ("snr", self.snr.is_some()),
            ("wk", self.wk.is_some()),
            ("wq", self.wq.is_some()),
            ("diag", self.diag.is_some()),
            ("heads", self.heads.is_some()),
            ("combine", self.combine.is_some()),
            ("softmax", self.softmax.is_some()),
            ("unmasked", self.unmasked),
            ("softmax_side", self.softmax_side.is_some()),
            ("skip", self.skip.is_some()),
            ("ar1", self.ar1.is_some()),
            ("labels", self.labels.is_some()),
        ];
        flags
            .iter()
            .filter(|(_, on)| *on)
            .map(|(name, _)| *name)
            .collect()
    }

    /// The CLI's exclusions between flags (clap's `conflicts_with` / `requires`).
    fn check_combinations(&self) -> PyResult<()> {
        let conflict = |a: &str, b: &str| {
            Err(PyValueError::new_err(format!(
                "`{a}` cannot be combined with `{b}`"
            )))
        };
        if self.heads.is_some() && self.activation.is_some() {
            return conflict("heads", "activation");
        }
        if self.softmax.is_some() {
            if self.activation.is_some() {
                return conflict("softmax", "activation");
            }
            if self.heads.is_some() {
                return conflict("softmax", "heads");
            }
        } else {
            for (name, on) in [
                ("unmasked", self.unmasked),
                ("softmax_side", self.softmax_side.is_some()),
            ] {
                if on {
                    return Err(PyValueError::new_err(format!(
                        "`{name}` requires `softmax`"
                    )));
                }
            }
        }
        Ok(())
    }
}

/// Parses a lowercase enum name through the library's serde names (`attention`, `zero`, ...),
/// so that the accepted names and the message follow the model-file keys.
fn enum_value<T: serde::de::DeserializeOwned>(name: &str, s: &str) -> PyResult<T> {
    serde_json::from_value(serde_json::Value::String(s.to_string()))
        .map_err(|e| param_err(name, s, e.to_string()))
}

pub fn parse_kind(s: &str) -> PyResult<ModelKind> {
    enum_value("kind", s)
}

pub fn parse_diag(s: &str) -> PyResult<Diag> {
    enum_value("diag", s)
}

/// The model: a model-file dict, a path to a model file, or the keywords (CLI defaults:
/// attention, tanh, snr 1, w = 0, zero diagonal, concatenated heads, no variant).
pub fn spec(model: Option<&Bound<'_, PyAny>>, sc: Shortcuts) -> PyResult<ModelSpec> {
    let model = model.filter(|m| !m.is_none());
    if let Some(m) = model {
        let given = sc.given();
        if !given.is_empty() {
            return Err(PyValueError::new_err(format!(
                "`model` cannot be combined with the model keywords (got {}); put them in the model dict instead",
                given.join(", ")
            )));
        }
        return spec_from_object(m);
    }
    sc.check_combinations()?;
    let kind = sc.kind.as_deref().map(parse_kind).transpose()?;
    let diag = sc.diag.as_deref().map(parse_diag).transpose()?;
    let combine: Option<Combine> = sc
        .combine
        .as_deref()
        .map(|s| enum_value("combine", s))
        .transpose()?;
    let side: Option<SoftmaxSide> = sc
        .softmax_side
        .as_deref()
        .map(|s| enum_value("softmax_side", s))
        .transpose()?;
    let names = match sc.heads {
        Some(h) => check_heads(h)?,
        None => vec![sc.activation.unwrap_or_else(|| "tanh".into())],
    };
    let acts = names
        .iter()
        .map(|n| Activation::parse(n))
        .collect::<Result<Vec<_>, _>>()
        .map_err(to_py)?;
    let wk = sc.wk.unwrap_or_else(|| vec![0.0]);
    let wq = sc.wq.unwrap_or_else(|| vec![0.0]);
    let mut spec = ModelSpec::equal_w_heads(
        kind.unwrap_or(ModelKind::Attention),
        &acts,
        sc.snr.unwrap_or(1.0),
        &wk,
        &wq,
        diag.unwrap_or(Diag::Zero),
        combine.unwrap_or(Combine::Concat),
    )
    .map_err(to_py)?;
    // as the CLI's `ModelArgs::spec`
    if let Some(beta) = sc.softmax {
        spec.heads[0].activation = None;
        spec.attention.normalize = Normalize::Softmax;
        spec.attention.beta = beta;
        spec.attention.masked = !sc.unmasked;
        spec.attention.softmax_side = side.unwrap_or_default();
    }
    spec.attention.skip = sc.skip;
    if let Some(r) = sc.ar1 {
        spec.tokens.ar1 = r;
    }
    if let Some(l) = &sc.labels {
        spec.tokens.label_blocks = parse_labels(l)?;
    }
    spec.validate().map_err(to_py)?;
    Ok(spec)
}

/// The head list of `heads=` (a list of activations, or the CLI's comma list already split):
/// non-empty items, at most `MAX_HEADS` (the CLI's `--heads` checks and messages).
fn check_heads(names: Vec<String>) -> PyResult<Vec<String>> {
    let names: Vec<String> = names.into_iter().map(|t| t.trim().to_string()).collect();
    if names.is_empty() || names.iter().any(String::is_empty) {
        return Err(param_err(
            "heads",
            names.join(","),
            "expected activations separated by commas, e.g. tanh,cos",
        ));
    }
    if names.len() > MAX_HEADS {
        return Err(param_err(
            "heads",
            names.len(),
            format!("at most {MAX_HEADS} heads"),
        ));
    }
    Ok(names)
}

/// `heads=`: a list of activations, or the CLI's `"tanh,cos"` (split at the commas outside
/// parentheses: `"max(x,0),cos"` is two heads).
pub fn heads(obj: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Vec<String>>> {
    let Some(obj) = obj.filter(|o| !o.is_none()) else {
        return Ok(None);
    };
    if let Ok(s) = obj.cast::<PyString>() {
        let s = s.to_cow()?.into_owned();
        let out = rmt_verify::model::flags::split_heads(&s).map_err(to_py)?;
        return Ok(Some(out));
    }
    let v: Vec<String> = obj.extract().map_err(|_| {
        PyTypeError::new_err("heads must be a list of activations or a string \"tanh,cos\"")
    })?;
    Ok(Some(v))
}

/// `labels=`: `"iid"` or `"block:L"` (`L >= 1`), the CLI's `--labels`.
fn parse_labels(s: &str) -> PyResult<Option<usize>> {
    rmt_verify::model::flags::parse_labels(s).map_err(to_py)
}

/// A model given as a dict (the keys of a model file) or as a path to a model file (str or
/// `os.PathLike`).
pub fn spec_from_object(m: &Bound<'_, PyAny>) -> PyResult<ModelSpec> {
    if m.cast::<PyMapping>().is_ok() || m.cast::<PyDict>().is_ok() {
        let text = model_dict_to_toml(m)?;
        return ModelSpec::from_toml(&text).map_err(to_py);
    }
    if m.cast::<PyString>().is_ok() || m.hasattr("__fspath__")? {
        let path: PathBuf = m.extract()?;
        return ModelSpec::from_file(&path).map_err(to_py);
    }
    Err(PyTypeError::new_err(format!(
        "model must be a dict with the keys of a model file or a path to a .toml model file, not {}",
        m.get_type().name()?
    )))
}

/// The dict as the text of a model file; `None` values are left out (the key's default).
pub fn model_dict_to_toml(m: &Bound<'_, PyAny>) -> PyResult<String> {
    match to_toml(m, "model")? {
        Some(toml::Value::Table(t)) => toml::to_string(&t)
            .map_err(|e| PyValueError::new_err(format!("model: cannot write TOML: {e}"))),
        _ => Err(PyTypeError::new_err("model must be a dict")),
    }
}

fn to_toml(obj: &Bound<'_, PyAny>, at: &str) -> PyResult<Option<toml::Value>> {
    use toml::Value;
    if obj.is_none() {
        return Ok(None);
    }
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(Some(Value::Boolean(b.is_true())));
    }
    if obj.cast::<PyInt>().is_ok() {
        let v: i64 = obj
            .extract()
            .map_err(|_| PyValueError::new_err(format!("{at}: integer out of range")))?;
        return Ok(Some(Value::Integer(v)));
    }
    if let Ok(f) = obj.cast::<PyFloat>() {
        return Ok(Some(Value::Float(f.value())));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(Some(Value::String(s.to_cow()?.into_owned())));
    }
    if let Ok(d) = obj.cast::<PyDict>() {
        let mut t = toml::Table::new();
        for (k, v) in d.iter() {
            let key: String = k
                .extract()
                .map_err(|_| PyTypeError::new_err(format!("{at}: keys must be strings")))?;
            if let Some(val) = to_toml(&v, &format!("{at}.{key}"))? {
                t.insert(key, val);
            }
        }
        return Ok(Some(Value::Table(t)));
    }
    if obj.cast::<PyMapping>().is_ok() {
        let d = PyDict::new(obj.py());
        for item in obj.call_method0("items")?.try_iter()? {
            let (k, v): (Bound<'_, PyAny>, Bound<'_, PyAny>) = item?.extract()?;
            d.set_item(k, v)?;
        }
        return to_toml(d.as_any(), at);
    }
    // numpy arrays and scalars: their Python equivalent
    if obj.hasattr("tolist")? {
        return to_toml(&obj.call_method0("tolist")?, at);
    }
    if obj.cast::<PyList>().is_ok() || obj.cast::<PySequence>().is_ok() {
        let mut items = Vec::new();
        for (i, item) in obj.try_iter()?.enumerate() {
            match to_toml(&item?, &format!("{at}[{i}]"))? {
                Some(v) => items.push(v),
                None => {
                    return Err(PyValueError::new_err(format!(
                        "{at}[{i}]: None is not allowed in a list"
                    )))
                }
            }
        }
        return Ok(Some(Value::Array(items)));
    }
    Err(PyTypeError::new_err(format!(
        "{at}: a {} cannot be put in a model file (numbers, strings, booleans, lists, dicts)",
        obj.get_type().name()?
    )))
}

/// A list of floats from a sequence, a numpy array or a scalar.
fn floats(obj: &Bound<'_, PyAny>) -> PyResult<Vec<f64>> {
    let obj = if obj.hasattr("tolist")? && obj.cast::<PyString>().is_err() {
        obj.call_method0("tolist")?
    } else {
        obj.clone()
    };
    if let Ok(x) = obj.extract::<f64>() {
        return Ok(vec![x]);
    }
    obj.extract::<Vec<f64>>()
}

/// Renders floats as the CLI's comma list (Rust's shortest round-trip form: parsing it back
/// gives the same bits).
fn comma_list(v: &[f64]) -> String {
    v.iter()
        .map(|x| format!("{x}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// Gammas: the CLI's syntax (`"0.1,1"`, `"logspace:LO:HI:K"`), a number, or a sequence/array
/// of numbers (checked by the library's `parse_gammas`, with its messages).
pub fn gammas(obj: &Bound<'_, PyAny>) -> PyResult<Vec<f64>> {
    if let Ok(s) = obj.cast::<PyString>() {
        return parse_gammas(&s.to_cow()?).map_err(to_py);
    }
    let v = floats(obj).map_err(|_| {
        PyTypeError::new_err(
            "gammas must be a string (\"0.1,1\" or \"logspace:LO:HI:K\"), a number or a sequence of numbers",
        )
    })?;
    parse_gammas(&comma_list(&v)).map_err(to_py)
}

/// Coordinates `wk`/`wq`: `"a,b,c"` (the CLI's form) or a sequence/array of numbers; checked as
/// the CLI checks `--wk` (at least one, all finite, at most `MAX_BASIS`).
pub fn coords(name: &str, obj: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Vec<f64>>> {
    let Some(obj) = obj.filter(|o| !o.is_none()) else {
        return Ok(None);
    };
    let (s, v) = if let Ok(s) = obj.cast::<PyString>() {
        let s = s.to_cow()?.into_owned();
        let v: Vec<f64> = s
            .split(',')
            .map(|t| t.trim().parse::<f64>())
            .collect::<Result<_, _>>()
            .map_err(|_| param_err(name, &s, "expected numbers a,b,c,... separated by commas"))?;
        (s, v)
    } else {
        let v = floats(obj).map_err(|_| {
            PyTypeError::new_err(format!(
                "{name} must be a sequence of numbers or a string \"a,b,c\""
            ))
        })?;
        (comma_list(&v), v)
    };
    if v.is_empty() {
        return Err(param_err(
            name,
            &s,
            "expected numbers a,b,c,... separated by commas",
        ));
    }
    if v.iter().any(|x| !x.is_finite()) {
        return Err(param_err(name, &s, "coordinates must be finite"));
    }
    if v.len() > MAX_BASIS {
        return Err(param_err(
            name,
            v.len(),
            format!("at most {MAX_BASIS} coordinates"),
        ));
    }
    Ok(Some(v))
}

/// A non-negative integer size (`n`, `p`, `seeds`, `points`), with the library's message for
/// values below `min`.
pub fn size(name: &str, v: i64, min: i64, reason: &str) -> PyResult<usize> {
    if v < min {
        return Err(param_err(name, v, reason));
    }
    usize::try_from(v).map_err(|_| param_err(name, v, reason))
}

/// A JSON value (as the CLI would print it) as a Python object.
pub fn json_to_py<'py>(py: Python<'py>, v: &serde_json::Value) -> PyResult<Bound<'py, PyAny>> {
    use serde_json::Value;
    Ok(match v {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into_pyobject(py)?.into_any()
            } else if let Some(u) = n.as_u64() {
                u.into_pyobject(py)?.into_any()
            } else {
                n.as_f64().unwrap_or(f64::NAN).into_pyobject(py)?.into_any()
            }
        }
        Value::String(s) => s.into_pyobject(py)?.into_any(),
        Value::Array(a) => {
            let items = a
                .iter()
                .map(|x| json_to_py(py, x))
                .collect::<PyResult<Vec<_>>>()?;
            PyList::new(py, items)?.into_any()
        }
        Value::Object(o) => {
            let d = PyDict::new(py);
            for (k, x) in o {
                d.set_item(k, json_to_py(py, x)?)?;
            }
            d.into_any()
        }
    })
}

/// The model as a dict with the keys of a model file (what `to_toml` writes).
pub fn spec_to_py<'py>(py: Python<'py>, spec: &ModelSpec) -> PyResult<Bound<'py, PyAny>> {
    let v = serde_json::to_value(spec.to_file())
        .map_err(|e| PyValueError::new_err(format!("model: {e}")))?;
    json_to_py(py, &v)
}

/// The CLI's model keys of JSON output (`model`, `activation`, `snr`, `diag`, `spec`), as in
/// `model_json` of `src/cli/model_args.rs`.
pub fn add_model_keys(d: &Bound<'_, PyDict>, spec: &ModelSpec) -> PyResult<()> {
    let head = spec.heads.first();
    d.set_item("model", spec.kind.name())?;
    d.set_item(
        "activation",
        head.and_then(|h| h.activation.as_ref()).map(|a| a.name()),
    )?;
    d.set_item("snr", spec.snr())?;
    d.set_item("diag", head.map(|h| h.diag.name()))?;
    d.set_item("spec", spec_to_py(d.py(), spec)?)?;
    Ok(())
}
