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


def test_unsupported_model_names_the_key(cli_error, tmp_path):
    # no equivalent for a skip connection with several heads yet: the library refuses, naming the key
    d = {"heads": [{"activation": "tanh"}, {"activation": "cos"}], "attention": {"skip": 0.5}}
    with pytest.raises(ValueError, match="attention.skip") as e:
        rv.theory(d, c=1)
    f = tmp_path / "m.toml"
    f.write_text(rv.model_toml(d))
    assert str(e.value) == cli_error("theory", "--model-file", f, "--c", "1")


# several heads (docs/multihead.md) and the variants (docs/variants.md): the keywords are the
# CLI's flags, and a model file gives the same numbers
HEADS = ROOT / "examples" / "models" / "heads-complementary.toml"

VARIANTS = [
    (dict(heads="tanh,cos", combine="sum", c=0.5, gammas=[0.1, 1.0]), ["--heads", "tanh,cos", "--combine", "sum", "--c", "0.5", "--gamma", "0.1,1"]),
    (dict(heads=["max(x,0)", "cos", "x^2-1"], wk=[1], wq=[0.5], n=300, p=150, gammas=0.3), ["--heads", "max(x,0),cos,x^2-1", "--wk", "1", "--wq", "0.5", "--n", "300", "--p", "150", "--gamma", "0.3"]),
    (dict(softmax=1.0, n=512, p=256, gammas=[0.1, 1.0]), ["--softmax", "1", "--n", "512", "--p", "256", "--gamma", "0.1,1"]),
    (dict(softmax=0.5, unmasked=True, softmax_side="transpose", n=200, p=300, gammas=0.2), ["--softmax", "0.5", "--unmasked", "--softmax-side", "transpose", "--n", "200", "--p", "300", "--gamma", "0.2"]),
    (dict(skip=0.5, c=0.5, gammas=0.1), ["--skip", "0.5", "--c", "0.5", "--gamma", "0.1"]),
    (dict(ar1=0.3, labels="block:4", n=200, p=100, gammas=0.1), ["--ar1", "0.3", "--labels", "block:4", "--n", "200", "--p", "100", "--gamma", "0.1"]),
    (dict(kind="ridge", ar1=-0.4, n=120, p=60, gammas=[0.1, 1.0]), ["--model", "ridge", "--ar1=-0.4", "--n", "120", "--p", "60", "--gamma", "0.1,1"]),
    (dict(labels="block:4", c=0.5, gammas=0.1), ["--labels", "block:4", "--c", "0.5", "--gamma", "0.1"]),
]


@pytest.mark.parametrize("kwargs,args", VARIANTS)
def test_variant_keywords_match_cli(cli_json, kwargs, args):
    check(rv.theory(**kwargs), cli_json("theory", *args))


def test_several_heads_model_file_matches_cli(cli_json):
    args = ["--model-file", HEADS, "--c", "0.5", "--gamma", "0.01,0.1,1"]
    ref = cli_json("theory", *args)
    e_ref = columns(ref["points"], "E")
    py = rv.theory(HEADS, c=0.5, gammas=[0.01, 0.1, 1.0])
    h = py["heads"]
    assert set(h) == {"a1", "s", "wigner_cov", "gram_rank", "combine"}
    assert h["a1"].shape == (2,) and h["wigner_cov"].shape == (2, 2)
    assert h["gram_rank"] == 2 and h["combine"] == "concat"
    # several heads have per-head constants, no single-head ones
    assert py["a1"] is None and py["nu"] is None and py["s"] is None
    assert py["standing"] == "derived" and py["gamma_scale"] == 1.0
    assert py["n"] is None and py["p"] is None
    check(py, ref)
    # the same model as a dict, and through the keywords
    same(rv.theory(rv.model_spec(HEADS), c=0.5, gammas=[0.01, 0.1, 1.0])["E"], e_ref, "E")
    assert rv.theory(heads="tanh,cos", c=0.5, gammas=[0.01, 0.1, 1.0])["E"].tolist() == py["E"].tolist()


def test_softmax_model_file_at_finite_sizes_matches_cli(cli_json, cli_error, tmp_path):
    d = {
        "heads": [{"activation": None}],
        "attention": {"normalize": "softmax", "beta": 1.5, "masked": True},
        "signal": {"means": [[2.0]]},
    }
    d = rv.model_spec(d)
    f = tmp_path / "softmax.toml"
    f.write_text(rv.model_toml(d))
    args = ["--model-file", f, "--n", "400", "--p", "200", "--gamma", "0.05,0.5,5"]
    ref = cli_json("theory", *args)
    for model in (f, str(f), d):
        py = rv.theory(model, n=400, p=200, gammas=[0.05, 0.5, 5.0])
        check(py, dict(ref))
    assert py["n"] == 400 and py["p"] == 200 and py["c"] == 0.5
    assert py["gamma_scale"] == 399**2 / 200
    assert "softmax" in py["equivalent"]
    # the softmax's equivalent depends on n and p: c alone is refused, as by the CLI
    with pytest.raises(ValueError) as e:
        rv.theory(f, c=0.5, gammas=0.1)
    assert str(e.value) == cli_error("theory", "--model-file", f, "--c", "0.5", "--gamma", "0.1")
    # non-integer sizes are a ratio: refused the same way
    with pytest.raises(ValueError) as e:
        rv.theory(f, n=400.5, p=200, gammas=0.1)
    assert str(e.value) == cli_error("theory", "--model-file", f, "--n", "400.5", "--p", "200", "--gamma", "0.1")


VARIANT_BAD = [
    (dict(softmax=1.0, c=0.5), ["--softmax", "1", "--c", "0.5"]),
    (dict(ar1=0.3, c=0.5), ["--ar1", "0.3", "--c", "0.5"]),
    (dict(ar1=1.0, n=100, p=50), ["--ar1", "1", "--n", "100", "--p", "50"]),
    (dict(heads="tanh,,cos", c=1), ["--heads", "tanh,,cos", "--c", "1"]),
    (dict(heads="max(x,0", c=1), ["--heads", "max(x,0", "--c", "1"]),
    (dict(heads=["tanh"] * 65, c=1), ["--heads", ",".join(["tanh"] * 65), "--c", "1"]),
    (dict(heads="tanh,cos", skip=0.5, c=1), ["--heads", "tanh,cos", "--skip", "0.5", "--c", "1"]),
    (dict(labels="block:0", c=1), ["--labels", "block:0", "--c", "1"]),
    (dict(softmax=float("nan"), n=10, p=10), ["--softmax", "NaN", "--n", "10", "--p", "10"]),
    # no equivalent for Phi = X A unmasked yet (simulate runs it)
    (dict(softmax=0.5, unmasked=True, softmax_side="plain", n=200, p=300), ["--softmax", "0.5", "--unmasked", "--softmax-side", "plain", "--n", "200", "--p", "300"]),
]


@pytest.mark.parametrize("kwargs,args", VARIANT_BAD)
def test_bad_variant_input_raises_the_cli_message(cli_error, kwargs, args):
    with pytest.raises(ValueError) as e:
        rv.theory(**kwargs)
    assert str(e.value) == cli_error("theory", *args)


def test_keyword_exclusions():
    # the CLI's clap exclusions, as ValueError
    with pytest.raises(ValueError, match="`heads` cannot be combined with `activation`"):
        rv.theory(heads="tanh,cos", activation="relu", c=1)
    with pytest.raises(ValueError, match="`softmax` cannot be combined with `activation`"):
        rv.theory(softmax=1.0, activation="relu", n=10, p=10)
    with pytest.raises(ValueError, match="`unmasked` requires `softmax`"):
        rv.theory(unmasked=True, c=1)
    with pytest.raises(ValueError, match="softmax_side"):
        rv.theory(softmax=1.0, softmax_side="left", n=10, p=10)
    with pytest.raises(ValueError, match="combine"):
        rv.theory(heads="tanh,cos", combine="mean", c=1)
    with pytest.raises(ValueError, match="cannot be combined with the model keywords"):
        rv.theory(HEADS, heads="tanh", c=1)
    with pytest.raises(TypeError):
        rv.theory(heads=3, c=1)


def test_no_warning_when_converged():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rv.theory(activation="relu", c=0.5, gammas=[0.1, 1.0])
