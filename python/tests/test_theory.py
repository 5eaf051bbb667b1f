"""theory() against `rmt-verify theory ... --format json`."""

import pathlib
import warnings

import numpy as np
import pytest

import rmt_verify as rv
from conftest import ROOT, columns, same

MODELS = sorted((ROOT / "examples" / "models").glob("*.toml"))


def check(py, ref):
    """The CLI's points are the Python columns; its top-level `converged` is `all_converged`."""
    points = ref.pop("points")
    assert py["all_converged"] == ref.pop("converged")
    same(py, ref)
    for key in ("gamma", "E", "yQy", "trQ", "iterations", "residual", "converged"):
        same(py[key], columns(points, key), key)


CASES = [
    # (python kwargs, CLI args)
    (dict(activation="relu", c=0.5, gammas=[0.01, 0.1, 1.0]), ["--activation", "relu", "--c", "0.5", "--gamma", "0.01,0.1,1"]),
    (dict(c=2.0), ["--c", "2"]),
    (dict(kind="ridge", snr=4, c=0.25, gammas="logspace:1e-3:10:7"), ["--model", "ridge", "--snr", "4", "--c", "0.25", "--gamma", "logspace:1e-3:10:7"]),
    (
        dict(kind="equivalent", activation="erf", wk=[1, 0], wq="0.5,0.5", diag="literal", n=512, p=256, gammas=0.1),
        ["--model", "equivalent", "--activation", "erf", "--wk", "1,0", "--wq", "0.5,0.5", "--diag", "literal", "--n", "512", "--p", "256", "--gamma", "0.1"],
    ),
    (dict(activation="x*tanh(x)", snr=2, c=1.5, gammas=np.array([0.05, 5.0])), ["--activation", "x*tanh(x)", "--snr", "2", "--c", "1.5", "--gamma", "0.05,5"]),
]


@pytest.mark.parametrize("kwargs,args", CASES)
def test_matches_cli(cli_json, kwargs, args):
    check(rv.theory(**kwargs), cli_json("theory", *args))


@pytest.mark.parametrize("path", MODELS, ids=[p.name for p in MODELS])
def test_model_files_match_cli(cli, cli_json, cli_error, path):
    args = ["theory", "--model-file", path, "--c", "0.5", "--gamma", "0.1,1"]
    if cli(*args)[0] == 0:
        check(rv.theory(path, c=0.5, gammas="0.1,1"), cli_json(*args))
    else:  # a model without a deterministic equivalent: the same error
        with pytest.raises(ValueError) as e:
            rv.theory(path, c=0.5, gammas="0.1,1")
        assert str(e.value) == cli_error(*args)


def test_model_path_as_pathlib_and_str():
    a = rv.theory(MODELS[0], c=0.5, gammas=0.1)
    b = rv.theory(str(MODELS[0]), c=0.5, gammas=0.1)
    assert a["E"].tolist() == b["E"].tolist()


def test_dtypes_and_shapes():
    t = rv.theory(activation="relu", c=0.5, gammas=[0.01, 0.1, 1.0, 10.0])
    for key in ("gamma", "E", "yQy", "trQ", "residual"):
        assert t[key].dtype == np.float64 and t[key].shape == (4,), key
    assert t["iterations"].dtype == np.int64 and t["iterations"].shape == (4,)
    assert t["converged"].dtype == np.bool_ and t["converged"].shape == (4,)
    assert t["all_converged"] is True
    assert np.all(np.isfinite(t["E"]))
    # ridge has no kernel constants
    r = rv.theory(kind="ridge", c=0.5)
    assert r["a1"] is None and r["nu"] is None and r["s"] is None
    assert r["gamma"].shape == (9,)  # the CLI's default logspace:1e-3:10:9


BAD = [
    (dict(c=-1), ["--c", "-1"]),
    (dict(), []),
    (dict(c=1, n=10, p=10), ["--c", "1", "--n", "10", "--p", "10"]),
    (dict(n=0, p=10), ["--n", "0", "--p", "10"]),
    (dict(c=1, activation="tanhh"), ["--c", "1", "--activation", "tanhh"]),
    (dict(c=1, gammas="-1"), ["--c", "1", "--gamma=-1"]),
    (dict(c=1, gammas=[0.1, float("nan")]), ["--c", "1", "--gamma", "0.1,NaN"]),
    (dict(c=1, gammas="logspace:1:2"), ["--c", "1", "--gamma", "logspace:1:2"]),
    (dict(c=1, gammas=[]), ["--c", "1", "--gamma", ""]),
    (dict(c=1, wk="1,,2"), ["--c", "1", "--wk", "1,,2"]),
    (dict(c=1, wk=[1, float("inf")]), ["--c", "1", "--wk", "1,inf"]),
    (dict(c=1, snr=-2), ["--c", "1", "--snr=-2"]),
    (dict(c=1, activation="quad", diag="literal"), ["--c", "1", "--activation", "quad", "--diag", "literal"]),
]


@pytest.mark.parametrize("kwargs,args", BAD)
def test_bad_input_raises_the_cli_message(cli_error, kwargs, args):
    with pytest.raises(ValueError) as e:
        rv.theory(**kwargs)
    assert str(e.value) == cli_error("theory", *args)


def test_bad_model_dict_raises_the_cli_message(cli_error, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('foo = 1\n[[heads]]\nactivation = "tanh"\n')
    with pytest.raises(ValueError) as e:
        rv.theory({"foo": 1, "heads": [{"activation": "tanh"}]}, c=1)
    # the file's message names the file; otherwise identical
    assert str(e.value).replace("model file`", f"model file (in {bad})`") == cli_error("theory", "--model-file", bad, "--c", "1")
    with pytest.raises(ValueError, match="unknown activation `tanhh`"):
        rv.theory({"heads": [{"activation": "tanhh"}]}, c=1)
    with pytest.raises(ValueError, match="heads"):
        rv.theory({"kind": "attention"}, c=1)


def test_bad_enum_and_types():
    with pytest.raises(ValueError, match="kind"):
        rv.theory(kind="linear", c=1)
    with pytest.raises(ValueError, match="diag"):
        rv.theory(diag="one", c=1)
    with pytest.raises(ValueError, match="cannot be combined"):
        rv.theory({"heads": [{"activation": "tanh"}]}, activation="relu", c=1)
    with pytest.raises(TypeError):
        rv.theory(42, c=1)
    with pytest.raises(TypeError):
        rv.theory(c=1, gammas=object())
    with pytest.raises(ValueError, match="no such file|cannot read"):
        rv.theory("/nonexistent/model.toml", c=1)


def test_unsupported_model_names_the_key():
    with pytest.raises(ValueError, match="attention.skip"):
        rv.theory({"heads": [{"activation": "tanh"}], "attention": {"skip": 0.5}}, c=1)


def test_no_warning_when_converged():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rv.theory(activation="relu", c=0.5, gammas=[0.1, 1.0])
