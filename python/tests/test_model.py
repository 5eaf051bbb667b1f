"""Models as dicts: the keys of a model file, round trips through dicts, TOML and files."""

import copy

import numpy as np
import pytest

import rmt_verify as rv
from conftest import ROOT

try:
    import tomllib
except ImportError:  # Python < 3.11
    tomllib = None

MODELS = sorted((ROOT / "examples" / "models").glob("*.toml"))


def test_shortcut_defaults_are_the_cli_defaults(cli_json):
    d = rv.model_spec()
    assert d == cli_json("theory", "--c", "1", "--gamma", "1")["spec"]
    assert d["kind"] == "attention" and d["diag"] == "zero"
    assert d["heads"] == [{"activation": "tanh", "wk": [], "wq": []}]
    assert d["signal"]["means"] == [[1.0]]


def test_dict_round_trip():
    d = rv.model_spec(kind="equivalent", activation="relu", snr=4, wk=[1, 0, 0], wq=[0, 1], diag="literal")
    assert rv.model_spec(d) == d
    assert rv.model_spec(copy.deepcopy(d)) == d
    # the dict runs the same model as the keywords
    a = rv.theory(d, c=0.5, gammas=[0.1, 1])
    b = rv.theory(kind="equivalent", activation="relu", snr=4, wk=[1, 0, 0], wq=[0, 1], diag="literal", c=0.5, gammas=[0.1, 1])
    assert a["E"].tolist() == b["E"].tolist()
    assert a["spec"] == d == b["spec"]


def test_toml_and_file_round_trip(tmp_path):
    d = rv.model_spec(activation="x*tanh(x)", snr=2, wk="1,0", wq="1,0")
    text = rv.model_toml(d)
    assert text == rv.model_toml(activation="x*tanh(x)", snr=2, wk="1,0", wq="1,0")
    f = tmp_path / "m.toml"
    f.write_text(text)
    assert rv.model_spec(f) == d
    assert rv.model_spec(str(f)) == d
    if tomllib is not None:
        assert tomllib.loads(text) == d


@pytest.mark.parametrize("path", MODELS, ids=[p.name for p in MODELS])
def test_example_files_as_dicts(path):
    from_file = rv.model_spec(path)
    assert rv.model_spec(from_file) == from_file
    if tomllib is not None:
        # the file's own dict (with its defaults left out) is the same model
        assert rv.model_spec(tomllib.loads(path.read_text())) == from_file


def test_minimal_dict_numpy_values_and_none():
    d = {
        "signal": {"means": np.array([[1.5, 0.0], [0.0, 0.5]]), "target": np.array([1.0, np.float64(-1)])},
        "heads": [{"activation": "relu", "wk": np.zeros((0, 2)), "wq": [], "diag": None}],
        "attention": {"skip": None},
    }
    spec = rv.model_spec(d)
    assert spec["signal"]["means"] == [[1.5, 0.0], [0.0, 0.5]]
    assert spec["signal"]["target"] == [1.0, -1.0]
    assert "skip" not in spec["attention"]
    # integers are numbers too
    assert rv.model_spec({"signal": {"means": [[2]]}, "heads": [{"activation": "tanh"}]})["signal"]["means"] == [[2.0]]


def test_bad_dicts():
    with pytest.raises(ValueError, match="unknown field `foo`"):
        rv.model_spec({"heads": [{"activation": "tanh", "foo": 1}]})
    with pytest.raises(ValueError, match="signal.proportions"):
        rv.model_spec({"signal": {"labels": "classes", "means": [[1.0]]}, "heads": [{"activation": "tanh"}]})
    with pytest.raises(ValueError, match="must sum to 1"):
        rv.model_spec({"signal": {"labels": "classes", "means": [[1.0], [0, 1]], "proportions": [0.5, 0.6]}, "heads": [{"activation": "tanh"}]})
    with pytest.raises(ValueError, match="coordinates must be finite"):
        rv.model_spec({"signal": {"means": [[float("nan")]]}, "heads": [{"activation": "tanh"}]})
    with pytest.raises(TypeError, match="keys must be strings"):
        rv.model_spec({1: 2})
    with pytest.raises(TypeError, match="cannot be put in a model file"):
        rv.model_spec({"heads": [{"activation": object()}]})
    with pytest.raises(ValueError, match="None is not allowed"):
        rv.model_spec({"signal": {"means": [[1.0, None]]}})
