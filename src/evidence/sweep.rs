//! The sweep: model points x sizes x gammas, theory and Monte Carlo run once, rows under the one
//! tolerance policy ([`super::Tol`]), the fitted log–log slope note.

use super::policy::{Measured, Tol};
use super::seeds::seed_for;
use crate::claim::{Budget, Level, Row};
use crate::error::{Error, Result};
use crate::model::{ModelSpec, SimConfig};
use crate::monte_carlo::{self, ReplicateResult, SimPoint, SimResult, Summary};
use crate::theory::{self, TheoryPoint};
use crate::tolerance::loglog_slope;
use rayon::prelude::*;
use std::sync::Arc;

/// A quantity measured along the gamma path (Monte Carlo and theory both give it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Quantity {
    /// The memorization (interpolation) error `E = (gamma^2/n) y^T Q^2 y`.
    E,
    /// `y^T Q y / n`.
    YQy,
    /// `tr Q / n`.
    TrQ,
}

impl Quantity {
    /// Name used in row labels.
    pub fn name(self) -> &'static str {
        match self {
            Quantity::E => "E",
            Quantity::YQy => "yQy",
            Quantity::TrQ => "trQ",
        }
    }

    /// The theoretical value.
    pub fn theory(self, t: &TheoryPoint) -> f64 {
        match self {
            Quantity::E => t.e,
            Quantity::YQy => t.yqy,
            Quantity::TrQ => t.trq,
        }
    }

    /// The Monte Carlo summary at one gamma.
    pub fn summary(self, p: &SimPoint) -> Summary {
        match self {
            Quantity::E => p.e,
            Quantity::YQy => p.yqy,
            Quantity::TrQ => p.trq,
        }
    }

    /// The value of one replicate at gamma index `k`.
    pub fn replicate(self, r: &ReplicateResult, k: usize) -> f64 {
        match self {
            Quantity::E => r.e[k],
            Quantity::YQy => r.yqy[k],
            Quantity::TrQ => r.trq[k],
        }
    }
}

/// One Monte Carlo configuration: a model point (`spec` at `c = p/n`, with a label) along a gamma
/// path at several sizes `(n, replicates)`, `p = round(c n)`.
#[derive(Clone, Debug)]
pub struct Sweep {
    /// Row label prefix; also the seed key.
    pub label: String,
    /// The model.
    pub spec: ModelSpec,
    /// `c = p/n`.
    pub c: f64,
    /// The gamma path (one eigendecomposition per replicate serves all of it).
    pub gammas: Vec<f64>,
    /// `(n, replicates)`, increasing `n`.
    pub sizes: Vec<(usize, usize)>,
    /// Seed key shared with other sweeps (paired replicates: same `Z`, labels); `None`: the label.
    pub pair: Option<String>,
}

impl Sweep {
    /// A sweep of `spec` at `c` (no gammas, no sizes yet).
    pub fn new(label: impl Into<String>, spec: ModelSpec, c: f64) -> Sweep {
        Sweep {
            label: label.into(),
            spec,
            c,
            gammas: Vec::new(),
            sizes: Vec::new(),
            pair: None,
        }
    }

    /// Sets the gamma path.
    pub fn gammas(mut self, gammas: &[f64]) -> Sweep {
        self.gammas = gammas.to_vec();
        self
    }

    /// Sets the sizes `(n, replicates)`.
    pub fn sizes(mut self, sizes: &[(usize, usize)]) -> Sweep {
        self.sizes = sizes.to_vec();
        self
    }

    /// Shares the seeds of every sweep with the same `key` (paired replicates).
    pub fn paired(mut self, key: impl Into<String>) -> Sweep {
        self.pair = Some(key.into());
        self
    }

    /// `p = round(c n)` (at least 1).
    pub fn p(&self, n: usize) -> usize {
        ((self.c * n as f64).round() as usize).max(1)
    }

    /// The row label the seed is derived from at size `n`: `"<label or pair key> n=<n>"`.
    pub fn seed_key(&self, n: usize) -> String {
        format!("{} n={n}", self.pair.as_deref().unwrap_or(&self.label))
    }
}

/// How many replicates a row draws. Fixed counts now ([`Fixed`]); a sequential rule ("until the
/// SE reaches a target, with floor and cap") plugs in here. The rule sees the replicates drawn
/// so far — their spread — and never the theory.
pub trait ReplicatePolicy: Send + Sync + std::fmt::Debug {
    /// Replicates to draw first, given the grid's count `planned`.
    fn initial(&self, planned: usize) -> usize;
    /// How many more to draw after `drawn` (0: stop).
    fn more(&self, planned: usize, drawn: &[ReplicateResult]) -> usize;
    /// One line for notes and JSON.
    fn describe(&self) -> String;
}

/// Exactly the grid's replicate count.
#[derive(Clone, Copy, Debug, Default)]
pub struct Fixed;

impl ReplicatePolicy for Fixed {
    fn initial(&self, planned: usize) -> usize {
        planned
    }
    fn more(&self, _planned: usize, _drawn: &[ReplicateResult]) -> usize {
        0
    }
    fn describe(&self) -> String {
        "fixed (the claim's grid)".into()
    }
}

/// Fixed precision: draw replicates in batches until the standard error of every watched
/// quantity at every gamma is at most `rel * |mean| + abs` (the row's resolution target), never
/// fewer than the floor nor more than the cap.
///
/// * floor `= max(2, min_floor, ceil(floor_frac * planned))`, cap `= max(floor, ceil(cap_frac *
///   planned))`,
///   with `planned` the claim's grid count at that size;
/// * checkpoints at floor, floor + batch, floor + 2 batch, ... (the last batch cut at the cap):
///   replicate `r` always has the same seed stream, and the decision at a checkpoint is a
///   function of the replicates `0..m` alone, so the result is bit-identical for any thread count
///   and equals one fixed run of the final count;
/// * the rule reads ONLY the spread and the magnitude of the replicates (mean and SE of the
///   Monte Carlo values), never the theory: a rule that stopped when the row "looked fine"
///   (mean close to the theory) would stop early on lucky draws and keep drawing on unlucky
///   ones, an optional-stopping bias toward `Holds` that a verifier must not have. Here the
///   replicate count is independent of the theory, so a negative control (a wrong theory) gets
///   exactly the replicates the right theory would get, and must still fail on them.
#[derive(Clone, Debug)]
pub struct Precision {
    /// Relative SE target (fraction of `|mean|`).
    pub rel: f64,
    /// Absolute SE target added to the relative one (guards means near zero).
    pub abs: f64,
    /// Floor as a fraction of the grid's count.
    pub floor_frac: f64,
    /// Absolute floor: an SE estimated from fewer replicates is too noisy to stop on (stopping
    /// when the estimated SE happens to be small selects underestimates of it).
    pub min_floor: usize,
    /// Cap as a multiple of the grid's count.
    pub cap_frac: f64,
    /// Replicates per batch after the floor.
    pub batch: usize,
    /// The quantities whose SE is watched.
    pub quantities: Vec<Quantity>,
}

impl Precision {
    /// SE target `rel * |mean| + abs` on `E`; floor half the grid (at least 6), cap twice it,
    /// batches of 4.
    pub fn new(rel: f64, abs: f64) -> Precision {
        Precision {
            rel,
            abs,
            floor_frac: 0.5,
            min_floor: 6,
            cap_frac: 2.0,
            batch: 4,
            quantities: vec![Quantity::E],
        }
    }

    /// With an absolute floor of `k` replicates (default 6).
    pub fn min_floor(mut self, k: usize) -> Precision {
        self.min_floor = k;
        self
    }

    /// With floor and cap as fractions of the grid's count.
    pub fn bounds(mut self, floor_frac: f64, cap_frac: f64) -> Precision {
        self.floor_frac = floor_frac;
        self.cap_frac = cap_frac;
        self
    }

    /// Watching these quantities.
    pub fn watch(mut self, quantities: &[Quantity]) -> Precision {
        self.quantities = quantities.to_vec();
        self
    }

    /// `(floor, cap)` for a grid count `planned`.
    pub fn floor_cap(&self, planned: usize) -> (usize, usize) {
        let floor = ((self.floor_frac * planned as f64).ceil() as usize)
            .max(self.min_floor)
            .max(2);
        let cap = ((self.cap_frac * planned as f64).ceil() as usize).max(floor);
        (floor, cap)
    }

    /// Whether the replicates drawn reach the target (spread only; see the type's docs).
    pub fn reached(&self, drawn: &[ReplicateResult]) -> bool {
        let Some(first) = drawn.first() else {
            return false;
        };
        (0..first.e.len()).all(|k| {
            self.quantities.iter().all(|&q| {
                let v: Vec<f64> = drawn.iter().map(|r| q.replicate(r, k)).collect();
                let s = monte_carlo::summarize(&v);
                // A NaN SE (or mean) never reaches the target: draw to the cap.
                s.se <= self.rel * s.mean.abs() + self.abs
            })
        })
    }
}

impl ReplicatePolicy for Precision {
    fn initial(&self, planned: usize) -> usize {
        self.floor_cap(planned).0
    }
    fn more(&self, planned: usize, drawn: &[ReplicateResult]) -> usize {
        let (_, cap) = self.floor_cap(planned);
        if drawn.len() >= cap || self.reached(drawn) {
            0
        } else {
            self.batch.max(1).min(cap - drawn.len())
        }
    }
    fn describe(&self) -> String {
        let q: Vec<&str> = self.quantities.iter().map(|q| q.name()).collect();
        format!(
            "fixed precision: SE({}) <= {}*|mean| + {} at every gamma, floor {}x the grid (at least {}), cap {}x, batches of {}",
            q.join(","),
            self.rel,
            self.abs,
            self.floor_frac,
            self.min_floor,
            self.cap_frac,
            self.batch
        )
    }
}

/// How independent rows (a sweep at one size) are run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exec {
    /// One after the other (replicates still run in parallel inside a row).
    Sequential,
    /// Rows in parallel on the rayon pool, collected in row order: results are bit-identical to
    /// [`Exec::Sequential`] for any thread count (every row has its own seed).
    Parallel,
}

/// A check of a sweep: a quantity and its tolerance.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Check {
    /// What is compared.
    pub quantity: Quantity,
    /// How closely.
    pub tol: Tol,
}

impl Check {
    /// `quantity` within `tol`.
    pub const fn new(quantity: Quantity, tol: Tol) -> Check {
        Check { quantity, tol }
    }
}

/// The theory of a sweep along its gammas (default [`model_theory`]; a claim passes its own for
/// perturbed negative controls or other closed forms).
pub type TheoryFn<'a> = dyn Fn(&Sweep) -> Result<Vec<TheoryPoint>> + Sync + 'a;

/// `theory::model_path(spec, c, gammas)`; a solver that did not converge gives points with
/// `converged = false` (their rows are `Inconclusive`), never an error.
pub fn model_theory(sweep: &Sweep) -> Result<Vec<TheoryPoint>> {
    allow_no_convergence(
        theory::model_path(&sweep.spec, sweep.c, &sweep.gammas),
        &sweep.gammas,
    )
}

/// `Err(NoConvergence)` of a whole path becomes NaN points marked not converged.
pub fn allow_no_convergence(
    path: Result<Vec<TheoryPoint>>,
    gammas: &[f64],
) -> Result<Vec<TheoryPoint>> {
    match path {
        Err(Error::NoConvergence { .. }) => Ok(gammas
            .iter()
            .map(|&gamma| TheoryPoint {
                gamma,
                e: f64::NAN,
                yqy: f64::NAN,
                trq: f64::NAN,
                iterations: 0,
                residual: f64::NAN,
                converged: false,
            })
            .collect()),
        other => other,
    }
}

/// The rows of one sweep.
#[derive(Clone, Debug)]
pub struct Block {
    /// The sweep's label.
    pub label: String,
    /// Sizes, in order.
    pub ns: Vec<usize>,
    /// Gammas, in order.
    pub gammas: Vec<f64>,
    /// The quantities checked, in order.
    pub quantities: Vec<Quantity>,
    /// Rows per size (outer), by gamma then check (inner).
    pub rows: Vec<Vec<Row>>,
    /// `|mean - theory|` per check, gamma and size (only where the theory converged).
    pub errs: Vec<Vec<Vec<f64>>>,
}

impl Block {
    /// The rows in order (size, gamma, check).
    pub fn all_rows(&self) -> Vec<Row> {
        self.rows.iter().flatten().cloned().collect()
    }

    /// `"<label>: log-log slope of |err| vs n (<ns>): gamma=<g>: <slope>, ..."` (the quantity
    /// before each gamma when several are checked; `-` where a size has no converged theory).
    pub fn slope_note(&self) -> String {
        let x: Vec<f64> = self.ns.iter().map(|&n| n as f64).collect();
        let several = self.quantities.len() > 1;
        let mut parts = Vec::new();
        for (ci, q) in self.quantities.iter().enumerate() {
            for (k, g) in self.gammas.iter().enumerate() {
                let e = &self.errs[ci][k];
                let head = if several {
                    format!("{} gamma={g:e}", q.name())
                } else {
                    format!("gamma={g:e}")
                };
                parts.push(match loglog_slope(&x, e) {
                    Some(s) if e.len() == x.len() => format!("{head}: {s:.2}"),
                    _ => format!("{head}: -"),
                });
            }
        }
        format!(
            "{}: log-log slope of |err| vs n ({}): {}",
            self.label,
            self.ns
                .iter()
                .map(|n| n.to_string())
                .collect::<Vec<_>>()
                .join(","),
            parts.join(", ")
        )
    }
}

/// Everything a [`Evidence::sweep`] produced.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// One block of rows per sweep.
    pub blocks: Vec<Block>,
    /// The Monte Carlo runs, per sweep and size (for paired differences).
    pub runs: Vec<Vec<SimResult>>,
    /// The theory, per sweep and gamma.
    pub theory: Vec<Vec<TheoryPoint>>,
}

impl Outcome {
    /// All rows, sweep by sweep.
    pub fn rows(&self) -> Vec<Row> {
        self.blocks.iter().flat_map(Block::all_rows).collect()
    }

    /// One slope note per sweep.
    pub fn notes(&self) -> Vec<String> {
        self.blocks.iter().map(Block::slope_note).collect()
    }
}

/// The note that goes with slope notes.
pub const SLOPE_CAVEAT: &str =
    "where |z| < ~2 the error is replicate noise and its fitted slope is not a convergence rate";

/// Mean and standard error over replicates of `q(a) - q(b)` at gamma index `k`: a paired
/// difference (the two runs share their seed, hence `Z` and the labels).
pub fn paired(a: &SimResult, b: &SimResult, k: usize, q: Quantity) -> Summary {
    debug_assert_eq!(a.config.seed, b.config.seed, "paired runs share a seed");
    let d: Vec<f64> = a
        .replicates
        .iter()
        .zip(&b.replicates)
        .map(|(x, y)| q.replicate(x, k) - q.replicate(y, k))
        .collect();
    monte_carlo::summarize(&d)
}

/// The evidence of one claim at one budget: seeds, replicate policy, execution.
#[derive(Clone, Debug)]
pub struct Evidence {
    claim: &'static str,
    budget: Budget,
    replicates: Arc<dyn ReplicatePolicy>,
    exec: Exec,
}

impl Evidence {
    /// The evidence of claim `claim_id` at `budget`: fixed replicate counts; rows in parallel at
    /// the quick budget, one after the other at the full one (large replicates already fill the
    /// cores, and sequential rows bound the memory).
    pub fn new(claim_id: &'static str, budget: &Budget) -> Evidence {
        Evidence {
            claim: claim_id,
            budget: *budget,
            replicates: Arc::new(Fixed),
            exec: match budget.level {
                Level::Quick => Exec::Parallel,
                Level::Full => Exec::Sequential,
            },
        }
    }

    /// With another execution of independent rows.
    pub fn with_exec(mut self, exec: Exec) -> Evidence {
        self.exec = exec;
        self
    }

    /// With another replicate policy.
    pub fn with_replicates(mut self, policy: impl ReplicatePolicy + 'static) -> Evidence {
        self.replicates = Arc::new(policy);
        self
    }

    /// The budget.
    pub fn budget(&self) -> &Budget {
        &self.budget
    }

    /// The master seed of row `key` (see the `seeds` module).
    pub fn seed(&self, key: &str) -> u64 {
        seed_for(self.claim, key, self.budget.seed)
    }

    /// The Monte Carlo configuration of `sweep` at size `n` with `reps` replicates and its seed.
    pub fn config(&self, sweep: &Sweep, n: usize, reps: usize) -> SimConfig {
        let mut cfg = SimConfig::new(sweep.spec.clone());
        cfg.n = n;
        cfg.p = sweep.p(n);
        if !sweep.gammas.is_empty() {
            cfg.gammas = sweep.gammas.clone();
        }
        cfg.seeds = reps;
        cfg.seed = self.seed(&sweep.seed_key(n));
        cfg
    }

    fn progress(&self) -> bool {
        self.budget.progress && self.exec == Exec::Sequential
    }

    /// Runs `f(0..jobs)` as independent rows ([`Exec`]), results in job order.
    pub fn rows<T: Send>(
        &self,
        jobs: usize,
        f: impl Fn(usize) -> Result<T> + Sync + Send,
    ) -> Result<Vec<T>> {
        match self.exec {
            Exec::Sequential => (0..jobs).map(f).collect(),
            Exec::Parallel => (0..jobs).into_par_iter().map(f).collect(),
        }
    }

    /// One row of Monte Carlo: `sweep` at size `n` with the replicates the policy asks for
    /// (starting from the grid's `reps`).
    pub fn measure(&self, sweep: &Sweep, n: usize, reps: usize) -> Result<SimResult> {
        measure_with(
            &self.config(sweep, n, reps),
            self.replicates.as_ref(),
            self.progress(),
        )
    }

    /// Every size of every sweep (rows run as [`Exec`] says), per sweep and size.
    pub fn simulate(&self, sweeps: &[Sweep]) -> Result<Vec<Vec<SimResult>>> {
        let jobs: Vec<(usize, usize, usize)> = sweeps
            .iter()
            .enumerate()
            .flat_map(|(i, s)| s.sizes.iter().map(move |&(n, r)| (i, n, r)))
            .collect();
        let flat = self.rows(jobs.len(), |j| {
            let (i, n, r) = jobs[j];
            self.measure(&sweeps[i], n, r)
        })?;
        let mut it = flat.into_iter();
        Ok(sweeps
            .iter()
            .map(|s| it.by_ref().take(s.sizes.len()).collect())
            .collect())
    }

    /// The rows of `sweep` from its runs (one per size) against `theory` (one point per gamma).
    pub fn compare(
        &self,
        sweep: &Sweep,
        runs: &[SimResult],
        theory: &[TheoryPoint],
        checks: &[Check],
    ) -> Block {
        let mut errs = vec![vec![Vec::new(); sweep.gammas.len()]; checks.len()];
        let mut rows = Vec::new();
        for (run, &(n, _)) in runs.iter().zip(&sweep.sizes) {
            let reps = run.replicates.len();
            let mut at_n = Vec::new();
            for (k, pt) in run.points.iter().enumerate() {
                let th = &theory[k];
                for (ci, ch) in checks.iter().enumerate() {
                    let q = ch.quantity;
                    let mut label = format!("{} gamma={:e}", sweep.label, pt.gamma);
                    if checks.len() > 1 {
                        label.push_str(&format!(": {}", q.name()));
                    }
                    let m = Measured::of(&q.summary(pt), n, reps, pt.gamma);
                    let row = ch.tol.row(label, q.theory(th), th.converged, &m);
                    if th.converged {
                        errs[ci][k].push(row.err);
                    }
                    at_n.push(row);
                }
            }
            rows.push(at_n);
        }
        Block {
            label: sweep.label.clone(),
            ns: sweep.sizes.iter().map(|s| s.0).collect(),
            gammas: sweep.gammas.clone(),
            quantities: checks.iter().map(|c| c.quantity).collect(),
            rows,
            errs,
        }
    }

    /// The whole loop: theory for each sweep (`theory`, e.g. [`model_theory`]), Monte Carlo at
    /// each size, one row per size x gamma x check, one slope note per sweep.
    pub fn sweep(
        &self,
        sweeps: &[Sweep],
        checks: &[Check],
        theory: &TheoryFn<'_>,
    ) -> Result<Outcome> {
        let th = sweeps.iter().map(theory).collect::<Result<Vec<_>>>()?;
        for (s, t) in sweeps.iter().zip(&th) {
            if t.len() != s.gammas.len() {
                return Err(Error::param(
                    "theory",
                    t.len(),
                    format!("{}: one point per gamma expected", s.label),
                ));
            }
        }
        let runs = self.simulate(sweeps)?;
        let blocks = sweeps
            .iter()
            .zip(&runs)
            .zip(&th)
            .map(|((s, r), t)| self.compare(s, r, t, checks))
            .collect();
        Ok(Outcome {
            blocks,
            runs,
            theory: th,
        })
    }
}

/// A [`SimResult`] from replicates (summaries per gamma).
/// One row of Monte Carlo under a replicate policy: `cfg` with `cfg.seeds` as the planned
/// (grid) count; the policy decides how many replicates are drawn ([`Fixed`]: exactly
/// `cfg.seeds`, at least 2). Replicate `r` always has the same streams, so the result equals one
/// fixed run of the final count, for any thread count. Used by the claims ([`Evidence::measure`]),
/// the figures and the `check-activation` spot check.
pub fn measure_with(
    cfg: &SimConfig,
    policy: &dyn ReplicatePolicy,
    progress: bool,
) -> Result<SimResult> {
    let planned = cfg.seeds;
    let mut cfg = cfg.clone();
    cfg.seeds = policy.initial(planned).max(2);
    let mut run = monte_carlo::simulate(&cfg, progress)?;
    loop {
        let more = policy.more(planned, &run.replicates);
        if more == 0 {
            return Ok(run);
        }
        let start = run.replicates.len();
        let extra = (start..start + more)
            .into_par_iter()
            .map(|r| monte_carlo::run_replicate(&cfg, r))
            .collect::<Result<Vec<_>>>()?;
        let mut reps_all = std::mem::take(&mut run.replicates);
        reps_all.extend(extra);
        cfg.seeds = reps_all.len();
        run = summarize_run(cfg.clone(), reps_all);
    }
}

fn summarize_run(config: SimConfig, replicates: Vec<ReplicateResult>) -> SimResult {
    let points = config
        .gammas
        .iter()
        .enumerate()
        .map(|(k, &gamma)| {
            let col = |q: Quantity| -> Vec<f64> {
                replicates.iter().map(|r| q.replicate(r, k)).collect()
            };
            SimPoint {
                gamma,
                e: monte_carlo::summarize(&col(Quantity::E)),
                yqy: monte_carlo::summarize(&col(Quantity::YQy)),
                trq: monte_carlo::summarize(&col(Quantity::TrQ)),
            }
        })
        .collect();
    SimResult {
        config,
        replicates,
        points,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activation::Activation;
    use crate::claim::Status;
    use crate::model::{Diag, ModelKind};

    fn ridge_sweep(label: &str) -> Sweep {
        let spec = ModelSpec::single_head(
            ModelKind::Ridge,
            Activation::parse("linear").unwrap(),
            1.0,
            &[],
            &[],
            Diag::Zero,
        )
        .unwrap();
        Sweep::new(label, spec, 0.5)
            .gammas(&[0.1, 1.0])
            .sizes(&[(32, 4), (64, 3)])
    }

    /// A sequential rule that draws 2 more replicates once, for the test of the continuation.
    #[derive(Debug)]
    struct TwoMore;
    impl ReplicatePolicy for TwoMore {
        fn initial(&self, planned: usize) -> usize {
            planned
        }
        fn more(&self, planned: usize, drawn: &[ReplicateResult]) -> usize {
            if drawn.len() < planned + 2 {
                2
            } else {
                0
            }
        }
        fn describe(&self) -> String {
            "two more".into()
        }
    }

    #[test]
    fn parallel_rows_are_bit_identical_and_continuation_matches_one_run() {
        let b = Budget::quick();
        let sweeps = [ridge_sweep("a"), ridge_sweep("b").paired("a")];
        let seq = Evidence::new("t", &b).with_exec(Exec::Sequential);
        let par = Evidence::new("t", &b).with_exec(Exec::Parallel);
        let (x, y) = (
            seq.simulate(&sweeps).unwrap(),
            par.simulate(&sweeps).unwrap(),
        );
        for (rx, ry) in x.iter().flatten().zip(y.iter().flatten()) {
            assert_eq!(rx.replicates.len(), ry.replicates.len());
            for (a, b) in rx.replicates.iter().zip(&ry.replicates) {
                assert_eq!(a.e, b.e);
            }
        }
        // paired: same seed, same numbers; another label: other seeds
        assert_eq!(x[0][0].config.seed, x[1][0].config.seed);
        assert_eq!(x[0][0].replicates[0].e, x[1][0].replicates[0].e);
        let other = seq.simulate(&[ridge_sweep("c")]).unwrap();
        assert_ne!(other[0][0].replicates[0].e, x[0][0].replicates[0].e);
        // the continuation of a sequential rule gives the replicates of one longer run
        let more = seq.clone().with_replicates(TwoMore);
        let m = more.measure(&sweeps[0], 32, 4).unwrap();
        let one = seq.measure(&sweeps[0], 32, 6).unwrap();
        assert_eq!(m.replicates.len(), 6);
        for (a, b) in m.replicates.iter().zip(&one.replicates) {
            assert_eq!(a.e, b.e);
        }
        assert_eq!(m.points[1].e.mean, one.points[1].e.mean);
    }

    #[test]
    fn fixed_precision_stops_on_spread_only_and_is_thread_count_invariant() {
        let sweep = ridge_sweep("p");
        let b = Budget::quick();
        // A loose target is reached at the floor; an impossible one runs to the cap.
        let loose = Precision {
            min_floor: 2,
            ..Precision::new(10.0, 0.0).bounds(0.5, 2.0)
        };
        let tight = Precision {
            min_floor: 2,
            ..Precision::new(0.0, 0.0).bounds(0.5, 2.0)
        };
        let ev = Evidence::new("t", &b).with_exec(Exec::Sequential);
        assert_eq!(
            ev.clone()
                .with_replicates(loose)
                .measure(&sweep, 32, 8)
                .unwrap()
                .replicates
                .len(),
            4
        );
        let capped = ev
            .clone()
            .with_replicates(tight.clone())
            .measure(&sweep, 32, 8)
            .unwrap();
        assert_eq!(capped.replicates.len(), 16);
        // A middle target stops in between, at the same count and bits with 1, 2 and 3 threads,
        // and equals one fixed run of that count.
        let mid = tight.clone();
        let se_at = |m: usize, k: usize| {
            let v: Vec<f64> = capped.replicates[..m].iter().map(|r| r.e[k]).collect();
            monte_carlo::summarize(&v).se
        };
        // Reached at the checkpoint of 12 replicates at the latest (checkpoints 4, 8, 12, 16).
        let mid = Precision {
            abs: se_at(12, 0).max(se_at(12, 1)) * 1.0000001,
            ..mid
        }
        .watch(&[Quantity::E]);
        let runs: Vec<SimResult> = [1, 2, 3]
            .iter()
            .map(|&t| {
                let pool = rayon::ThreadPoolBuilder::new()
                    .num_threads(t)
                    .build()
                    .unwrap();
                pool.install(|| {
                    ev.clone()
                        .with_replicates(mid.clone())
                        .measure(&sweep, 32, 8)
                        .unwrap()
                })
            })
            .collect();
        let m = runs[0].replicates.len();
        assert!([4, 8, 12].contains(&m), "stopped at {m}");
        for r in &runs[1..] {
            assert_eq!(r.replicates.len(), m);
            assert_eq!(
                r.points[0].e.mean.to_bits(),
                runs[0].points[0].e.mean.to_bits()
            );
            assert_eq!(r.points[1].e.se.to_bits(), runs[0].points[1].e.se.to_bits());
        }
        let one = ev.measure(&sweep, 32, m).unwrap();
        assert_eq!(
            one.points[1].e.mean.to_bits(),
            runs[0].points[1].e.mean.to_bits()
        );
        // The count does not depend on the theory: the policy never sees it (its inputs are the
        // replicates only), so a wrong theory is judged on the same replicates.
        let checks = [Check::new(Quantity::E, Tol::rel(4.0, 1.0, 1.0))];
        let wrong = |s: &Sweep| {
            model_theory(s).map(|v| {
                v.into_iter()
                    .map(|mut t| {
                        t.e *= 2.0;
                        t
                    })
                    .collect()
            })
        };
        let pev = ev.clone().with_replicates(mid.clone());
        let good = pev
            .sweep(std::slice::from_ref(&sweep), &checks, &model_theory)
            .unwrap();
        let bad = pev.sweep(&[sweep], &checks, &wrong).unwrap();
        for (g, b) in good.runs[0].iter().zip(&bad.runs[0]) {
            assert_eq!(g.replicates.len(), b.replicates.len());
        }
        assert!(bad.rows().iter().any(|r| r.status == Status::Fails));
    }

    #[test]
    fn sweep_rows_notes_and_failing_theory() {
        let ev = Evidence::new("t", &Budget::quick());
        let checks = [Check::new(Quantity::E, Tol::rel(4.0, 1.0, 1.0))];
        let out = ev
            .sweep(&[ridge_sweep("r")], &checks, &model_theory)
            .unwrap();
        let rows = out.rows();
        assert_eq!(rows.len(), 4);
        assert_eq!(rows[0].label, "r gamma=1e-1");
        assert_eq!(rows[0].n, Some(32));
        assert!(rows.iter().all(|r| r.status == Status::Holds));
        assert!(out.notes()[0].starts_with("r: log-log slope of |err| vs n (32,64): gamma=1e-1: "));
        // a wrong theory fails
        let wrong = |s: &Sweep| {
            model_theory(s).map(|v| {
                v.into_iter()
                    .map(|mut t| {
                        t.e *= 2.0;
                        t
                    })
                    .collect()
            })
        };
        let bad = ev.sweep(&[ridge_sweep("r")], &checks, &wrong).unwrap();
        assert!(bad.rows().iter().any(|r| r.status == Status::Fails));
    }
}
