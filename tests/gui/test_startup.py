"""The window must appear before torch loads: building it imports neither torch nor transformers."""

from __future__ import annotations

import contextlib
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


def _thread_names(pid: int) -> set[str]:
    names = set()
    for comm in Path(f"/proc/{pid}/task").glob("*/comm"):
        with contextlib.suppress(OSError):  # a thread that ended meanwhile
            names.add(comm.read_text().strip())
    return names


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads thread names from /proc (Linux)")
# 0 s: the signal lands while the app is still starting (it used to hang there: the window closed before the
# event loop ran and the first-run dialog shown next kept the process alive); 0.5 s: the window is up
@pytest.mark.parametrize("after", [0.0, 0.5])
def test_photoclip_without_arguments_opens_the_app_and_sigterm_closes_it_cleanly(tmp_path, after):
    import signal
    import time

    config = tmp_path / "config"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PHOTOCLIP_DATA_DIR": str(tmp_path / "data"),
           "PHOTOCLIP_OFFLINE": "1", "XDG_CONFIG_HOME": str(config)}
    proc = subprocess.Popen([sys.executable, "-m", "photoclip"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        # QThread names reach the OS; the status thread starts in the window's constructor
        while not any(n.startswith("photoclip-stat") for n in _thread_names(proc.pid)):
            assert proc.poll() is None, proc.communicate()[1]
            assert time.monotonic() < deadline, "the window did not come up"
            time.sleep(0.05)
        time.sleep(after)
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, stderr
    assert "geometry" in (config / "photoclip" / "photoclip.conf").read_text()
