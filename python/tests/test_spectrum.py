"""spectrum() against `rmt-verify spectrum ... --format json`."""

import numpy as np
import pytest

import rmt_verify as rv
from conftest import columns, same


def check(py, ref):
    grid = ref.pop("grid")
    st = ref.pop("stieltjes")
    same(py, ref)
    same(py["x"], columns(grid, "x"), "x")
    same(py["density"], columns(grid, "density"), "density")
    same([[z.real, z.imag] for z in py["z"]], columns(st, "z"), "z")
    same([[m.real, m.imag] for m in py["m"]], columns(st, "m"), "m")


CASES = [
    (dict(activation="relu", c=0.5, z=[1 + 1j, "0,0.5"], points=7), ["--activation", "relu", "--c", "0.5", "--z", "1,1", "--z", "0,0.5", "--points", "7"]),
    (dict(c=2.0), ["--c", "2"]),
    (dict(activation="erf", c=0.7, matrix="gram", z=(0.5, 0.1), points=11), ["--activation", "erf", "--c", "0.7", "--matrix", "gram", "--z", "0.5,0.1", "--points", "11"]),
    (dict(activation="relu", c=1.5, matrix="gram", diag="literal", z=[2j]), ["--activation", "relu", "--c", "1.5", "--matrix", "gram", "--diag", "literal", "--z", "0,2"]),
]


@pytest.mark.parametrize("kwargs,args", CASES)
def test_matches_cli(cli_json, kwargs, args):
    check(rv.spectrum(**kwargs), cli_json("spectrum", *args))


def test_dtypes_and_shapes_and_custom_grid():
    s = rv.spectrum("tanh", c=0.5, z=[1 + 1j, 2 + 0.5j, -1 + 0.1j], points=50)
    assert s["x"].dtype == np.float64 and s["x"].shape == (50,)
    assert s["density"].dtype == np.float64 and s["density"].shape == (50,)
    assert s["z"].dtype == np.complex128 and s["z"].shape == (3,)
    assert s["m"].dtype == np.complex128 and s["m"].shape == (3,)
    assert s["edges"].shape == (2,) and s["edges"][0] < s["edges"][1]
    assert np.all(s["m"].imag > 0)
    # a grid of one's own: same density at the same points
    g = rv.spectrum("tanh", c=0.5, x=s["x"][::7])
    np.testing.assert_array_equal(g["density"], s["density"][::7])
    assert rv.spectrum("tanh", c=0.5)["z"].shape == (0,)


BAD = [
    (dict(c=0), ["--c", "0"]),
    (dict(c=1, points=1), ["--c", "1", "--points", "1"]),
    (dict(c=1, z="1,-1"), ["--c", "1", "--z", "1,-1"]),
    (dict(c=1, z="1;1"), ["--c", "1", "--z", "1;1"]),
    (dict(c=1, activation="nope"), ["--c", "1", "--activation", "nope"]),
    # the CLI's limits (rmt_verify::theory::spectral, shared with the CLI)
    (dict(c=2e4), ["--c", "2e4"]),
    (dict(c=0.05, matrix="gram"), ["--c", "0.05", "--matrix", "gram"]),
    (dict(c=2000, matrix="gram"), ["--c", "2000", "--matrix", "gram"]),
    (dict(c=1, points=10001), ["--c", "1", "--points", "10001"]),
    (dict(c=1, z="2e6,1"), ["--c", "1", "--z", "2e6,1"]),
    (dict(c=1, z=[1e-13j]), ["--c", "1", "--z", "0,1e-13"]),
    (dict(c=1, z=(0, 2e6)), ["--c", "1", "--z", "0,2000000"]),
    (dict(c=1, time_limit=0), ["--c", "1", "--time-limit", "0"]),
    (dict(c=1, activation="1"), ["--c", "1", "--activation", "1"]),
]


@pytest.mark.parametrize("kwargs,args", BAD)
def test_bad_input_raises_the_cli_message(cli_error, kwargs, args):
    with pytest.raises(ValueError) as e:
        rv.spectrum(**kwargs)
    assert str(e.value) == cli_error("spectrum", *args)


def test_bad_enums():
    with pytest.raises(ValueError, match="matrix"):
        rv.spectrum(c=1, matrix="resolvent")
    with pytest.raises(ValueError, match="diag"):
        rv.spectrum(c=1, diag="full")
    with pytest.raises(ValueError, match=r"`z` = 1,-1: .* 1e-12 <= IM <= 1000000"):
        rv.spectrum(c=1, z=[1 - 1j])


def test_limits_are_inclusive(cli_json):
    # the ends of the allowed ranges run, with the CLI's numbers
    check(rv.spectrum("relu", c=0.1, matrix="gram", points=3, z=[1e6 + 1e6j, -1e6 + 1e-12j]), cli_json("spectrum", "--activation", "relu", "--c", "0.1", "--matrix", "gram", "--points", "3", "--z", "1e6,1e6", "--z", "-1e6,1e-12"))


@pytest.mark.parametrize("activation,matrix,at", [("x", "kernel", None), ("tanh", "kernel", None), ("relu", "gram", 0.0)])
def test_atom(cli_json, activation, matrix, at):
    # an affine f has an atom at s in the kernel spectrum (mass 1 - c), Phi^T Phi/n at 0
    py = rv.spectrum(activation, c=0.5, matrix=matrix, points=5)
    ref = cli_json("spectrum", "--activation", activation, "--c", "0.5", "--matrix", matrix, "--points", "5")
    assert py["atom_at"] == ref["atom_at"] == (py["s"] if at is None else at)
    assert py["atom"] == ref["atom"]
    if activation == "x":
        assert py["atom"] == 0.5


def test_time_limit_raises_timeout_error(cli_error):
    # over its budget: TimeoutError, with the CLI's message but for the keyword that raises it
    with pytest.raises(TimeoutError) as e:
        rv.spectrum("tanh", c=0.1, matrix="gram", time_limit=1e-9)
    ref = cli_error("spectrum", "--c", "0.1", "--matrix", "gram", "--time-limit", "1e-9")
    assert str(e.value) == ref.replace("--time-limit", "time_limit=")
    with pytest.raises(TimeoutError, match="time_limit="):
        rv.hermite("x*tanh(x)", 200, time_limit=1e-9)
