"""Zero-shot tagging, the review queue, smart albums and XMP write-back, all from stored image vectors.

Entry points: ``library.tags`` (a Tagger) and ``library.albums`` (Albums); labels and label sets in ``labels``.
"""

from photoclip.core.calibration import DEFAULT_THRESHOLD
from photoclip.core.tagging.albums import AlbumMember, Albums, threshold_keeping
from photoclip.core.tagging.labels import Label, LabelSet
from photoclip.core.tagging.suggest import Suggestion, TagRun
from photoclip.core.tagging.tagger import Scope, Tagger

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
