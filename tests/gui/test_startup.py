"""The window must appear before torch loads: building it imports neither torch nor transformers."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.gui

ROOT = Path(__file__).resolve().parents[2]

CHILD = textwrap.dedent("""
    import sys
    from PySide6.QtCore import QSettings
    from photoclip.gui.app import create_app, create_window

    app = create_app([])
    window = create_window(QSettings(sys.argv[1], QSettings.Format.IniFormat))
    window.show()
    app.processEvents()
    heavy = sorted(m for m in ("torch", "transformers") if m in sys.modules)
    print("HEAVY=" + ",".join(heavy))
    window.shutdown()
    window.library.close()
""")


def test_main_window_does_not_import_torch(tmp_path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PHOTOCLIP_DATA_DIR": str(tmp_path / "data"),
           "PHOTOCLIP_OFFLINE": "1"}
    result = subprocess.run([sys.executable, "-c", CHILD, str(tmp_path / "gui.ini")], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "HEAVY=\n" in result.stdout, result.stdout
