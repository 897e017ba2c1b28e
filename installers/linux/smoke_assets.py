"""Writes what the .deb smoke test feeds the installed app: the tiny test CLIP (random weights, real tokenizer)
as a bundled model folder ``acme--tiny-clip``, a folder of colour photos, and ``photos-ov/``: photo-like
images for the OpenVINO int8 run (16 calibrate it, 8 held out for the quality guard; see backend_choice.py).
Run with the development venv:

    .venv/bin/python -m installers.linux.smoke_assets OUT_DIR
"""

from __future__ import annotations

import sys
from pathlib import Path

from photoclip.testing.clip_vocab import write_vocab_files
from photoclip.testing.images import photo_like
from photoclip.testing.library_fixtures import write_photo
from photoclip.testing.tiny_model import build_tiny_clip
from scripts.fetch_test_assets import fetch_clip_vocab

ROOT = Path(__file__).resolve().parents[2]

COLOURS = ("red", "green", "blue", "yellow", "white", "orange")
#: CALIBRATION_PHOTOS (16) + MIN_GUARD_PHOTOS (8): int8 is calibrated and checked on photos it did not see
OPENVINO_PHOTOS = 24


def main(out: Path) -> None:
    vocab_json, _ = write_vocab_files(fetch_clip_vocab(ROOT / ".test-assets"), out / "vocab")
    build_tiny_clip(out / "models" / "acme--tiny-clip", seed=0, vocab_dir=vocab_json.parent)
    for colour in COLOURS:
        write_photo(out / "photos" / f"{colour}.jpg", colour)
    write_photo(out / "photos" / "trip" / "sunset.png", "orange", second="purple", share=0.4)
    (out / "photos-ov").mkdir(parents=True, exist_ok=True)
    for i in range(OPENVINO_PHOTOS):
        photo_like((1200, 900), seed=i).save(out / "photos-ov" / f"IMG_{i:02}.jpg", quality=90)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
