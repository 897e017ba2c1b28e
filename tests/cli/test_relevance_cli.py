"""``photoclip search`` / ``similar`` print the matches; ``--all`` the full ranking; ``--min-score`` moves the
cutoff; ``--json`` carries ``match`` and ``calibrated``; ``--explain`` says why (the built-in colour test model,
selected as a user would: ``PHOTOCLIP_MODEL=test:colors``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from photoclip.cli.main import main
from tests.support.library_fixtures import write_photo

COLOURS = ("red", "green", "blue", "yellow", "white", "black")


@pytest.fixture
def photos(tmp_path, color_cli, capsys):
    root = tmp_path / "Pictures"
    for colour in COLOURS:
        for i in range(2):
            write_photo(root / f"{colour}-{i}.jpg", colour, size=(320 + i, 240))
    assert main(["index", str(root), "--json"]) == 0
    capsys.readouterr()
    return root


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def listed(out: str) -> list[str]:
    return [Path(line.split(None, 1)[1]).name for line in out.splitlines() if not line.startswith(" " * 8)]


def test_search_prints_the_matches_and_all_prints_the_ranking(photos, capsys):
    code, out, err = run(capsys, "search", "red")
    assert (code, err) == (0, "")
    assert listed(out) == ["red-0.jpg", "red-1.jpg"]
    code, out, err = run(capsys, "search", "red", "--all")
    assert (code, err) == (0, "")
    assert listed(out)[:2] == ["red-0.jpg", "red-1.jpg"] and len(listed(out)) == 2 * len(COLOURS)


def test_a_query_that_matches_nothing_says_so_and_exits_0(photos, capsys):
    code, out, err = run(capsys, "search", "dog")
    assert (code, out) == (0, "")
    assert err == 'No photo stands out for "dog"; --all shows the closest ones.\n'
    code, out, err = run(capsys, "search", "dog", "--json")
    assert (code, json.loads(out)) == (0, []) and "No photo stands out" in err
    code, out, err = run(capsys, "search", "dog", "--all", "--limit", "5")
    assert code == 0 and len(listed(out)) == 5 and err == ""


def test_json_has_match_and_calibrated_score(photos, capsys):
    code, out, _ = run(capsys, "search", "blue", "--json", "--all")
    hits = json.loads(out)
    assert code == 0 and {tuple(sorted(h)) for h in hits} == {("calibrated", "match", "path", "score")}
    assert [h["match"] for h in hits] == [True, True] + [False] * (len(hits) - 2)
    assert all(Path(h["path"]).name.startswith("blue-") for h in hits[:2])
    assert hits[0]["calibrated"] >= 3 > hits[2]["calibrated"]
    assert [h["score"] for h in hits] == sorted((h["score"] for h in hits), reverse=True)
    code, out, _ = run(capsys, "search", "blue", "--json")
    assert [h["path"] for h in json.loads(out)] == [h["path"] for h in hits[:2]]


def test_min_score_is_the_cutoff_on_the_calibrated_score(photos, capsys):
    code, out, _ = run(capsys, "search", "blue", "--json", "--all")
    top = json.loads(out)[0]["calibrated"]
    code, out, err = run(capsys, "search", "blue", "--min-score", str(top + 1))
    assert (code, out) == (0, "") and "No photo stands out" in err
    code, out, _ = run(capsys, "search", "blue", "--min-score", str(top - 1))
    assert listed(out) == ["blue-0.jpg", "blue-1.jpg"]


def test_explain_gives_each_terms_share(photos, capsys):
    code, out, err = run(capsys, "search", "+red -blue", "--explain")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert listed(out) == ["red-0.jpg", "red-1.jpg"] and len(lines) == 4
    why = lines[1].strip()
    assert why.startswith("match · calibrated ") and " · red +0.71" in why and " · -blue -0.00" in why
    code, out, _ = run(capsys, "search", "+red -blue", "--explain", "--json", "--limit", "1")
    [hit] = json.loads(out)
    terms = hit["why"]["terms"]
    assert [(t["term"], t["sign"]) for t in terms] == [("red", "+"), ("blue", "-")]
    assert sum(t["contribution"] for t in terms) == pytest.approx(hit["score"], abs=1e-5)


def test_similar_explains_the_nearest_reference(photos, capsys):
    code, out, err = run(capsys, "similar", str(photos / "green-0.jpg"), str(photos / "white-0.jpg"), "--explain")
    assert (code, err) == (0, "")
    assert listed(out) == ["green-1.jpg", "white-1.jpg"]
    assert "nearest to green-0.jpg (1.000)" in out.splitlines()[1]
    assert "nearest to white-0.jpg (1.000)" in out.splitlines()[3]
    code, out, _ = run(capsys, "similar", str(photos / "green-0.jpg"), "--json", "--explain")
    [hit] = json.loads(out)
    assert hit["match"] and hit["why"]["reference"] == str(photos / "green-0.jpg")
