//! Plots as pure data, rendered to SVG (plotters, no system libraries) and to tables.
//!
//! A [`Plot`] is a data description: title, a one-line caption carrying every parameter, axis
//! labels and scales, and a list of [`Series`]. Conventions (issue 6, SPEC §7):
//!
//! * theory: [`Style::Line`];
//! * Monte Carlo: [`Style::Points`] with `y_err` (one standard error, drawn as capped bars);
//! * spectra: [`Style::Histogram`] of eigenvalues (a density: heights integrate to one, see
//!   [`Series::histogram_of`]) with the limiting density as a [`Style::Line`].
//!
//! [`write_svg`] / [`write_svg_grid`] render one plot or a grid of panels; [`to_table`] gives the
//! same data in long format (`series, style, x, y, y_err, x_lo, x_hi`) as a [`crate::Table`], so
//! every figure also exists as CSV, markdown and LaTeX.
//!
//! ## Policy on bad data
//! Non-finite values (NaN, ±inf) are **refused** with [`Error::InvalidParam`] naming the plot,
//! series and index; they are never dropped silently (a dropped point is a hidden failure of the
//! engine that produced it). A log axis with a non-positive coordinate is refused the same way.
//! The one exception is the *lower end of an error bar* on a log axis (`y - y_err <= 0`): the
//! bar is clipped at the bottom of the axis, since the point itself is valid.
//!
//! ## Rendering
//! Log axes are drawn by plotting `log10` of the data on a linear axis with hand-placed ticks:
//! labelled decades `10^k` (every 2nd/3rd decade when the range is wide) with light lines at
//! `2..9 x 10^k`, or `1, 2, 5 x 10^k` labels when the range is under a decade. The palette is
//! Okabe–Ito (colour-blind safe); points also differ by marker shape. The legend goes in the
//! plot corner that covers no data, or below the plot if every corner does. Text is measured
//! with the bundled DejaVu Sans (`src/assets/`, registered once; SVG viewers draw `sans-serif`).

use crate::error::{Error, Result};
use crate::format::Table;
use plotters::coord::ranged1d::{KeyPointHint, NoDefaultFormatting, Ranged, ValueFormatter};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::Path;
use std::sync::OnceLock;

/// The bundled font (DejaVu Sans, free licence in `src/assets/DejaVuSans-LICENSE.txt`).
static FONT: &[u8] = include_bytes!("assets/DejaVuSans.ttf");
/// Family name the font is registered under (and written into the SVG).
const FAMILY: &str = "sans-serif";

/// Okabe–Ito palette (Okabe & Ito 2008), black and yellow last (yellow is faint on white).
pub const PALETTE: [(u8, u8, u8); 8] = [
    (0, 114, 178),   // blue
    (213, 94, 0),    // vermillion
    (0, 158, 115),   // bluish green
    (230, 159, 0),   // orange
    (204, 121, 167), // reddish purple
    (86, 180, 233),  // sky blue
    (0, 0, 0),       // black
    (240, 228, 66),  // yellow
];

/// Pixel size of one panel.
pub const PANEL_SIZE: (u32, u32) = (720, 520);

/// How a series is drawn.
#[derive(Debug, Clone, PartialEq)]
pub enum Style {
    /// A polyline through `(x, y)` (theory).
    Line,
    /// Markers at `(x, y)`, with error bars when `y_err` is given (Monte Carlo).
    Points,
    /// Bars over `[bin_edges[i], bin_edges[i+1]]` of height `y[i]`; `x` holds the bin centres.
    Histogram {
        /// Strictly increasing, `y.len() + 1` entries.
        bin_edges: Vec<f64>,
    },
}

impl Style {
    /// Short name used in tables (`line`, `points`, `histogram`).
    pub fn name(&self) -> &'static str {
        match self {
            Style::Line => "line",
            Style::Points => "points",
            Style::Histogram { .. } => "histogram",
        }
    }
}

/// One data series of a [`Plot`].
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Legend entry.
    pub name: String,
    /// How to draw it.
    pub style: Style,
    /// Abscissae (bin centres for histograms).
    pub x: Vec<f64>,
    /// Ordinates.
    pub y: Vec<f64>,
    /// Symmetric error bars (standard errors), same length as `y`, each `>= 0`.
    pub y_err: Option<Vec<f64>>,
    /// Palette index; `None` = next colour in order. Give a theory line and the Monte Carlo
    /// points of the same configuration the same index so they share a colour.
    pub color: Option<usize>,
}

impl Series {
    /// A theory curve.
    pub fn line(name: impl Into<String>, x: Vec<f64>, y: Vec<f64>) -> Series {
        Series {
            name: name.into(),
            style: Style::Line,
            x,
            y,
            y_err: None,
            color: None,
        }
    }

    /// Monte Carlo points with optional standard errors.
    pub fn points(
        name: impl Into<String>,
        x: Vec<f64>,
        y: Vec<f64>,
        y_err: Option<Vec<f64>>,
    ) -> Series {
        Series {
            name: name.into(),
            style: Style::Points,
            x,
            y,
            y_err,
            color: None,
        }
    }

    /// A histogram with given edges and heights (x = bin centres).
    pub fn histogram(name: impl Into<String>, bin_edges: Vec<f64>, heights: Vec<f64>) -> Series {
        let x = bin_edges.windows(2).map(|w| 0.5 * (w[0] + w[1])).collect();
        Series {
            name: name.into(),
            style: Style::Histogram { bin_edges },
            x,
            y: heights,
            y_err: None,
            color: None,
        }
    }

    /// Density histogram of `samples` with `bins` equal bins on `[lo, hi]`: heights are
    /// `count / (len * width)`, so they integrate to the fraction of samples inside `[lo, hi]`.
    /// Samples outside the range are not counted (the caller picks the range, e.g. the
    /// support of the limiting density with a margin).
    pub fn histogram_of(
        name: impl Into<String>,
        samples: &[f64],
        bins: usize,
        (lo, hi): (f64, f64),
    ) -> Result<Series> {
        if bins == 0 {
            return Err(Error::param("bins", bins, "must be >= 1"));
        }
        if !(lo.is_finite() && hi.is_finite() && lo < hi) {
            return Err(Error::param(
                "histogram range",
                format!("[{lo}, {hi}]"),
                "must be finite with lo < hi",
            ));
        }
        if samples.is_empty() {
            return Err(Error::param("samples", 0, "need at least one sample"));
        }
        if let Some(i) = samples.iter().position(|s| !s.is_finite()) {
            return Err(Error::param(
                format!("samples[{i}]"),
                samples[i],
                "must be finite",
            ));
        }
        let width = (hi - lo) / bins as f64;
        let mut counts = vec![0usize; bins];
        for &s in samples {
            if s >= lo && s <= hi {
                // `min` puts s == hi in the last bin.
                let k = (((s - lo) / width) as usize).min(bins - 1);
                counts[k] += 1;
            }
        }
        let norm = samples.len() as f64 * width;
        let edges = (0..=bins).map(|k| lo + k as f64 * width).collect();
        let heights = counts.iter().map(|&c| c as f64 / norm).collect();
        Ok(Series::histogram(name, edges, heights))
    }

    /// Sets the palette index.
    pub fn with_color(mut self, index: usize) -> Series {
        self.color = Some(index);
        self
    }
}

/// A figure panel as pure data.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Plot {
    /// Title above the panel.
    pub title: String,
    /// One line with every parameter (`n = 2048, p = 512, ||mu||^2 = 1, seeds = 4, ...`);
    /// wrapped under the plot if too long.
    pub caption: String,
    /// x-axis label.
    pub x_label: String,
    /// y-axis label.
    pub y_label: String,
    /// Logarithmic x axis (every x must be > 0).
    pub log_x: bool,
    /// Logarithmic y axis (every y must be > 0).
    pub log_y: bool,
    /// The data.
    pub series: Vec<Series>,
}

impl Plot {
    /// An empty plot with title and axis labels.
    pub fn new(
        title: impl Into<String>,
        x_label: impl Into<String>,
        y_label: impl Into<String>,
    ) -> Plot {
        Plot {
            title: title.into(),
            x_label: x_label.into(),
            y_label: y_label.into(),
            ..Plot::default()
        }
    }

    /// Sets the caption.
    pub fn caption(mut self, caption: impl Into<String>) -> Plot {
        self.caption = caption.into();
        self
    }

    /// Sets the axis scales.
    pub fn log(mut self, log_x: bool, log_y: bool) -> Plot {
        self.log_x = log_x;
        self.log_y = log_y;
        self
    }

    /// Adds a series.
    pub fn with(mut self, series: Series) -> Plot {
        self.series.push(series);
        self
    }

    /// Checks the data against the policy of the module header: equal lengths, finite values,
    /// positive coordinates on log axes, non-negative error bars, increasing histogram edges.
    pub fn validate(&self) -> Result<()> {
        let bad = |what: String, value: String, reason: &str| {
            Err(Error::param(
                format!("plot `{}`: {what}", self.title),
                value,
                reason,
            ))
        };
        if self.series.iter().all(|s| s.y.is_empty()) {
            return bad("series".into(), "[]".into(), "the plot has no data points");
        }
        for s in &self.series {
            let n = &s.name;
            if s.x.len() != s.y.len() {
                return bad(
                    format!("series `{n}`"),
                    format!("len(x) = {}, len(y) = {}", s.x.len(), s.y.len()),
                    "x and y must have the same length",
                );
            }
            for (axis, v, log) in [("x", &s.x, self.log_x), ("y", &s.y, self.log_y)] {
                for (i, &t) in v.iter().enumerate() {
                    if !t.is_finite() {
                        return bad(
                            format!("series `{n}` {axis}[{i}]"),
                            t.to_string(),
                            "non-finite values are refused, not dropped (fix the producer)",
                        );
                    }
                    if log && t <= 0.0 {
                        return bad(
                            format!("series `{n}` {axis}[{i}]"),
                            t.to_string(),
                            &format!("the {axis} axis is logarithmic: values must be > 0"),
                        );
                    }
                }
            }
            if let Some(e) = &s.y_err {
                if e.len() != s.y.len() {
                    return bad(
                        format!("series `{n}` y_err"),
                        format!("len = {}", e.len()),
                        &format!("must have len(y) = {} entries", s.y.len()),
                    );
                }
                if let Some(i) = e.iter().position(|t| !(t.is_finite() && *t >= 0.0)) {
                    return bad(
                        format!("series `{n}` y_err[{i}]"),
                        e[i].to_string(),
                        "error bars must be finite and >= 0",
                    );
                }
            }
            if let Style::Histogram { bin_edges } = &s.style {
                if bin_edges.len() != s.y.len() + 1 {
                    return bad(
                        format!("series `{n}` bin_edges"),
                        format!("len = {}", bin_edges.len()),
                        &format!("must have len(y) + 1 = {} entries", s.y.len() + 1),
                    );
                }
                if bin_edges.iter().any(|t| !t.is_finite())
                    || bin_edges.windows(2).any(|w| w[0] >= w[1])
                {
                    return bad(
                        format!("series `{n}` bin_edges"),
                        format!("{bin_edges:?}"),
                        "must be finite and strictly increasing",
                    );
                }
                if self.log_x && bin_edges[0] <= 0.0 {
                    return bad(
                        format!("series `{n}` bin_edges[0]"),
                        bin_edges[0].to_string(),
                        "the x axis is logarithmic: values must be > 0",
                    );
                }
            }
        }
        Ok(())
    }
}

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

/// Renders one plot as an SVG document.
pub fn render_svg(plot: &Plot) -> Result<String> {
    render_svg_grid(std::slice::from_ref(plot), 1)
}

/// Renders plots as a grid of panels, `cols` per row, as an SVG document.
pub fn render_svg_grid(plots: &[Plot], cols: usize) -> Result<String> {
    if plots.is_empty() {
        return Err(Error::param("plots", 0, "need at least one panel"));
    }
    if cols == 0 {
        return Err(Error::param("cols", cols, "must be >= 1"));
    }
    for p in plots {
        p.validate()?;
    }
    ensure_font()?;
    let cols = cols.min(plots.len());
    let rows = plots.len().div_ceil(cols);
    let size = (PANEL_SIZE.0 * cols as u32, PANEL_SIZE.1 * rows as u32);
    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, size).into_drawing_area();
        root.fill(&WHITE).map_err(draw_err)?;
        let panels = root.split_evenly((rows, cols));
        for (plot, area) in plots.iter().zip(panels.iter()) {
            draw_panel(plot, area).map_err(draw_err)?;
        }
        root.present().map_err(draw_err)?;
    }
    Ok(buf)
}

/// Writes one plot to `path` as SVG. Errors: invalid data ([`Plot::validate`]) or
/// [`Error::Io`] if the file cannot be written (parent directories are not created).
pub fn write_svg(plot: &Plot, path: &Path) -> Result<()> {
    write_file(path, &render_svg(plot)?)
}

/// Writes a grid of panels (`cols` per row) to `path` as SVG.
pub fn write_svg_grid(plots: &[Plot], cols: usize, path: &Path) -> Result<()> {
    write_file(path, &render_svg_grid(plots, cols)?)
}

/// Writes `text` to `path`, mapping failures to [`Error::Io`].
pub(crate) fn write_file(path: &Path, text: &str) -> Result<()> {
    std::fs::write(path, text).map_err(|source| Error::Io {
        path: path.display().to_string(),
        source,
    })
}

fn ensure_font() -> Result<()> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| {
        plotters::style::register_font(FAMILY, FontStyle::Normal, FONT).is_ok()
            && plotters::style::register_font(FAMILY, FontStyle::Bold, FONT).is_ok()
    });
    if ok {
        Ok(())
    } else {
        Err(Error::param(
            "font",
            "src/assets/DejaVuSans.ttf",
            "the bundled font could not be parsed",
        ))
    }
}

fn draw_err<E: std::error::Error + Send + Sync>(e: DrawingAreaErrorKind<E>) -> Error {
    Error::Io {
        path: "<svg buffer>".into(),
        source: std::io::Error::other(e.to_string()),
    }
}

type DrawResult<T> = std::result::Result<T, DrawingAreaErrorKind<std::io::Error>>;

/// Axis transform: identity or log10.
fn tr(v: f64, log: bool) -> f64 {
    if log {
        v.log10()
    } else {
        v
    }
}

/// Data range of an axis in transformed coordinates, padded.
fn axis_range(values: &[f64], log: bool, include_zero: bool) -> (f64, f64) {
    let mut lo = f64::INFINITY;
    let mut hi = f64::NEG_INFINITY;
    for &v in values {
        if v.is_finite() {
            lo = lo.min(v);
            hi = hi.max(v);
        }
    }
    if include_zero && !log {
        lo = lo.min(0.0);
        hi = hi.max(0.0);
    }
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    if hi - lo < 1e-12 * (1.0 + lo.abs()) {
        let d = if log { 0.5 } else { 0.5 * lo.abs().max(1.0) };
        return (lo - d, hi + d);
    }
    let pad = 0.04 * (hi - lo);
    let lo_p = if include_zero && !log && lo == 0.0 {
        0.0
    } else {
        lo - pad
    };
    (lo_p, hi + pad)
}

/// Nice linear step (1, 2, 5 x 10^k) giving about `target` intervals.
fn nice_step(span: f64, target: f64) -> f64 {
    let raw = span / target;
    let mag = 10f64.powf(raw.log10().floor());
    let f = raw / mag;
    let m = if f < 1.5 {
        1.0
    } else if f < 3.5 {
        2.0
    } else if f < 7.5 {
        5.0
    } else {
        10.0
    };
    m * mag
}

/// (major, minor) tick positions in transformed coordinates.
fn ticks(lo: f64, hi: f64, log: bool) -> (Vec<f64>, Vec<f64>) {
    let eps = 1e-9 * (hi - lo);
    if !log {
        let step = nice_step(hi - lo, 6.0);
        let first = (lo / step).ceil() as i64;
        let last = (hi / step).floor() as i64;
        let major: Vec<f64> = (first..=last).map(|k| k as f64 * step).collect();
        let minor = (first - 1..=last)
            .map(|k| (k as f64 + 0.5) * step)
            .filter(|v| *v > lo && *v < hi)
            .collect();
        return (major, minor);
    }
    let k0 = (lo - eps).floor() as i64;
    let k1 = (hi + eps).ceil() as i64;
    let decades: Vec<i64> = (k0..=k1)
        .filter(|&k| k as f64 >= lo - eps && k as f64 <= hi + eps)
        .collect();
    let mut minor = Vec::new();
    for k in k0..=k1 {
        for m in 2..=9 {
            let v = k as f64 + (m as f64).log10();
            if v > lo && v < hi {
                minor.push(v);
            }
        }
    }
    if decades.len() >= 3 {
        let stride = decades.len().div_ceil(8).max(1) as i64;
        let major: Vec<f64> = decades
            .iter()
            .filter(|&&k| k.rem_euclid(stride) == 0)
            .map(|&k| k as f64)
            .collect();
        // With a stride, unlabelled decades become light lines too.
        minor.extend(
            decades
                .iter()
                .filter(|&&k| k.rem_euclid(stride) != 0)
                .map(|&k| k as f64),
        );
        if decades.len() > 12 {
            minor.retain(|v| (v - v.round()).abs() < 1e-9);
        }
        return (major, minor);
    }
    // Less than ~two decades visible: label 1, 2, 5 x 10^k (or every mantissa if too few).
    for mantissas in [
        &[1.0f64, 2.0, 5.0][..],
        &[1.0f64, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0][..],
    ] {
        let major: Vec<f64> = (k0..=k1)
            .flat_map(|k| mantissas.iter().map(move |m| k as f64 + m.log10()))
            .filter(|v| *v >= lo - eps && *v <= hi + eps)
            .collect();
        if major.len() >= 3 {
            let minor = minor
                .into_iter()
                .filter(|v| major.iter().all(|m| (m - v).abs() > 1e-9))
                .collect();
            return (major, minor);
        }
    }
    // Under a factor ~2 visible: fall back to linear ticks of the value, mapped to log10.
    let step = nice_step(10f64.powf(hi) - 10f64.powf(lo), 4.0);
    let first = (10f64.powf(lo) / step).ceil() as i64;
    let last = (10f64.powf(hi) / step).floor() as i64;
    let major = (first..=last)
        .map(|k| k as f64 * step)
        .filter(|v| *v > 0.0)
        .map(f64::log10)
        .collect();
    (major, Vec::new())
}

const SUPERSCRIPT: [char; 10] = ['⁰', '¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹'];

/// Tick label for a transformed value. On a log axis, whole decades are written `10^k` (with
/// superscripts) when `powers`, else as plain numbers (`0.01`, `1`, `100`).
fn tick_label(t: f64, log: bool, step_hint: f64, powers: bool) -> String {
    if log {
        let k = t.round();
        if (t - k).abs() < 1e-9 {
            if powers {
                return format!("10{}", superscript(k as i64));
            }
            return plain_number(10f64.powf(k));
        }
        let v = 10f64.powf(t);
        let mag = v.log10().floor();
        if !(-3.0..=4.0).contains(&mag) {
            let m = v / 10f64.powf(mag);
            return format!("{}·10{}", plain_number(m), superscript(mag as i64));
        }
        return plain_number(v);
    }
    if t.abs() < 1e-12 * step_hint.max(f64::MIN_POSITIVE) {
        return "0".into();
    }
    let mag_step = step_hint.log10().floor();
    if t.abs() >= 1e5 || (t.abs() < 1e-3 && mag_step < -3.0) {
        return format!("{t:.1e}");
    }
    let decimals = (-mag_step).max(0.0) as usize;
    format!("{t:.decimals$}")
}

/// Whether a log axis with these major ticks writes decades as powers of ten: yes as soon as
/// one labelled decade is outside `0.01 ..= 1000` (one style per axis, never mixed).
fn use_powers(major: &[f64], log: bool) -> bool {
    log && major.iter().any(|t| {
        let k = t.round();
        (t - k).abs() < 1e-9 && !(-2.0..=3.0).contains(&k)
    })
}

fn superscript(k: i64) -> String {
    let mut s = String::new();
    if k < 0 {
        s.push('⁻');
    }
    for c in k.abs().to_string().chars() {
        s.push(SUPERSCRIPT[c.to_digit(10).unwrap_or(0) as usize]);
    }
    s
}

/// Shortest of `{:.0}`..`{:.6}` that round-trips to 9 significant digits.
fn plain_number(v: f64) -> String {
    for d in 0..=6 {
        let s = format!("{v:.d$}");
        if let Ok(back) = s.parse::<f64>() {
            if (back - v).abs() <= 1e-9 * v.abs().max(1e-300) {
                return s;
            }
        }
    }
    format!("{v}")
}

fn color_of(i: usize) -> RGBColor {
    let (r, g, b) = PALETTE[i % PALETTE.len()];
    RGBColor(r, g, b)
}

/// Splits `text` into lines no wider than `width` pixels at `size` px.
fn wrap(
    area: &DrawingArea<SVGBackend<'_>, Shift>,
    text: &str,
    size: f64,
    width: u32,
) -> Vec<String> {
    let style = TextStyle::from((FAMILY, size).into_font());
    let fits = |s: &str| {
        area.estimate_text_size(s, &style)
            .map(|(w, _)| w <= width)
            .unwrap_or(true)
    };
    let mut lines = Vec::new();
    let mut cur = String::new();
    for word in text.split_whitespace() {
        let cand = if cur.is_empty() {
            word.to_string()
        } else {
            format!("{cur} {word}")
        };
        if fits(&cand) || cur.is_empty() {
            cur = cand;
        } else {
            lines.push(std::mem::take(&mut cur));
            cur = word.to_string();
        }
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    lines
}

#[derive(Clone, Copy)]
enum Marker {
    Circle,
    Triangle,
    Square,
    Diamond,
}

const MARKERS: [Marker; 4] = [
    Marker::Circle,
    Marker::Triangle,
    Marker::Square,
    Marker::Diamond,
];

fn marker_element<DB: DrawingBackend>(
    m: Marker,
    at: (i32, i32),
    color: RGBColor,
) -> DynElement<'static, DB, (i32, i32)> {
    let (x, y) = at;
    let r = MARKER_PX;
    let style = color.filled();
    match m {
        Marker::Circle => Circle::new((x, y), r, style).into_dyn(),
        Marker::Triangle => Polygon::new(
            vec![(x, y - r - 1), (x - r, y + r - 1), (x + r, y + r - 1)],
            style,
        )
        .into_dyn(),
        Marker::Square => {
            Rectangle::new([(x - r + 1, y - r + 1), (x + r - 1, y + r - 1)], style).into_dyn()
        }
        Marker::Diamond => {
            Polygon::new(vec![(x, y - r), (x + r, y), (x, y + r), (x - r, y)], style).into_dyn()
        }
    }
}

/// Colour and marker assignment, shared by the data drawing and the legend.
fn assign(plot: &Plot) -> Vec<(RGBColor, Marker)> {
    let mut next_color = 0;
    let mut next_marker = 0;
    plot.series
        .iter()
        .map(|s| {
            let c = match s.color {
                Some(i) => i,
                None => {
                    let i = next_color;
                    next_color += 1;
                    i
                }
            };
            let m = if s.style == Style::Points {
                let m = MARKERS[next_marker % MARKERS.len()];
                next_marker += 1;
                m
            } else {
                Marker::Circle
            };
            (color_of(c), m)
        })
        .collect()
}

const TITLE_PX: f64 = 21.0;
const MARKER_PX: i32 = 5;
const LABEL_PX: f64 = 17.0;
const TICK_PX: f64 = 15.0;
const CAPTION_PX: f64 = 13.5;
const LEGEND_PX: f64 = 14.0;

fn draw_panel<'b>(plot: &Plot, area: &DrawingArea<SVGBackend<'b>, Shift>) -> DrawResult<()> {
    let (w, h) = area.dim_in_pixel();
    // Title.
    let title_h = 34;
    let (title_area, rest) = area.split_vertically(title_h);
    title_area.draw_text(
        &plot.title,
        &(FAMILY, TITLE_PX)
            .into_font()
            .color(&BLACK)
            .pos(plotters::style::text_anchor::Pos::new(
                plotters::style::text_anchor::HPos::Center,
                plotters::style::text_anchor::VPos::Center,
            )),
        (w as i32 / 2, title_h as i32 / 2 + 2),
    )?;
    // Caption (wrapped) at the bottom.
    let cap_lines = wrap(area, &plot.caption, CAPTION_PX, w.saturating_sub(30));
    let cap_h = 8 + (CAPTION_PX * 1.35) as u32 * cap_lines.len() as u32;
    let (body, cap_area) = rest.split_vertically(h - title_h - cap_h);
    for (i, line) in cap_lines.iter().enumerate() {
        cap_area.draw_text(
            line,
            &(FAMILY, CAPTION_PX)
                .into_font()
                .color(&RGBColor(60, 60, 60)),
            (15, 2 + (i as f64 * CAPTION_PX * 1.35) as i32),
        )?;
    }

    // Data ranges in transformed coordinates.
    let mut xs = Vec::new();
    let mut ys = Vec::new();
    let mut has_hist = false;
    for s in &plot.series {
        xs.extend(s.x.iter().map(|&v| tr(v, plot.log_x)));
        ys.extend(s.y.iter().map(|&v| tr(v, plot.log_y)));
        if let Some(e) = &s.y_err {
            for (y, e) in s.y.iter().zip(e) {
                ys.push(tr(y + e, plot.log_y));
                if !plot.log_y || y - e > 0.0 {
                    ys.push(tr(y - e, plot.log_y));
                }
            }
        }
        if let Style::Histogram { bin_edges } = &s.style {
            has_hist = true;
            xs.extend(bin_edges.iter().map(|&v| tr(v, plot.log_x)));
        }
    }
    let (x0, x1) = axis_range(&xs, plot.log_x, false);
    let (y0, mut y1) = axis_range(&ys, plot.log_y, has_hist);
    let styles = assign(plot);

    // Legend geometry.
    let legend_font = TextStyle::from((FAMILY, LEGEND_PX).into_font());
    let text_w = plot
        .series
        .iter()
        .map(|s| {
            area.estimate_text_size(&s.name, &legend_font)
                .map_or(0, |d| d.0)
        })
        .max()
        .unwrap_or(0);
    let row_h = (LEGEND_PX * 1.5) as i32;
    let leg_w = text_w as i32 + 52;
    let leg_h = row_h * plot.series.len() as i32 + 10;

    let (ymaj0, _) = ticks(y0, y1, plot.log_y);
    let step_y0 = if ymaj0.len() >= 2 {
        ymaj0[1] - ymaj0[0]
    } else {
        1.0
    };
    let ylabel_w = ymaj0
        .iter()
        .map(|&t| {
            area.estimate_text_size(
                &tick_label(t, plot.log_y, step_y0, use_powers(&ymaj0, plot.log_y)),
                &TextStyle::from((FAMILY, TICK_PX).into_font()),
            )
            .map_or(0, |d| d.0)
        })
        .max()
        .unwrap_or(0);

    // Try the four corners; if all cover data, add headroom at the top (linear y) or put the
    // legend under the plot.
    let build = |body: &DrawingArea<SVGBackend<'b>, Shift>, y1: f64| {
        build_chart(body, plot, (x0, x1), (y0, y1), ylabel_w as i32 + 40)
    };
    let mut chart = build(&body, y1)?;
    let mut corner = pick_corner(plot, &chart, leg_w, leg_h);
    let mut below = false;
    if corner.is_none() && !plot.log_y {
        // Headroom: grow the top by the legend's height fraction.
        let (_, py) = chart.plotting_area().get_pixel_range();
        let (py0, py1) = (py.start, py.end);
        let frac = (leg_h + 12) as f64 / (py1 - py0).max(1) as f64;
        if frac < 0.45 {
            y1 += (y1 - y0) * frac / (1.0 - frac);
            chart = build(&body, y1)?;
            corner = pick_corner(plot, &chart, leg_w, leg_h);
        }
    }
    let legend_area;
    // Below the plot the legend is laid out in as many columns as fit the panel width.
    let n_series = plot.series.len().max(1) as i32;
    let below_cols = ((w as i32 - 20) / leg_w).clamp(1, n_series);
    let below_rows = (n_series + below_cols - 1) / below_cols;
    let below_h = row_h * below_rows + 10;
    if corner.is_none() {
        below = true;
        let bh = body.dim_in_pixel().1;
        let (top, bottom) = body.split_vertically(bh.saturating_sub(below_h as u32 + 4));
        legend_area = Some(bottom);
        chart = build(&top, y1)?;
    } else {
        legend_area = None;
    }
    chart
        .configure_mesh()
        .x_desc(&plot.x_label)
        .y_desc(&plot.y_label)
        .label_style((FAMILY, TICK_PX))
        .axis_desc_style((FAMILY, LABEL_PX))
        .bold_line_style(RGBColor(215, 215, 215))
        .light_line_style(RGBColor(240, 240, 240))
        .axis_style(RGBColor(80, 80, 80))
        .draw()?;

    // Histograms first (underneath), then lines, then points.
    for (s, (color, _)) in plot.series.iter().zip(&styles) {
        if let Style::Histogram { bin_edges } = &s.style {
            let base = if plot.log_y { y0 } else { 0.0 };
            for (i, &hgt) in s.y.iter().enumerate() {
                let a = tr(bin_edges[i], plot.log_x);
                let b = tr(bin_edges[i + 1], plot.log_x);
                let top = tr(hgt, plot.log_y);
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(a, base), (b, top)],
                    color.mix(0.30).filled(),
                )))?;
                chart.draw_series(std::iter::once(PathElement::new(
                    vec![(a, base), (a, top), (b, top), (b, base)],
                    color.mix(0.7).stroke_width(1),
                )))?;
            }
        }
    }
    for (s, (color, _)) in plot.series.iter().zip(&styles) {
        if s.style == Style::Line {
            chart.draw_series(LineSeries::new(
                s.x.iter()
                    .zip(&s.y)
                    .map(|(&x, &y)| (tr(x, plot.log_x), tr(y, plot.log_y))),
                color.stroke_width(2),
            ))?;
        }
    }
    for (s, (color, marker)) in plot.series.iter().zip(&styles) {
        if s.style != Style::Points {
            continue;
        }
        if let Some(err) = &s.y_err {
            for ((&x, &y), &e) in s.x.iter().zip(&s.y).zip(err) {
                if e == 0.0 {
                    continue;
                }
                let xt = tr(x, plot.log_x);
                let hi = tr(y + e, plot.log_y);
                let lo = if plot.log_y && y - e <= 0.0 {
                    y0
                } else {
                    tr(y - e, plot.log_y)
                };
                let bar = color.stroke_width(2);
                let top = chart.backend_coord(&(xt, hi));
                let bot = chart.backend_coord(&(xt, lo));
                let root = chart.plotting_area().strip_coord_spec();
                let (ox, oy) = root.get_base_pixel();
                let rel = |p: (i32, i32)| (p.0 - ox, p.1 - oy);
                let (t, b) = (rel(top), rel(bot));
                // A bar shorter than the marker is hidden by it: skip it (standard practice;
                // the error is then smaller than the symbol).
                if (b.1 - t.1) < 2 * MARKER_PX + 2 {
                    continue;
                }
                root.draw(&PathElement::new(vec![t, b], bar))?;
                root.draw(&PathElement::new(vec![(t.0 - 4, t.1), (t.0 + 4, t.1)], bar))?;
                root.draw(&PathElement::new(vec![(b.0 - 4, b.1), (b.0 + 4, b.1)], bar))?;
            }
        }
        let root = chart.plotting_area().strip_coord_spec();
        let (ox, oy) = root.get_base_pixel();
        for (&x, &y) in s.x.iter().zip(&s.y) {
            let p = chart.backend_coord(&(tr(x, plot.log_x), tr(y, plot.log_y)));
            root.draw(&marker_element(*marker, (p.0 - ox, p.1 - oy), *color))?;
        }
    }

    // Legend.
    if below {
        let la = legend_area.unwrap_or_else(|| body.clone());
        let lw = la.dim_in_pixel().0 as i32;
        let box_w = leg_w * below_cols;
        let geom = LegendBox {
            origin: ((lw - box_w) / 2, 2),
            entry_w: leg_w,
            cols: below_cols,
            size: (box_w, below_h),
            row_h,
        };
        draw_legend(&la, plot, &styles, &geom)?;
    } else {
        let root = chart.plotting_area().strip_coord_spec();
        let (pw, ph) = root.dim_in_pixel();
        let geom = LegendBox {
            origin: corner_origin(corner.unwrap_or(0), pw as i32, ph as i32, leg_w, leg_h),
            entry_w: leg_w,
            cols: 1,
            size: (leg_w, leg_h),
            row_h,
        };
        draw_legend(&root, plot, &styles, &geom)?;
    }
    Ok(())
}

fn build_chart<'a, 'b>(
    body: &DrawingArea<SVGBackend<'b>, Shift>,
    plot: &Plot,
    (x0, x1): (f64, f64),
    (y0, y1): (f64, f64),
    y_label_size: i32,
) -> DrawResult<ChartContext<'a, SVGBackend<'b>, Cartesian2d<Axis, Axis>>> {
    let (xmaj, xmin) = ticks(x0, x1, plot.log_x);
    let (ymaj, ymin) = ticks(y0, y1, plot.log_y);
    ChartBuilder::on(body)
        .margin_right(18)
        .margin_left(6)
        .margin_top(6)
        .x_label_area_size(48)
        .y_label_area_size(y_label_size)
        .build_cartesian_2d(
            Axis::new(x0, x1, xmaj, xmin, plot.log_x),
            Axis::new(y0, y1, ymaj, ymin, plot.log_y),
        )
}

/// A linear axis in transformed coordinates with hand-placed ticks and labels.
#[derive(Clone)]
struct Axis {
    lo: f64,
    hi: f64,
    major: Vec<f64>,
    minor: Vec<f64>,
    log: bool,
    step: f64,
    powers: bool,
    pad: usize,
}

impl Axis {
    fn new(lo: f64, hi: f64, major: Vec<f64>, minor: Vec<f64>, log: bool) -> Axis {
        let step = if major.len() >= 2 {
            major[1] - major[0]
        } else {
            hi - lo
        };
        let powers = use_powers(&major, log);
        // Narrow log ranges get linear ticks (1.6, 1.8, 2, ...): pad them to a common number
        // of decimals. Mantissa ticks (0.02, 0.05, 0.1) stay as they are.
        let mantissa = |t: &f64| {
            let m = 10f64.powf(t - t.floor());
            (m - m.round()).abs() < 1e-6
        };
        let pad = if log && !major.iter().all(mantissa) {
            major
                .iter()
                .map(|&t| {
                    let l = tick_label(t, true, step, powers);
                    l.find('.').map_or(0, |i| l.len() - i - 1)
                })
                .max()
                .unwrap_or(0)
        } else {
            0
        };
        Axis {
            lo,
            hi,
            major,
            minor,
            log,
            step,
            powers,
            pad,
        }
    }
}

impl Ranged for Axis {
    type FormatOption = NoDefaultFormatting;
    type ValueType = f64;

    fn map(&self, v: &f64, limit: (i32, i32)) -> i32 {
        let t = (v - self.lo) / (self.hi - self.lo);
        limit.0 + (t * f64::from(limit.1 - limit.0)).round() as i32
    }

    fn key_points<H: KeyPointHint>(&self, hint: H) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            self.minor.clone()
        } else {
            self.major.clone()
        }
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.lo..self.hi
    }
}

impl ValueFormatter<f64> for Axis {
    fn format(v: &f64) -> String {
        format!("{v}")
    }

    fn format_ext(&self, v: &f64) -> String {
        let l = tick_label(*v, self.log, self.step, self.powers);
        if self.pad > 0 {
            if let Ok(x) = l.parse::<f64>() {
                return format!("{x:.*}", self.pad);
            }
        }
        l
    }
}

/// Top-left pixel of the legend box in corner `c` (0 = top right, 1 = top left,
/// 2 = bottom right, 3 = bottom left) of a `pw x ph` plotting area.
fn corner_origin(c: usize, pw: i32, ph: i32, lw: i32, lh: i32) -> (i32, i32) {
    let m = 8;
    match c {
        0 => (pw - lw - m, m),
        1 => (m, m),
        2 => (pw - lw - m, ph - lh - m),
        _ => (m, ph - lh - m),
    }
}

/// First corner whose legend box covers no drawn data (points, line segments sampled finely,
/// histogram bars), or `None`.
fn pick_corner(
    plot: &Plot,
    chart: &ChartContext<'_, SVGBackend<'_>, Cartesian2d<Axis, Axis>>,
    lw: i32,
    lh: i32,
) -> Option<usize> {
    let area = chart.plotting_area();
    let (px, py) = area.get_pixel_range();
    let ((px0, px1), (py0, py1)) = ((px.start, px.end), (py.start, py.end));
    let (pw, ph) = (px1 - px0, py1 - py0);
    if lw + 16 > pw || lh + 16 > ph {
        return None;
    }
    // Collect pixel positions (relative to the plotting area) of everything drawn.
    let mut pts: Vec<(i32, i32)> = Vec::new();
    let to_px = |x: f64, y: f64| {
        let p = chart.backend_coord(&(x, y));
        (p.0 - px0, p.1 - py0)
    };
    for s in &plot.series {
        let xy: Vec<(f64, f64)> =
            s.x.iter()
                .zip(&s.y)
                .map(|(&x, &y)| (tr(x, plot.log_x), tr(y, plot.log_y)))
                .collect();
        match &s.style {
            Style::Line => {
                for w in xy.windows(2) {
                    for k in 0..=20 {
                        let t = k as f64 / 20.0;
                        pts.push(to_px(
                            w[0].0 + t * (w[1].0 - w[0].0),
                            w[0].1 + t * (w[1].1 - w[0].1),
                        ));
                    }
                }
                if xy.len() == 1 {
                    pts.push(to_px(xy[0].0, xy[0].1));
                }
            }
            Style::Points => {
                for (i, &(x, y)) in xy.iter().enumerate() {
                    let p = to_px(x, y);
                    pts.push(p);
                    if let Some(e) = s.y_err.as_ref().map(|e| e[i]) {
                        let yv = s.y[i];
                        let hi = to_px(x, tr(yv + e, plot.log_y));
                        for k in 0..=10 {
                            pts.push((p.0, p.1 + (hi.1 - p.1) * k / 10));
                            pts.push((p.0, p.1 - (hi.1 - p.1) * k / 10));
                        }
                    }
                }
            }
            Style::Histogram { bin_edges } => {
                let base = if plot.log_y { f64::NEG_INFINITY } else { 0.0 };
                for (i, &(_, top)) in xy.iter().enumerate() {
                    let a = to_px(tr(bin_edges[i], plot.log_x), top);
                    let b = to_px(tr(bin_edges[i + 1], plot.log_x), top);
                    let floor = if base.is_finite() {
                        to_px(0.0, base).1
                    } else {
                        ph
                    };
                    // The bar occupies [a.0, b.0] x [a.1, floor]: sample its outline and top.
                    for k in 0..=8 {
                        let xk = a.0 + (b.0 - a.0) * k / 8;
                        let mut yk = a.1;
                        while yk <= floor {
                            pts.push((xk, yk));
                            yk += 6;
                        }
                    }
                }
            }
        }
    }
    let pad = 6;
    (0..4).find(|&c| {
        let (ox, oy) = corner_origin(c, pw, ph, lw, lh);
        !pts.iter().any(|&(x, y)| {
            x >= ox - pad && x <= ox + lw + pad && y >= oy - pad && y <= oy + lh + pad
        })
    })
}

/// Legend layout in pixels of the area it is drawn on.
struct LegendBox {
    origin: (i32, i32),
    entry_w: i32,
    cols: i32,
    size: (i32, i32),
    row_h: i32,
}

fn draw_legend(
    root: &DrawingArea<SVGBackend<'_>, Shift>,
    plot: &Plot,
    styles: &[(RGBColor, Marker)],
    geom: &LegendBox,
) -> DrawResult<()> {
    let (ox, oy) = geom.origin;
    let (lw, lh) = geom.size;
    let row_h = geom.row_h;
    root.draw(&Rectangle::new(
        [(ox, oy), (ox + lw, oy + lh)],
        WHITE.mix(0.9).filled(),
    ))?;
    root.draw(&Rectangle::new(
        [(ox, oy), (ox + lw, oy + lh)],
        RGBColor(170, 170, 170).stroke_width(1),
    ))?;
    for (i, (s, (color, marker))) in plot.series.iter().zip(styles).enumerate() {
        let (row, col) = (i as i32 / geom.cols, i as i32 % geom.cols);
        let cy = oy + 5 + row_h * row + row_h / 2;
        let x = ox + 8 + geom.entry_w * col;
        match s.style {
            Style::Line => {
                root.draw(&PathElement::new(
                    vec![(x, cy), (x + 30, cy)],
                    color.stroke_width(2),
                ))?;
            }
            Style::Points => {
                if s.y_err.is_some() {
                    let bar = color.stroke_width(2);
                    root.draw(&PathElement::new(
                        vec![(x + 15, cy - 7), (x + 15, cy + 7)],
                        bar,
                    ))?;
                    root.draw(&PathElement::new(
                        vec![(x + 11, cy - 7), (x + 19, cy - 7)],
                        bar,
                    ))?;
                    root.draw(&PathElement::new(
                        vec![(x + 11, cy + 7), (x + 19, cy + 7)],
                        bar,
                    ))?;
                }
                root.draw(&marker_element(*marker, (x + 15, cy), *color))?;
            }
            Style::Histogram { .. } => {
                root.draw(&Rectangle::new(
                    [(x + 4, cy - 6), (x + 26, cy + 6)],
                    color.mix(0.30).filled(),
                ))?;
                root.draw(&Rectangle::new(
                    [(x + 4, cy - 6), (x + 26, cy + 6)],
                    color.mix(0.7).stroke_width(1),
                ))?;
            }
        }
        root.draw_text(
            &s.name,
            &(FAMILY, LEGEND_PX).into_font().color(&BLACK).pos(
                plotters::style::text_anchor::Pos::new(
                    plotters::style::text_anchor::HPos::Left,
                    plotters::style::text_anchor::VPos::Center,
                ),
            ),
            (x + 40, cy),
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_ticks_are_decades_or_mantissas() {
        let (maj, _) = ticks(-5.2, 1.1, true);
        assert_eq!(maj, vec![-5.0, -4.0, -3.0, -2.0, -1.0, 0.0, 1.0]);
        let (maj, _) = ticks(-0.1, 0.8, true); // ~0.8 .. 6.3
        let vals: Vec<f64> = maj.iter().map(|t| 10f64.powf(*t)).collect();
        assert!(vals.len() >= 3, "{vals:?}");
        assert!(use_powers(&[-5.0, 0.0], true) && !use_powers(&[-2.0, 3.0], true));
        assert_eq!(tick_label(-5.0, true, 1.0, true), "10⁻⁵");
        assert_eq!(tick_label(0.0, true, 1.0, true), "10⁰");
        assert_eq!(tick_label(0.0, true, 1.0, false), "1");
        assert_eq!(tick_label(-2.0, true, 1.0, false), "0.01");
        assert_eq!(tick_label(2f64.log10(), true, 1.0, false), "2");
    }

    #[test]
    fn linear_ticks_are_nice() {
        let (maj, _) = ticks(0.0, 0.93, false);
        assert_eq!(maj.len(), 5); // 0, 0.2, ..., 0.8
        assert_eq!(tick_label(maj[1], false, maj[1] - maj[0], false), "0.2");
    }

    #[test]
    fn histogram_of_integrates_to_one() {
        let s = [0.1, 0.2, 0.25, 0.9, 1.0];
        let h = Series::histogram_of("h", &s, 4, (0.0, 1.0)).expect("valid");
        let area: f64 = h.y.iter().map(|v| v * 0.25).sum();
        // Exact up to rounding: 4 sums of dyadic numbers.
        assert!((area - 1.0).abs() < 1e-15);
        assert_eq!(h.x.len(), 4);
    }
}
