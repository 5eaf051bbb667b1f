//! The text forms of the model flags, shared by the command line and the Python package:
//! coordinates `a,b,c` (`--wk`, `--wq`), head lists `tanh,cos` (`--heads`) and label layouts
//! `iid | block:L` (`--labels`). Each returns a one-line [`Error`] naming the flag.

use crate::error::Error;

/// Splits a head list at the commas outside parentheses (`max(x,0),cos` -> two heads); every
/// item must be non-empty.
pub fn split_heads(s: &str) -> Result<Vec<String>, Error> {
    let (mut out, mut cur, mut depth) = (Vec::new(), String::new(), 0i32);
    for ch in s.chars() {
        match ch {
            '(' => depth += 1,
            ')' => depth -= 1,
            _ => {}
        }
        if ch == ',' && depth == 0 {
            out.push(std::mem::take(&mut cur));
        } else {
            cur.push(ch);
        }
    }
    out.push(cur);
    let out: Vec<String> = out.into_iter().map(|t| t.trim().to_string()).collect();
    if depth != 0 || out.iter().any(String::is_empty) {
        return Err(Error::param(
            "heads",
            s,
            "expected activations separated by commas, e.g. tanh,cos",
        ));
    }
    if out.len() > crate::model::MAX_HEADS {
        return Err(Error::param(
            "heads",
            out.len(),
            format!("at most {} heads", crate::model::MAX_HEADS),
        ));
    }
    Ok(out)
}

/// Parses `--labels`: `iid` (None) or `block:L` (`L >= 1`).
pub fn parse_labels(s: &str) -> Result<Option<usize>, Error> {
    let t = s.trim();
    if t == "iid" {
        return Ok(None);
    }
    let bad = || {
        Error::param(
            "labels",
            s,
            "expected iid or block:L with an integer L >= 1",
        )
    };
    let l: usize = t
        .strip_prefix("block:")
        .ok_or_else(bad)?
        .trim()
        .parse()
        .map_err(|_| bad())?;
    if l == 0 {
        return Err(bad());
    }
    Ok(Some(l))
}

/// Parses coordinates `a,b,c,...` (at least one, all finite, at most
/// [`crate::model::MAX_BASIS`]).
pub fn parse_coords(name: &str, s: &str) -> Result<Vec<f64>, Error> {
    let v: Vec<f64> = s
        .split(',')
        .map(|t| t.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| Error::param(name, s, "expected numbers a,b,c,... separated by commas"))?;
    if v.iter().any(|x| !x.is_finite()) {
        return Err(Error::param(name, s, "coordinates must be finite"));
    }
    if v.len() > crate::model::MAX_BASIS {
        return Err(Error::param(
            name,
            v.len(),
            format!("at most {} coordinates", crate::model::MAX_BASIS),
        ));
    }
    Ok(v)
}
