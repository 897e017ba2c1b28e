"""``photoclip`` in a real process with a real stdout pipe: odd file names never end a run, ``--json`` stays valid
UTF-8 (with ``path_bytes`` for names that are not text), text output stays one line per photo, and ``watch``
goes on indexing what arrives after such a name."""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.library_fixtures import write_photo
from tests.support.odd_names import COLOR_CLI, ODD_NAMES, exact, write_odd_photos
from tests.support.watching import indexed, photo_bytes, wait_for

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def env(tmp_path):
    return {**os.environ, "PYTHONPATH": str(REPO), "PHOTOCLIP_DATA_DIR": str(tmp_path / "data")}


def photoclip(env, *args: str | bytes) -> tuple[int, bytes, str]:
    done = subprocess.run([sys.executable, "-c", COLOR_CLI, *args], cwd=REPO, env=env, capture_output=True,
                          timeout=120)
    return done.returncode, done.stdout, done.stderr.decode("utf-8", "replace")


def as_json(out: bytes):
    return json.loads(out.decode("utf-8"))  # strict: any byte that is not UTF-8 fails here


def exact_bytes(entry: dict) -> bytes:
    return base64.b64decode(entry["path_bytes"]) if "path_bytes" in entry else entry["path"].encode()


def test_index_status_and_search_with_odd_names(tmp_path, env):
    pics = tmp_path / "Pictures"
    odd = write_odd_photos(pics)
    broken = exact(pics, b"d\xe9fect.jpg")
    Path(broken).write_bytes(b"\xff\xd8\xff\xe0 not a photo")
    other_root = exact(tmp_path, b"Fotos \xe9t\xe9")
    write_photo(Path(other_root) / "white.png", "white")

    code, out, err = photoclip(env, "index", str(pics), os.fsencode(other_root), "--json")
    assert code == 0, err
    summary = as_json(out)
    assert (summary["added"], summary["failed"]) == (len(ODD_NAMES) + 1, 1)

    code, out, err = photoclip(env, "status", "--json")
    assert code == 0, err
    status = as_json(out)
    assert status["counts"] == {"indexed": len(ODD_NAMES) + 1, "failed": 1}
    [failed] = status["failed"]
    assert exact_bytes(failed) == os.fsencode(broken) and "\ufffd" in failed["path"]
    assert {exact_bytes(f) for f in status["folders"]} == {os.fsencode(pics), os.fsencode(other_root)}

    for colour, path in odd.items():
        code, out, err = photoclip(env, "search", colour, "--limit", "1", "--json")
        assert code == 0, err
        [top] = as_json(out)
        assert exact_bytes(top) == os.fsencode(path), colour

    code, out, err = photoclip(env, "search", "red", "--limit", "20", "--all")
    assert code == 0, err
    lines = out.decode("utf-8").splitlines()
    assert len(lines) == len(ODD_NAMES) + 1  # one line per photo, the newline in a name shown as ␊
    assert any(line.endswith("caf\ufffd au lait.jpg") for line in lines)
    assert any(line.endswith("first line\u240asecond line.png") for line in lines)

    code, out, err = photoclip(env, "status")
    assert code == 0, err
    assert "Failed:  " in out.decode("utf-8") and "d\ufffdfect.jpg" in out.decode("utf-8")

    code, out, err = photoclip(env, "similar", os.fsencode(odd["red"]), "--limit", "3", "--json", "--all")
    assert code == 0, err
    assert len(as_json(out)) == 3


def test_watch_goes_on_indexing_after_a_name_that_is_not_utf8(tmp_path, env):
    pics = tmp_path / "Pictures"
    pics.mkdir()
    child = subprocess.Popen([sys.executable, "-c", COLOR_CLI, "watch", str(pics), "--settle", "0.3"], cwd=REPO,
                             env=env, stderr=subprocess.PIPE)
    try:
        catalog = tmp_path / "data" / "catalog.sqlite3"
        assert wait_for(lambda: catalog.exists(), 30)
        time.sleep(1.0)  # let it start watching
        Path(exact(pics, b"Urlaub \xfc\xe9.png")).write_bytes(photo_bytes(1))
        assert wait_for(lambda: indexed(catalog) == 1, 30)
        (pics / "after.png").write_bytes(photo_bytes(2))
        Path(exact(pics, b"line\nbreak.png")).write_bytes(photo_bytes(3))
        assert wait_for(lambda: indexed(catalog) == 3, 30)
        time.sleep(0.5)
        child.send_signal(signal.SIGINT)
        _, err = child.communicate(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
    err = err.decode("utf-8", "replace")
    assert child.returncode == 0, err
    assert "watcher error" not in err and "skipped" not in err
