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
