"""Near-duplicate groups from the stored vectors (bursts, re-saves, resized or edited copies, exact copies),
which photo of each to keep, and moving the others to the system trash on request.

Entry points: ``Library.find_duplicates()`` → ``Candidates.groups(threshold)`` → ``DuplicateGroup.keeper(rule)``
→ ``Library.trash_duplicates([KeepChoice, ...])``. Finding reads the catalog and the index only.
"""

from photoclip.core.duplicates.finder import DEFAULT_THRESHOLD, MIN_THRESHOLD, Candidates, find
from photoclip.core.duplicates.groups import KEEP_RULES, LARGEST, OLDEST, SHARPEST, DuplicateGroup, DuplicatePhoto
from photoclip.core.duplicates.sharpness import Sharpness
from photoclip.core.duplicates.trash import KeepChoice, TrashResult, move_others_to_trash

__all__ = [
    "DEFAULT_THRESHOLD",
    "KEEP_RULES",
    "LARGEST",
    "MIN_THRESHOLD",
    "OLDEST",
    "SHARPEST",
    "Candidates",
    "DuplicateGroup",
    "DuplicatePhoto",
    "KeepChoice",
    "Sharpness",
    "TrashResult",
    "find",
    "move_others_to_trash",
]
