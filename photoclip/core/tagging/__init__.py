"""Zero-shot tagging, the review queue, smart albums and XMP write-back, all from stored image vectors.

Entry points: ``library.tags`` (a Tagger) and ``library.albums`` (Albums); labels and label sets in ``labels``.

The names below load with their module when first used (PEP 562): a command that only needs one submodule
(``photoclip index`` reads ``matrix_cache``) does not import tagging, albums and search at every start.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from photoclip.core.calibration import DEFAULT_THRESHOLD
    from photoclip.core.tagging.albums import AlbumMember, Albums, threshold_keeping
    from photoclip.core.tagging.labels import Label, LabelSet
    from photoclip.core.tagging.suggest import Suggestion, TagRun
    from photoclip.core.tagging.tagger import Scope, Tagger

#: each public name and the module it comes from
_FROM = {
    "DEFAULT_THRESHOLD": "photoclip.core.calibration",
    "AlbumMember": "photoclip.core.tagging.albums",
    "Albums": "photoclip.core.tagging.albums",
    "threshold_keeping": "photoclip.core.tagging.albums",
    "Label": "photoclip.core.tagging.labels",
    "LabelSet": "photoclip.core.tagging.labels",
    "Suggestion": "photoclip.core.tagging.suggest",
    "TagRun": "photoclip.core.tagging.suggest",
    "Scope": "photoclip.core.tagging.tagger",
    "Tagger": "photoclip.core.tagging.tagger",
}

__all__ = [
    "DEFAULT_THRESHOLD",
    "AlbumMember",
    "Albums",
    "Label",
    "LabelSet",
    "Scope",
    "Suggestion",
    "TagRun",
    "Tagger",
    "threshold_keeping",
]


def __getattr__(name: str) -> Any:
    if name not in _FROM:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_FROM[name]), name)
    globals()[name] = value
    return value
