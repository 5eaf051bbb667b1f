//! Limiting spectra (ADDENDUM §1), complex `z` with `Im z > 0`.
//!
//! **(a) Kernel matrix** (`mu = 0, w = 0`): `m_K` solves
//! `m = -1/(z - s - a1/(1 + a1 m/c) + (sigma^2/c) m)`, i.e. the cubic
//! `b k m^3 + (b + al k) m^2 + (al + k - a1) m + 1 = 0`, `al = z - s`, `b = sigma^2/c`, `k = a1/c`.
//! Branch: `Im m > 0`, tracked by continuation from `z0 = Re z + 50 i` (where `m ~ -1/z`) down
//! to `Im z`, picking the root nearest the previous one.
//!
//! **(b) `Phi^T Phi / n`** (`mu = 0`): `m_F(z)` = bulk entry `m[u,R1]` of the attention pencil at
//! `gamma = -z`, computed by the eta-path of [`Pencil::solve_eta_path`]; along a grid, warm-started
//! Newton in `x` with the **safeguard** of ADDENDUM §1b (recompute by the eta-path if Newton fails,
//! `Im m <= 0`, or the solution jumps by more than 30 %). `F` has an atom `(1-c)_+` at 0; the
//! continuous density is `[Im m_F - (1-c)_+ Im(-1/z)]/pi`.
//! `a1 = 0, s = 0` closed form: with `w = -1 - z m_F`, `z w = nu (1+w)^2 (1+w/c)`.
//!
//! Densities are Stieltjes inversions at small `eta` (K: `1e-9 * scale`, F: `1e-7 * max|x|`);
//! edges: the outermost points where the density exceeds `EDGE_THRESHOLD / width` on a grid,
//! refined by bisection (`width` = the grid's extent; i.e. 1e-4 of a flat density).
//!
//! [`Pencil::solve_eta_path`]: super::pencil::Pencil::solve_eta_path

use super::attention::{attention_pencil, AttentionParams};
use super::bounds::first_moment_gram;
use super::pencil::{Bulk, Pencil};
use crate::error::{require_finite, require_nonnegative, require_positive, Error, Result};
use num_complex::Complex64 as C64;
use std::f64::consts::PI;

/// Density threshold for edges: `1e-4` of a flat density on the grid (ADDENDUM §5 caveat).
pub const EDGE_THRESHOLD: f64 = 1e-4;

fn check_z(z: C64) -> Result<()> {
    require_finite("Re z", z.re)?;
    if !(z.im > 0.0 && z.im.is_finite()) {
        return Err(Error::param("Im z", z.im, "must be > 0"));
    }
    Ok(())
}

fn check_kernel(c: f64, a1: f64, nu: f64, s: f64) -> Result<()> {
    require_positive("c", c)?;
    require_finite("a1", a1)?;
    require_nonnegative("nu", nu)?;
    require_finite("s", s)?;
    if nu < a1 * a1 * (1.0 - 1e-12) {
        return Err(Error::param("nu", nu, "must be >= a1^2"));
    }
    Ok(())
}

/// Roots of `sum_k coef[k] x^k` (degree <= 3; leading zeros dropped), Durand–Kerner + Newton polish.
fn poly_roots(coef: &[C64]) -> Vec<C64> {
    let scale = coef.iter().map(|c| c.norm()).fold(0.0, f64::max);
    let mut deg = coef.len() - 1;
    while deg > 0 && coef[deg].norm() <= 1e-14 * scale {
        deg -= 1;
    }
    if deg == 0 {
        return vec![];
    }
    let lead = coef[deg];
    let a: Vec<C64> = coef[..=deg].iter().map(|c| c / lead).collect();
    let p = |x: C64| a.iter().rev().fold(C64::default(), |acc, &c| acc * x + c);
    let dp = |x: C64| {
        (1..=deg)
            .rev()
            .fold(C64::default(), |acc, k| acc * x + a[k] * k as f64)
    };
    let bound = 1.0 + a[..deg].iter().map(|c| c.norm()).fold(0.0, f64::max);
    let mut r: Vec<C64> = (0..deg)
        .map(|k| C64::from_polar(0.5 * bound, 0.4 + 2.0 * PI * k as f64 / deg as f64))
        .collect();
    for _ in 0..500 {
        let mut delta = 0.0f64;
        for i in 0..deg {
            let mut den = C64::new(1.0, 0.0);
            for j in 0..deg {
                if i != j {
                    den *= r[i] - r[j];
                }
            }
            if den.norm() == 0.0 {
                den = C64::new(1e-300, 0.0);
            }
            let step = p(r[i]) / den;
            r[i] -= step;
            delta = delta.max(step.norm() / (1.0 + r[i].norm()));
        }
        if delta < 1e-15 {
            break;
        }
    }
    for x in r.iter_mut() {
        for _ in 0..3 {
            let d = dp(*x);
            if d.norm() > 0.0 {
                *x -= p(*x) / d;
            }
        }
    }
    r
}

fn pick(roots: &[C64], prev: C64) -> Option<C64> {
    let pos: Vec<C64> = roots.iter().copied().filter(|m| m.im > 0.0).collect();
    let cand = if pos.is_empty() { roots.to_vec() } else { pos };
    cand.into_iter()
        .min_by(|a, b| (a - prev).norm().total_cmp(&(b - prev).norm()))
}

fn kernel_coeffs(c: f64, a1: f64, nu: f64, s: f64, z: C64) -> [C64; 4] {
    let (b, k, al) = ((nu - a1 * a1).max(0.0) / c, a1 / c, z - s);
    [
        C64::new(1.0, 0.0),
        al + k - a1,
        al * k + b,
        C64::new(b * k, 0.0),
    ]
}

/// Tracks a root along the vertical path `Re z + i t`, `t` from 50 (1 + |Re z|) down to `Im z`.
fn vertical<F: Fn(C64) -> Vec<C64>>(roots_m: &F, z: C64) -> Result<C64> {
    let y0 = (50.0 * (1.0 + z.re.abs())).max(z.im);
    let z0 = C64::new(z.re, y0);
    let mut m = -1.0 / z0;
    let steps = 60;
    for i in 0..=steps {
        let t = y0 * (z.im / y0).powf(i as f64 / steps as f64);
        let zt = C64::new(z.re, t);
        m = pick(&roots_m(zt), m).ok_or_else(|| Error::Linalg {
            op: "cubic".into(),
            detail: format!("no root at z = {zt}"),
        })?;
    }
    if m.im <= 0.0 {
        return Err(Error::NoConvergence {
            solver: "Stieltjes branch tracking".into(),
            iters: steps as u64,
            residual: f64::NAN,
            context: format!(", Im m <= 0 at z = {z}"),
        });
    }
    Ok(m)
}

/// `m_K(z)` for the kernel matrix (cubic, `Im m > 0` branch).
pub fn kernel_stieltjes(c: f64, a1: f64, nu: f64, s: f64, z: C64) -> Result<C64> {
    check_kernel(c, a1, nu, s)?;
    check_z(z)?;
    vertical(&|zz| poly_roots(&kernel_coeffs(c, a1, nu, s, zz)), z)
}

fn kernel_scale(c: f64, a1: f64, nu: f64, s: f64) -> f64 {
    let sig = (nu - a1 * a1).max(0.0).sqrt();
    s.abs()
        + a1.abs() * (1.0 + 1.0 / c.sqrt()).powi(2) * (1.0f64).max(1.0 / c)
        + 2.0 * sig / c.sqrt()
}

/// Density of the kernel spectrum at the points `xs` (Stieltjes inversion at
/// `eta = 1e-9 (1 + scale)`, continuation along sorted `x`).
pub fn kernel_density(c: f64, a1: f64, nu: f64, s: f64, xs: &[f64]) -> Result<Vec<f64>> {
    check_kernel(c, a1, nu, s)?;
    for &x in xs {
        require_finite("x", x)?;
    }
    if xs.is_empty() {
        return Ok(vec![]);
    }
    let eta = 1e-9 * (1.0 + kernel_scale(c, a1, nu, s));
    let mut order: Vec<usize> = (0..xs.len()).collect();
    order.sort_by(|&a, &b| xs[a].total_cmp(&xs[b]));
    let mut out = vec![0.0; xs.len()];
    let mut m = kernel_stieltjes(c, a1, nu, s, C64::new(xs[order[0]], eta))?;
    for &i in &order {
        let z = C64::new(xs[i], eta);
        m = pick(&poly_roots(&kernel_coeffs(c, a1, nu, s, z)), m).ok_or_else(|| Error::Linalg {
            op: "cubic".into(),
            detail: format!("no root at z = {z}"),
        })?;
        out[i] = m.im.max(0.0) / PI;
    }
    Ok(out)
}

fn edges_by_grid<D: Fn(&[f64]) -> Result<Vec<f64>>, P: Fn(f64) -> Result<f64>>(
    dens_grid: &D,
    dens_point: &P,
    lo: f64,
    hi: f64,
    k: usize,
    lower_floor: Option<f64>,
) -> Result<(f64, f64)> {
    let xs: Vec<f64> = (0..k)
        .map(|i| lo + (hi - lo) * i as f64 / (k - 1) as f64)
        .collect();
    let d = dens_grid(&xs)?;
    let thr = EDGE_THRESHOLD / (hi - lo);
    let on: Vec<usize> = (0..k).filter(|&i| d[i] > thr).collect();
    let (Some(&first), Some(&last)) = (on.first(), on.last()) else {
        return Err(Error::Quadrature {
            detail: "density below threshold on the whole grid (no support found)".into(),
        });
    };
    let bis = |mut inside: f64, mut outside: f64| -> Result<f64> {
        for _ in 0..40 {
            let mid = 0.5 * (inside + outside);
            if dens_point(mid)? > thr {
                inside = mid;
            } else {
                outside = mid;
            }
        }
        Ok(0.5 * (inside + outside))
    };
    let upper = if last + 1 < k {
        bis(xs[last], xs[last + 1])?
    } else {
        xs[last]
    };
    let lower = if first == 0 {
        lower_floor.unwrap_or(xs[0])
    } else {
        bis(xs[first], xs[first - 1])?
    };
    Ok((lower, upper))
}

/// Outer edges `(lambda_min, lambda_max)` of the kernel spectrum (grid of 2001 points + bisection).
pub fn kernel_edges(c: f64, a1: f64, nu: f64, s: f64) -> Result<(f64, f64)> {
    check_kernel(c, a1, nu, s)?;
    let b = kernel_scale(c, a1, nu, s) + 0.5;
    edges_by_grid(
        &|xs: &[f64]| kernel_density(c, a1, nu, s, xs),
        &|x| Ok(kernel_stieltjes(c, a1, nu, s, C64::new(x, 1e-9 * (1.0 + b)))?.im / PI),
        -b,
        b,
        2001,
        None,
    )
}

fn gram_check(p: &AttentionParams) -> Result<Pencil> {
    attention_pencil(p)
}

/// `m_F(z)` = bulk `m[u,R1]` at `gamma = -z` (eta-path; `mu`, `w` do not enter the bulk).
pub fn gram_stieltjes(p: &AttentionParams, z: C64) -> Result<C64> {
    check_z(z)?;
    let pen = gram_check(p)?;
    let b = pen.solve_eta_path(z)?;
    let m = pen.entry(&b.m, 0, 0);
    if m.im <= 0.0 {
        return Err(Error::NoConvergence {
            solver: "Stieltjes branch (pencil)".into(),
            iters: b.iterations as u64,
            residual: b.residual,
            context: format!(", Im m <= 0 at z = {z}"),
        });
    }
    Ok(m)
}

fn gram_density_eta(p: &AttentionParams, xs: &[f64], eta: f64) -> Result<Vec<f64>> {
    let pen = gram_check(p)?;
    let atom = (1.0 - p.c).max(0.0);
    let mut order: Vec<usize> = (0..xs.len()).collect();
    order.sort_by(|&a, &b| xs[a].total_cmp(&xs[b]));
    let mut out = vec![0.0; xs.len()];
    let mut prev: Option<Bulk> = None;
    for &i in &order {
        let z = C64::new(xs[i], eta);
        let gamma = -z;
        let warm = match &prev {
            Some(b) => {
                let nb = pen.newton(gamma, b.m.clone(), 40);
                match nb {
                    Ok(nb) if nb.converged => {
                        let (mn, mo) = (pen.entry(&nb.m, 0, 0), pen.entry(&b.m, 0, 0));
                        (mn.im > 0.0 && (mn - mo).norm() <= 0.3 * mo.norm()).then_some(nb)
                    }
                    _ => None,
                }
            }
            None => None,
        };
        let b = match warm {
            Some(b) => b,
            None => pen.solve_eta_path(z)?, // safeguard (ADDENDUM §1b)
        };
        let m = pen.entry(&b.m, 0, 0);
        out[i] = (m.im - atom * (-1.0 / z).im) / PI;
        prev = Some(b);
    }
    Ok(out)
}

/// Continuous density of `Phi^T Phi/n` (atom `(1-c)_+` removed) at `xs` (all `x > 0`),
/// `eta = 1e-7 max|x|`.
pub fn gram_density(p: &AttentionParams, xs: &[f64]) -> Result<Vec<f64>> {
    for &x in xs {
        require_positive("x", x)?;
    }
    let xmax = xs.iter().copied().fold(0.0, f64::max);
    gram_density_eta(p, xs, 1e-7 * xmax.max(1e-300))
}

/// Edges `(lambda_-, lambda_+)` of the nonzero part of `Phi^T Phi/n` (`lambda_- = 0` when the
/// support touches 0, e.g. `c >= 1`). Grid of 300 points on `(1e-5 m1/max(c,1e-3), 60 m1/min(1,c))`
/// (`m1` the first moment), threshold [`EDGE_THRESHOLD`], bisection with the eta-path.
pub fn gram_edges(p: &AttentionParams) -> Result<(f64, f64)> {
    let m1 = first_moment_gram(p.c, p.a1, p.nu, p.s);
    let lo = 1e-5 * m1 / p.c.max(1e-3);
    let hi = 60.0 * m1 / p.c.min(1.0);
    let eta = 1e-9 * hi;
    let atom = (1.0 - p.c).max(0.0);
    let pen = gram_check(p)?;
    edges_by_grid(
        &|xs: &[f64]| gram_density_eta(p, xs, eta),
        &|x| {
            let z = C64::new(x, eta);
            let b = pen.solve_eta_path(z)?;
            Ok((pen.entry(&b.m, 0, 0).im - atom * (-1.0 / z).im) / PI)
        },
        lo,
        hi,
        300,
        Some(0.0),
    )
}

/// `a1 = 0, s = 0` closed form: `m_F(z) = -(1+w)/z` with `z w = nu (1+w)^2 (1+w/c)`.
pub fn gram_stieltjes_a1zero(c: f64, nu: f64, z: C64) -> Result<C64> {
    require_positive("c", c)?;
    require_positive("nu", nu)?;
    check_z(z)?;
    let roots_m = |zz: C64| -> Vec<C64> {
        // nu/c w^3 + nu(2/c+1) w^2 + (nu(1/c+2) - z) w + nu = 0
        let co = [
            C64::new(nu, 0.0),
            C64::new(nu * (1.0 / c + 2.0), 0.0) - zz,
            C64::new(nu * (2.0 / c + 1.0), 0.0),
            C64::new(nu / c, 0.0),
        ];
        poly_roots(&co)
            .into_iter()
            .map(|w| -(1.0 + w) / zz)
            .collect()
    };
    vertical(&roots_m, z)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roots_of_known_cubic() {
        // (x-1)(x-2)(x+3) = x^3 - 7x + 6
        let r = poly_roots(&[6.0, -7.0, 0.0, 1.0].map(|v| C64::new(v, 0.0)));
        for t in [1.0, 2.0, -3.0] {
            assert!(r.iter().any(|x| (x - t).norm() < 1e-13));
        }
    }
}
