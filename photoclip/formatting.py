"""Human-readable numbers for the CLI and the app: durations, rates, sizes (no Qt)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from photoclip.core.search import Hit


def duration(seconds: float | None) -> str:
    if seconds is None or seconds != seconds or seconds < 0:  # None or NaN
        return "–"
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def rate(per_second: float) -> str:
    return f"{per_second:.1f} photos/s" if per_second < 10 else f"{per_second:.0f} photos/s"


def file_size(n_bytes: int | None) -> str:
    if n_bytes is None:
        return "–"
    size = float(n_bytes)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GB"


def taken(iso: str | None) -> str:
    return iso.replace("T", " ") if iso else "unknown"


def count(n: int, noun: str) -> str:
    """``1 photo``, ``2,345 photos``."""
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


def explain(hit: Hit) -> str:
    """Why a search hit is where it is, on one line: ``match · calibrated 70.4 · red +0.711 · -blue -0.007``
    (each term's share of the score; they add up to it) or ``… · nearest to beach.jpg (0.912)``."""
    parts = ["match" if hit.match else "weaker"]
    if hit.calibrated is not None:
        parts.append(f"calibrated {hit.calibrated:.1f}")
    return " · ".join(parts + why(hit))


def why(hit: Hit) -> list[str]:
    """Each +/- term's share of the score (``red +0.711``, ``-blue -0.007``), or the nearest reference photo."""
    from photoclip.core.filenames import display

    parts = []
    for term in hit.terms:
        word = f'"{term.term}"' if " " in term.term else term.term
        parts.append(f"{'-' if term.sign < 0 else ''}{word} {term.contribution:+.3f}")
    if hit.reference is not None:
        parts.append(f"nearest to {display(Path(hit.reference).name)} ({hit.reference_score or 0.0:.3f})")
    return parts
