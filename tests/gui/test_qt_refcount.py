"""Guard against PySide6 6.12.0 on CPython 3.11, where every void Qt call decremented None's refcount until
the interpreter aborted. Checked in chunks so a regression fails this test instead of killing the run."""

from __future__ import annotations

import sys

import pytest
from PySide6.QtWidgets import QLabel

pytestmark = pytest.mark.gui

CALLS = 100_000
CHUNK = 5_000


def test_void_setters_do_not_leak_references_to_none(qtbot):
    label = QLabel()
    qtbot.addWidget(label)
    start = sys.getrefcount(None)
    for done in range(0, CALLS, CHUNK):
        for i in range(CHUNK):
            label.setText("x" if i & 1 else "y")
            label.update()
        drift = sys.getrefcount(None) - start
        assert drift > -100, f"None lost {-drift} references after {done + CHUNK:,} void Qt calls"
