"""simulate() against `rmt-verify simulate ... --format json` (same seeds, same numbers)."""

import numpy as np
import pytest

import rmt_verify as rv
from conftest import ROOT, columns, same

FIELDS = ("gamma", "E", "E_se", "E_ci95", "yQy", "yQy_se", "trQ", "trQ_se")


def check(py, ref):
    points = ref.pop("points")
    ref.pop("seconds")
    same(py, ref)
    for key in FIELDS:
        same(py[key], columns(points, key), key)


CASES = [
    (dict(n=96, p=48, gammas=[0.1, 1.0], seeds=3), ["--n", "96", "--p", "48", "--gamma", "0.1,1", "--seeds", "3"]),
    # more seeds than threads: several rounds of replicates
    (dict(activation="relu", n=64, p=96, gammas="logspace:1e-2:1:3", seeds=7, seed=11), ["--activation", "relu", "--n", "64", "--p", "96", "--gamma", "logspace:1e-2:1:3", "--seeds", "7", "--seed", "11"]),
    (dict(kind="ridge", snr=3, n=80, p=40, seeds=2), ["--model", "ridge", "--snr", "3", "--n", "80", "--p", "40", "--seeds", "2"]),
    # one replicate: no standard error (null in the CLI's JSON, NaN here)
    (dict(n=64, p=32, gammas=[0.1, 1.0], seeds=1), ["--n", "64", "--p", "32", "--gamma", "0.1,1", "--seeds", "1"]),
    (
        dict(kind="equivalent", activation="erf", wk=[1, 0], wq=[0, 1], diag="literal", n=64, p=32, seeds=3, gammas=0.5),
        ["--model", "equivalent", "--activation", "erf", "--wk", "1,0", "--wq", "0,1", "--diag", "literal", "--n", "64", "--p", "32", "--seeds", "3", "--gamma", "0.5"],
    ),
    (dict(model=ROOT / "examples" / "models" / "rank-k-A.toml", n=90, p=45, seeds=2), ["--model-file", ROOT / "examples" / "models" / "rank-k-A.toml", "--n", "90", "--p", "45", "--seeds", "2"]),
    # several heads and the variants (the CLI's flags as keywords)
    (dict(model=ROOT / "examples" / "models" / "heads-complementary.toml", n=80, p=40, seeds=2, gammas=[0.1, 1.0]), ["--model-file", ROOT / "examples" / "models" / "heads-complementary.toml", "--n", "80", "--p", "40", "--seeds", "2", "--gamma", "0.1,1"]),
    (dict(heads="tanh,cos", combine="sum", n=64, p=32, seeds=2), ["--heads", "tanh,cos", "--combine", "sum", "--n", "64", "--p", "32", "--seeds", "2"]),
    (dict(softmax=1.0, n=64, p=48, seeds=2, gammas=0.5), ["--softmax", "1", "--n", "64", "--p", "48", "--seeds", "2", "--gamma", "0.5"]),
    (dict(skip=0.5, ar1=0.3, labels="block:4", n=64, p=32, seeds=2), ["--skip", "0.5", "--ar1", "0.3", "--labels", "block:4", "--n", "64", "--p", "32", "--seeds", "2"]),
]


@pytest.mark.parametrize("kwargs,args", CASES)
def test_matches_cli(cli_json, kwargs, args):
    check(rv.simulate(**kwargs), cli_json("simulate", "--quiet", *args))


def test_replicates_dtypes_and_shapes():
    s = rv.simulate(activation="relu", n=64, p=32, gammas=[0.01, 0.1, 1.0], seeds=5)
    for key in ("gamma", "E", "E_se", "yQy", "yQy_se", "trQ", "trQ_se"):
        assert s[key].dtype == np.float64 and s[key].shape == (3,), key
    for key in ("E_ci95", "yQy_ci95", "trQ_ci95"):
        assert s[key].dtype == np.float64 and s[key].shape == (3, 2), key
        assert np.all(s[key][:, 0] <= s[key][:, 1])
    reps = s["replicates"]
    for key in ("E", "yQy", "trQ"):
        assert reps[key].dtype == np.float64 and reps[key].shape == (5, 3), key
        # the summaries are those of the replicates
        np.testing.assert_allclose(reps[key].mean(axis=0), s[key], rtol=1e-12, atol=0)
        np.testing.assert_allclose(reps[key].std(axis=0, ddof=1) / np.sqrt(5), s[f"{key}_se"], rtol=1e-10)
    for key in ("r1", "kappa0", "lambda_max"):
        assert reps[key].dtype == np.float64 and reps[key].shape == (5,), key
    assert isinstance(s["seconds"], float) and s["n"] == 64 and s["seeds"] == 5


def test_deterministic_and_seeded():
    a = rv.simulate(n=48, p=24, seeds=2, seed=1)
    b = rv.simulate(n=48, p=24, seeds=2, seed=1)
    c = rv.simulate(n=48, p=24, seeds=2, seed=2)
    assert a["E"].tolist() == b["E"].tolist()
    assert a["E"].tolist() != c["E"].tolist()


def test_single_replicate_has_no_standard_error():
    s = rv.simulate(n=64, p=32, gammas=[0.1, 1.0], seeds=1)
    assert np.all(np.isfinite(s["E"])) and s["replicates"]["E"].shape == (1, 2)
    assert np.all(np.isnan(s["E_se"])) and np.all(np.isnan(s["E_ci95"]))
    assert s["E"].tolist() == s["replicates"]["E"][0].tolist()


BAD = [
    (dict(seeds=0), ["--seeds", "0"]),
    (dict(n=0), ["--n", "0"]),
    (dict(p=0), ["--p", "0"]),
    (dict(gammas="0.1,x"), ["--gamma", "0.1,x"]),
    (dict(activation="nope"), ["--activation", "nope"]),
    (dict(wk=[0, 0, 1], wq=[0, 0, 1], p=2, n=4), ["--wk", "0,0,1", "--wq", "0,0,1", "--p", "2", "--n", "4"]),
    (dict(n=1 << 29), ["--n", str(1 << 29)]),
    (dict(heads="tanh,cos", ar1=0.5, n=64, p=32), ["--heads", "tanh,cos", "--ar1", "0.5", "--n", "64", "--p", "32"]),
    (dict(model={"heads": [{"activation": "tanh"}, {"activation": "cos"}], "tokens": {"ar1": 0.5}}), None),
]


@pytest.mark.parametrize("kwargs,args", BAD)
def test_bad_input_raises_the_cli_message(cli_error, kwargs, args):
    with pytest.raises(ValueError) as e:
        rv.simulate(**kwargs)
    if args is not None:
        assert str(e.value) == cli_error("simulate", "--quiet", *args)
    else:
        assert "tokens.ar1" in str(e.value)


def test_negative_sizes_are_value_errors():
    for kw in (dict(n=-1), dict(p=-5), dict(seeds=-2), dict(seed=-1)):
        with pytest.raises(ValueError):
            rv.simulate(**kw)


def test_too_large_for_memory_is_memory_error(cli_error):
    with pytest.raises(MemoryError) as e:
        rv.simulate(n=1 << 22, p=1 << 22, seeds=2)
    assert str(e.value) == cli_error("simulate", "--quiet", "--n", 1 << 22, "--p", 1 << 22, "--seeds", 2)
