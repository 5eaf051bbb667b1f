"""Shared fixtures: the CLI (the reference every function is compared with) and comparisons.

The CLI binary is `$RMT_VERIFY_CLI` when set (CI: the one `cargo test --release` just built);
otherwise it is built from this checkout once per session (`cargo build --release --bin
rmt-verify`, a no-op when up to date) and run from `target/release/rmt-verify`, so the Python
module and the CLI come from the same source.
"""

import json
import math
import os
import pathlib
import subprocess

import numpy as np
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
TOL = 1e-12


def _locate_cli():
    env = os.environ.get("RMT_VERIFY_CLI")
    if env:
        if not pathlib.Path(env).is_file():
            pytest.exit(f"RMT_VERIFY_CLI={env} is not a file", returncode=2)
        return [env]
    exe = ROOT / "target" / "release" / "rmt-verify"
    try:
        subprocess.run(
            ["cargo", "build", "--release", "--quiet", "--bin", "rmt-verify"],
            cwd=ROOT,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError) as e:
        if not exe.exists():
            pytest.exit(f"cannot build the rmt-verify CLI to compare with: {e}", returncode=2)
    return [str(exe)]


@pytest.fixture(scope="session")
def cli():
    """`cli(*args)` runs the CLI; returns (exit code, stdout, stderr)."""
    base = _locate_cli()

    def run(*args):
        p = subprocess.run(base + [str(a) for a in args], capture_output=True, text=True)
        return p.returncode, p.stdout, p.stderr

    return run


@pytest.fixture(scope="session")
def cli_json(cli):
    """`cli_json(*args)`: the parsed JSON of a successful CLI run (`--format json` added)."""

    def run(*args, ok_codes=(0,)):
        code, out, err = cli(*args, "--format", "json")
        assert code in ok_codes, f"rmt-verify {' '.join(map(str, args))} exited {code}: {err}"
        return json.loads(out)

    return run


@pytest.fixture(scope="session")
def cli_error(cli):
    """`cli_error(*args)`: the message the CLI prints after `error: ` (exit code 2)."""

    def run(*args):
        code, _, err = cli(*args)
        assert code == 2, f"expected exit 2, got {code}: {err}"
        line = err.strip().splitlines()[-1]
        assert line.startswith("error: "), err
        return line[len("error: ") :]

    return run


def same(py, ref, where="value"):
    """Asserts `py` (Python result: numbers, numpy arrays, lists, dicts) equals `ref` (parsed
    CLI JSON) to 1e-12 (relative to max(1, |ref|)); JSON null matches None, NaN or a list of NaN."""
    if isinstance(ref, dict):
        assert isinstance(py, dict), f"{where}: {type(py)} is not a dict"
        for k, v in ref.items():
            assert k in py, f"{where}: key {k!r} missing"
            same(py[k], v, f"{where}.{k}")
        return
    if isinstance(py, np.ndarray):
        py = py.tolist()
    if ref is None and isinstance(py, list):  # e.g. the interval of a single replicate
        assert all(isinstance(x, float) and math.isnan(x) for x in py), f"{where}: {py!r} != null"
        return
    if isinstance(ref, list):
        assert isinstance(py, (list, tuple)), f"{where}: {type(py)} is not a list"
        assert len(py) == len(ref), f"{where}: length {len(py)} != {len(ref)}"
        for i, (a, b) in enumerate(zip(py, ref)):
            same(a, b, f"{where}[{i}]")
        return
    if ref is None:
        assert py is None or (isinstance(py, float) and math.isnan(py)), f"{where}: {py!r} != null"
        return
    if isinstance(ref, bool) or isinstance(ref, str):
        assert py == ref, f"{where}: {py!r} != {ref!r}"
        return
    if isinstance(ref, (int, float)):
        assert isinstance(py, (int, float)) and not isinstance(py, bool), f"{where}: {py!r}"
        if math.isinf(ref) or math.isinf(py):
            assert py == ref, f"{where}: {py!r} != {ref!r}"
            return
        assert abs(py - ref) <= TOL * max(1.0, abs(ref)), f"{where}: {py!r} != {ref!r}"
        return
    raise AssertionError(f"{where}: unexpected reference value {ref!r}")


def columns(points, key):
    """One field of the CLI's list of points."""
    return [p[key] for p in points]
