"""The core is a library: importing all of it pulls in neither Qt nor torch (the window opens before torch)."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import photoclip.core

REPO = Path(__file__).resolve().parents[2]


def core_modules() -> list[str]:
    return sorted(m.name for m in pkgutil.walk_packages(photoclip.core.__path__, "photoclip.core."))


def test_importing_every_core_module_imports_no_qt_and_no_torch():
    modules = core_modules()
    assert "photoclip.core.library" in modules and "photoclip.core.scan.watcher" in modules
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in {'PySide6', 'shiboken6', 'torch', 'transformers'})\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""
