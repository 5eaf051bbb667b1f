"""verify() and claims() against `rmt-verify verify/list` (quick budget)."""

import json

import pytest

import rmt_verify as rv
from conftest import same


@pytest.mark.parametrize("claim", ["lem-hermite", "thm-bounds"])
def test_matches_cli(cli, claim):
    code, out, err = cli("verify", "--claim", claim, "--format", "json", "--quiet")
    assert code in (0, 1), err
    ref = json.loads(out)
    py = rv.verify(claim)
    assert isinstance(py, list) and len(py) == 1
    same(py, ref)
    assert set(py[0]) == set(ref[0])
    assert py[0]["status"] in ("holds", "fails", "inconclusive")
    assert isinstance(py[0]["rows"], list) and isinstance(py[0]["notes"], list)


def test_several_claims_in_paper_order_and_seed(cli):
    py = rv.verify(["thm-bounds", "lem-hermite"], "quick", seed=7)
    assert [v["id"] for v in py] == ["lem-hermite", "thm-bounds"]
    code, out, _ = cli("verify", "--claim", "thm-bounds", "--claim", "lem-hermite", "--seed", "7", "--format", "json", "--quiet")
    same(py, json.loads(out))


def test_claims_and_papers_match_list(cli_json):
    packs = cli_json("list")
    same(rv.papers(), [p["paper"] for p in packs])
    ref = [dict(c, paper=p["paper"]["id"]) for p in packs for c in p["claims"]]
    py = rv.claims()
    same(py, ref)
    assert [set(c) for c in py] == [set(c) for c in ref]
    pid = packs[0]["paper"]["id"]
    same(rv.claims(pid), [c for c in ref if c["paper"] == pid])


def test_paper_pack_selects_claims(cli):
    pid = rv.papers()[0]["id"]
    py = rv.verify("lem-hermite", paper=pid)
    code, out, _ = cli("verify", "--paper", pid, "--claim", "lem-hermite", "--format", "json", "--quiet")
    same(py, json.loads(out))
    assert py[0]["paper"] == pid


def test_bad_input_raises_the_cli_message(cli_error):
    with pytest.raises(ValueError) as e:
        rv.verify("thm-nonexistent")
    assert str(e.value) == cli_error("verify", "--claim", "thm-nonexistent")
    with pytest.raises(ValueError, match="budget"):
        rv.verify("lem-hermite", budget="medium")
    with pytest.raises(ValueError) as e:
        rv.verify(paper="no-such-paper")
    assert str(e.value) == cli_error("verify", "--paper", "no-such-paper")
    with pytest.raises(ValueError) as e:
        rv.claims("no-such-paper")
    assert str(e.value) == cli_error("list", "--paper", "no-such-paper")
