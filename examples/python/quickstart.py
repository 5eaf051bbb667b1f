"""Theory vs Monte Carlo for a new activation, from Python.

    pip install ./python                      # from the repository root (Rust >= 1.85)
    python examples/python/quickstart.py      # prints a table; plots if matplotlib is installed

The activation is given as an expression in x (softsign, not a built-in). The theory curve is
the deterministic equivalent of the memorization error E(gamma) of nonlinear attention at
c = p/n; the points are Monte Carlo on the exact model (n tokens of dimension p, several
seeds) with 95% intervals. The same numbers as `rmt-verify theory/simulate --format json`.
"""

import sys

import numpy as np

import rmt_verify as rv

ACT = "x/(1+abs(x))"  # softsign: a new activation, by its expression
N, P = 1024, 512  # c = p/n = 0.5
SNR = 2.0

h = rv.hermite(ACT, order=4)
print(f"activation {ACT}: a1 = {h['a1']:.6f}, nu = {h['nu']:.6f}, sigma2 = {h['sigma2']:.6f}")

curve = rv.theory(activation=ACT, snr=SNR, c=P / N, gammas="logspace:1e-3:10:41")
ridge = rv.theory(kind="ridge", snr=SNR, c=P / N, gammas=curve["gamma"])
assert curve["all_converged"], "the solver did not converge at some gamma"

gammas = [1e-2, 1e-1, 1.0, 10.0]
mc = rv.simulate(activation=ACT, snr=SNR, n=N, p=P, gammas=gammas, seeds=6)
at = rv.theory(activation=ACT, snr=SNR, c=P / N, gammas=gammas)

print(f"\nn = {N}, p = {P}, snr = {SNR}, {mc['seeds']} seeds ({mc['seconds']:.1f} s)")
print(f"{'gamma':>8}  {'E theory':>10}  {'E Monte Carlo':>14}  {'95% interval':>22}")
for g, e_th, e_mc, (lo, hi) in zip(gammas, at["E"], mc["E"], mc["E_ci95"]):
    print(f"{g:8.3g}  {e_th:10.5f}  {e_mc:14.5f}  [{lo:9.5f}, {hi:9.5f}]")

try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    print("\n(matplotlib is not installed: no figure; `pip install matplotlib` for one)")
    sys.exit(0)

fig, ax = plt.subplots(figsize=(6, 4))
ax.plot(curve["gamma"], curve["E"], label=f"attention, theory ({ACT})")
ax.plot(ridge["gamma"], ridge["E"], "--", label="ridge regression, theory")
err = np.abs(mc["E_ci95"].T - mc["E"])
ax.errorbar(mc["gamma"], mc["E"], yerr=err, fmt="o", capsize=3, label=f"Monte Carlo, n = {N}")
ax.set_xscale("log")
ax.set_xlabel("gamma")
ax.set_ylabel("memorization error E")
ax.set_title(f"c = {P / N}, snr = {SNR}")
ax.legend()
fig.tight_layout()
fig.savefig("quickstart.png", dpi=120)
print("\nwrote quickstart.png")
