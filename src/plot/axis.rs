//! Axes: plotters' own coordinates, with the tick policy and labels that plotters lacks.
//!
//! The mapping from data to pixels is plotters': [`RangedCoordf64`] on a linear axis and
//! [`LogCoord`] (`(lo..hi).log_scale()`) on a logarithmic one, so every series is drawn in data
//! units. The ticks are bound on top with plotters' `with_key_points` / `with_light_points`.
//!
//! Why not plotters' own log key points (0.3.7, checked by
//! `tests::plotters_log_key_points_are_kept_out` below): it places ticks only at the powers of ten
//! inside the range, plus, when few decades are visible, every `m x 10^k` (`m = 2..9`) as an equally
//! bold, labelled point. An axis spanning less than a decade (the E_A axis of `att-gamma`, 0.36 to
//! 0.82) gets no tick at all, one spanning a decade or two gets nine labels per decade, and the
//! default labels (`Debug` of `f64`: `1e-5`, `0.0001`, `10.0`) mix notations on one axis.
//! The policy kept here:
//!
//! * log axis, three decades or more: labelled decades `10^k` (every 2nd/3rd decade when the range
//!   is wide, the others become light lines), light lines at `2..9 x 10^k`;
//! * log axis, under about two decades: labels at `1, 2, 5 x 10^k` (or every mantissa if that
//!   gives fewer than three), under a factor ~2: nice linear steps of the value;
//! * decades written as `10⁻⁵` when one labelled decade is outside `0.01 ..= 1000`, else as plain
//!   numbers (`0.01`, `1`, `100`), never mixed on one axis;
//! * linear axis: steps of `1, 2, 5 x 10^k` (about six intervals), light lines half-way.

use plotters::coord::combinators::WithKeyPoints;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use std::ops::Range;

/// A linear or logarithmic plotters coordinate, as one type so that a panel has one chart type
/// whatever its scales. Every method forwards to plotters.
pub(super) enum Scale {
    Linear(RangedCoordf64),
    Log(LogCoord<f64>),
}

impl Scale {
    /// The coordinate over `lo..hi` in data units (`lo > 0` on a log axis).
    fn new(lo: f64, hi: f64, log: bool) -> Scale {
        if log {
            Scale::Log((lo..hi).log_scale().into())
        } else {
            Scale::Linear((lo..hi).into())
        }
    }
}

// `LogCoord` is not `Clone` in plotters 0.3.7; plotters' `Histogram` clones its x coordinate.
impl Clone for Scale {
    fn clone(&self) -> Scale {
        let r = self.range();
        Scale::new(r.start, r.end, matches!(self, Scale::Log(_)))
    }
}

impl Ranged for Scale {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, v: &f64, limit: (i32, i32)) -> i32 {
        match self {
            Scale::Linear(c) => c.map(v, limit),
            Scale::Log(c) => c.map(v, limit),
        }
    }

    fn key_points<H: KeyPointHint>(&self, hint: H) -> Vec<f64> {
        match self {
            Scale::Linear(c) => c.key_points(hint),
            Scale::Log(c) => c.key_points(hint),
        }
    }

    fn range(&self) -> Range<f64> {
        match self {
            Scale::Linear(c) => c.range(),
            Scale::Log(c) => c.range(),
        }
    }
}

/// The bin grid of one histogram as a discrete coordinate over an axis' [`Scale`]: what
/// plotters' `Histogram` needs to draw bars from `edges[i]` to `edges[i + 1]`. Plotters' own
/// discrete float coordinate (`Linspace`) has equal steps from the axis start; these edges are
/// the series' own (log-spaced in `spec-gram`).
#[derive(Clone)]
pub(super) struct Bins {
    scale: Scale,
    edges: Vec<f64>,
}

impl Bins {
    pub(super) fn new(axis: &Axis, edges: Vec<f64>) -> Bins {
        Bins {
            scale: axis.scale(),
            edges,
        }
    }
}

impl Ranged for Bins {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, v: &f64, limit: (i32, i32)) -> i32 {
        self.scale.map(v, limit)
    }

    fn key_points<H: KeyPointHint>(&self, _hint: H) -> Vec<f64> {
        Vec::new()
    }

    fn range(&self) -> Range<f64> {
        self.scale.range()
    }
}

impl DiscreteRanged for Bins {
    fn size(&self) -> usize {
        self.edges.len()
    }

    /// The bin `[edges[i], edges[i + 1])` holding `v` (the last bin is closed).
    fn index_of(&self, v: &f64) -> Option<usize> {
        let last = self.edges.len().checked_sub(1)?;
        if *v == self.edges[last] {
            return last.checked_sub(1);
        }
        let i = self.edges.partition_point(|e| e <= v).checked_sub(1)?;
        (i < last).then_some(i)
    }

    fn from_index(&self, i: usize) -> Option<f64> {
        self.edges.get(i).copied()
    }
}

/// One axis of a panel: its range, ticks and tick labels. Ranges and ticks are kept in
/// transformed units (`log10` on a log axis), where the policy is stated, and handed to plotters
/// in data units.
#[derive(Clone)]
pub(super) struct Axis {
    lo: f64,
    hi: f64,
    log: bool,
    major: Vec<f64>,
    minor: Vec<f64>,
    labels: Vec<String>,
}

impl Axis {
    /// An axis covering `values` (data units), padded by 4% of the span; a linear axis includes 0
    /// when `include_zero` (histogram heights).
    pub(super) fn fit(values: &[f64], log: bool, include_zero: bool) -> Axis {
        let t: Vec<f64> = values.iter().map(|&v| tr(v, log)).collect();
        let (lo, hi) = axis_range(&t, log, include_zero);
        Axis::over(lo, hi, log)
    }

    /// The axis over `[lo, hi]` in transformed units.
    fn over(lo: f64, hi: f64, log: bool) -> Axis {
        let (major, minor) = ticks(lo, hi, log);
        let labels = labels(&major, log);
        Axis {
            lo,
            hi,
            log,
            major,
            minor,
            labels,
        }
    }

    /// The same axis with its top raised so that the old range takes `1 - frac` of the height
    /// (headroom for a legend on a linear axis).
    pub(super) fn raise_top(&self, frac: f64) -> Axis {
        let hi = self.hi + (self.hi - self.lo) * frac / (1.0 - frac);
        Axis::over(self.lo, hi, self.log)
    }

    pub(super) fn is_log(&self) -> bool {
        self.log
    }

    /// Bottom of the axis in data units.
    pub(super) fn bottom(&self) -> f64 {
        untr(self.lo, self.log)
    }

    /// Tick labels, in order.
    pub(super) fn labels(&self) -> &[String] {
        &self.labels
    }

    /// The label of major tick `v` (data units, as handed to plotters).
    pub(super) fn label(&self, v: f64) -> String {
        let t = tr(v, self.log);
        self.major
            .iter()
            .position(|&m| (m - t).abs() <= 1e-9 * (self.hi - self.lo))
            .map_or_else(|| format!("{v}"), |i| self.labels[i].clone())
    }

    /// Plotters' coordinate for this axis, without ticks.
    pub(super) fn scale(&self) -> Scale {
        Scale::new(untr(self.lo, self.log), untr(self.hi, self.log), self.log)
    }

    /// Plotters' coordinate with this axis' major (labelled) and minor (light) ticks.
    pub(super) fn coord(&self) -> WithKeyPoints<Scale> {
        let data = |v: &[f64]| v.iter().map(|&t| untr(t, self.log)).collect::<Vec<_>>();
        self.scale()
            .with_key_points(data(&self.major))
            .with_light_points(data(&self.minor))
    }
}

/// Axis transform: identity or log10.
fn tr(v: f64, log: bool) -> f64 {
    if log {
        v.log10()
    } else {
        v
    }
}

/// Inverse of [`tr`].
fn untr(t: f64, log: bool) -> f64 {
    if log {
        10f64.powf(t)
    } else {
        t
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

/// Labels of the major ticks (transformed coordinates), one style per axis.
fn labels(major: &[f64], log: bool) -> Vec<String> {
    let step = if major.len() >= 2 {
        major[1] - major[0]
    } else {
        1.0
    };
    let powers = use_powers(major, log);
    let raw: Vec<String> = major
        .iter()
        .map(|&t| tick_label(t, log, step, powers))
        .collect();
    // Narrow log ranges get linear ticks (1.6, 1.8, 2, ...): pad them to a common number of
    // decimals. Mantissa ticks (0.02, 0.05, 0.1) stay as they are.
    let mantissa = |t: &f64| {
        let m = 10f64.powf(t - t.floor());
        (m - m.round()).abs() < 1e-6
    };
    if !log || major.iter().all(mantissa) {
        return raw;
    }
    let pad = raw
        .iter()
        .map(|l| l.find('.').map_or(0, |i| l.len() - i - 1))
        .max()
        .unwrap_or(0);
    raw.into_iter()
        .map(|l| match l.parse::<f64>() {
            Ok(x) if pad > 0 => format!("{x:.pad$}"),
            _ => l,
        })
        .collect()
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
    fn axis_hands_plotters_data_units_and_finds_labels() {
        let a = Axis::fit(&[1e-5, 10.0], true, false);
        assert!(a.is_log() && (a.bottom() - 10f64.powf(-5.0 - 0.24)).abs() < 1e-12);
        let r = a.scale().range();
        assert!(r.start < 1e-5 && r.end > 10.0, "{r:?}");
        // The key points handed to plotters are data values; each finds its label back.
        let c = a.coord();
        let bold = c.bold_points();
        assert_eq!(bold.len(), 7);
        let got: Vec<String> = bold.iter().map(|&v| a.label(v)).collect();
        assert_eq!(got, a.labels());
        assert_eq!(got[0], "10⁻⁵");
        // Narrow log range: padded linear labels.
        let n = Axis::fit(&[1.55, 2.45], true, false);
        assert!(
            n.labels().iter().all(|l| l.contains('.')),
            "{:?}",
            n.labels()
        );
    }

    #[test]
    fn bins_find_the_bar_of_a_value() {
        let a = Axis::fit(&[0.0, 4.0], false, false);
        let b = Bins::new(&a, vec![0.0, 1.0, 3.0, 4.0]);
        assert_eq!(b.size(), 4);
        assert_eq!(b.index_of(&0.5), Some(0));
        assert_eq!(b.index_of(&1.0), Some(1));
        assert_eq!(b.index_of(&2.0), Some(1));
        assert_eq!(b.index_of(&4.0), Some(2));
        assert_eq!(b.index_of(&-0.1), None);
        assert_eq!(b.index_of(&4.1), None);
        assert_eq!(b.from_index(2), Some(3.0));
    }

    /// Why the tick policy above is kept (module header), with the mesh's default of 11 labels.
    #[test]
    fn plotters_log_key_points_are_kept_out() {
        use plotters::coord::ranged1d::BoldPoints;
        let keys = |lo: f64, hi: f64| {
            let c: LogCoord<f64> = (lo..hi).log_scale().into();
            c.key_points(BoldPoints(11))
        };
        // Under a decade (E_A in `att-gamma`): no tick at all.
        assert!(keys(0.36, 0.82).is_empty());
        // A factor 27: every integer from 1 to 8 labelled, nothing below 1.
        assert_eq!(keys(0.3, 8.0), vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]);
        // A factor 160: two ticks.
        assert_eq!(keys(0.05, 8.0).len(), 2);
    }
}
