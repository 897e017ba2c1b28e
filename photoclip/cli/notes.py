"""Notes the CLI prints on stderr beside a result (stdout stays the result, ``--json`` included)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # core.search imports numpy and the index: not while building the parser
    from photoclip.core.search import CutText


def warn_cut(cut: list[CutText]) -> None:
    """One line per query term or label prompt that the model reads only the start of."""
    for text in cut:
        print(f"photoclip: note: {text.message}", file=sys.stderr)
