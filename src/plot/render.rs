//! Rendering panels to SVG with plotters: title, chart, series, legend, caption.
//!
//! Plotters draws the axes and grid, the log scale (`LogCoord`), the lines (`LineSeries`), the
//! markers (`PointSeries`), the error bars (`ErrorBar`) and the histogram bars (`Histogram`), all
//! in data units. Added here: the panel layout (title, wrapped caption, room for the legend),
//! the clipping of error bars at the bottom of a log axis and the skipping of bars hidden by
//! their marker.

use super::axis::{Axis, Bins, Scale};
use super::font::{ensure_font, text_width, wrap, CAPTION_PX, FAMILY, LABEL_PX, TICK_PX, TITLE_PX};
use super::legend::{self, Legend, Placement};
use super::marks::{assign, marker_shape, Marker, CAP_PX, MARKER_PX};
use super::{Plot, Style, PANEL_SIZE};
use crate::error::{Error, Result};
use plotters::coord::combinators::WithKeyPoints;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::Path;

/// The chart of one panel: plotters' linear or log coordinates with the ticks of [`Axis`].
pub(super) type Chart<'a, 'b> =
    ChartContext<'a, SVGBackend<'b>, Cartesian2d<WithKeyPoints<Scale>, WithKeyPoints<Scale>>>;

type DrawResult<T> = std::result::Result<T, DrawingAreaErrorKind<std::io::Error>>;

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

fn draw_err<E: std::error::Error + Send + Sync>(e: DrawingAreaErrorKind<E>) -> Error {
    Error::Io {
        path: "<svg buffer>".into(),
        source: std::io::Error::other(e.to_string()),
    }
}

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
            .pos(Pos::new(HPos::Center, VPos::Center)),
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

    // Axes over the data (data units), error bars and histogram bins included.
    let mut xs = Vec::new();
    let mut ys = Vec::new();
    let mut has_hist = false;
    for s in &plot.series {
        xs.extend(&s.x);
        ys.extend(&s.y);
        if let Some(e) = &s.y_err {
            for (y, e) in s.y.iter().zip(e) {
                ys.push(y + e);
                if !plot.log_y || y - e > 0.0 {
                    ys.push(y - e);
                }
            }
        }
        if let Style::Histogram { bin_edges } = &s.style {
            has_hist = true;
            xs.extend(bin_edges);
        }
    }
    let x_axis = Axis::fit(&xs, plot.log_x, false);
    let mut y_axis = Axis::fit(&ys, plot.log_y, has_hist);
    let looks = assign(plot);
    let legend = Legend::measure(area, plot);

    // Room for the y tick labels, measured on the axis before any legend headroom.
    let ylabel_w = y_axis
        .labels()
        .iter()
        .map(|l| text_width(area, l, TICK_PX))
        .max()
        .unwrap_or(0);
    let build = |body: &DrawingArea<SVGBackend<'b>, Shift>, y_axis: &Axis| {
        ChartBuilder::on(body)
            .margin_right(18)
            .margin_left(6)
            .margin_top(6)
            .x_label_area_size(48)
            .y_label_area_size(ylabel_w as i32 + 40)
            .build_cartesian_2d(x_axis.coord(), y_axis.coord())
    };

    // Try the four corners; if all cover data, add headroom at the top (linear y) or put the
    // legend under the plot.
    let mut chart = build(&body, &y_axis)?;
    let mut corner = legend::pick_corner(plot, &chart, &legend);
    if corner.is_none() && !plot.log_y {
        // Headroom: grow the top by the legend's height fraction.
        let py = chart.plotting_area().get_pixel_range().1;
        let frac = (legend.size().1 + 12) as f64 / (py.end - py.start).max(1) as f64;
        if frac < 0.45 {
            y_axis = y_axis.raise_top(frac);
            chart = build(&body, &y_axis)?;
            corner = legend::pick_corner(plot, &chart, &legend);
        }
    }
    let mut legend_area = None;
    if corner.is_none() {
        let below_h = legend.below_height(w as i32);
        let bh = body.dim_in_pixel().1;
        let (top, bottom) = body.split_vertically(bh.saturating_sub(below_h as u32 + 4));
        chart = build(&top, &y_axis)?;
        legend_area = Some(bottom);
    }

    chart
        .configure_mesh()
        .x_desc(&plot.x_label)
        .y_desc(&plot.y_label)
        .x_label_formatter(&|v| x_axis.label(*v))
        .y_label_formatter(&|v| y_axis.label(*v))
        .label_style((FAMILY, TICK_PX))
        .axis_desc_style((FAMILY, LABEL_PX))
        .bold_line_style(RGBColor(215, 215, 215))
        .light_line_style(RGBColor(240, 240, 240))
        .axis_style(RGBColor(80, 80, 80))
        .draw()?;

    // Histograms first (underneath), then lines, then points.
    for (s, &(color, _)) in plot.series.iter().zip(&looks) {
        if let Style::Histogram { bin_edges } = &s.style {
            draw_histogram(&chart, &x_axis, &y_axis, bin_edges, &s.y, color)?;
        }
    }
    for (s, &(color, _)) in plot.series.iter().zip(&looks) {
        if s.style == Style::Line {
            chart.draw_series(LineSeries::new(
                s.x.iter().copied().zip(s.y.iter().copied()),
                color.stroke_width(2),
            ))?;
        }
    }
    for (s, &look) in plot.series.iter().zip(&looks) {
        if s.style == Style::Points {
            draw_points(&mut chart, &y_axis, s, look)?;
        }
    }

    match (corner, &legend_area) {
        (Some(c), _) => {
            let plot_area = chart.plotting_area().strip_coord_spec();
            legend::draw(&legend, &plot_area, Placement::Corner(c), plot, &looks)
        }
        (None, Some(below)) => legend::draw(&legend, below, Placement::Below, plot, &looks),
        (None, None) => Ok(()),
    }
}

/// One histogram with plotters' `Histogram`: its bars need the bin grid as the x coordinate, so
/// they are drawn through a second chart over the same plotting area (same ranges, same pixels)
/// whose x coordinate is the series' [`Bins`]. Bars stand on 0, or on the bottom of a log axis.
fn draw_histogram(
    chart: &Chart<'_, '_>,
    x_axis: &Axis,
    y_axis: &Axis,
    edges: &[f64],
    heights: &[f64],
    color: RGBColor,
) -> DrawResult<()> {
    let plot_area = chart.plotting_area().strip_coord_spec();
    let mut bins = ChartBuilder::on(&plot_area)
        .build_cartesian_2d(Bins::new(x_axis, edges.to_vec()), y_axis.scale())?;
    let base = if y_axis.is_log() {
        y_axis.bottom()
    } else {
        0.0
    };
    let centres = edges.windows(2).map(|w| 0.5 * (w[0] + w[1]));
    for style in [color.mix(0.30).filled(), color.mix(0.7).stroke_width(1)] {
        // One `Histogram` per bar: plotters aggregates a histogram's data in a `HashMap` and
        // draws it in the map's (per-process random) order, which would reorder the SVG on
        // every run.
        let bars: Vec<_> = centres
            .clone()
            .zip(heights)
            .flat_map(|(c, &h)| {
                Histogram::vertical(&bins)
                    .style(style)
                    .margin(0)
                    .baseline(base)
                    .data([(c, h)])
            })
            .collect();
        bins.draw_series(bars)?;
    }
    Ok(())
}

/// Monte Carlo points: error bars (plotters' `ErrorBar`), then markers on top.
fn draw_points(
    chart: &mut Chart<'_, '_>,
    y_axis: &Axis,
    s: &super::Series,
    (color, marker): (RGBColor, Marker),
) -> DrawResult<()> {
    if let Some(err) = &s.y_err {
        let mut bars = Vec::new();
        for ((&x, &y), &e) in s.x.iter().zip(&s.y).zip(err) {
            if e == 0.0 {
                continue;
            }
            // On a log axis the lower end of a bar reaching 0 or below is clipped at the bottom
            // of the axis (module header of `plot`). Plotters would put it there too (`LogCoord`
            // maps ln of a non-positive value, -inf or NaN, to the axis start), but by accident.
            let lo = if y_axis.is_log() && y - e <= 0.0 {
                y_axis.bottom()
            } else {
                y - e
            };
            let top = chart.backend_coord(&(x, y + e));
            let bot = chart.backend_coord(&(x, lo));
            // A bar shorter than the marker is hidden by it: skip it (standard practice; the
            // error is then smaller than the symbol).
            if bot.1 - top.1 < 2 * MARKER_PX + 2 {
                continue;
            }
            bars.push(ErrorBar::new_vertical(
                x,
                lo,
                y,
                y + e,
                color.filled().stroke_width(2),
                CAP_PX,
            ));
        }
        chart.draw_series(bars)?;
    }
    chart.draw_series(PointSeries::of_element(
        s.x.iter().copied().zip(s.y.iter().copied()),
        MARKER_PX,
        color.filled(),
        &|at, _, style| EmptyElement::at(at) + marker_shape(marker, style),
    ))?;
    Ok(())
}
