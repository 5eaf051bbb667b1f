//! Root finders for small complex systems `G(x) = x - F(x) = 0`, as argmin [`Solver`]s.
//!
//! argmin 0.11 has no Newton method for systems and no fixed-point/Anderson solver (docs/dependencies.md §3), so
//! this module adds two, modelled on argmin's Landweber solver file:
//!
//! * [`DampedNewton`]: `x_{k+1} = x_k - lambda J(x_k)^{-1} G(x_k)` with the analytic Jacobian
//!   `J = dG/dx` supplied by the problem and backtracking `lambda = 1, 1/2, 1/4, ...` until the
//!   residual decreases (Armijo-type test `r(x_{k+1}) < (1 - 1e-4 lambda) r(x_k)`);
//! * [`DampedPicard`]: `x_{k+1} = x_k - d G(x_k) = (1 - d) x_k + d F(x_k)`.
//!
//! Both use the *relative residual* `r(x) = max_i |G_i(x)| / max(1, max_i |x_i|)` as the argmin
//! cost, so argmin's `target_cost` is the stopping rule and `max_iters` the cap. The unknowns are
//! `Vec<Complex64>` (never faer types: the solver API stays independent of the linear-algebra crate), so the same code serves real `gamma > 0` and
//! complex `gamma = -z`. [`solve_newton`] / [`solve_picard`] run the argmin executor and return a
//! [`FixedPointSolution`] carrying `(converged, iterations, residual)`; non-convergence is a
//! status, not an error (callers turn it into [`Error::NoConvergence`] with context).
//!
//! This module is the only one that touches argmin. Its submodule `lu` holds a tiny dense
//! complex LU with partial pivoting ([`lu_solve`], [`inverse`]) for the small systems of the
//! pencil (faer's set-up cost dominates at these sizes; measured in `lu`'s docs).
//!
//! ## References
//! Kelley, C. T. (2003): Solving Nonlinear Equations with Newton's Method, SIAM (backtracking);
//! docs/pencil.md §5 (Newton + continuation for the MDE).

mod lu;
pub use lu::{inverse, lu_solve};

use crate::error::{Error, Result};
use argmin::core::{
    CostFunction, Executor, IterState, Jacobian, Operator, Problem, Solver, State, KV,
};
use num_complex::Complex64 as C64;

/// A square system `G(x) = 0` with an analytic Jacobian.
pub trait RootSystem {
    /// Number of unknowns.
    fn dim(&self) -> usize;
    /// The residual `G(x)` (for a fixed point `x = F(x)`, `G(x) = x - F(x)`).
    fn residual(&self, x: &[C64]) -> Result<Vec<C64>>;
    /// The Jacobian `dG/dx`, row-major `dim x dim`.
    fn jacobian(&self, x: &[C64]) -> Result<Vec<C64>>;
}

/// `J <- I - J` for a row-major `d x d` Jacobian `J` of a map `x -> F(x)`: the Jacobian of the
/// fixed-point residual `x - F(x)`.
pub fn identity_minus(j: &mut [C64], d: usize) {
    debug_assert_eq!(j.len(), d * d);
    for v in j.iter_mut() {
        *v = -*v;
    }
    for i in 0..d {
        j[i * d + i] += 1.0;
    }
}

/// Relative residual `max |g| / max(1, max |x|)`.
pub fn relative_residual(g: &[C64], x: &[C64]) -> f64 {
    let gn = g.iter().map(|v| v.norm()).fold(0.0, f64::max);
    let xn = x.iter().map(|v| v.norm()).fold(1.0, f64::max);
    gn / xn
}

/// Adapter that exposes a [`RootSystem`] to argmin.
struct Adapter<'a, S: RootSystem>(&'a S);

impl<S: RootSystem> Operator for Adapter<'_, S> {
    type Param = Vec<C64>;
    type Output = Vec<C64>;
    fn apply(&self, x: &Vec<C64>) -> std::result::Result<Vec<C64>, argmin::core::Error> {
        Ok(self.0.residual(x)?)
    }
}

impl<S: RootSystem> Jacobian for Adapter<'_, S> {
    type Param = Vec<C64>;
    type Jacobian = Vec<C64>;
    fn jacobian(&self, x: &Vec<C64>) -> std::result::Result<Vec<C64>, argmin::core::Error> {
        Ok(self.0.jacobian(x)?)
    }
}

impl<S: RootSystem> CostFunction for Adapter<'_, S> {
    type Param = Vec<C64>;
    type Output = f64;
    fn cost(&self, x: &Vec<C64>) -> std::result::Result<f64, argmin::core::Error> {
        let g = self.0.residual(x)?;
        Ok(relative_residual(&g, x))
    }
}

type St = IterState<Vec<C64>, (), (), (), (), f64>;

fn take_param(state: &mut St, who: &str) -> std::result::Result<Vec<C64>, argmin::core::Error> {
    state.take_param().ok_or_else(|| {
        anyhow::anyhow!("`{who}` requires an initial parameter vector (Executor::configure)")
    })
}

/// Damped Newton with analytic Jacobian and residual backtracking (see module docs).
#[derive(Clone, Debug)]
pub struct DampedNewton {
    /// Maximal number of step halvings per iteration.
    pub max_backtrack: usize,
    cached: Option<Vec<C64>>,
}

impl DampedNewton {
    /// A new solver (30 halvings at most, i.e. `lambda >= 2^-30`).
    pub fn new() -> Self {
        DampedNewton {
            max_backtrack: 30,
            cached: None,
        }
    }
}

impl Default for DampedNewton {
    fn default() -> Self {
        Self::new()
    }
}

impl<'a, S: RootSystem> Solver<Adapter<'a, S>, St> for DampedNewton {
    fn name(&self) -> &str {
        "DampedNewton"
    }

    fn init(
        &mut self,
        problem: &mut Problem<Adapter<'a, S>>,
        mut state: St,
    ) -> std::result::Result<(St, Option<KV>), argmin::core::Error> {
        let x = take_param(&mut state, "DampedNewton")?;
        let g = problem.apply(&x)?;
        let r = relative_residual(&g, &x);
        self.cached = Some(g);
        Ok((state.param(x).cost(r), None))
    }

    fn next_iter(
        &mut self,
        problem: &mut Problem<Adapter<'a, S>>,
        mut state: St,
    ) -> std::result::Result<(St, Option<KV>), argmin::core::Error> {
        let x = take_param(&mut state, "DampedNewton")?;
        let g = match self.cached.take() {
            Some(g) => g,
            None => problem.apply(&x)?,
        };
        let r0 = relative_residual(&g, &x);
        let n = x.len();
        let mut j = problem.jacobian(&x)?;
        let mut step = g.clone();
        lu_solve(&mut j, n, &mut step)?;
        let mut lam = 1.0;
        let mut best: Option<(Vec<C64>, Vec<C64>, f64)> = None;
        for _ in 0..=self.max_backtrack {
            let xt: Vec<C64> = x.iter().zip(&step).map(|(a, b)| a - b * lam).collect();
            let gt = problem.apply(&xt)?;
            let rt = relative_residual(&gt, &xt);
            let ok = rt.is_finite() && rt < r0 * (1.0 - 1e-4 * lam);
            if rt.is_finite() && best.as_ref().is_none_or(|b| rt < b.2) {
                best = Some((xt, gt, rt));
            }
            if ok {
                break;
            }
            lam *= 0.5;
        }
        match best {
            Some((xt, gt, rt)) if rt <= r0 => {
                self.cached = Some(gt);
                Ok((state.param(xt).cost(rt), None))
            }
            // no decrease at all: keep x (the executor stops at max_iters; status = not converged)
            _ => {
                self.cached = Some(g);
                Ok((state.param(x).cost(r0), None))
            }
        }
    }
}

/// Damped fixed-point (Picard) iteration `x <- x - d G(x) = (1-d) x + d F(x)`.
#[derive(Clone, Debug)]
pub struct DampedPicard {
    /// Damping `d in (0, 1]`.
    pub damp: f64,
}

impl<'a, S: RootSystem> Solver<Adapter<'a, S>, St> for DampedPicard {
    fn name(&self) -> &str {
        "DampedPicard"
    }

    fn init(
        &mut self,
        problem: &mut Problem<Adapter<'a, S>>,
        mut state: St,
    ) -> std::result::Result<(St, Option<KV>), argmin::core::Error> {
        let x = take_param(&mut state, "DampedPicard")?;
        let r = problem.cost(&x)?;
        Ok((state.param(x).cost(r), None))
    }

    fn next_iter(
        &mut self,
        problem: &mut Problem<Adapter<'a, S>>,
        mut state: St,
    ) -> std::result::Result<(St, Option<KV>), argmin::core::Error> {
        let x = take_param(&mut state, "DampedPicard")?;
        let g = problem.apply(&x)?;
        let xn: Vec<C64> = x.iter().zip(&g).map(|(a, b)| a - b * self.damp).collect();
        // cost of the *previous* iterate (one residual evaluation per iteration)
        let r = relative_residual(&g, &x);
        Ok((state.param(xn).cost(r), None))
    }
}

/// Stopping options.
#[derive(Clone, Copy, Debug)]
pub struct SolveOpts {
    /// Relative residual tolerance (argmin `target_cost`).
    pub tol: f64,
    /// Iteration cap.
    pub max_iters: u64,
}

impl Default for SolveOpts {
    /// `tol = 1e-13` (docs/pencil.md §3, §5: relative tolerance reached at gamma down to 1e-10),
    /// 100 Newton iterations.
    fn default() -> Self {
        SolveOpts {
            tol: 1e-13,
            max_iters: 100,
        }
    }
}

/// Result of a solve with its status.
#[derive(Clone, Debug)]
pub struct FixedPointSolution {
    /// Final iterate.
    pub x: Vec<C64>,
    /// Iterations used.
    pub iterations: usize,
    /// Final relative residual.
    pub residual: f64,
    /// `residual <= tol`.
    pub converged: bool,
}

fn to_err(e: argmin::core::Error) -> Error {
    match e.downcast::<Error>() {
        Ok(e) => e,
        Err(e) => Error::Linalg {
            op: "fixed point".into(),
            detail: format!("{e:#}"),
        },
    }
}

fn run<'a, S: RootSystem, V: Solver<Adapter<'a, S>, St>>(
    sys: &'a S,
    solver: V,
    x0: Vec<C64>,
    opts: SolveOpts,
) -> Result<FixedPointSolution> {
    if x0.len() != sys.dim() {
        return Err(Error::param("x0", x0.len(), "wrong length"));
    }
    let res = Executor::new(Adapter(sys), solver)
        .configure(|s| s.param(x0).max_iters(opts.max_iters).target_cost(opts.tol))
        .timer(false)
        .run()
        .map_err(to_err)?;
    let st = res.state();
    let x = st.get_param().cloned().unwrap_or_default();
    let residual = st.get_cost();
    Ok(FixedPointSolution {
        x,
        iterations: st.get_iter() as usize,
        residual,
        converged: residual <= opts.tol,
    })
}

/// Runs [`DampedNewton`] from `x0`.
pub fn solve_newton<S: RootSystem>(
    sys: &S,
    x0: Vec<C64>,
    opts: SolveOpts,
) -> Result<FixedPointSolution> {
    run(sys, DampedNewton::new(), x0, opts)
}

/// Runs [`DampedPicard`] with damping `damp` from `x0`.
pub fn solve_picard<S: RootSystem>(
    sys: &S,
    x0: Vec<C64>,
    damp: f64,
    opts: SolveOpts,
) -> Result<FixedPointSolution> {
    if !(damp > 0.0 && damp <= 1.0) {
        return Err(Error::param("damp", damp, "must be in (0, 1]"));
    }
    run(sys, DampedPicard { damp }, x0, opts)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `x_i = cos(x_i) / 2` componentwise (contraction), plus a complex scalar `x^2 = -1 + 0i`.
    struct Cosine;
    impl RootSystem for Cosine {
        fn dim(&self) -> usize {
            2
        }
        fn residual(&self, x: &[C64]) -> Result<Vec<C64>> {
            Ok(x.iter().map(|v| v - v.cos() * 0.5).collect())
        }
        fn jacobian(&self, x: &[C64]) -> Result<Vec<C64>> {
            let one = C64::new(1.0, 0.0);
            Ok(vec![
                one + x[0].sin() * 0.5,
                C64::default(),
                C64::default(),
                one + x[1].sin() * 0.5,
            ])
        }
    }

    #[test]
    fn newton_and_picard_agree() {
        let x0 = vec![C64::new(0.0, 0.0); 2];
        let a = solve_newton(&Cosine, x0.clone(), SolveOpts::default()).unwrap();
        let b = solve_picard(
            &Cosine,
            x0,
            1.0,
            SolveOpts {
                tol: 1e-13,
                max_iters: 500,
            },
        )
        .unwrap();
        assert!(a.converged && b.converged, "{a:?} {b:?}");
        assert!(a.iterations < 10 && b.iterations > a.iterations);
        // root of x = cos(x)/2: 0.4501836112948736 (reference: 16 digits, bisection)
        assert!((a.x[0].re - 0.450_183_611_294_873_6).abs() < 1e-14);
        assert!((b.x[1].re - a.x[1].re).abs() < 1e-12);
    }

    #[test]
    fn cap_is_a_status() {
        let r = solve_picard(
            &Cosine,
            vec![C64::new(3.0, 0.0); 2],
            0.01,
            SolveOpts {
                tol: 1e-13,
                max_iters: 3,
            },
        )
        .unwrap();
        assert!(!r.converged && r.iterations == 3 && r.residual > 1e-3);
    }

    #[test]
    fn lu_inverse() {
        let a = vec![
            C64::new(0.0, 0.0),
            C64::new(2.0, 1.0),
            C64::new(1.0, 0.0),
            C64::new(3.0, -1.0),
        ];
        let ai = inverse(&a, 2).unwrap();
        for i in 0..2 {
            for j in 0..2 {
                let s: C64 = (0..2).map(|k| a[i * 2 + k] * ai[k * 2 + j]).sum();
                let e = if i == j { 1.0 } else { 0.0 };
                assert!((s - e).norm() < 1e-15 * 8.0); // eps x size
            }
        }
        assert!(inverse(&[C64::default(); 4], 2).is_err());
    }
}
