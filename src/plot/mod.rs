//! Plots as pure data, rendered to SVG (plotters, no system libraries) and to tables.
//!
//! A [`Plot`] is a data description: title, a one-line caption carrying every parameter, axis
//! labels and scales, and a list of [`Series`]. Conventions (the figure gallery,
//! `snapshots/figures/README.md`):
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
//! The module is split by job: this file holds the data model and its validation; `table`
//! the long-format table; `render` the panels (plotters draws the axes, the log scale
//! (`LogCoord`), lines, error bars (`ErrorBar`), markers and histogram bars (`Histogram`));
//! `axis` the tick policy and label format that plotters lacks; `legend` the legend placement;
//! `marks` colours and marker shapes; `font` the bundled font and caption wrapping.
//! The palette is Okabe–Ito (colour-blind safe); points also differ by marker shape. Facts about
//! plotters that shaped this code are in `docs/dependencies.md` §8.

mod axis;
mod font;
mod legend;
mod marks;
mod render;
mod table;

pub use marks::PALETTE;
pub(crate) use render::write_file;
pub use render::{render_svg, render_svg_grid, write_svg, write_svg_grid};
pub(crate) use table::long_rows;
pub use table::to_table;

use crate::error::{Error, Result};

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

#[cfg(test)]
mod tests {
    use super::*;

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
