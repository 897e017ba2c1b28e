"""Argument types and the JSON output the sub-commands share."""

from __future__ import annotations

import argparse
import json
from datetime import datetime

from photoclip.core.filenames import json_safe


def iso_date(text: str) -> str:
    """An argparse type: a YYYY-MM-DD date, kept as the text."""
    try:
        datetime.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date: {text!r} (use YYYY-MM-DD)") from exc
    return text


def emit_json(value: object) -> None:
    """Always valid UTF-8 JSON: a path that is not exact text gets ``path_bytes`` beside it (core/filenames.py)."""
    print(json.dumps(json_safe(value), ensure_ascii=False))
