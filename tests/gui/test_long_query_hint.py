"""A query longer than the model reads still searches, and the result line says quietly that it was cut."""

from __future__ import annotations

import pytest

from tests.gui.conftest import wait_idle
from tests.support.color_embedder import ColorEmbedder

pytestmark = pytest.mark.gui


class ShortReadingEmbedder(ColorEmbedder):
    """The colour embedder with a model-like text limit: one token per word plus two special tokens."""

    max_text_tokens = 8

    def token_counts(self, texts: list[str]) -> list[int]:
        return [len(t.split()) + 2 for t in texts]


@pytest.fixture
def embedder():
    return ShortReadingEmbedder()


def test_a_long_query_shows_a_quiet_hint_with_the_reason(qtbot, window, photos):
    window.add_folders([str(photos)])
    wait_idle(qtbot, window)
    long_query = "red " + "very " * 12 + "bright"
    with qtbot.waitSignal(window.query.results, timeout=5000):
        window.query.search_text(long_query)
    assert "only the start of a long query was read" in window.result_label.text()
    assert "reads 8 tokens" in window.result_label.toolTip() and "has 16" in window.result_label.toolTip()
    with qtbot.waitSignal(window.query.results, timeout=5000):
        window.query.search_text("red")
    assert "long query" not in window.result_label.text() and window.result_label.toolTip() == ""


def test_a_label_prompt_cut_at_the_model_limit_is_noted_in_the_tags_panel(qtbot, window, photos):
    from photoclip.core.tagging import Label
    from tests.gui.test_tags_panel import open_panel, run_set

    window.add_folders([str(photos)])
    wait_idle(qtbot, window)
    panel = open_panel(qtbot, window)
    panel.new_set("long")
    qtbot.waitUntil(lambda: panel.label_set is not None and panel.label_set.name == "long", timeout=5000)
    panel.edit_label(None, Label("Red", prompts=("a photo of a very very very very red thing",)))
    qtbot.waitUntil(lambda: len(panel.label_set.labels) == 1, timeout=5000)
    panel.edit_label(None, Label("white"))
    qtbot.waitUntil(lambda: len(panel.label_set.labels) == 2, timeout=5000)
    run_set(qtbot, panel)
    assert "1 prompt cut at the model's limit" in panel.run_status.text()
    assert "reads 8 tokens" in panel.run_status.toolTip() and "has 12" in panel.run_status.toolTip()
