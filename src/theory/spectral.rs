//! Limiting spectra (docs/spectra.md), complex `z` with `Im z > 0`.
//!
//! **(a) Kernel matrix** (`mu = 0, w = 0`): `m_K` solves
//! `m = -1/(z - s - a1/(1 + a1 m/c) + (sigma^2/c) m)`, i.e. the cubic
//! `b k m^3 + (b + al k) m^2 + (al + k - a1) m + 1 = 0`, `al = z - s`, `b = sigma^2/c`, `k = a1/c`.
//! Branch: `Im m > 0`, tracked by continuation from `z0 = Re z + 50 i` (where `m ~ -1/z`) down
//! to `Im z`, picking the root nearest the previous one.
//!
//! **(b) `Phi^T Phi / n`** (`mu = 0`): `m_F(z)` = bulk entry `m[u,R1]` of the attention pencil at
//! `gamma = -z`, computed by the eta-path of [`Pencil::solve_eta_path`]; along a grid, warm-started
//! Newton in `x` with the **safeguard** of docs/spectra.md §2 (recompute by the eta-path if Newton fails,
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
use crate::error::{
    require_finite, require_nonnegative, require_positive, Deadline, Error, Result,
};
use num_complex::Complex64 as C64;
use std::f64::consts::PI;

/// Relative precision of the bisection of [`gram_edges`]: the threshold edge itself is only
/// defined to ~1e-6 (eta-smoothing), and each step costs a full eta-path solve.
pub const EDGE_RELATIVE_PRECISION: f64 = 1e-8;

/// Density threshold for edges: `1e-4` of a flat density on the grid (docs/spectra.md §4).
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

/// `Delta(y)`, the discriminant of the cubic of [`kernel_coeffs`] in `m` at real
/// `z = s + y`: `A m^3 + B m^2 + C m + 1` with `A = b k`, `B = k y + b`, `C = y + k - a1`
/// (`b = sigma^2/c`, `k = a1/c`); `Delta = 18ABC - 4B^3 + B^2 C^2 - 4AC^3 - 27A^2`.
fn kernel_discriminant(c: f64, a1: f64, nu: f64, y: f64) -> f64 {
    let (b, k) = ((nu - a1 * a1).max(0.0) / c, a1 / c);
    let (aa, bb, cc) = (b * k, k * y + b, y + k - a1);
    18.0 * aa * bb * cc - 4.0 * bb.powi(3) + bb * bb * cc * cc
        - 4.0 * aa * cc.powi(3)
        - 27.0 * aa * aa
}

/// Coefficients (ascending powers of `y`) of [`kernel_discriminant`], a quartic.
fn kernel_discriminant_poly(c: f64, a1: f64, nu: f64) -> [f64; 5] {
    let (b, k) = ((nu - a1 * a1).max(0.0) / c, a1 / c);
    let a = b * k;
    let g = k - a1;
    let mul = |p: &[f64], q: &[f64]| {
        let mut r = vec![0.0; p.len() + q.len() - 1];
        for (i, x) in p.iter().enumerate() {
            for (j, y) in q.iter().enumerate() {
                r[i + j] += x * y;
            }
        }
        r
    };
    let bp = [b, k];
    let cp = [g, 1.0];
    let bc = mul(&bp, &cp);
    let b2 = mul(&bp, &bp);
    let b3 = mul(&b2, &bp);
    let c2 = mul(&cp, &cp);
    let c3 = mul(&c2, &cp);
    let b2c2 = mul(&b2, &c2);
    let mut d = [0.0; 5];
    for (i, v) in bc.iter().enumerate() {
        d[i] += 18.0 * a * v;
    }
    for (i, v) in b3.iter().enumerate() {
        d[i] -= 4.0 * v;
    }
    for (i, v) in b2c2.iter().enumerate() {
        d[i] += v;
    }
    for (i, v) in c3.iter().enumerate() {
        d[i] -= 4.0 * a * v;
    }
    d[0] -= 27.0 * a * a;
    d
}

/// `c` range of [`kernel_edges`]: the discriminant edges are checked against the density
/// (which integrates to 1 within 1e-4 on a 20,000-point grid) down to `c = 1e-5` and up to
/// `1e5`; at `c = 1e-6` the far piece of the support (mass `c`, near `a1/c`) is lost. One
/// decade of margin each side.
pub const KERNEL_C_RANGE: (f64, f64) = (1e-4, 1e4);

/// `c` range of the `Phi^T Phi/n` spectrum on the command line and in the Python package:
/// below 0.1 the eta-path solver of the pencil needs thousands of Newton steps per point near
/// the upper edge (14 s at `c = 0.054`) and stops converging near `c = 0.03`; 0.1 runs in
/// ~2-6 s on 2 shared cores, and up to 1000 it stays under a second.
pub const GRAM_C_RANGE: (f64, f64) = (0.1, 1e3);

/// Most grid points of a density (each one solve; the gram solve is ~ms).
pub const MAX_POINTS: usize = 10_000;

/// Largest `|Re z|` and `Im z` of a spectral point: beyond 1e6 the pencil solve of `m_F` loses
/// its relative accuracy (at `z = 1e7 + i` its `Im m` is 20 times too large).
pub const Z_MAX: f64 = 1e6;

/// Smallest `Im z` of a spectral point.
pub const IM_Z_MIN: f64 = 1e-12;

/// Checks `c` against the range where the solver of the kernel (`gram = false`,
/// [`KERNEL_C_RANGE`]) or `Phi^T Phi/n` (`gram = true`, [`GRAM_C_RANGE`]) spectrum is trusted;
/// the message names both ranges.
pub fn check_spectrum_c(gram: bool, c: f64) -> Result<()> {
    crate::error::require_positive("c", c)?;
    let fmt = crate::error::fmt_num;
    let (this, other, name, other_name) = if gram {
        (GRAM_C_RANGE, KERNEL_C_RANGE, "gram", "kernel")
    } else {
        (KERNEL_C_RANGE, GRAM_C_RANGE, "kernel", "gram")
    };
    if !(this.0..=this.1).contains(&c) {
        return Err(Error::param(
            "c",
            fmt(c),
            format!(
                "allowed [{}, {}] for --matrix {name}, the range where its solver is trusted \
                 (--matrix {other_name}: [{}, {}]; README: Bad input)",
                fmt(this.0),
                fmt(this.1),
                fmt(other.0),
                fmt(other.1)
            ),
        ));
    }
    Ok(())
}

/// A spectral point `z = re + i im` in range (`|re| <= `[`Z_MAX`], [`IM_Z_MIN`]` <= im <= `
/// [`Z_MAX`]); `text` is how the caller got it (for the message).
pub fn spectral_point(re: f64, im: f64, text: &str) -> Result<C64> {
    let in_range = |t: f64, lo: f64| (lo..=Z_MAX).contains(&t);
    if !in_range(re.abs(), 0.0) || !in_range(im, IM_Z_MIN) {
        let fmt = crate::error::fmt_num;
        return Err(Error::param(
            "z",
            text,
            format!(
                "expected RE,IM with |RE| <= {} and {} <= IM <= {}",
                fmt(Z_MAX),
                fmt(IM_Z_MIN),
                fmt(Z_MAX)
            ),
        ));
    }
    Ok(C64::new(re, im))
}

/// Parses `"RE,IM"` into a spectral point in range ([`spectral_point`]).
pub fn parse_spectral_point(s: &str) -> Result<C64> {
    let v: Vec<f64> = s
        .split(',')
        .map(|t| t.trim().parse::<f64>())
        .collect::<std::result::Result<_, _>>()
        .map_err(|_| Error::param("z", s, "expected RE,IM"))?;
    match v[..] {
        [re, im] => spectral_point(re, im, s),
        _ => spectral_point(f64::NAN, f64::NAN, s),
    }
}

/// Outer edges `(lambda_min, lambda_max)` of the kernel spectrum: the support is where the
/// cubic of [`kernel_stieltjes`] has a complex root pair at real `z`, i.e. where its
/// discriminant `Delta(z - s)` (a quartic in `z`) is negative and the tracked branch has
/// `Im m > 0`; the edges are real roots of the quartic (Durand–Kerner, then bisection on
/// `Delta` to adjacent doubles). Exact up to rounding for every `c`, where a density threshold
/// on a grid is not (the support at `c = 1e-3` is two pieces, about `[-11, 10]` and
/// `[600, 645]`).
pub fn kernel_edges(c: f64, a1: f64, nu: f64, s: f64) -> Result<(f64, f64)> {
    check_kernel(c, a1, nu, s)?;
    if !(KERNEL_C_RANGE.0..=KERNEL_C_RANGE.1).contains(&c) {
        return Err(Error::param(
            "c",
            crate::error::fmt_num(c),
            format!(
                "allowed [{}, {}] for the kernel spectrum edges",
                crate::error::fmt_num(KERNEL_C_RANGE.0),
                crate::error::fmt_num(KERNEL_C_RANGE.1)
            ),
        ));
    }
    if nu - a1 * a1 <= 0.0 && a1 == 0.0 {
        return Err(Error::param(
            "nu",
            nu,
            "the kernel spectrum of a constant activation (nu = 0) is a point mass",
        ));
    }
    let coef: Vec<C64> = kernel_discriminant_poly(c, a1, nu)
        .iter()
        .map(|&v| C64::new(v, 0.0))
        .collect();
    let delta = |y: f64| kernel_discriminant(c, a1, nu, y);
    // Real roots (up to the accuracy of the root finder), each refined to a sign change.
    let mut roots: Vec<f64> = Vec::new();
    for r in poly_roots(&coef) {
        if r.im.abs() > 1e-6 * (1.0 + r.re.abs()) {
            continue;
        }
        let y = r.re;
        let mut h = 1e-12 * (1.0 + y.abs());
        let refined = loop {
            let (lo, hi) = (y - h, y + h);
            let (dl, dh) = (delta(lo), delta(hi));
            if (dl < 0.0) != (dh < 0.0) {
                let (mut a, mut b, neg_a) = (lo, hi, dl < 0.0);
                for _ in 0..200 {
                    let m = 0.5 * (a + b);
                    if m <= a || m >= b {
                        break;
                    }
                    if (delta(m) < 0.0) == neg_a {
                        a = m;
                    } else {
                        b = m;
                    }
                }
                break Some(0.5 * (a + b));
            }
            h *= 8.0;
            if h > 1e-3 * (1.0 + y.abs()) {
                break None; // a double root (an atom, e.g. sigma = 0): no sign change
            }
        };
        if let Some(y) = refined {
            roots.push(y);
        }
    }
    roots.sort_by(f64::total_cmp);
    roots.dedup_by(|a, b| (*a - *b).abs() <= 1e-12 * (1.0 + b.abs()));
    // Support pieces: between consecutive roots, Delta < 0 and the density does not scale
    // with eta (Im m at eta and 10 eta agree within a factor 2; off the support Im m ~ eta).
    let scale = kernel_scale(c, a1, nu, s);
    let eta = 1e-10 * (1.0 + scale);
    let inside = |y: f64| -> Result<bool> {
        if delta(y).is_nan() || delta(y) >= 0.0 {
            return Ok(false);
        }
        let m1 = kernel_stieltjes(c, a1, nu, s, C64::new(s + y, eta))?.im;
        let m2 = kernel_stieltjes(c, a1, nu, s, C64::new(s + y, 10.0 * eta))?.im;
        Ok(m1 > 0.0 && m2 < 2.0 * m1)
    };
    let mut lo = f64::INFINITY;
    let mut hi = f64::NEG_INFINITY;
    for w in roots.windows(2) {
        if inside(0.5 * (w[0] + w[1]))? {
            lo = lo.min(w[0]);
            hi = hi.max(w[1]);
        }
    }
    if lo.is_nan() || hi.is_nan() || lo >= hi {
        return Err(Error::Quadrature {
            detail: format!(
                "kernel spectrum: no support found (c = {c}, a1 = {a1}, nu = {nu}; discriminant \
                 roots {roots:?})"
            ),
        });
    }
    Ok((s + lo, s + hi))
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

/// Warm-started Newton from a neighbouring solution `from`, accepted under the safeguard of
/// docs/spectra.md §2 (converged, `Im m > 0`, `m` moved by at most 30 %); otherwise the eta-path.
fn gram_solve_near(pen: &Pencil, z: C64, from: Option<&Bulk>) -> Result<Bulk> {
    let warm = match from {
        Some(b) => {
            let nb = pen.newton(-z, b.m.clone(), 40);
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
    match warm {
        Some(b) => Ok(b),
        None => pen.solve_eta_path(z), // safeguard (docs/spectra.md §2)
    }
}

/// Densities at `xs` (continuation along sorted `x`) and the solution at each point.
fn gram_density_bulks(
    pen: &Pencil,
    atom: f64,
    xs: &[f64],
    eta: f64,
    deadline: &Deadline,
) -> Result<(Vec<f64>, Vec<Option<Bulk>>)> {
    let mut order: Vec<usize> = (0..xs.len()).collect();
    order.sort_by(|&a, &b| xs[a].total_cmp(&xs[b]));
    let mut out = vec![0.0; xs.len()];
    let mut bulks: Vec<Option<Bulk>> = vec![None; xs.len()];
    let mut prev: Option<usize> = None;
    for &i in &order {
        deadline.check("the spectrum of Phi^T Phi/n")?;
        let z = C64::new(xs[i], eta);
        let b = gram_solve_near(pen, z, prev.and_then(|j| bulks[j].as_ref()))?;
        let m = pen.entry(&b.m, 0, 0);
        out[i] = (m.im - atom * (-1.0 / z).im) / PI;
        bulks[i] = Some(b);
        prev = Some(i);
    }
    Ok((out, bulks))
}

/// Continuous density of `Phi^T Phi/n` (atom `(1-c)_+` removed) at `xs` (all `x > 0`),
/// `eta = 1e-7 max|x|`.
pub fn gram_density(p: &AttentionParams, xs: &[f64]) -> Result<Vec<f64>> {
    gram_density_within(p, xs, &Deadline::unlimited())
}

/// [`gram_density`] within a time budget (checked at every point).
pub fn gram_density_within(
    p: &AttentionParams,
    xs: &[f64],
    deadline: &Deadline,
) -> Result<Vec<f64>> {
    for &x in xs {
        require_positive("x", x)?;
    }
    let xmax = xs.iter().copied().fold(0.0, f64::max);
    let pen = gram_check(p)?;
    let atom = (1.0 - p.c).max(0.0);
    Ok(gram_density_bulks(&pen, atom, xs, 1e-7 * xmax.max(1e-300), deadline)?.0)
}

/// Edges `(lambda_-, lambda_+)` of the nonzero part of `Phi^T Phi/n` (`lambda_- = 0` when the
/// support touches 0, e.g. `c >= 1`). Grid of 300 points on `(1e-5 m1/max(c,1e-3), 60 m1/min(1,c))`
/// (`m1` the first moment), threshold [`EDGE_THRESHOLD`], then bisection with the eta-path
/// (the reference solve: warm-started Newton moves the lower edge at `c = 0.1` by 2e-3) down
/// to [`EDGE_RELATIVE_PRECISION`].
pub fn gram_edges(p: &AttentionParams) -> Result<(f64, f64)> {
    gram_edges_within(p, &Deadline::unlimited())
}

/// [`gram_edges`] within a time budget (checked at every solve).
pub fn gram_edges_within(p: &AttentionParams, deadline: &Deadline) -> Result<(f64, f64)> {
    let m1 = first_moment_gram(p.c, p.a1, p.nu, p.s);
    let lo = 1e-5 * m1 / p.c.max(1e-3);
    let hi = 60.0 * m1 / p.c.min(1.0);
    let eta = 1e-9 * hi;
    let atom = (1.0 - p.c).max(0.0);
    let pen = gram_check(p)?;
    let k = 300;
    let xs: Vec<f64> = (0..k)
        .map(|i| lo + (hi - lo) * i as f64 / (k - 1) as f64)
        .collect();
    let (d, bulks) = gram_density_bulks(&pen, atom, &xs, eta, deadline)?;
    let thr = EDGE_THRESHOLD / (hi - lo);
    let on: Vec<usize> = (0..k).filter(|&i| d[i] > thr).collect();
    let (Some(&first), Some(&last)) = (on.first(), on.last()) else {
        return Err(Error::Quadrature {
            detail: "density below threshold on the whole grid (no support found)".into(),
        });
    };
    drop(bulks);
    let bis = |mut inside: f64, mut outside: f64| -> Result<f64> {
        for _ in 0..40 {
            if (outside - inside).abs() <= EDGE_RELATIVE_PRECISION * inside.abs() {
                break;
            }
            deadline.check("the spectrum edges of Phi^T Phi/n")?;
            let mid = 0.5 * (inside + outside);
            let z = C64::new(mid, eta);
            let b = pen.solve_eta_path(z)?;
            let dm = (pen.entry(&b.m, 0, 0).im - atom * (-1.0 / z).im) / PI;
            if dm > thr {
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
        0.0
    } else {
        bis(xs[first], xs[first - 1])?
    };
    Ok((lower, upper))
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
