"""Long calls release the GIL and stop on Ctrl-C; the package is typed."""

import pathlib
import signal
import subprocess
import sys
import textwrap
import threading
import time

import pytest

import rmt_verify as rv


def test_long_calls_release_the_gil():
    ticks = []
    stop = threading.Event()

    def ticker():
        while not stop.is_set():
            ticks.append(time.perf_counter())
            time.sleep(0.005)

    t = threading.Thread(target=ticker)
    t.start()
    try:
        t0 = time.perf_counter()
        rv.simulate(n=512, p=256, seeds=8, gammas=[0.1])
        elapsed = time.perf_counter() - t0
    finally:
        stop.set()
        t.join()
    # the other thread kept running during the call (with the GIL held it could not tick at
    # all); a loose bound, as the machine may be busy
    during = [x for x in ticks if t0 < x < t0 + elapsed]
    assert elapsed > 0.05
    assert len(during) >= 3, (len(during), elapsed)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child process")
def test_ctrl_c_interrupts_a_long_simulation():
    script = textwrap.dedent(
        """
        import signal, sys, time
        # a process started in the background may inherit SIGINT ignored: restore Ctrl-C
        signal.signal(signal.SIGINT, signal.default_int_handler)
        import rmt_verify as rv
        print("ready", flush=True)
        t0 = time.perf_counter()
        try:
            rv.simulate(n=512, p=256, seeds=5000, gammas=[0.1])
            print("finished", flush=True)
        except KeyboardInterrupt:
            print(f"interrupted {time.perf_counter() - t0:.2f}", flush=True)
        """
    )
    p = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "ready"
    time.sleep(1.5)
    sent = time.perf_counter()
    p.send_signal(signal.SIGINT)
    try:
        out, _ = p.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        p.kill()
        raise
    waited = time.perf_counter() - sent
    assert out.startswith("interrupted"), out
    # back in Python at once (the replicates already started finish in the background); the
    # whole run would take minutes. A loose bound, as the machine may be busy.
    assert waited < 30, waited


def test_type_stubs_are_shipped():
    pkg = pathlib.Path(rv.__file__).parent
    assert (pkg / "py.typed").exists()
    stub = (pkg / "__init__.pyi").read_text()
    functions = [n for n in rv.__all__ if type(getattr(rv, n)).__name__ == "builtin_function_or_method"]
    assert len(functions) == 9
    for name in functions:
        assert f"def {name}(" in stub, name
    for name in rv.__all__:
        assert name in stub, name
    # the result types exist at run time too (for annotations)
    from rmt_verify.types import TheoryResult

    assert "E" in TheoryResult.__annotations__


def test_stub_signatures_are_the_runtime_ones():
    # every function's parameters (names, kinds, defaults) in __init__.pyi are those of the
    # compiled function, so that editors show what the call accepts
    import ast
    import inspect

    pkg = pathlib.Path(rv.__file__).parent
    tree = ast.parse((pkg / "__init__.pyi").read_text())
    stubs = {f.name: f for f in tree.body if isinstance(f, ast.FunctionDef)}
    for name, f in stubs.items():
        sig = inspect.signature(getattr(rv, name))
        a = f.args
        positional = a.posonlyargs + a.args
        pos_defaults = [None] * (len(positional) - len(a.defaults)) + a.defaults
        stub = [(x.arg, "p", d) for x, d in zip(positional, pos_defaults)]
        stub += [(x.arg, "k", d) for x, d in zip(a.kwonlyargs, a.kw_defaults)]
        run = []
        for p in sig.parameters.values():
            kind = "k" if p.kind == p.KEYWORD_ONLY else "p"
            run.append((p.name, kind, p.default))
        assert [(n, k) for n, k, _ in stub] == [(n, k) for n, k, _ in run], name
        for (n, _, d), (_, _, r) in zip(stub, run):
            if d is None:
                assert r is inspect.Parameter.empty, (name, n)
            else:
                assert ast.literal_eval(d) == r, (name, n, r)


@pytest.mark.parametrize("name", ["hermite", "spectrum"])
def test_time_limit_defaults_are_the_cli_ones(cli, name):
    import inspect
    import re

    code, out, _ = cli(name, "--help")
    assert code == 0
    cli_default = float(re.search(r"--time-limit <SECONDS>.*?\[default: ([0-9.e+]+)\]", out, re.S).group(1))
    assert inspect.signature(getattr(rv, name)).parameters["time_limit"].default == cli_default
