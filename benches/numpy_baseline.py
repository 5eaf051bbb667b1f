"""numpy/OpenBLAS equivalent of one rmt-verify Monte Carlo replicate (the user's alternative).

Not part of the product: the speed baseline for `benches/engine.rs`. Same model and sizes:
n = 2048, p = 512, tanh (centred; tanh is odd so the mean is 0), w_K = w_Q = e_1, zero diagonal,
a 50-point gamma path from ONE eigendecomposition on the p side (the same algorithm as ours, so the
comparison is of implementations, not algorithms). Written the way a numpy user would: `X.T @ X`
(numpy dispatches it to syrk), a vectorised `np.tanh`, `X @ K`, `Phi @ Phi.T`, `np.linalg.eigh`.

Run with the same thread count as the Rust benchmark:
    OPENBLAS_NUM_THREADS=2 python3 benches/numpy_baseline.py [repeats]
Prints per-stage min/median seconds and GFLOP/s.
"""
import sys
import time

import numpy as np

n, p, snr = 2048, 512, 1.0
gammas = np.logspace(-4, 1, 50)


def replicate(rng, timings):
    t = time.perf_counter()
    y = rng.choice([-1.0, 1.0], size=n)
    X = rng.standard_normal((p, n))
    X[0] += np.sqrt(snr) * y
    t1 = time.perf_counter(); timings["s1_sampling"].append(t1 - t); t = t1
    a = X[0].copy()  # X^T w_K with w_K = e_1 (= X^T w_Q)
    S = X.T @ X
    t1 = time.perf_counter(); timings["s2_xtx"].append(t1 - t); t = t1
    S += np.outer(a, a)
    K = np.tanh(S / np.sqrt(p)) / np.sqrt(p)
    np.fill_diagonal(K, 0.0)
    t1 = time.perf_counter(); timings["s3_activation"].append(t1 - t); t = t1
    Phi = X @ K
    t1 = time.perf_counter(); timings["s4_phi_xk"].append(t1 - t); t = t1
    G = Phi @ Phi.T / n
    t1 = time.perf_counter(); timings["s5_phi_phit"].append(t1 - t); t = t1
    l, U = np.linalg.eigh(G)
    t1 = time.perf_counter(); timings["s6_eigh"].append(t1 - t); t = t1
    l = np.maximum(l, 0.0)
    w = (U.T @ (Phi @ y)) ** 2 / n
    inv = 1.0 / (l[None, :] + gammas[:, None])
    E = 1.0 - (w[None, :] * (l[None, :] + 2 * gammas[:, None]) * inv**2).sum(1) / n
    yqy = (1.0 - (w[None, :] * inv).sum(1) / n) / gammas
    trq = (inv.sum(1) + (n - p) / gammas) / n
    t1 = time.perf_counter(); timings["s7_gamma_path"].append(t1 - t)
    return E, yqy, trq


def main():
    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    flops = {
        "s2_xtx": 2 * n * n * p,  # syrk counted as ours: n(n+1)p (half of the full product)
        "s4_phi_xk": 2 * p * n * n,
        "s5_phi_phit": 2 * p * p * n,
        "s6_eigh": 9 * p**3,
    }
    flops["s2_xtx"] = n * (n + 1) * p
    flops["s5_phi_phit"] = p * (p + 1) * n
    timings = {k: [] for k in ["s1_sampling", "s2_xtx", "s3_activation", "s4_phi_xk",
                               "s5_phi_phit", "s6_eigh", "s7_gamma_path"]}
    totals = []
    rng = np.random.default_rng(2506)
    replicate(rng, {k: [] for k in timings})  # warm-up
    for _ in range(reps):
        t = time.perf_counter()
        E, _, _ = replicate(rng, timings)
        totals.append(time.perf_counter() - t)
    print(f"numpy {np.__version__}, E(gamma=0.1) ~ {np.interp(0.1, gammas, E):.4f}")
    for k, v in list(timings.items()) + [("whole_replicate", totals)]:
        v = np.array(v)
        f = flops.get(k)
        rate = f" {f / np.min(v) / 1e9:6.1f} GFLOP/s (at min)" if f else ""
        print(f"{k:16s} min {np.min(v) * 1e3:8.1f} ms  median {np.median(v) * 1e3:8.1f} ms{rate}")


if __name__ == "__main__":
    main()
