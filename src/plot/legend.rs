//! The legend: placed in the corner of the plotting area that covers no data, or under the plot
//! in as many columns as fit when every corner does.
//!
//! Hand-written because plotters' series labels (`configure_series_labels`) take a fixed
//! position and one column: they neither avoid the data nor lay out outside the plotting area.

use super::font::{text_width, FAMILY, LEGEND_PX};
use super::marks::{marker_shape, Marker, CAP_PX};
use super::render::Chart;
use super::{Plot, Style};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

type DrawResult<T> = std::result::Result<T, DrawingAreaErrorKind<std::io::Error>>;

/// Legend size in pixels, measured with the bundled font.
pub(super) struct Legend {
    /// Width of one entry (sample, gap, longest name).
    entry_w: i32,
    row_h: i32,
    entries: i32,
}

impl Legend {
    pub(super) fn measure(area: &DrawingArea<SVGBackend<'_>, Shift>, plot: &Plot) -> Legend {
        let text_w = plot
            .series
            .iter()
            .map(|s| text_width(area, &s.name, LEGEND_PX))
            .max()
            .unwrap_or(0);
        Legend {
            entry_w: text_w as i32 + 52,
            row_h: (LEGEND_PX * 1.5) as i32,
            entries: plot.series.len().max(1) as i32,
        }
    }

    /// Size of the one-column box drawn inside the plotting area.
    pub(super) fn size(&self) -> (i32, i32) {
        (self.entry_w, self.rows(1) + 10)
    }

    fn rows(&self, cols: i32) -> i32 {
        self.row_h * ((self.entries + cols - 1) / cols)
    }

    /// Columns of the legend laid out under the plot in a panel `width` pixels wide.
    fn below_cols(&self, width: i32) -> i32 {
        ((width - 20) / self.entry_w).clamp(1, self.entries)
    }

    /// Height of the legend laid out under the plot.
    pub(super) fn below_height(&self, width: i32) -> i32 {
        self.rows(self.below_cols(width)) + 10
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

/// First corner whose legend box covers no drawn data (points with their error bars, line
/// segments sampled finely, histogram bars), or `None`.
pub(super) fn pick_corner(plot: &Plot, chart: &Chart<'_, '_>, legend: &Legend) -> Option<usize> {
    let (lw, lh) = legend.size();
    let (px, py) = chart.plotting_area().get_pixel_range();
    let (pw, ph) = (px.end - px.start, py.end - py.start);
    if lw + 16 > pw || lh + 16 > ph {
        return None;
    }
    // Pixel positions (relative to the plotting area) of everything drawn.
    let to_px = |x: f64, y: f64| {
        let p = chart.backend_coord(&(x, y));
        (p.0 - px.start, p.1 - py.start)
    };
    let mut pts: Vec<(i32, i32)> = Vec::new();
    for s in &plot.series {
        let xy: Vec<(i32, i32)> = s.x.iter().zip(&s.y).map(|(&x, &y)| to_px(x, y)).collect();
        match &s.style {
            Style::Line => {
                // Segments are straight in pixels, whatever the scales.
                for w in xy.windows(2) {
                    for k in 0..=20 {
                        pts.push((
                            w[0].0 + (w[1].0 - w[0].0) * k / 20,
                            w[0].1 + (w[1].1 - w[0].1) * k / 20,
                        ));
                    }
                }
                pts.extend(xy.first().filter(|_| xy.len() == 1).copied());
            }
            Style::Points => {
                for (i, &p) in xy.iter().enumerate() {
                    pts.push(p);
                    if let Some(e) = s.y_err.as_ref().map(|e| e[i]) {
                        let hi = to_px(s.x[i], s.y[i] + e);
                        for k in 0..=10 {
                            pts.push((p.0, p.1 + (hi.1 - p.1) * k / 10));
                            pts.push((p.0, p.1 - (hi.1 - p.1) * k / 10));
                        }
                    }
                }
            }
            Style::Histogram { bin_edges } => {
                let floor = if plot.log_y {
                    ph
                } else {
                    to_px(bin_edges[0], 0.0).1
                };
                for (i, &h) in s.y.iter().enumerate() {
                    let a = to_px(bin_edges[i], h);
                    let b = to_px(bin_edges[i + 1], h);
                    // The bar occupies [a.0, b.0] x [a.1, floor]: sample its outline and inside.
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

/// Where the legend goes.
#[derive(Clone, Copy)]
pub(super) enum Placement {
    /// In corner `c` (see [`pick_corner`]) of the plotting area.
    Corner(usize),
    /// Centred under the plot, in columns.
    Below,
}

/// Draws the legend box with one entry per series on `area`: the plotting area (corner) or the
/// strip under the plot (below).
pub(super) fn draw(
    legend: &Legend,
    area: &DrawingArea<SVGBackend<'_>, Shift>,
    placement: Placement,
    plot: &Plot,
    looks: &[(RGBColor, Marker)],
) -> DrawResult<()> {
    let (w, h) = area.dim_in_pixel();
    let (w, h) = (w as i32, h as i32);
    let (origin, cols, size) = match placement {
        Placement::Corner(c) => {
            let (lw, lh) = legend.size();
            (corner_origin(c, w, h, lw, lh), 1, (lw, lh))
        }
        Placement::Below => {
            let cols = legend.below_cols(w);
            let size = (legend.entry_w * cols, legend.below_height(w));
            (((w - size.0) / 2, 2), cols, size)
        }
    };
    let (ox, oy) = origin;
    let corners = [(ox, oy), (ox + size.0, oy + size.1)];
    area.draw(&Rectangle::new(corners, WHITE.mix(0.9).filled()))?;
    area.draw(&Rectangle::new(
        corners,
        RGBColor(170, 170, 170).stroke_width(1),
    ))?;
    let row_h = legend.row_h;
    for (i, (s, &(color, marker))) in plot.series.iter().zip(looks).enumerate() {
        let (row, col) = (i as i32 / cols, i as i32 % cols);
        let cy = oy + 5 + row_h * row + row_h / 2;
        let x = ox + 8 + legend.entry_w * col;
        match s.style {
            Style::Line => {
                area.draw(&PathElement::new(
                    vec![(x, cy), (x + 30, cy)],
                    color.stroke_width(2),
                ))?;
            }
            Style::Points => {
                if s.y_err.is_some() {
                    area.draw(&ErrorBar::new_vertical(
                        x + 15,
                        cy + 7,
                        cy,
                        cy - 7,
                        color.filled().stroke_width(2),
                        CAP_PX,
                    ))?;
                }
                area.draw(
                    &(EmptyElement::at((x + 15, cy)) + marker_shape(marker, color.filled())),
                )?;
            }
            Style::Histogram { .. } => {
                let bar = [(x + 4, cy - 6), (x + 26, cy + 6)];
                area.draw(&Rectangle::new(bar, color.mix(0.30).filled()))?;
                area.draw(&Rectangle::new(bar, color.mix(0.7).stroke_width(1)))?;
            }
        }
        area.draw_text(
            &s.name,
            &(FAMILY, LEGEND_PX)
                .into_font()
                .color(&BLACK)
                .pos(Pos::new(HPos::Left, VPos::Center)),
            (x + 40, cy),
        )?;
    }
    Ok(())
}
