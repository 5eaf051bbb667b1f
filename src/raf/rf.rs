//! Random-features ridge at finite `p` (`docs/raf.md §4.5`).
//!
//! Predictor `f(x) = w . sigma(F x/sqrt d)/sqrt p`, `F` a `p x d` Gaussian matrix, objective
//! `sum_mu (y_mu - f(x_mu))^2 + lambda |w|^2`; convention `alpha = n/p`, `gamma = d/p`. The
//! saddle point has a `d`-dimensional signal block `(V_s, q_s, m_s)` and a `p`-dimensional noise
//! block `(V_w, q_w)`, with `kappa1 = mu1`, `kappa_star = mu_star` of the activation.
//!
//! The five equations reduce to one scalar equation (derived, `docs/raf.md §4.5`):
//! * every hat variable depends on the primal ones only through `D = 1 + kappa1^2 V_s +
//!   kappa_star^2 V_w` and `N = 1 + kappa1^2 q_s + kappa_star^2 q_w`;
//! * given `D`, `V_s` and `V_w` are explicit, so `D = 1 + kappa1^2 V_s(D) + kappa_star^2 V_w(D)` is
//!   a scalar equation (solved by Brent; the right side is bounded while the left grows);
//! * then `m_s` is explicit and `(q_s, q_w)` affine in `B = alpha (N - 2 kappa1 m_s a)/D^2`, itself
//!   the solution of one linear equation.
//!
//! [`rf_theory_iterated`] is the plain damped iteration of the five equations (as in the
//! authors' notebook), kept as a cross-check.

use super::kernel::KernelCoeffs;
use super::solve::brent_root;
use super::theory::{a_eff, angle_error, normal_cdf, require_eps, rule_train_error, Errors};
use crate::error::{require_positive, Error, Result};
use serde::Serialize;

/// Order parameters and errors of random-features ridge.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct RfPoint {
    /// `n/p`.
    pub alpha: f64,
    /// `d/p`.
    pub gamma: f64,
    /// Fraction of facts.
    pub eps: f64,
    /// Ridge.
    pub lambda: f64,
    /// Signal-block response.
    pub v_s: f64,
    /// Signal-block norm.
    pub q_s: f64,
    /// Signal-block overlap with the teacher.
    pub m_s: f64,
    /// Noise-block response.
    pub v_w: f64,
    /// Noise-block norm.
    pub q_w: f64,
    /// `V = kappa1^2 V_s + kappa_star^2 V_w`.
    pub big_v: f64,
    /// `Q = kappa1^2 q_s + kappa_star^2 q_w`.
    pub big_q: f64,
    /// `M = kappa1 m_s`.
    pub big_m: f64,
    /// The errors: `eps_gen = arccos(M/sqrt Q)/pi`, `eps_mem = Phi(-V/sqrt Q)`,
    /// `eps_rt = E_zeta Phi((-V - M|zeta|)/sqrt(Q - M^2))`.
    pub errors: Errors,
}

/// The hat variables at `(D, N, m_s)`.
struct Hats {
    vs: f64,
    ms: f64,
    vw: f64,
}

fn hats(d: f64, alpha: f64, gamma: f64, eps: f64, k1: f64, ks2: f64) -> Hats {
    let a = a_eff(eps);
    Hats {
        vs: k1 * k1 * alpha / (gamma * d),
        ms: k1 * alpha * a / (gamma * d),
        vw: ks2 * alpha / d,
    }
}

/// `(z, S, V_s, V_w)` from the hat variables.
fn responses(h: &Hats, gamma: f64, lambda: f64) -> (f64, f64, f64, f64) {
    let z = (lambda + h.vw) / h.vs;
    let s = ((1.0 + gamma + z).powi(2) - 4.0 * gamma).sqrt();
    // z + 1 + gamma - S = 4 gamma / (z + 1 + gamma + S): no cancellation at large z
    let zs = 4.0 * gamma / (z + 1.0 + gamma + s);
    let vs = zs / (2.0 * gamma * h.vs);
    // 1 - gamma - z + S = (S^2 - (1 - gamma - z)^2)/(S + (1 - gamma - z)) = 4 z/(S - 1 + gamma + z)
    let num = 1.0 - gamma - z;
    let vw_num = if num >= 0.0 {
        num + s
    } else {
        4.0 * z / (s - num)
    };
    let vw = vw_num / (2.0 * (lambda + h.vw));
    (z, s, vs, vw)
}

fn validate(alpha: f64, gamma: f64, eps: f64, lambda: f64, k: &KernelCoeffs) -> Result<()> {
    require_positive("alpha", alpha)?;
    require_positive("gamma", gamma)?;
    require_eps(eps)?;
    require_positive("lambda", lambda)?;
    if k.mu1 == 0.0 {
        return Err(Error::param("mu1", k.mu1, "must be != 0"));
    }
    Ok(())
}

/// Random-features ridge theory at `(alpha = n/p, gamma = d/p, eps, lambda)` (reduced solve).
pub fn rf_theory(
    alpha: f64,
    gamma: f64,
    eps: f64,
    lambda: f64,
    k: &KernelCoeffs,
) -> Result<RfPoint> {
    validate(alpha, gamma, eps, lambda, k)?;
    let (k1, ks2) = (k.mu1, k.mustar2);
    let d_of = |d: f64| {
        let h = hats(d, alpha, gamma, eps, k1, ks2);
        let (_, _, vs, vw) = responses(&h, gamma, lambda);
        1.0 + k1 * k1 * vs + ks2 * vw
    };
    // g(ln D) = D'(D) - D: positive at D = 1, negative once D exceeds the bounded D'
    let g = |ld: f64| {
        let d = ld.exp();
        d_of(d) - d
    };
    let mut hi = 1.0f64;
    let mut tries = 0;
    while g(hi) > 0.0 {
        hi += 2.0;
        tries += 1;
        if tries > 400 {
            return Err(Error::NoConvergence {
                solver: "random-features D bracket".into(),
                iters: tries,
                residual: g(hi),
                context: format!(" at alpha = {alpha}, gamma = {gamma}, lambda = {lambda}"),
            });
        }
    }
    let ld = brent_root(g, 0.0, hi, 1e-15, "random-features D equation")?;
    let d = ld.exp();
    let h = hats(d, alpha, gamma, eps, k1, ks2);
    let (z, s, vs, vw) = responses(&h, gamma, lambda);
    let ms = h.ms * vs;
    let a = a_eff(eps);
    let lw = lambda + h.vw;
    let p1 =
        (2.0 * z + gamma + 1.0) * s - 2.0 * z * z - 3.0 * (gamma + 1.0) * z - (gamma - 1.0).powi(2);
    let p2 = z * s - z * z - (gamma + 1.0) * z;
    let p3 = (1.0 - gamma) * s + (gamma + 1.0) * z + (gamma - 1.0).powi(2);
    let mh2 = h.ms * h.ms;
    // q_s = cs0 + cs1 B,  q_w = cw0 + cw1 B  (q_hat_s = kappa1^2 B/gamma, q_hat_w = kappa*^2 B)
    let cs0 = mh2 * p1 / (h.vs * h.vs) / (2.0 * gamma * s);
    let cs1 = (k1 * k1 / gamma * p1 / (h.vs * h.vs) - ks2 * p2 / (lw * h.vs)) / (2.0 * gamma * s);
    let cw0 = -mh2 * p2 / (lw * h.vs) / (2.0 * s);
    let cw1 = (ks2 * p3 / (lw * lw) - k1 * k1 / gamma * p2 / (lw * h.vs)) / (2.0 * s);
    let n0 = 1.0 + k1 * k1 * cs0 + ks2 * cw0 - 2.0 * k1 * ms * a;
    let n1 = k1 * k1 * cs1 + ks2 * cw1;
    let den = d * d - alpha * n1;
    if den <= 0.0 || !den.is_finite() {
        return Err(Error::NoConvergence {
            solver: "random-features q equation".into(),
            iters: 0,
            residual: den,
            context: format!(" (no positive solution) at alpha = {alpha}, gamma = {gamma}"),
        });
    }
    let b = alpha * n0 / den;
    let (qs, qw) = (cs0 + cs1 * b, cw0 + cw1 * b);
    point(alpha, gamma, eps, lambda, k, [vs, qs, ms, vw, qw])
}

fn point(
    alpha: f64,
    gamma: f64,
    eps: f64,
    lambda: f64,
    k: &KernelCoeffs,
    [vs, qs, ms, vw, qw]: [f64; 5],
) -> Result<RfPoint> {
    let (k1, ks2) = (k.mu1, k.mustar2);
    let big_q = k1 * k1 * qs + ks2 * qw;
    let big_v = k1 * k1 * vs + ks2 * vw;
    let big_m = k1 * ms;
    if !(big_q > 0.0 && big_q.is_finite() && big_v.is_finite() && big_m.is_finite()) {
        return Err(Error::NoConvergence {
            solver: "random-features saddle point".into(),
            iters: 0,
            residual: f64::NAN,
            context: format!(": Q = {big_q}, V = {big_v}, M = {big_m}"),
        });
    }
    let errors = Errors {
        eps_gen: angle_error(big_m, big_q),
        eps_mem: normal_cdf(-big_v / big_q.sqrt()),
        eps_rt: rule_train_error(-big_v, big_m, big_q)?,
    };
    Ok(RfPoint {
        alpha,
        gamma,
        eps,
        lambda,
        v_s: vs,
        q_s: qs,
        m_s: ms,
        v_w: vw,
        q_w: qw,
        big_v,
        big_q,
        big_m,
        errors,
    })
}

/// The same theory by damped iteration of the five saddle-point equations (damping 0.2, as in
/// the authors' notebook; stops when the largest change is below `tol`). Slow near `lambda -> 0`;
/// a cross-check of [`rf_theory`].
pub fn rf_theory_iterated(
    alpha: f64,
    gamma: f64,
    eps: f64,
    lambda: f64,
    k: &KernelCoeffs,
    max_iters: usize,
    tol: f64,
) -> Result<RfPoint> {
    validate(alpha, gamma, eps, lambda, k)?;
    let (k1, ks2) = (k.mu1, k.mustar2);
    let a = a_eff(eps);
    let mut x = [3.0, 0.1, 0.1, 3.0, 0.1];
    for it in 0..max_iters {
        let [vs, qs, ms, vw, qw] = x;
        let d = 1.0 + k1 * k1 * vs + ks2 * vw;
        let n = 1.0 + k1 * k1 * qs + ks2 * qw;
        let h = hats(d, alpha, gamma, eps, k1, ks2);
        let bq = alpha * (n - 2.0 * k1 * ms * a) / (d * d);
        let (hqs, hqw) = (k1 * k1 / gamma * bq, ks2 * bq);
        let (z, s, nvs, nvw) = responses(&h, gamma, lambda);
        let lw = lambda + h.vw;
        let mq = h.ms * h.ms + hqs;
        let nq = mq / (h.vs * h.vs)
            * ((2.0 * z + gamma + 1.0) * s
                - 2.0 * z * z
                - 3.0 * (gamma + 1.0) * z
                - (gamma - 1.0).powi(2))
            - hqw / (lw * h.vs) * (z * s - z * z - (gamma + 1.0) * z);
        let nw = hqw / (lw * lw) * ((1.0 - gamma) * s + (gamma + 1.0) * z + (gamma - 1.0).powi(2))
            - mq / (lw * h.vs) * (z * s - z * z - (gamma + 1.0) * z);
        let new = [nvs, nq / (2.0 * gamma * s), h.ms * nvs, nvw, nw / (2.0 * s)];
        let mut delta = 0.0f64;
        for (xi, ni) in x.iter_mut().zip(new) {
            let v = 0.2 * ni + 0.8 * *xi;
            delta = delta.max((v - *xi).abs());
            *xi = v;
        }
        if delta < tol {
            return point(alpha, gamma, eps, lambda, k, x);
        }
        if !delta.is_finite() {
            return Err(Error::NoConvergence {
                solver: "random-features damped iteration".into(),
                iters: it as u64,
                residual: delta,
                context: String::new(),
            });
        }
    }
    Err(Error::NoConvergence {
        solver: "random-features damped iteration".into(),
        iters: max_iters as u64,
        residual: f64::NAN,
        context: String::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activation::Activation;

    #[test]
    fn reduced_solve_equals_the_damped_iteration() {
        let k = KernelCoeffs::from_activation(&Activation::parse("sign").unwrap()).unwrap();
        for &(al, g, e, l) in &[
            (1.0, 0.5, 0.2, 0.1),
            (2.0, 0.5, 0.2, 0.01),
            (0.8, 0.3, 0.3, 0.05),
            (1.5, 1.5, 0.2, 0.1),
        ] {
            let a = rf_theory(al, g, e, l, &k).unwrap();
            let b = rf_theory_iterated(al, g, e, l, &k, 200_000, 1e-14).unwrap();
            for (x, y) in [
                (a.v_s, b.v_s),
                (a.q_s, b.q_s),
                (a.m_s, b.m_s),
                (a.v_w, b.v_w),
                (a.q_w, b.q_w),
            ] {
                assert!(
                    (x - y).abs() < 1e-9 * x.abs().max(1.0),
                    "{al} {g} {e} {l}: {x} vs {y}"
                );
            }
        }
    }
}
