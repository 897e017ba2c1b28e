"""Labels: durations, rates, sizes, folder states."""

from __future__ import annotations

import pytest

from photoclip import formatting
from photoclip.gui.widgets.library_panel import folder_state

pytestmark = pytest.mark.gui


def test_durations_rates_and_sizes():
    assert formatting.duration(None) == "–"
    assert formatting.duration(float("nan")) == "–"
    assert formatting.duration(65.4) == "1:05"
    assert formatting.duration(3725) == "1:02:05"
    assert formatting.rate(3.14) == "3.1 photos/s"
    assert formatting.rate(123.4) == "123 photos/s"
    assert formatting.file_size(512) == "512 B"
    assert formatting.file_size(1536) == "1.5 KB"
    assert formatting.file_size(5 * 1024**3) == "5.0 GB"
    assert formatting.taken("2023-06-15T13:35:00") == "2023-06-15 13:35:00"


@pytest.mark.parametrize(("state", "counts", "activity", "expected"), [
    ("ok", {"indexed": 3}, "indexing", "indexing"),
    ("offline", {"offline": 3}, None, "offline"),
    ("ok", {"indexed": 3, "failed": 2}, None, "done, 2 skipped"),
    ("ok", {"indexed": 3}, None, "done"),
    ("ok", {}, None, "not indexed"),
])
def test_folder_state(state, counts, activity, expected):
    assert folder_state(state, counts, activity) == expected


def test_counts_agree_in_number():
    assert formatting.count(1, "photo") == "1 photo"
    assert formatting.count(0, "photo") == "0 photos"
    assert formatting.count(12345, "result") == "12,345 results"
