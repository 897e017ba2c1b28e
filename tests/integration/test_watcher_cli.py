"""``photoclip watch``: runs in the foreground, indexes what arrives, stops cleanly on Ctrl-C (SIGINT)."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from photoclip.cli.watch_status import WatchLine
from photoclip.core.events import IndexProgress, WatchStatus, WatchWarning
from tests.support.library_fixtures import color_model_env
from tests.support.watching import indexed, photo_bytes, wait_for

REPO = Path(__file__).resolve().parents[2]


def test_watch_command_indexes_new_photos_and_stops_cleanly_on_ctrl_c(tmp_path):
    pics = tmp_path / "Pictures"
    pics.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PHOTOCLIP_")}
    env |= {"PYTHONPATH": str(REPO), **color_model_env(tmp_path)}  # the real command, no CLIP model needed
    child = subprocess.Popen([sys.executable, "-m", "photoclip", "watch", str(pics), "--settle", "0.3"], cwd=REPO,
                             env=env, stderr=subprocess.PIPE, text=True)
    try:
        catalog = tmp_path / "data" / "catalog.sqlite3"
        assert wait_for(lambda: catalog.exists(), 30)
        time.sleep(1.0)  # let it start watching
        (pics / "new.png").write_bytes(photo_bytes(1))
        assert wait_for(lambda: indexed(catalog) == 1, 30)
        time.sleep(0.5)
        child.send_signal(signal.SIGINT)
        _, err = child.communicate(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == 0, err
    assert "Watching 1 folder" in err and "indexed: 1 added" in err


def test_status_line_is_rewritten_in_place_on_a_terminal():
    out = io.StringIO()
    line = WatchLine(out, live=True)
    line(WatchStatus("watching", watched=2, polled=1, pending=3, processed=10))
    line(IndexProgress(5, 40, 5, 0, 0, 10.0, 3.5))
    line(WatchWarning("/mnt/nas", "overflow", "Events were lost.", "sudo sysctl x=1"))
    line.close()
    text = out.getvalue()
    assert "\r\x1b[K" in text and "3 folders (1 polled) · 3 pending · 10 processed" in text
    assert "/mnt/nas: Events were lost. Fix: sudo sysctl x=1\n" in text
