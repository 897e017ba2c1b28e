"""Library warnings stay off the terminal unless a developer asks for them (real subprocesses)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
_WARN = """
import io, warnings
from photoclip.core.quiet import quiet_library_warnings
quiet_library_warnings()
from PIL import Image
from tests.support import images as ti
warnings.warn("a library warning", UserWarning)
tiff = io.BytesIO()
ti.photo_like((64, 48)).save(tiff, "TIFF", compression="tiff_adobe_deflate")
data = bytearray(tiff.getvalue())
for i in range(200, 600):
    data[i] ^= 0x5A
try:
    Image.open(io.BytesIO(bytes(data))).load()
except OSError:
    pass
"""


def _stderr(*flags: str) -> str:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONWARNINGS"} | {"PYTHONPATH": str(REPO)}
    result = subprocess.run([sys.executable, *flags, "-c", _WARN], cwd=REPO, capture_output=True, text=True,
                            timeout=120, env=env)
    assert result.returncode == 0, result.stderr
    return result.stderr


def test_python_warnings_and_libtiffs_own_messages_are_silenced():
    assert _stderr() == ""


def test_a_developer_asking_for_warnings_gets_them():
    shown = _stderr("-W", "default")
    assert "UserWarning: a library warning" in shown
    assert "ZIPDecode" in shown  # libtiff's own line, left alone too
