//! Output formats and a small table type shared by every subcommand.

use serde::Serialize;

/// Output format selected with `--format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Aligned plain-text table, for people.
    Table,
    /// JSON, for programs.
    Json,
    /// Comma-separated values.
    Csv,
    /// GitHub-flavoured markdown table.
    Markdown,
    /// LaTeX `tabular`.
    Latex,
}

/// A rectangular table of already-formatted cells.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Table {
    /// Column headers.
    pub headers: Vec<String>,
    /// Rows; each as long as `headers`.
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with the given headers and no rows.
    pub fn new<S: Into<String>>(headers: impl IntoIterator<Item = S>) -> Self {
        Table {
            headers: headers.into_iter().map(Into::into).collect(),
            rows: Vec::new(),
        }
    }

    /// Appends a row (padded or truncated to the header width).
    pub fn push<S: Into<String>>(&mut self, row: impl IntoIterator<Item = S>) {
        let mut r: Vec<String> = row.into_iter().map(Into::into).collect();
        r.resize(self.headers.len(), String::new());
        self.rows.push(r);
    }

    fn widths(&self) -> Vec<usize> {
        let mut w: Vec<usize> = self.headers.iter().map(|h| h.chars().count()).collect();
        for r in &self.rows {
            for (i, c) in r.iter().enumerate() {
                w[i] = w[i].max(c.chars().count());
            }
        }
        w
    }

    /// Aligned text: numbers right-aligned, text left-aligned.
    pub fn to_text(&self) -> String {
        let w = self.widths();
        let mut out = String::new();
        let line = |cells: &[String], out: &mut String| {
            let parts: Vec<String> = cells
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    if looks_numeric(c) {
                        format!("{c:>width$}", width = w[i])
                    } else {
                        format!("{c:<width$}", width = w[i])
                    }
                })
                .collect();
            out.push_str(parts.join("  ").trim_end());
            out.push('\n');
        };
        line(&self.headers, &mut out);
        let rule: Vec<String> = w.iter().map(|k| "-".repeat(*k)).collect();
        out.push_str(&rule.join("  "));
        out.push('\n');
        for r in &self.rows {
            line(r, &mut out);
        }
        out
    }

    /// GitHub markdown.
    pub fn to_markdown(&self) -> String {
        let mut out = format!("| {} |\n", self.headers.join(" | "));
        let seps: Vec<&str> = self.headers.iter().map(|_| "---").collect();
        out.push_str(&format!("|{}|\n", seps.join("|")));
        for r in &self.rows {
            let cells: Vec<String> = r.iter().map(|c| c.replace('|', "\\|")).collect();
            out.push_str(&format!("| {} |\n", cells.join(" | ")));
        }
        out
    }

    /// RFC 4180 CSV.
    pub fn to_csv(&self) -> String {
        let esc = |c: &String| {
            if c.contains([',', '"', '\n']) {
                format!("\"{}\"", c.replace('"', "\"\""))
            } else {
                c.clone()
            }
        };
        let mut out = String::new();
        for r in std::iter::once(&self.headers).chain(self.rows.iter()) {
            out.push_str(&r.iter().map(esc).collect::<Vec<_>>().join(","));
            out.push('\n');
        }
        out
    }

    /// LaTeX `tabular` (booktabs rules). Every header and cell goes through [`latex_escape`],
    /// so any text compiles (`tests/cli_hardening.rs` runs `pdflatex` on the outputs).
    pub fn to_latex(&self) -> String {
        let esc = |c: &String| latex_escape(c);
        let cols: String = self
            .headers
            .iter()
            .enumerate()
            .map(|(i, _)| {
                if self.rows.iter().all(|r| looks_numeric(&r[i])) {
                    'r'
                } else {
                    'l'
                }
            })
            .collect();
        let mut out = format!("\\begin{{tabular}}{{{cols}}}\n\\toprule\n");
        out.push_str(&self.headers.iter().map(esc).collect::<Vec<_>>().join(" & "));
        out.push_str(" \\\\\n\\midrule\n");
        for r in &self.rows {
            out.push_str(&r.iter().map(esc).collect::<Vec<_>>().join(" & "));
            out.push_str(" \\\\\n");
        }
        out.push_str("\\bottomrule\n\\end{tabular}\n");
        out
    }

    /// Renders in a non-JSON format (`Json` falls back to CSV; callers serialise their own JSON).
    pub fn render(&self, format: Format) -> String {
        match format {
            Format::Table => self.to_text(),
            Format::Markdown => self.to_markdown(),
            Format::Csv | Format::Json => self.to_csv(),
            Format::Latex => self.to_latex(),
        }
    }
}

/// `s` as LaTeX text that compiles with plain `pdflatex` (no packages beyond the defaults):
/// the ten special characters become their text commands, `<`, `>`, `|` (which the default
/// OT1 font encoding would typeset as other glyphs) too, the Greek letters and symbols used in
/// the tool's labels become `\ensuremath{...}`, superscript digits `\textsuperscript{...}`, and
/// any other non-ASCII character its code point (`[U+2A01]`). Control characters become spaces.
pub fn latex_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for ch in s.chars() {
        let math = |m: &str| format!("\\ensuremath{{{m}}}");
        let rep: String = match ch {
            '\\' => "\\textbackslash{}".into(),
            '&' | '%' | '$' | '#' | '_' | '{' | '}' => format!("\\{ch}"),
            '~' => "\\textasciitilde{}".into(),
            '^' => "\\textasciicircum{}".into(),
            '<' => "\\textless{}".into(),
            '>' => "\\textgreater{}".into(),
            '|' => "\\textbar{}".into(),
            c if c.is_ascii_control() => " ".into(),
            c if c.is_ascii() => c.to_string(),
            '§' => "\\S{}".into(),
            '–' => "--".into(),
            '—' => "---".into(),
            '‘' | '’' => "'".into(),
            '“' => "``".into(),
            '”' => "''".into(),
            '·' => math("\\cdot"),
            '±' => math("\\pm"),
            '×' => math("\\times"),
            '−' => math("-"),
            '≤' => math("\\le"),
            '≥' => math("\\ge"),
            '≠' => math("\\ne"),
            '≈' => math("\\approx"),
            '∞' => math("\\infty"),
            '→' => math("\\to"),
            '√' => math("\\surd"),
            '‖' => math("\\|"),
            '⟂' => math("\\perp"),
            'α' => math("\\alpha"),
            'β' => math("\\beta"),
            'γ' => math("\\gamma"),
            'δ' => math("\\delta"),
            'ε' => math("\\varepsilon"),
            'η' => math("\\eta"),
            'λ' => math("\\lambda"),
            'μ' => math("\\mu"),
            'ν' => math("\\nu"),
            'ξ' => math("\\xi"),
            'π' => math("\\pi"),
            'ρ' => math("\\rho"),
            'σ' => math("\\sigma"),
            'τ' => math("\\tau"),
            'φ' => math("\\phi"),
            'ψ' => math("\\psi"),
            'ω' => math("\\omega"),
            'Γ' => math("\\Gamma"),
            'Δ' => math("\\Delta"),
            'Λ' => math("\\Lambda"),
            'Σ' => math("\\Sigma"),
            'Φ' => math("\\Phi"),
            'Ψ' => math("\\Psi"),
            'Ω' => math("\\Omega"),
            'Ē' => math("\\bar{E}"),
            'ᵀ' => "\\textsuperscript{T}".into(),
            '⁻' => "\\textsuperscript{-}".into(),
            '₊' => math("_+"),
            c => match "⁰¹²³⁴⁵⁶⁷⁸⁹".chars().position(|d| d == c) {
                Some(d) => format!("\\textsuperscript{{{d}}}"),
                None => format!("[U+{:04X}]", u32::from(c)),
            },
        };
        out.push_str(&rep);
    }
    out
}

fn looks_numeric(s: &str) -> bool {
    let t = s.trim().trim_start_matches(['+', '-', '±']);
    !t.is_empty() && t.parse::<f64>().is_ok() || t == "NaN" || t == "inf"
}

/// `x` with `digits` significant digits in scientific notation (`1.235e-3`), stable for snapshots.
pub fn sci(x: f64, digits: usize) -> String {
    if x == 0.0 {
        return "0".to_string();
    }
    format!("{:.*e}", digits.saturating_sub(1), x)
}

/// `x` with `decimals` decimals, with `-0.000` normalised to `0.000`.
pub fn fixed(x: f64, decimals: usize) -> String {
    let s = format!("{x:.decimals$}");
    if s.trim_start_matches('-')
        .chars()
        .all(|c| c == '0' || c == '.')
    {
        s.trim_start_matches('-').to_string()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_all_formats() {
        let mut t = Table::new(["name", "value"]);
        t.push(["relu", "0.5"]);
        t.push(["a_b", "-1.25"]);
        assert_eq!(
            t.to_text(),
            "name  value\n----  -----\nrelu    0.5\na_b   -1.25\n"
        );
        assert!(t.to_markdown().starts_with("| name | value |\n|---|---|\n"));
        assert_eq!(t.to_csv(), "name,value\nrelu,0.5\na_b,-1.25\n");
        assert!(t.to_latex().contains("a\\_b & -1.25 \\\\"));
    }

    // Issue 10: `sigma2 = nu - a1^2 &` was emitted raw into a table cell.
    #[test]
    fn latex_escapes_every_special_character() {
        assert_eq!(
            latex_escape("sigma2 = nu - a1^2 &"),
            "sigma2 = nu - a1\\textasciicircum{}2 \\&"
        );
        assert_eq!(
            latex_escape(r"\ { } $ # % _ ~ < > |"),
            r"\textbackslash{} \{ \} \$ \# \% \_ \textasciitilde{} \textless{} \textgreater{} \textbar{}"
        );
        assert_eq!(
            latex_escape("±ν²"),
            r"\ensuremath{\pm}\ensuremath{\nu}\textsuperscript{2}"
        );
        assert_eq!(latex_escape("a\tb\u{2A01}"), "a b[U+2A01]");
        // Nothing special survives: no unescaped specials, only ASCII.
        let all: String = (32u8..127).map(char::from).collect();
        let e = latex_escape(&all);
        assert!(e.is_ascii());
        for (i, ch) in e.char_indices() {
            if "&%$#_^~".contains(ch) {
                assert!(e[..i].ends_with('\\'), "unescaped {ch} in {e}");
            }
        }
    }

    #[test]
    fn number_formatting() {
        assert_eq!(sci(0.00125, 3), "1.25e-3");
        assert_eq!(fixed(-0.00001, 3), "0.000");
    }
}
