"""Reference Hermite coefficients for tests/hermite_reference.rs (not run in CI).

What: a_k = E[f(xi) P_k(xi)], P_k = He_k/sqrt(k!) orthonormal probabilists' Hermite, xi ~ N(0,1)
(docs/hermite.md), k = 0..6, and nu = E[(f - a_0)^2], for activations without closed forms (and a few
expressions), by mpmath.quad on (-inf, kink] and [kink, inf) at 40 digits.
Why: an independent check of the Rust quadrature for the numeric-only activations.
Run: python3 tests/data/gen/hermite_coeffs.py > tests/data/hermite_coeffs.csv   (~1 min)
"""
import mpmath as mp

mp.mp.dps = 40
K = 6

ACTS = {
    # name: (f, kinks)
    "tanh": (mp.tanh, []),
    "gelu": (lambda x: x * mp.ncdf(x), []),
    "silu": (lambda x: x / (1 + mp.exp(-x)), []),
    "sigmoid": (lambda x: 1 / (1 + mp.exp(-x)), []),
    "softplus": (lambda x: mp.log(1 + mp.exp(x)), []),
    "elu:1": (lambda x: x if x > 0 else mp.expm1(x), [0]),
    "leaky-relu:0.1": (lambda x: x if x >= 0 else x / 10, [0]),
    "x*tanh(x)": (lambda x: x * mp.tanh(x), []),
    "abs(x-1)": (lambda x: abs(x - 1), [1]),
    "max(x,0)^3": (lambda x: max(x, 0) ** 3, [0]),
}


def expect(g, kinks):
    pts = [-mp.inf] + kinks + [mp.inf]
    w = lambda x: g(x) * mp.exp(-x * x / 2) / mp.sqrt(2 * mp.pi)
    return mp.quad(w, pts)


def pk(x, k):
    p0, p1 = mp.mpf(0), mp.mpf(1)
    for j in range(k):
        p0, p1 = p1, (x * p1 - mp.sqrt(j) * p0) / mp.sqrt(j + 1)
    return p1


print(f"# generator: tests/data/gen/hermite_coeffs.py, mpmath {mp.__version__}, dps {mp.mp.dps}")
print("# a_k = E[f(xi) He_k(xi)/sqrt(k!)], nu = E[(f - a_0)^2], xi ~ N(0,1)")
print("activation," + ",".join(f"a{k}" for k in range(K + 1)) + ",nu")
for name, (f, kinks) in ACTS.items():
    a = [expect(lambda x, k=k: f(x) * pk(x, k), kinks) for k in range(K + 1)]
    nu = expect(lambda x: (f(x) - a[0]) ** 2, kinks)
    print(f'"{name}",' + ",".join(mp.nstr(v, 25) for v in a + [nu]))
