//! Figure registry: every figure of the write-up as a pure data description.
//!
//! A [`FigureSpec`] names a figure (`id`, `title`) and holds a `build` function that computes
//! its panels ([`Plot`]s) for a [`Budget`]; it draws and writes nothing itself.
//! [`write_figure`] turns the panels into four files in an output directory:
//!
//! * `ID.svg`: the panels (one, or a grid of up to [`GRID_COLS`] per row);
//! * `ID.csv`: the data in long format (`panel, series, style, x, y, y_err, x_lo, x_hi`);
//! * `ID.md`: title, captions and the same table in markdown, ready to paste;
//! * `ID.tex`: the same table as a LaTeX `tabular` (booktabs), with the caption as a comment.
//!
//! The registered ids (issue 6, docs/claims-attention.md §2): `fig1a fig1b fig1c` (ridge vs its equivalent,
//! [`ridge`]), `att-gamma att-p att-snr` (E_A and E_RR vs gamma / p / SNR for tanh, relu, sign,
//! cos with w = 0 / aligned / orthogonal / mismatched, [`attention`]), `att-heads` (one head,
//! two equal heads, two complementary heads, concatenated and summed, [`heads`]) and `spec-kernel
//! spec-gram` (eigenvalue histograms of K and Phi^T Phi/n against the limiting density,
//! [`spectral`]), and the variants `att-softmax att-skip att-correlated` ([`variants`],
//! `docs/variants.md`). Theory is always a line from [`crate::theory`], Monte Carlo always points with
//! one-standard-error bars from [`crate::monte_carlo::simulate`]. `--quick` scales `n` down at
//! the same `c = p/n` with few seeds (each figure < 1 minute on 2 cores); `--full` uses the
//! paper's sizes.

pub mod attention;
pub mod heads;
pub mod raf;
pub mod ridge;
pub mod spectral;
pub mod variants;

use crate::claim::Budget;
use crate::error::{Error, Result};
use crate::format::Table;
use crate::plot::{long_rows, render_svg_grid, write_file, Plot};
use std::path::{Path, PathBuf};

/// Maximum number of panels per row in a figure's SVG.
pub const GRID_COLS: usize = 2;

/// A figure: id, title and the function computing its panels.
#[derive(Clone, Copy)]
pub struct FigureSpec {
    /// Stable id, also the file stem (`fig1a`).
    pub id: &'static str,
    /// One-line description shown by `rmt-verify figure --list`.
    pub title: &'static str,
    /// Computes the panels for a budget (quick or full).
    pub build: fn(&Budget) -> Result<Vec<Plot>>,
}

impl std::fmt::Debug for FigureSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FigureSpec")
            .field("id", &self.id)
            .field("title", &self.title)
            .finish_non_exhaustive()
    }
}

/// Every figure, in paper order.
pub fn registry() -> Vec<FigureSpec> {
    vec![
        ridge::FIG1A,
        ridge::FIG1B,
        ridge::FIG1C,
        attention::ATT_GAMMA,
        attention::ATT_P,
        attention::ATT_SNR,
        heads::ATT_HEADS,
        spectral::SPEC_KERNEL,
        spectral::SPEC_GRAM,
        raf::RAF_ALPHA,
        raf::RAF_TRADEOFF,
        raf::RAF_RATES,
        raf::RAF_PHASE,
        variants::ATT_SOFTMAX,
        variants::ATT_SKIP,
        variants::ATT_CORRELATED,
    ]
}

/// `k` values from `lo` to `hi` equally spaced in log (`k >= 2`, `0 < lo < hi`).
pub fn logspace(lo: f64, hi: f64, k: usize) -> Vec<f64> {
    let (a, b) = (lo.ln(), hi.ln());
    (0..k)
        .map(|i| (a + (b - a) * i as f64 / (k.max(2) - 1) as f64).exp())
        .collect()
}

/// `k` values from `lo` to `hi` equally spaced (`k >= 2`).
pub fn linspace(lo: f64, hi: f64, k: usize) -> Vec<f64> {
    (0..k)
        .map(|i| lo + (hi - lo) * i as f64 / (k.max(2) - 1) as f64)
        .collect()
}

/// The replicate policy of the figures' Monte Carlo points: fixed precision
/// ([`crate::evidence::Precision`]), `SE(E) <= 4 % |mean|` at every gamma of a series, floor
/// half the planned count (at least 4), cap twice it, batches of 4. The rule reads only the
/// replicates (their spread), never the theory line the points are drawn against. At the quick
/// budget (4 planned) the floor is the planned count: a point that reaches the target draws
/// exactly the replicates it drew with fixed counts (4 replicates give SE ~ 2–4 % of `E` at the
/// quick sizes; noisier series draw up to 8); at the full budget (8 planned) a series that
/// reaches the target with 4 stops there.
pub fn replicates() -> crate::evidence::Precision {
    crate::evidence::Precision::new(0.04, 0.0)
        .bounds(0.5, 2.0)
        .min_floor(4)
}

/// The caption text for `planned` replicates under [`replicates`]: `"4–8 seeds per point
/// (fixed precision: until SE ≤ 2% of |E|)"`.
pub fn seeds_rule(planned: usize) -> String {
    let p = replicates();
    let (lo, hi) = p.floor_cap(planned);
    format!(
        "{lo}–{hi} seeds per point (fixed precision: until SE ≤ {}% of |E| at every γ of the series)",
        p.rel * 100.0
    )
}

/// Monte Carlo means and standard errors of `E` along `cfg.gammas`
/// ([`crate::evidence::measure_with`] under [`replicates`], `cfg.seeds` planned, no progress
/// bar); one Monte Carlo [`unit()`].
pub fn mc_errors(cfg: &crate::model::SimConfig) -> Result<(Vec<f64>, Vec<f64>)> {
    let k = cfg.gammas.len();
    let v = unit(2 * k, || {
        let r = crate::evidence::measure_with(cfg, &replicates(), false)?;
        let (mut m, se): (Vec<f64>, Vec<f64>) = r.points.iter().map(|p| (p.e.mean, p.e.se)).unzip();
        m.extend(se);
        Ok(m)
    })?;
    Ok((v[..k].to_vec(), v[k..].to_vec()))
}

/// A computed Monte Carlo unit: its number (call order) and its numbers.
pub type Unit = (usize, Vec<f64>);

/// How the Monte Carlo units of a figure build run (`figure --shard`, docs/sharding.md).
#[derive(Debug)]
enum UnitMode {
    /// Compute every unit.
    Run,
    /// Compute units `k` with `k mod of == shard - 1`, record them, and answer the others with
    /// placeholders (ones): the build runs to its end, its panels are discarded.
    Shard {
        shard: usize,
        of: usize,
        done: Vec<Unit>,
    },
    /// Answer every unit from the merged shards.
    Replay(std::collections::HashMap<usize, Vec<f64>>),
}

thread_local! {
    static UNITS: std::cell::RefCell<(usize, UnitMode)> = const { std::cell::RefCell::new((0, UnitMode::Run)) };
}

/// One Monte Carlo unit of a figure (a series or grid point): `compute` returns `len` numbers.
///
/// Units are numbered in call order on the thread running the build (a build calls `unit` from
/// that thread, one unit after the other; a unit parallelises inside). Normally `compute` runs.
/// Under [`shard_units`] only the shard's units run (the others are answered with `len` ones
/// and the panels are not used); under [`replay_units`] every unit is answered from the shards:
/// the build then produces exactly the panels of one unsharded build (the numbers are read back
/// bit for bit), whatever ran where.
pub fn unit(len: usize, compute: impl FnOnce() -> Result<Vec<f64>>) -> Result<Vec<f64>> {
    let (k, action) = UNITS.with(|u| {
        let mut u = u.borrow_mut();
        let k = u.0;
        u.0 += 1;
        let action = match &u.1 {
            UnitMode::Run => None,
            UnitMode::Shard { shard, of, .. } => (k % of != shard - 1).then(|| vec![1.0; len]),
            UnitMode::Replay(map) => Some(map.get(&k).cloned().unwrap_or_default()),
        };
        (k, action)
    });
    if let Some(v) = action {
        if v.len() != len {
            return Err(Error::param(
                "shard",
                k,
                format!(
                    "Monte Carlo unit {k}: {} numbers in the shards, {len} expected",
                    v.len()
                ),
            ));
        }
        return Ok(v);
    }
    let v = compute()?;
    UNITS.with(|u| {
        if let UnitMode::Shard { done, .. } = &mut u.borrow_mut().1 {
            done.push((k, v.clone()));
        }
    });
    Ok(v)
}

/// Builds `spec` computing only the Monte Carlo units of shard `shard` of `of` (round robin
/// over the units in call order). Returns the total number of units and the shard's units.
///
/// Call it (and [`replay_units`]) from a thread outside the rayon pool, as the CLI does: a pool
/// thread waiting inside a unit could steal another build's work and interleave its unit
/// numbers on the same thread.
pub fn shard_units(
    spec: &FigureSpec,
    budget: &Budget,
    shard: usize,
    of: usize,
) -> Result<(usize, Vec<Unit>)> {
    UNITS.with(|u| {
        *u.borrow_mut() = (
            0,
            UnitMode::Shard {
                shard,
                of,
                done: Vec::new(),
            },
        )
    });
    let built = (spec.build)(budget);
    let (total, mode) = UNITS.with(|u| std::mem::replace(&mut *u.borrow_mut(), (0, UnitMode::Run)));
    built?;
    match mode {
        UnitMode::Shard { done, .. } => Ok((total, done)),
        _ => Ok((total, Vec::new())),
    }
}

/// Builds `spec` with every Monte Carlo unit answered from `units` (the merged shards). Errors
/// when the build asks for another number of units than `total`.
pub fn replay_units(
    spec: &FigureSpec,
    budget: &Budget,
    total: usize,
    units: std::collections::HashMap<usize, Vec<f64>>,
) -> Result<Vec<Plot>> {
    UNITS.with(|u| *u.borrow_mut() = (0, UnitMode::Replay(units)));
    let built = (spec.build)(budget);
    let (asked, _) = UNITS.with(|u| std::mem::replace(&mut *u.borrow_mut(), (0, UnitMode::Run)));
    let plots = built?;
    if asked != total {
        return Err(Error::param(
            "shard",
            asked,
            format!("the build asks for {asked} Monte Carlo units, the shards hold {total}"),
        ));
    }
    Ok(plots)
}

/// The figure called `id`, or [`Error::UnknownId`] listing the known ids.
pub fn find(id: &str) -> Result<FigureSpec> {
    let all = registry();
    all.iter()
        .find(|s| s.id == id)
        .copied()
        .ok_or_else(|| Error::UnknownId {
            kind: "figure".into(),
            id: id.into(),
            known: all.iter().map(|s| s.id).collect::<Vec<_>>().join(", "),
        })
}

/// All panels of a figure as one long-format table (`panel` = 1-based panel number).
pub fn figure_table(plots: &[Plot]) -> Table {
    let mut t = Table::new([
        "panel", "series", "style", "x", "y", "y_err", "x_lo", "x_hi",
    ]);
    for (k, p) in plots.iter().enumerate() {
        for row in long_rows(p) {
            let mut r = vec![(k + 1).to_string()];
            r.extend(row);
            t.push(r);
        }
    }
    t
}

/// Builds `spec` for `budget` and writes `out_dir/ID.{svg,csv,md,tex}` (creating `out_dir`).
/// Returns the paths written. Errors: the figure's own build errors, invalid plot data, or
/// [`Error::Io`] naming the directory or file that could not be created or written.
pub fn write_figure(spec: &FigureSpec, budget: &Budget, out_dir: &Path) -> Result<Vec<PathBuf>> {
    let plots = (spec.build)(budget)?;
    write_plots(spec.id, spec.title, &plots, out_dir)
}

/// Writes already-built panels as figure `id` (see [`write_figure`]).
pub fn write_plots(id: &str, title: &str, plots: &[Plot], out_dir: &Path) -> Result<Vec<PathBuf>> {
    // Render first: invalid data must not leave half a figure on disk.
    let svg = render_svg_grid(plots, GRID_COLS)?;
    let table = figure_table(plots);
    std::fs::create_dir_all(out_dir).map_err(|source| Error::Io {
        path: out_dir.display().to_string(),
        source,
    })?;
    let mut md = format!("# {id}: {title}\n\n");
    let mut tex = format!("% {id}: {title}\n");
    for (k, p) in plots.iter().enumerate() {
        md.push_str(&format!(
            "Panel {}: **{}**. {}\n\n",
            k + 1,
            p.title,
            p.caption
        ));
        tex.push_str(&format!("% panel {}: {}. {}\n", k + 1, p.title, p.caption));
    }
    md.push_str(&table.to_markdown());
    tex.push_str(&table.to_latex());
    let files = [
        ("svg", svg),
        ("csv", table.to_csv()),
        ("md", md),
        ("tex", tex),
    ];
    let mut written = Vec::with_capacity(files.len());
    for (ext, text) in files {
        let path = out_dir.join(format!("{id}.{ext}"));
        write_file(&path, &text)?;
        written.push(path);
    }
    Ok(written)
}
