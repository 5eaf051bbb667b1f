//! Plot rendering and figure files, on synthetic data (no engine needed).

use rmt_verify::claim::Budget;
use rmt_verify::error::Error;
use rmt_verify::figures;
use rmt_verify::plot::{render_svg, to_table, write_svg, write_svg_grid, Plot, Series};
use std::path::PathBuf;

/// A fresh, empty scratch directory under the system temp dir, unique per test.
fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "rmt-verify-test-plot-{}-{name}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir is writable");
    d
}

fn loglog() -> Plot {
    let g: Vec<f64> = (0..=12)
        .map(|i| 10f64.powf(-5.0 + 0.5 * i as f64))
        .collect();
    let e: Vec<f64> = g.iter().map(|x| x / (1.0 + x)).collect();
    let se: Vec<f64> = e.iter().map(|y| 0.2 * y).collect();
    Plot::new("ridge, synthetic", "gamma_axis_label", "E_RR_axis_label")
        .log(true, true)
        .caption("n = 2048, p = 512, ||mu||^2 = 1")
        .with(Series::line("theory", g.clone(), e.clone()).with_color(0))
        .with(Series::points("Monte Carlo", g, e, Some(se)).with_color(0))
}

/// A dense linear plot: lines fill every corner, so the legend must move (headroom or below).
fn dense() -> Plot {
    let x: Vec<f64> = (0..=100).map(|i| i as f64 / 100.0).collect();
    let mut p = Plot::new("dense, synthetic", "x", "y").caption("every corner is covered");
    for k in 0..6 {
        let y = x
            .iter()
            .map(|t| (t * 6.0 + k as f64).sin() * 0.5 + 0.5)
            .collect();
        p = p.with(Series::line(format!("sin shifted by {k}"), x.clone(), y));
    }
    p
}

#[test]
fn svg_and_csv_are_written_with_labels_and_data() {
    let dir = scratch("write");
    let svg = dir.join("p.svg");
    write_svg(&loglog(), &svg).expect("valid plot");
    let text = std::fs::read_to_string(&svg).expect("written");
    assert!(text.starts_with("<svg"), "{}", &text[..50.min(text.len())]);
    for needle in [
        "gamma_axis_label",
        "E_RR_axis_label",
        "ridge, synthetic",
        "Monte Carlo",
    ] {
        assert!(text.contains(needle), "SVG lacks `{needle}`");
    }
    // Caption is in the SVG too (escaped `^` is fine, it needs no escaping).
    assert!(text.contains("n = 2048, p = 512"));

    let csv = to_table(&loglog()).to_csv();
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("series,style,x,y,y_err,x_lo,x_hi"));
    // 13 line points + 13 MC points.
    assert_eq!(csv.lines().count(), 1 + 26);
    assert!(csv.contains("Monte Carlo,points,1.000000000e-5"));
}

/// Dense on a log y axis: no headroom trick, the legend goes below the plot.
fn dense_log() -> Plot {
    let mut p = dense();
    p.title = "dense, log y, narrow range".into();
    p.log_y = true;
    for s in &mut p.series {
        for y in &mut s.y {
            *y += 1.5;
        }
    }
    p
}

/// Histogram with a density line and linear axes.
fn spectrum() -> Plot {
    let samples: Vec<f64> = (0..1000)
        .map(|i| ((i as f64 + 0.5) / 1000.0).sqrt() * 2.0)
        .collect();
    let x: Vec<f64> = (0..=50).map(|i| i as f64 * 0.04).collect();
    let y: Vec<f64> = x.iter().map(|t| t / 2.0).collect();
    Plot::new("spectrum, synthetic", "eigenvalue", "density")
        .caption("samples with density x/2 on [0, 2]")
        .with(Series::histogram_of("samples", &samples, 20, (0.0, 2.0)).expect("valid"))
        .with(Series::line("x/2", x, y))
}

#[test]
fn grid_and_dense_legend_render() {
    let dir = scratch("grid");
    let path = dir.join("grid.svg");
    write_svg_grid(&[loglog(), dense(), dense_log(), spectrum()], 2, &path).expect("valid");
    let text = std::fs::read_to_string(&path).expect("written");
    assert!(text.contains("sin shifted by 5") && text.contains("ridge, synthetic"));
    // Keep a copy for visual inspection when asked to.
    if let Ok(keep) = std::env::var("RMT_VERIFY_KEEP_SVG") {
        std::fs::write(keep, &text).expect("keep path writable");
    }
}

#[test]
fn log_axis_rejects_nonpositive_values() {
    let mut p = loglog();
    p.series[0].y[3] = 0.0;
    let err = render_svg(&p).expect_err("0 on a log axis");
    let msg = err.to_string();
    assert!(matches!(err, Error::InvalidParam { .. }), "{msg}");
    assert!(msg.contains("logarithmic") && msg.contains("y[3]"), "{msg}");

    let mut p = loglog();
    p.series[1].x[0] = -1.0;
    let msg = render_svg(&p).expect_err("negative x").to_string();
    assert!(msg.contains("x[0]") && msg.contains("Monte Carlo"), "{msg}");
}

#[test]
fn nan_is_refused_not_dropped() {
    let mut p = loglog();
    p.series[1].y[5] = f64::NAN;
    let msg = render_svg(&p).expect_err("NaN").to_string();
    assert!(msg.contains("non-finite") && msg.contains("y[5]"), "{msg}");
}

#[test]
fn malformed_series_are_refused() {
    let mut p = loglog();
    p.series[0].x.pop();
    assert!(render_svg(&p).is_err());
    let mut p = loglog();
    p.series[1].y_err = Some(vec![0.1; 3]);
    assert!(render_svg(&p).is_err());
    let p = Plot::new("empty", "x", "y");
    assert!(render_svg(&p).is_err());
    let h =
        Plot::new("h", "x", "y").with(Series::histogram("h", vec![0.0, 1.0, 0.5], vec![1.0, 2.0]));
    assert!(render_svg(&h).is_err(), "decreasing edges");
}

#[test]
fn unwritable_path_is_an_io_error() {
    let dir = scratch("io");
    // A regular file used as a directory: creation fails for every user, root included.
    let blocker = dir.join("not-a-dir");
    std::fs::write(&blocker, "x").expect("writable");
    let err = write_svg(&loglog(), &blocker.join("p.svg")).expect_err("parent is a file");
    match &err {
        Error::Io { path, .. } => assert!(path.ends_with("p.svg"), "{path}"),
        other => panic!("expected Error::Io, got {other:?}"),
    }

    let spec = figures::find("fig1a").expect("registered");
    let err = figures::write_figure(&spec, &Budget::quick(), &blocker.join("out"))
        .expect_err("out dir under a file");
    assert!(matches!(err, Error::Io { .. }), "{err}");
    assert!(err.to_string().contains("not-a-dir"), "{err}");
}

#[test]
fn figure_writes_four_files_and_unknown_id_lists_known() {
    let dir = scratch("figure").join("nested/out");
    let spec = figures::find("fig1a").expect("registered");
    let paths = figures::write_figure(&spec, &Budget::quick(), &dir).expect("fig1a builds");
    let exts: Vec<String> = paths
        .iter()
        .map(|p| {
            p.extension()
                .and_then(|e| e.to_str())
                .unwrap_or("")
                .to_string()
        })
        .collect();
    assert_eq!(exts, ["svg", "csv", "md", "tex"]);
    for p in &paths {
        assert!(
            std::fs::metadata(p).expect("exists").len() > 100,
            "{}",
            p.display()
        );
    }
    let csv = std::fs::read_to_string(&paths[1]).expect("csv");
    assert!(csv.starts_with("panel,series,style,x,y,y_err,x_lo,x_hi\n"));
    let md = std::fs::read_to_string(&paths[2]).expect("md");
    assert!(md.contains("two independent sources") && md.contains("| panel |"));

    let err = figures::find("fig9z").expect_err("unknown");
    assert!(matches!(err, Error::UnknownId { .. }));
    assert!(err.to_string().contains("fig1a"), "{err}");
}

#[test]
fn ids_are_unique() {
    let ids: Vec<&str> = figures::registry().iter().map(|s| s.id).collect();
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(sorted.len(), ids.len(), "{ids:?}");
}

#[test]
fn degenerate_ranges_and_special_characters_render() {
    // One point on log axes, a constant line on linear axes: the axis range is widened.
    let one = Plot::new("one <point> & more", "x", "y")
        .log(true, true)
        .with(Series::points("single", vec![3.0], vec![0.5], None));
    let svg = render_svg(&one).expect("single point");
    // XML special characters must be escaped, or the SVG does not parse.
    assert!(!svg.contains("one <point>"), "title not escaped");
    let flat = Plot::new("flat", "x", "y").with(Series::line("c", vec![1.0, 2.0], vec![7.0, 7.0]));
    render_svg(&flat).expect("constant line");
}

/// Pixel attribute `name="v"` of an SVG element line.
fn attr(line: &str, name: &str) -> Option<i32> {
    let start = line.find(&format!(" {name}=\""))? + name.len() + 3;
    line[start..].split('"').next()?.parse().ok()
}

#[test]
fn error_bar_below_zero_on_log_axis_is_clipped_at_the_axis_bottom() {
    // Point 2 has y - y_err < 0: its bar must end at the bottom of the axis, below the lowest
    // drawn data (the line at 1e-3), not at a non-finite pixel.
    let p = Plot::new("clip", "x", "y")
        .log(true, true)
        .with(Series::line("floor", vec![1.0, 10.0], vec![1e-3, 1e-3]).with_color(1))
        .with(
            Series::points(
                "mc",
                vec![1.0, 10.0],
                vec![1e-2, 1e-1],
                Some(vec![5e-3, 0.2]),
            )
            .with_color(0),
        );
    let svg = render_svg(&p).expect("valid: only the bar's lower end is out of range");
    let bars: Vec<&str> = svg
        .lines()
        .filter(|l| l.starts_with("<line") && l.contains("#0072B2"))
        .filter(|l| attr(l, "x1") == attr(l, "x2"))
        .collect();
    // The two data bars and the legend's sample.
    assert_eq!(bars.len(), 3, "{bars:?}");
    let lowest_data = svg
        .lines()
        .filter(|l| l.starts_with("<polyline") && l.contains("#D55E00"))
        .flat_map(|l| {
            let pts = l.split("points=\"").nth(1).unwrap_or("");
            pts.split_whitespace()
                .filter_map(|xy| xy.split(',').nth(1)?.parse::<i32>().ok())
                .collect::<Vec<_>>()
        })
        .max()
        .expect("the floor line is drawn");
    // The clipped bar is the longest (it spans from 0.3 down to the bottom of the axis).
    let ends: Vec<(i32, i32)> = bars
        .iter()
        .filter_map(|l| attr(l, "y1").zip(attr(l, "y2")))
        .collect();
    let bottom = ends
        .iter()
        .max_by_key(|(a, b)| (a - b).abs())
        .map(|&(a, b)| a.max(b))
        .expect("pixel coordinates");
    assert!(
        bottom > lowest_data && bottom < 520 - 40,
        "bar ends at {bottom}, lowest data at {lowest_data}"
    );
}
