//! The plot's data as a long-format table (CSV, markdown and LaTeX through [`Table`]).

use super::{Plot, Style};
use crate::format::Table;

/// The plot's data in long format: `series, style, x, y, y_err, x_lo, x_hi` (one row per point;
/// `y_err` empty when absent; `x_lo, x_hi` are the bin edges of histogram rows, else empty).
/// Numbers are written with 10 significant digits.
pub fn to_table(plot: &Plot) -> Table {
    let mut t = Table::new(["series", "style", "x", "y", "y_err", "x_lo", "x_hi"]);
    for row in long_rows(plot) {
        t.push(row);
    }
    t
}

/// Rows of [`to_table`] (shared with the multi-panel tables of `crate::figures`).
pub(crate) fn long_rows(plot: &Plot) -> Vec<Vec<String>> {
    let num = |v: f64| format!("{v:.9e}");
    let mut rows = Vec::new();
    for s in &plot.series {
        for i in 0..s.x.len().min(s.y.len()) {
            let err = s
                .y_err
                .as_ref()
                .and_then(|e| e.get(i))
                .map_or(String::new(), |&e| num(e));
            let (lo, hi) = match &s.style {
                Style::Histogram { bin_edges } if i + 1 < bin_edges.len() => {
                    (num(bin_edges[i]), num(bin_edges[i + 1]))
                }
                _ => (String::new(), String::new()),
            };
            rows.push(vec![
                s.name.clone(),
                s.style.name().to_string(),
                num(s.x[i]),
                num(s.y[i]),
                err,
                lo,
                hi,
            ]);
        }
    }
    rows
}
