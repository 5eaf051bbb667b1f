//! Monte Carlo on the exact RAF model (`docs/raf.md §9`): exact kernel ridge (an `n x n`
//! Cholesky solve), linear ridge, random-features ridge, at finite `d`.
//!
//! **Data** (replicate `r`, named streams of [`crate::random::stream`]`(seed, r, ..)`):
//! `w* ~ N(0, I_d)` ("raf-teacher"); inputs `x_mu ~ N(0, I_d)` ("raf-inputs", column by column),
//! projected on the sphere of radius `sqrt d` for kernel ridge; per sample a uniform draw decides
//! fact (prob. `eps`) or rule, and facts draw a fair sign ("raf-labels"); rule labels are
//! `sign(w*.x/sqrt d)`. Random features `F ~ N(0,1)^{p x d}` ("raf-features"); test inputs in
//! blocks of [`TEST_BLOCK`] ("raf-test").
//!
//! **Learners** (all with the ridge `lambda`, several `lambda` on the same data):
//! * `Krr`: `K_ij = kappa_c(x_i.x_j/d)` with the centred kernel of the activation
//!   ([`DotKernel`]), `c = (K + lambda I)^{-1} y` by Cholesky, training predictions
//!   `f = K c = y - lambda c`, test predictions `f(x) = sum_i c_i kappa_c(x.x_i/d)`;
//! * `Linear`: `u = argmin sum (y - u.x/sqrt d)^2 + lambda |u|^2` on Gaussian inputs (the dual
//!   `n x n` or primal `d x d` system, whichever is smaller);
//! * `Rf`: `w = argmin sum (y - w.sigma_c(F x/sqrt d)/sqrt p)^2 + lambda |w|^2`, `sigma_c = sigma - a0`.
//!
//! **Errors.** `eps_mem` and `eps_rt` are the fractions of facts / rule samples with
//! `y f(x) < 0` (NaN for a replicate without facts). `eps_gen` is the error against the rule on
//! fresh inputs:
//! * linear ridge: exactly `arccos(u.w*/|u||w*|)/pi`, the average over fresh Gaussian inputs
//!   (no test sampling needed);
//! * kernel and random-features ridge: `n_test` fresh inputs with the linear part of the
//!   predictor as a control variate. With `u` the linear component of `f`
//!   (`mu1^2 sum_i c_i x_i/d` for KRR, `mu1 F^T w/sqrt(d p)` for RF),
//!   `eps_gen = arccos(cos(u, w*))/pi + mean_test(1[f wrong] - 1[u.x wrong])`: unbiased for the
//!   fresh-input error of `f` (the first term is the exact fresh-input error of `u.x`), with a
//!   variance set by the few test points where `f` and `u.x` disagree. `eps_gen_plain` is the
//!   plain test-point average, also reported.
//!
//! **Determinism.** Products use the fixed block partition of [`crate::linalg`], the Cholesky
//! solve is sequential ([`crate::linalg::llt_solve_seq`]), every reduction is a sequential loop,
//! replicates run in parallel and are collected in replicate order: results are bit-identical
//! for any rayon thread count.

use super::kernel::{DotKernel, KernelCoeffs};
use crate::activation::Activation;
use crate::error::{require_positive, Error, Result};
use crate::linalg::{gemm_blocked, gram_lower, llt_solve_seq, mem_available_bytes};
use crate::monte_carlo::{summarize, Summary};
use crate::random::stream;
use faer::Mat;
use rand::Rng as _;
use rand_distr::{Distribution, StandardNormal};
use rayon::prelude::*;
use serde::Serialize;
use std::f64::consts::PI;

/// Test inputs are drawn and evaluated in blocks of this many.
pub const TEST_BLOCK: usize = 1000;

/// Largest number of samples, features or dimensions accepted (before any allocation).
pub const MAX_SIZE: usize = 1 << 26;

/// Which learner to simulate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum McLearner {
    /// Exact kernel ridge regression.
    Krr,
    /// Linear ridge regression.
    Linear,
    /// Random-features ridge regression.
    Rf,
}

/// A Monte Carlo configuration.
#[derive(Clone, Debug, Serialize)]
pub struct McSpec {
    /// Learner.
    pub learner: McLearner,
    /// Activation (kernel or features); ignored by `Linear`.
    #[serde(serialize_with = "ser_act")]
    pub activation: Activation,
    /// Fraction of facts.
    pub eps: f64,
    /// Ridges, all solved on the same data.
    pub lambdas: Vec<f64>,
    /// Samples.
    pub n: usize,
    /// Input dimension.
    pub d: usize,
    /// Random features (`Rf` only).
    pub p: usize,
    /// Fresh test inputs (`Krr`, `Rf`).
    pub n_test: usize,
    /// Replicates.
    pub seeds: usize,
    /// Base seed.
    pub seed: u64,
}

fn ser_act<S: serde::Serializer>(a: &Activation, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(a.name())
}

impl McSpec {
    /// A spec with `n_test = 10^4`, 4 seeds, seed 2506.
    pub fn new(
        learner: McLearner,
        activation: Activation,
        eps: f64,
        lambdas: Vec<f64>,
        n: usize,
        d: usize,
    ) -> McSpec {
        McSpec {
            learner,
            activation,
            eps,
            lambdas,
            n,
            d,
            p: 0,
            n_test: 10_000,
            seeds: 4,
            seed: 2506,
        }
    }

    /// Checks every parameter (before any allocation).
    pub fn validate(&self) -> Result<()> {
        super::theory::require_eps(self.eps)?;
        if self.lambdas.is_empty() {
            return Err(Error::param("lambda", "[]", "give at least one ridge"));
        }
        for &l in &self.lambdas {
            require_positive("lambda", l)?;
        }
        for (name, v) in [("n", self.n), ("d", self.d)] {
            if v == 0 || v > MAX_SIZE {
                return Err(Error::param(name, v, format!("must be in 1..={MAX_SIZE}")));
            }
        }
        if self.learner == McLearner::Rf && (self.p == 0 || self.p > MAX_SIZE) {
            return Err(Error::param(
                "p",
                self.p,
                format!("random features need p in 1..={MAX_SIZE}"),
            ));
        }
        if self.learner != McLearner::Linear && (self.n_test == 0 || self.n_test > MAX_SIZE) {
            return Err(Error::param(
                "n_test",
                self.n_test,
                format!("must be in 1..={MAX_SIZE}"),
            ));
        }
        if self.seeds < 2 {
            return Err(Error::param(
                "seeds",
                self.seeds,
                "need at least 2 replicates for a standard error",
            ));
        }
        Ok(())
    }

    /// Estimated peak bytes of one replicate (`f64` matrices), or `None` on overflow.
    pub fn replicate_bytes(&self) -> Option<u128> {
        let (n, d, p) = (self.n as u128, self.d as u128, self.p as u128);
        let b = (TEST_BLOCK.min(self.n_test.max(1))) as u128;
        let l = self.lambdas.len() as u128;
        let words = match self.learner {
            McLearner::Krr => d * n + 2 * n * n + d * b + b * n + 4 * n * l + 2 * d * l,
            McLearner::Linear => {
                let m = n.min(d);
                d * n + 2 * m * m + 4 * (n + d) * l
            }
            McLearner::Rf => {
                let m = n.min(p);
                d * n + p * d + p * n + 2 * m * m + p * b + d * b + 4 * (n + p + d) * l
            }
        };
        words.checked_mul(8)
    }

    /// `Err(Error::Memory)` when one replicate does not fit in the available memory.
    pub fn check_memory(&self) -> Result<()> {
        let avail = mem_available_bytes() as u128;
        let need = self.replicate_bytes().unwrap_or(u128::MAX);
        if need > avail {
            let gib = |b: u128| b as f64 / (1u64 << 30) as f64;
            return Err(Error::Memory {
                needed_gib: gib(need),
                available_gib: gib(avail),
                what: format!(
                    "one replicate of {:?} at n = {}, d = {}, p = {}",
                    self.learner, self.n, self.d, self.p
                ),
            });
        }
        Ok(())
    }

    fn concurrency(&self) -> usize {
        let per = self.replicate_bytes().unwrap_or(u128::MAX).max(1);
        let fit = (mem_available_bytes() as u128 * 4 / 5 / per) as usize;
        rayon::current_num_threads().min(self.seeds).min(fit).max(1)
    }
}

/// Errors of one replicate at one ridge.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct ReplicateErrors {
    /// Generalization error (control-variate estimate, or exact for linear ridge).
    pub eps_gen: f64,
    /// Plain test-point average (= `eps_gen` for linear ridge).
    pub eps_gen_plain: f64,
    /// Training error on the facts (NaN without facts).
    pub eps_mem: f64,
    /// Training error on the rule samples.
    pub eps_rt: f64,
}

/// One replicate.
#[derive(Clone, Debug, Serialize)]
pub struct McReplicate {
    /// One entry per ridge of the spec.
    pub per_lambda: Vec<ReplicateErrors>,
    /// Number of facts in the training set.
    pub n_facts: usize,
}

/// Summaries at one ridge.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct McPoint {
    /// Ridge.
    pub lambda: f64,
    /// Generalization error.
    pub eps_gen: Summary,
    /// Plain test-point average.
    pub eps_gen_plain: Summary,
    /// Memorization error (over replicates with at least one fact).
    pub eps_mem: Summary,
    /// Training error on the rule.
    pub eps_rt: Summary,
}

/// A whole run.
#[derive(Clone, Debug, Serialize)]
pub struct McResult {
    /// Configuration.
    pub spec: McSpec,
    /// Replicates in order.
    pub replicates: Vec<McReplicate>,
    /// One summary per ridge.
    pub points: Vec<McPoint>,
}

/// Training data of one replicate.
struct Data {
    /// `d x n`, columns are samples.
    x: Mat<f64>,
    y: Vec<f64>,
    fact: Vec<bool>,
    wstar: Vec<f64>,
}

/// Column `j` of an owned matrix as a slice (owned `Mat` columns are contiguous).
fn col(m: &Mat<f64>, j: usize) -> &[f64] {
    m.col(j)
        .try_as_col_major()
        .expect("columns of an owned Mat are contiguous")
        .as_slice()
}

/// Column `j` of an owned matrix as a mutable slice.
fn col_mut(m: &mut Mat<f64>, j: usize) -> &mut [f64] {
    m.col_mut(j)
        .try_as_col_major_mut()
        .expect("columns of an owned Mat are contiguous")
        .as_slice_mut()
}

fn normal_fill(m: &mut Mat<f64>, rng: &mut crate::random::Rng) {
    for j in 0..m.ncols() {
        for v in col_mut(m, j) {
            *v = StandardNormal.sample(rng);
        }
    }
}

/// Projects every column of `m` on the sphere of radius `sqrt(rows)`.
fn to_sphere(m: &mut Mat<f64>) {
    let d = m.nrows() as f64;
    for j in 0..m.ncols() {
        let c = col_mut(m, j);
        let s: f64 = c.iter().map(|v| v * v).sum();
        let f = (d / s).sqrt();
        for v in c {
            *v *= f;
        }
    }
}

/// `m^T v` (sequential dot products, one per column of `m`).
fn cols_dot(m: &Mat<f64>, v: &[f64]) -> Vec<f64> {
    (0..m.ncols()).map(|j| dot(col(m, j), v)).collect()
}

/// `m c` (`m` is `r x k`, sequential axpy over columns).
fn mat_vec(m: &Mat<f64>, c: &[f64]) -> Vec<f64> {
    let mut out = vec![0.0; m.nrows()];
    for (j, &cj) in c.iter().enumerate() {
        for (o, v) in out.iter_mut().zip(col(m, j)) {
            *o += v * cj;
        }
    }
    out
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn sample(spec: &McSpec, r: usize, sphere: bool) -> Data {
    let (n, d) = (spec.n, spec.d);
    let mut rng = stream(spec.seed, r as u64, "raf-teacher");
    let wstar: Vec<f64> = (0..d).map(|_| StandardNormal.sample(&mut rng)).collect();
    let mut x = Mat::<f64>::zeros(d, n);
    normal_fill(&mut x, &mut stream(spec.seed, r as u64, "raf-inputs"));
    if sphere {
        to_sphere(&mut x);
    }
    let z = cols_dot(&x, &wstar);
    let mut rng = stream(spec.seed, r as u64, "raf-labels");
    let mut y = Vec::with_capacity(n);
    let mut fact = Vec::with_capacity(n);
    for zj in z {
        let is_fact = rng.random::<f64>() < spec.eps;
        fact.push(is_fact);
        y.push(if is_fact {
            if rng.random::<bool>() {
                1.0
            } else {
                -1.0
            }
        } else if zj >= 0.0 {
            1.0
        } else {
            -1.0
        });
    }
    Data { x, y, fact, wstar }
}

/// Fractions of facts / rule samples with `y f < 0`.
fn train_errors(data: &Data, f: &[f64]) -> (f64, f64) {
    let (mut wf, mut nf, mut wr, mut nr) = (0usize, 0usize, 0usize, 0usize);
    for ((&y, &fa), &fv) in data.y.iter().zip(&data.fact).zip(f) {
        let wrong = y * fv < 0.0;
        if fa {
            nf += 1;
            wf += wrong as usize;
        } else {
            nr += 1;
            wr += wrong as usize;
        }
    }
    let frac = |w: usize, t: usize| {
        if t == 0 {
            f64::NAN
        } else {
            w as f64 / t as f64
        }
    };
    (frac(wf, nf), frac(wr, nr))
}

fn angle(u: &[f64], w: &[f64]) -> f64 {
    let c = dot(u, w) / (dot(u, u) * dot(w, w)).sqrt();
    c.clamp(-1.0, 1.0).acos() / PI
}

/// Test-point counts for the control-variate estimate of each ridge.
struct TestCounts {
    wrong_f: Vec<usize>,
    wrong_lin: Vec<usize>,
    total: usize,
}

impl TestCounts {
    fn new(l: usize) -> Self {
        TestCounts {
            wrong_f: vec![0; l],
            wrong_lin: vec![0; l],
            total: 0,
        }
    }

    /// Adds a block: `f` and `lin` are `B x L`, `z` the teacher fields.
    fn add(&mut self, f: &Mat<f64>, lin: &Mat<f64>, z: &[f64]) {
        for l in 0..f.ncols() {
            for ((fi, li), zi) in col(f, l).iter().zip(col(lin, l)).zip(z) {
                self.wrong_f[l] += (fi * zi < 0.0) as usize;
                self.wrong_lin[l] += (li * zi < 0.0) as usize;
            }
        }
        self.total += z.len();
    }

    /// `(control-variate estimate, plain estimate)` for ridge `l`, given the exact error of the
    /// linear part.
    fn estimates(&self, l: usize, exact_lin: f64) -> (f64, f64) {
        let t = self.total as f64;
        let plain = self.wrong_f[l] as f64 / t;
        let lin = self.wrong_lin[l] as f64 / t;
        (exact_lin + plain - lin, plain)
    }
}

fn from_columns(cols: &[Vec<f64>], rows: usize) -> Mat<f64> {
    Mat::from_fn(rows, cols.len(), |i, j| cols[j][i])
}

/// Solves `(A + lambda I) X = B` for every ridge (`a` lower triangle used; cloned per ridge).
fn ridge_solves(a: &Mat<f64>, b: &[f64], lambdas: &[f64]) -> Result<Vec<Vec<f64>>> {
    lambdas
        .iter()
        .map(|&l| {
            let mut m = a.clone();
            for i in 0..m.nrows() {
                m[(i, i)] += l;
            }
            let mut rhs = Mat::from_fn(b.len(), 1, |i, _| b[i]);
            llt_solve_seq(m.as_mut(), rhs.as_mut())?;
            Ok((0..b.len()).map(|i| rhs[(i, 0)]).collect())
        })
        .collect()
}

fn strict_lower_abs_max(m: &Mat<f64>) -> f64 {
    (0..m.ncols())
        .flat_map(|j| col(m, j)[j + 1..].iter())
        .fold(0.0f64, |r, v| r.max(v.abs()))
}

fn all_abs_max(m: &Mat<f64>) -> f64 {
    (0..m.ncols())
        .flat_map(|j| col(m, j).iter())
        .fold(0.0f64, |r, v| r.max(v.abs()))
}

fn krr_replicate(spec: &McSpec, kernel: &DotKernel, r: usize) -> Result<McReplicate> {
    let slope = kernel.slope();
    let (n, d) = (spec.n, spec.d);
    let data = sample(spec, r, true);
    let mut k = Mat::<f64>::zeros(n, n);
    gram_lower(k.as_mut(), data.x.as_ref(), 1.0 / d as f64);
    let plan = kernel.plan(strict_lower_abs_max(&k))?;
    let diag = kernel.diag();
    for j in 0..n {
        let col = col_mut(&mut k, j);
        col[j] = diag;
        kernel.apply(&mut col[j + 1..], plan);
    }
    let cs = ridge_solves(&k, &data.y, &spec.lambdas)?;
    drop(k);
    let mut per = Vec::with_capacity(cs.len());
    // linear components u_l = slope X c_l / d
    let us: Vec<Vec<f64>> = cs
        .iter()
        .map(|c| {
            mat_vec(&data.x, c)
                .into_iter()
                .map(|v| slope * v / d as f64)
                .collect()
        })
        .collect();
    let cmat = from_columns(&cs, n);
    let umat = from_columns(&us, d);
    let mut counts = TestCounts::new(cs.len());
    let mut rng = stream(spec.seed, r as u64, "raf-test");
    let mut left = spec.n_test;
    while left > 0 {
        let b = left.min(TEST_BLOCK);
        left -= b;
        let mut xt = Mat::<f64>::zeros(d, b);
        normal_fill(&mut xt, &mut rng);
        to_sphere(&mut xt);
        let z = cols_dot(&xt, &data.wstar);
        let mut kt = Mat::<f64>::zeros(b, n);
        gemm_blocked(kt.as_mut(), xt.transpose(), data.x.as_ref(), 1.0 / d as f64);
        let plan = kernel.plan(all_abs_max(&kt))?;
        for j in 0..n {
            kernel.apply(col_mut(&mut kt, j), plan);
        }
        let mut f = Mat::<f64>::zeros(b, cs.len());
        gemm_blocked(f.as_mut(), kt.as_ref(), cmat.as_ref(), 1.0);
        let mut lin = Mat::<f64>::zeros(b, cs.len());
        gemm_blocked(lin.as_mut(), xt.transpose(), umat.as_ref(), 1.0);
        counts.add(&f, &lin, &z);
    }
    for (l, (c, u)) in cs.iter().zip(&us).enumerate() {
        let f: Vec<f64> = data
            .y
            .iter()
            .zip(c)
            .map(|(y, ci)| y - spec.lambdas[l] * ci)
            .collect();
        let (eps_mem, eps_rt) = train_errors(&data, &f);
        let (eps_gen, eps_gen_plain) = counts.estimates(l, angle(u, &data.wstar));
        per.push(ReplicateErrors {
            eps_gen,
            eps_gen_plain,
            eps_mem,
            eps_rt,
        });
    }
    Ok(McReplicate {
        per_lambda: per,
        n_facts: data.fact.iter().filter(|f| **f).count(),
    })
}

/// Ridge regression in the features `s a` (`a` is `k x n`, one column per sample):
/// `w = argmin |y - s a^T w|^2 + lambda |w|^2` for every ridge, returned with the training
/// predictions `f = s a^T w`. `dual`: through the `n x n` system `(s^2 a^T a + lambda) c = y`
/// (`w = s a c`, `f = y - lambda c`), else the `k x k` one `(s^2 a a^T + lambda) w = s a y`.
fn feature_ridge(
    a: &Mat<f64>,
    s: f64,
    y: &[f64],
    lambdas: &[f64],
    dual: bool,
) -> Result<Vec<(Vec<f64>, Vec<f64>)>> {
    let (k, n) = (a.nrows(), a.ncols());
    if dual {
        let mut g = Mat::<f64>::zeros(n, n);
        gram_lower(g.as_mut(), a.as_ref(), s * s);
        let cs = ridge_solves(&g, y, lambdas)?;
        Ok(cs
            .into_iter()
            .zip(lambdas)
            .map(|(c, &l)| {
                let w: Vec<f64> = mat_vec(a, &c).into_iter().map(|v| s * v).collect();
                let f = y.iter().zip(&c).map(|(yi, ci)| yi - l * ci).collect();
                (w, f)
            })
            .collect())
    } else {
        let mut g = Mat::<f64>::zeros(k, k);
        gram_lower(g.as_mut(), a.transpose(), s * s);
        let rhs: Vec<f64> = mat_vec(a, y).into_iter().map(|v| s * v).collect();
        Ok(ridge_solves(&g, &rhs, lambdas)?
            .into_iter()
            .map(|w| {
                let f = cols_dot(a, &w).into_iter().map(|v| s * v).collect();
                (w, f)
            })
            .collect())
    }
}

fn linear_replicate(spec: &McSpec, r: usize) -> Result<McReplicate> {
    let (n, d) = (spec.n, spec.d);
    let data = sample(spec, r, false);
    // (u, training predictions) per ridge, through the smaller system
    let sols = feature_ridge(
        &data.x,
        1.0 / (d as f64).sqrt(),
        &data.y,
        &spec.lambdas,
        n <= d,
    )?;
    let per = sols
        .iter()
        .map(|(u, f)| {
            let (eps_mem, eps_rt) = train_errors(&data, f);
            let g = angle(u, &data.wstar);
            ReplicateErrors {
                eps_gen: g,
                eps_gen_plain: g,
                eps_mem,
                eps_rt,
            }
        })
        .collect();
    Ok(McReplicate {
        per_lambda: per,
        n_facts: data.fact.iter().filter(|f| **f).count(),
    })
}

/// `(sigma(h) - a0)/sqrt p` in place.
fn features_in_place(h: &mut Mat<f64>, act: &Activation, a0: f64, p: usize) {
    let s = 1.0 / (p as f64).sqrt();
    for j in 0..h.ncols() {
        for v in col_mut(h, j) {
            *v = (act.eval(*v) - a0) * s;
        }
    }
}

fn rf_replicate(spec: &McSpec, co: &KernelCoeffs, r: usize) -> Result<McReplicate> {
    let (n, d, p) = (spec.n, spec.d, spec.p);
    let data = sample(spec, r, false);
    let mut f_mat = Mat::<f64>::zeros(p, d);
    normal_fill(&mut f_mat, &mut stream(spec.seed, r as u64, "raf-features"));
    let sd = (d as f64).sqrt();
    let mut u = Mat::<f64>::zeros(p, n);
    gemm_blocked(u.as_mut(), f_mat.as_ref(), data.x.as_ref(), 1.0 / sd);
    features_in_place(&mut u, &spec.activation, co.a0, p);
    // (w, training predictions) per ridge, through the smaller system
    let sols = feature_ridge(&u, 1.0, &data.y, &spec.lambdas, n <= p)?;
    drop(u);
    // linear components u_l = mu1 F^T w_l / sqrt(d p)
    let scale = co.mu1 / (sd * (p as f64).sqrt());
    let lins: Vec<Vec<f64>> = sols
        .iter()
        .map(|(w, _)| cols_dot(&f_mat, w).into_iter().map(|v| v * scale).collect())
        .collect();
    let ws: Vec<Vec<f64>> = sols.iter().map(|(w, _)| w.clone()).collect();
    let wmat = from_columns(&ws, p);
    let umat = from_columns(&lins, d);
    let mut counts = TestCounts::new(ws.len());
    let mut rng = stream(spec.seed, r as u64, "raf-test");
    let mut left = spec.n_test;
    while left > 0 {
        let b = left.min(TEST_BLOCK);
        left -= b;
        let mut xt = Mat::<f64>::zeros(d, b);
        normal_fill(&mut xt, &mut rng);
        let z = cols_dot(&xt, &data.wstar);
        let mut ht = Mat::<f64>::zeros(p, b);
        gemm_blocked(ht.as_mut(), f_mat.as_ref(), xt.as_ref(), 1.0 / sd);
        features_in_place(&mut ht, &spec.activation, co.a0, p);
        let mut f = Mat::<f64>::zeros(b, ws.len());
        gemm_blocked(f.as_mut(), ht.transpose(), wmat.as_ref(), 1.0);
        let mut lin = Mat::<f64>::zeros(b, ws.len());
        gemm_blocked(lin.as_mut(), xt.transpose(), umat.as_ref(), 1.0);
        counts.add(&f, &lin, &z);
    }
    let per = sols
        .iter()
        .zip(&lins)
        .enumerate()
        .map(|(l, ((_, f), lu))| {
            let (eps_mem, eps_rt) = train_errors(&data, f);
            let (eps_gen, eps_gen_plain) = counts.estimates(l, angle(lu, &data.wstar));
            ReplicateErrors {
                eps_gen,
                eps_gen_plain,
                eps_mem,
                eps_rt,
            }
        })
        .collect();
    Ok(McReplicate {
        per_lambda: per,
        n_facts: data.fact.iter().filter(|f| **f).count(),
    })
}

/// What a replicate needs besides the spec (computed once per run).
enum Prepared {
    Krr(DotKernel),
    Linear,
    Rf(KernelCoeffs),
}

fn prepare(spec: &McSpec) -> Result<Prepared> {
    Ok(match spec.learner {
        McLearner::Krr => {
            // validates a1 != 0 (a kernel without linear part cannot learn the rule)
            KernelCoeffs::from_activation(&spec.activation)?;
            Prepared::Krr(DotKernel::for_activation(&spec.activation)?)
        }
        McLearner::Linear => Prepared::Linear,
        McLearner::Rf => Prepared::Rf(KernelCoeffs::from_activation(&spec.activation)?),
    })
}

fn replicate_with(spec: &McSpec, prep: &Prepared, r: usize) -> Result<McReplicate> {
    let out = match prep {
        Prepared::Krr(k) => krr_replicate(spec, k, r)?,
        Prepared::Linear => linear_replicate(spec, r)?,
        Prepared::Rf(co) => rf_replicate(spec, co, r)?,
    };
    if out
        .per_lambda
        .iter()
        .any(|e| !(e.eps_gen.is_finite() && e.eps_rt.is_finite() && e.eps_gen_plain.is_finite()))
    {
        return Err(Error::Linalg {
            op: "RAF Monte Carlo".into(),
            detail: format!("non-finite error in replicate {r}"),
        });
    }
    Ok(out)
}

/// Replicate `r` of `spec` alone (the same numbers as in [`simulate`]).
pub fn run_replicate(spec: &McSpec, r: usize) -> Result<McReplicate> {
    spec.validate()?;
    spec.check_memory()?;
    replicate_with(spec, &prepare(spec)?, r)
}

/// Runs every replicate (in parallel, collected in replicate order) and summarizes each ridge.
pub fn simulate(spec: &McSpec) -> Result<McResult> {
    spec.validate()?;
    spec.check_memory()?;
    let prep = prepare(spec)?;
    let conc = spec.concurrency();
    let mut replicates = Vec::with_capacity(spec.seeds);
    let mut start = 0;
    while start < spec.seeds {
        let end = (start + conc).min(spec.seeds);
        let chunk: Vec<McReplicate> = (start..end)
            .into_par_iter()
            .map(|r| replicate_with(spec, &prep, r))
            .collect::<Result<_>>()?;
        replicates.extend(chunk);
        start = end;
    }
    let points = spec
        .lambdas
        .iter()
        .enumerate()
        .map(|(l, &lambda)| {
            let col = |f: fn(&ReplicateErrors) -> f64| -> Vec<f64> {
                replicates
                    .iter()
                    .map(|r| f(&r.per_lambda[l]))
                    .filter(|v| v.is_finite())
                    .collect()
            };
            McPoint {
                lambda,
                eps_gen: summarize(&col(|e| e.eps_gen)),
                eps_gen_plain: summarize(&col(|e| e.eps_gen_plain)),
                eps_mem: summarize(&col(|e| e.eps_mem)),
                eps_rt: summarize(&col(|e| e.eps_rt)),
            }
        })
        .collect();
    Ok(McResult {
        spec: spec.clone(),
        replicates,
        points,
    })
}

/// Mean and standard error over replicates of `f(a) - f(b)` for ridges `a`, `b` of the same
/// run (paired: the data are shared, so the difference is much less noisy than either).
pub fn paired_difference(
    res: &McResult,
    a: usize,
    b: usize,
    f: fn(&ReplicateErrors) -> f64,
) -> Summary {
    let xs: Vec<f64> = res
        .replicates
        .iter()
        .map(|r| f(&r.per_lambda[a]) - f(&r.per_lambda[b]))
        .filter(|v| v.is_finite())
        .collect();
    summarize(&xs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn test_mat(r: usize, c: usize) -> Mat<f64> {
        Mat::from_fn(r, c, |i, j| ((i * 7 + j * 13) % 11) as f64 / 11.0 - 0.4)
    }

    /// The dual (`n x n`) and primal (`k x k`) systems give the same weights and predictions.
    #[test]
    fn dual_and_primal_ridge_agree() {
        for (k, n) in [(30, 50), (50, 30)] {
            let a = test_mat(k, n);
            let y: Vec<f64> = (0..n)
                .map(|i| if i % 3 == 0 { 1.0 } else { -1.0 })
                .collect();
            let l = [0.05, 2.0];
            let d = feature_ridge(&a, 0.3, &y, &l, true).unwrap();
            let p = feature_ridge(&a, 0.3, &y, &l, false).unwrap();
            for ((wd, fd), (wp, fp)) in d.iter().zip(&p) {
                let e = wd.iter().zip(wp).chain(fd.iter().zip(fp));
                for (x, z) in e {
                    assert!((x - z).abs() < 1e-10, "{k} x {n}: {x} vs {z}");
                }
            }
        }
    }

    /// Kernel ridge: the training predictions `y - lambda c` are `K c` of the full kernel.
    #[test]
    fn kernel_training_predictions_are_k_c() {
        let spec = McSpec::new(
            McLearner::Krr,
            Activation::parse("tanh").unwrap(),
            0.3,
            vec![0.1],
            40,
            25,
        );
        let data = sample(&spec, 0, true);
        let kern = DotKernel::for_activation(&spec.activation).unwrap();
        let mut g = Mat::<f64>::zeros(40, 40);
        gram_lower(g.as_mut(), data.x.as_ref(), 1.0 / 25.0);
        let plan = kern.plan(strict_lower_abs_max(&g)).unwrap();
        let full = Mat::from_fn(40, 40, |i, j| {
            if i == j {
                kern.diag()
            } else {
                kern.eval(g[(i.max(j), i.min(j))], plan)
            }
        });
        let c = ridge_solves(&full, &data.y, &[0.1]).unwrap().remove(0);
        let kc = mat_vec(&full, &c);
        for (i, v) in kc.iter().enumerate() {
            assert!((v - (data.y[i] - 0.1 * c[i])).abs() < 1e-10);
        }
    }
}
