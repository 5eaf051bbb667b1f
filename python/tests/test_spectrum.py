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
    with pytest.raises(ValueError, match="IM > 0"):
        rv.spectrum(c=1, z=[1 - 1j])
