"""hermite() against `rmt-verify hermite ... --format json`."""

import numpy as np
import pytest

import rmt_verify as rv
from conftest import same


@pytest.mark.parametrize(
    "activation,order",
    [("relu", 8), ("tanh", 8), ("leaky-relu:0.1", 3), ("x*tanh(x)", 12), ("sign", 0), ("erf", 40)],
)
def test_matches_cli(cli_json, activation, order):
    py = rv.hermite(activation, order=order)
    ref = cli_json("hermite", activation, "--order", order)
    same(py, ref)
    assert set(py) == set(ref)


def test_dtypes_and_shapes():
    h = rv.hermite("gelu", 5)
    for key in ("a", "errors"):
        assert isinstance(h[key], np.ndarray)
        assert h[key].dtype == np.float64 and h[key].shape == (6,)
    assert isinstance(h["nu"], float) and isinstance(h["method"], str)
    assert h["closed_form"]["nu"] is None  # gelu: nu numeric only
    assert rv.hermite("x*tanh(x)")["closed_form"] is None  # expressions: numeric only
    assert set(rv.hermite("relu")["closed_form"]) == {"mean", "a1", "a2", "nu"}


@pytest.mark.parametrize(
    "args,kwargs",
    [
        (["tanhh"], {}),
        (["relu"], {"order": 201}),
        (["x*"], {}),
        (["exp(x^2)"], {}),
        (["relu"], {"time_limit": 0}),
        (["relu"], {"time_limit": -1}),
        (["relu"], {"time_limit": 1e5}),
    ],
)
def test_bad_input_raises_the_cli_message(cli_error, args, kwargs):
    with pytest.raises(ValueError) as e:
        rv.hermite(*args, **kwargs)
    cli_args = ["hermite", *args] + [f"--{k.replace('_', '-')}={v}" for k, v in kwargs.items()]
    assert str(e.value) == cli_error(*cli_args)


def test_negative_order():
    with pytest.raises(ValueError, match="order"):
        rv.hermite("relu", order=-1)


def test_precision_fields():
    # a large mean: centring loses digits, reported as the CLI does
    h = rv.hermite("x+1000", 4)
    assert h["digits_lost"] > 2 and h["relative_error"] >= 0
    assert rv.hermite("tanh")["digits_lost"] == 0.0
