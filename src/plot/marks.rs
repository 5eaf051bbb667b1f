//! How series look: palette colours and marker shapes, assigned once per plot and shared by the
//! data and the legend.

use super::{Plot, Style};
use plotters::element::{DynElement, IntoDynElement};
use plotters::prelude::*;

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

/// Marker radius in pixels.
pub(super) const MARKER_PX: i32 = 5;
/// Width of an error bar's caps in pixels. Plotters' `ErrorBar` also draws a disc of radius
/// `CAP_PX / 2` at the point, in the bar's colour: at 6 it stays inside every marker (to a third
/// of a pixel on the triangle's sides); at 8 it turns triangles into blobs.
pub(super) const CAP_PX: u32 = 6;

/// Marker shapes of Monte Carlo points, in order of use. Plotters has circles, triangles and
/// crosses as ready elements; squares and diamonds are drawn as polygons, all four here so that
/// they share one size.
#[derive(Clone, Copy)]
pub(super) enum Marker {
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

/// A marker centred on the origin (pixel offsets), to be placed with `EmptyElement::at(..) +`.
pub(super) fn marker_shape<DB: DrawingBackend>(
    m: Marker,
    style: ShapeStyle,
) -> DynElement<'static, DB, (i32, i32)> {
    let r = MARKER_PX;
    match m {
        Marker::Circle => Circle::new((0, 0), r, style).into_dyn(),
        Marker::Triangle => {
            Polygon::new(vec![(0, -r - 1), (-r, r - 1), (r, r - 1)], style).into_dyn()
        }
        Marker::Square => Rectangle::new([(-r + 1, -r + 1), (r - 1, r - 1)], style).into_dyn(),
        Marker::Diamond => Polygon::new(vec![(0, -r), (r, 0), (0, r), (-r, 0)], style).into_dyn(),
    }
}

fn color_of(i: usize) -> RGBColor {
    let (r, g, b) = PALETTE[i % PALETTE.len()];
    RGBColor(r, g, b)
}

/// Colour and marker of each series: the series' palette index if given, else the next colour
/// in order; the next marker shape for each points series.
pub(super) fn assign(plot: &Plot) -> Vec<(RGBColor, Marker)> {
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
