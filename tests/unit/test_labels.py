"""Labels and label sets: prompts from templates, the text and JSON formats, presets, calibration maths."""

from __future__ import annotations

import json

import numpy as np
import pytest

from photoclip.core import calibration
from photoclip.core.errors import LabelSetError
from photoclip.core.tagging.labels import (
    DEFAULT_TEMPLATES,
    Label,
    LabelSet,
    load_preset,
    parse_label_line,
    preset_names,
)


def test_a_bare_name_goes_into_every_template():
    label = Label("Places|Beach")
    assert label.leaf == "Beach"
    assert label.positive_prompts() == tuple(t.format("beach") for t in DEFAULT_TEMPLATES)


def test_written_prompts_are_used_as_written():
    label = Label(" Animals | Dog ", prompts=("a dog", " "), negatives=("a cat",))
    assert label.name == "Animals|Dog"
    assert label.positive_prompts() == ("a dog",)
    assert label.negatives == ("a cat",)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("dog", Label("dog")),
        ("Animals|Dog: a dog | a puppy ! a cat | a wolf @ 3.5",
         Label("Animals|Dog", ("a dog", "a puppy"), ("a cat", "a wolf"), 3.5)),
        ("beach ! a swimming pool", Label("beach", (), ("a swimming pool",))),
        ("receipt @ 2", Label("receipt", threshold=2.0)),
    ],
)
def test_text_line_grammar(line, expected):
    assert parse_label_line(line) == expected


def test_bad_lines_and_names_are_refused():
    with pytest.raises(LabelSetError):
        parse_label_line("dog @ high")
    with pytest.raises(LabelSetError):
        Label("Places||Beach")
    with pytest.raises(LabelSetError):
        LabelSet("dupes", (Label("a"), Label("a")))
    with pytest.raises(LabelSetError):
        LabelSet.from_json("[1, 2]")
    with pytest.raises(LabelSetError):
        LabelSet.from_json('{"labels": [{"prompts": ["x"]}]}')
    with pytest.raises(LabelSetError, match="Line 2"):
        LabelSet.from_text("ok\n@ 3\n", "x")


def test_json_and_text_round_trip(tmp_path):
    original = LabelSet(
        "mine", (Label("Animals|Dog", ("a dog",), ("a cat",), 3.5), Label("beach")), description="d", exclusive=True,
        sensitive=True, default_threshold=2.5,
    )
    json_path, text_path = tmp_path / "mine.json", tmp_path / "mine.txt"
    original.save(json_path)
    original.save(text_path)
    assert LabelSet.load(json_path) == original
    assert json.loads(json_path.read_text())["labels"][1] == {"name": "beach"}
    from_text = LabelSet.load(text_path)
    assert from_text.labels == original.labels and from_text.name == "mine"


def test_saving_replaces_a_file_whole_or_fails_with_a_clear_error(tmp_path):
    target = tmp_path / "mine.txt"
    target.write_text("what an earlier export left\n")
    LabelSet("mine", (Label("beach"),)).save(target)
    assert LabelSet.load(target).labels == (Label("beach"),)
    assert [p.name for p in tmp_path.iterdir()] == ["mine.txt"]  # no temp file left beside it
    with pytest.raises(LabelSetError, match="Cannot write"):
        LabelSet("mine", (Label("beach"),)).save(tmp_path / "no such folder" / "mine.json")


def test_presets_load_and_cover_the_issue():
    assert {"scenes", "everyday-objects", "documents", "sensitive"} <= set(preset_names())
    for name in preset_names():
        label_set = load_preset(name)
        assert label_set.labels and all(lb.positive_prompts() for lb in label_set.labels)
    assert load_preset("sensitive").sensitive
    assert load_preset("documents").exclusive
    with pytest.raises(LabelSetError):
        load_preset("nope")


def test_calibration_is_a_robust_z_score_with_a_floor():
    rng = np.random.default_rng(1)
    typical = rng.normal(0.0, 0.02, size=(900, 1))
    matches = rng.normal(0.1, 0.02, size=(100, 1))  # a tenth of the library shows the thing
    cal = calibration.fit(np.vstack([typical, matches]).astype(np.float32))
    assert abs(float(cal.center[0])) < 0.01
    assert 0.015 < float(cal.scale[0]) < 0.03  # the spread of typical photos, not inflated by the matches
    assert float(cal.z(np.array([[0.1]], np.float32))[0, 0]) > 3
    flat = calibration.fit(np.zeros((50, 2), np.float32))
    assert np.all(flat.scale == calibration.MIN_SCALE)


def test_text_format_refuses_what_it_cannot_hold(tmp_path):
    tricky = LabelSet("t", (Label("Time: 12:00", prompts=("noon",)),))
    with pytest.raises(LabelSetError, match="json"):
        tricky.save(tmp_path / "t.txt")
    tricky.save(tmp_path / "t.json")
    assert LabelSet.load(tmp_path / "t.json") == tricky


def test_a_label_in_another_script_is_its_own_prompt_not_wrapped_in_english():
    from photoclip.core.tagging.labels import DEFAULT_TEMPLATES, Label

    assert Label("犬").positive_prompts() == ("犬",)
    assert Label("Тварини|Собака").positive_prompts() == ("собака",)
    assert Label("Crème brûlée").positive_prompts() == tuple(t.format("crème brûlée") for t in DEFAULT_TEMPLATES)
    assert Label("猫").positive_prompts(("ein Foto von {}",)) == ("ein Foto von 猫",)  # a set's own templates
