//! The bundled font and text layout: plotters without system fonts needs a registered font for
//! any text (`docs/dependencies.md` §8), and it does not wrap text.

use crate::error::{Error, Result};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::sync::OnceLock;

/// The bundled font (DejaVu Sans, free licence in `src/assets/DejaVuSans-LICENSE.txt`).
static FONT: &[u8] = include_bytes!("../assets/DejaVuSans.ttf");
/// Family name the font is registered under (and written into the SVG, where viewers draw
/// their own `sans-serif`; text is measured with the bundled font).
pub(super) const FAMILY: &str = "sans-serif";

/// Text sizes in pixels.
pub(super) const TITLE_PX: f64 = 21.0;
pub(super) const LABEL_PX: f64 = 17.0;
pub(super) const TICK_PX: f64 = 15.0;
pub(super) const CAPTION_PX: f64 = 13.5;
pub(super) const LEGEND_PX: f64 = 14.0;

/// Registers the bundled font once per process.
pub(super) fn ensure_font() -> Result<()> {
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

/// Width in pixels of `text` at `size` px.
pub(super) fn text_width(area: &DrawingArea<SVGBackend<'_>, Shift>, text: &str, size: f64) -> u32 {
    area.estimate_text_size(text, &TextStyle::from((FAMILY, size).into_font()))
        .map_or(0, |d| d.0)
}

/// Splits `text` into lines no wider than `width` pixels at `size` px.
pub(super) fn wrap(
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
