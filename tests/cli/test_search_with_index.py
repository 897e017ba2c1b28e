"""`photoclip search QUERY --index FOLDER`: index and search in one process (rclip's one command), the model
loaded once, the same results as `photoclip index` then `photoclip search`."""

from __future__ import annotations

import json

import pytest

from photoclip.core.embed import backend_choice
from tests.cli.test_cli_contract import env, photos, run  # noqa: F401 - fixtures

pytestmark = pytest.mark.model

QUERY = "a red square"


def counting(monkeypatch, name: str) -> list[int]:
    calls: list[int] = []
    real = getattr(backend_choice, name)
    monkeypatch.setattr(backend_choice, name, lambda *a, **kw: calls.append(1) or real(*a, **kw))
    return calls


def test_one_command_prints_what_index_then_search_prints(env, photos, capsys, monkeypatch, tmp_path):  # noqa: F811
    loads, text_loads = counting(monkeypatch, "load_embedder"), counting(monkeypatch, "load_text_embedder")
    code, out, _ = run(capsys, "search", QUERY, "--index", str(photos), "--json", "--all")
    assert code == 0
    one_command = json.loads(out)  # stdout is only the results, even while indexing
    assert (len(loads), len(text_loads)) == (1, 0)  # the model the photos needed answered the query too

    monkeypatch.setenv("PHOTOCLIP_DATA_DIR", str(tmp_path / "other-data"))
    assert run(capsys, "index", str(photos), "--json")[0] == 0
    code, out, _ = run(capsys, "search", QUERY, "--json", "--all")
    two_commands = json.loads(out)
    assert [h["path"] for h in one_command] == [h["path"] for h in two_commands]
    assert [h["score"] for h in one_command] == pytest.approx([h["score"] for h in two_commands], abs=1e-6)
    assert len(one_command) == 3


def test_again_with_nothing_new_it_says_so_and_finds_the_same(env, photos, capsys):  # noqa: F811
    code, first, err = run(capsys, "search", QUERY, "--index", str(photos), "--all")
    assert code == 0 and "3 added" in err and "skipped" in err and "broken.jpg" in err
    code, again, err = run(capsys, "search", QUERY, "--index", "--all")  # alone: every folder of the library
    assert code == 0 and "4 unchanged" in err and "0 embedded" in err
    assert again == first and len(first.splitlines()) == 3
