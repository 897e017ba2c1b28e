"""A full disk and a read-only data folder, for real: the data folder on a tiny tmpfs, or bind-mounted read-only,
each in a private user + mount namespace (nothing outside the test sees them). The real CLI as a user runs it:
one line, exit 1, no traceback, no crash report; the catalog stays intact and a read-only one stays searchable."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

pytestmark = pytest.mark.model
REPO = Path(__file__).resolve().parents[2]

#: Runs inside the namespace as root of it. argv: data folder, photos folder, mode ("full" | "readonly").
CHILD = textwrap.dedent(
    """
    import json, os, sqlite3, subprocess, sys
    from pathlib import Path

    data, photos, mode = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
    out = {}

    def cli(*args, code=None):
        argv = [sys.executable, "-c", code, *args] if code else [sys.executable, "-m", "photoclip", *args]
        r = subprocess.run(argv, capture_output=True, text=True, timeout=300)
        return {"rc": r.returncode, "out": r.stdout, "err": r.stderr}

    def logs():
        folder = data / "logs"
        return {p.name: p.stat().st_size for p in folder.iterdir()} if folder.is_dir() else {}

    BUG = ("import sys; import photoclip.cli.status_command as c\\n"
           "def boom(args, settings): raise RuntimeError('a bug')\\n"
           "c.run = boom\\n"
           "from photoclip.cli.main import main; sys.exit(main(['status']))")

    if mode == "full":
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "small", str(data.parent)], check=True)
        out["index"] = cli("index", photos, "--json")
        out["logs_after_index"] = logs()
        out["search"] = cli("search", "red", "--json", "--all")
        out["bug_on_full_disk"] = cli(code=BUG)
        out["logs_after_bug"] = logs()
        subprocess.run(["mount", "-o", "remount,size=256m", str(data.parent)], check=True)  # space freed
        out["again"] = cli("index", photos, "--json")
        out["bug"] = cli(code=BUG)
        out["logs_after_bug_with_space"] = logs()
        db = sqlite3.connect(data / "catalog.sqlite3")
        out["integrity"] = db.execute("PRAGMA integrity_check").fetchone()[0]
    else:
        subprocess.run(["mount", "--bind", str(data), str(data)], check=True)
        subprocess.run(["mount", "-o", "remount,bind,ro", str(data)], check=True)
        out["search"] = cli("search", "red", "--json", "--all")
        out["status"] = cli("status", "--json")
        out["index"] = cli("index", "--json")
        out["remove"] = cli("remove", photos)
        out["logs"] = logs()
    print(json.dumps(out))
    """
)


def _namespace() -> list[str] | None:
    unshare = shutil.which("unshare")
    if unshare is None:
        return None
    probe = subprocess.run([unshare, "--user", "--map-root-user", "--mount", "true"], capture_output=True, timeout=10)
    return [unshare, "--user", "--map-root-user", "--mount"] if probe.returncode == 0 else None


def run_child(tmp_path: Path, model: Path, data: Path, photos: Path, mode: str) -> dict:
    prefix = _namespace()
    if prefix is None:
        pytest.skip("cannot create a private user + mount namespace here (unshare), so no tmpfs or read-only mount")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PHOTOCLIP_")}
    env |= {"PYTHONPATH": str(REPO), "PHOTOCLIP_DATA_DIR": str(data), "PHOTOCLIP_MODEL": str(model),
            "PHOTOCLIP_BACKEND": "fp32", "PHOTOCLIP_THREADS": "1", "PHOTOCLIP_OFFLINE": "1"}
    result = subprocess.run([*prefix, sys.executable, "-c", CHILD, str(data), str(photos), mode], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def one_line_user_error(run: dict, words: str) -> None:
    assert run["rc"] == 1, run
    assert "Traceback" not in run["err"] and "internal error" not in run["err"]
    [line] = run["err"].strip().splitlines()
    assert words in line, line


def noisy_photos(folder: Path, count: int) -> Path:
    """Photos that do not compress: their thumbnails and vectors fill a small disk quickly."""
    folder.mkdir()
    for i in range(count):
        pixels = (np.random.default_rng(i).random((160, 200, 3)) * 255).astype("uint8")
        Image.fromarray(pixels).save(folder / f"IMG_{i:04}.jpg", quality=95)
    return folder


def test_a_full_disk_is_one_line_keeps_the_catalog_and_the_next_run_completes(tmp_path, tiny_model_dir):
    photos = noisy_photos(tmp_path / "Pictures", 300)
    (tmp_path / "small").mkdir()
    out = run_child(tmp_path, tiny_model_dir, tmp_path / "small" / "data", photos, "full")

    one_line_user_error(out["index"], "is full")
    assert "Free some space" in out["index"]["err"]
    assert out["logs_after_index"] == {}, "a user error leaves no crash report"
    assert out["search"]["rc"] == 0 and json.loads(out["search"]["out"]), out["search"]  # searching still works
    # a real bug on a full disk: reported as one line, and no empty report file left behind
    assert out["bug_on_full_disk"]["rc"] == 3 and "not written" in out["bug_on_full_disk"]["err"]
    assert all(size > 0 for size in out["logs_after_bug"].values()), out["logs_after_bug"]
    assert not [n for n in out["logs_after_bug"] if n.startswith("crash-")]

    again = json.loads(out["again"]["out"])
    assert out["again"]["rc"] == 0 and again["failed"] == 0 and again["added"] + again["unchanged"] == 300
    assert 0 < again["unchanged"] < 300  # the first run committed what fitted; nothing was redone
    assert out["integrity"] == "ok"
    assert out["bug"]["rc"] == 3
    [(name, size)] = out["logs_after_bug_with_space"].items()
    assert name.startswith("crash-") and size > 0


def test_a_read_only_data_folder_is_searchable_and_indexing_says_why_not(tmp_path, tiny_model_dir):
    from tests.support.library_fixtures import write_photo

    photos = tmp_path / "Pictures"
    for colour in ("red", "green", "blue"):
        write_photo(photos / f"{colour}.png", colour)
    data = tmp_path / "data"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PHOTOCLIP_")}
    env |= {"PYTHONPATH": str(REPO), "PHOTOCLIP_DATA_DIR": str(data), "PHOTOCLIP_MODEL": str(tiny_model_dir),
            "PHOTOCLIP_BACKEND": "fp32", "PHOTOCLIP_THREADS": "1", "PHOTOCLIP_OFFLINE": "1"}
    first = subprocess.run([sys.executable, "-m", "photoclip", "index", str(photos)], cwd=REPO, env=env,
                           capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr
    (data / "index").rename(data / "index-gone")  # the cache must then be rebuilt in memory, not saved

    out = run_child(tmp_path, tiny_model_dir, data, photos, "readonly")

    assert out["search"]["rc"] == 0, out["search"]["err"]
    assert {Path(h["path"]).name for h in json.loads(out["search"]["out"])} == {"red.png", "green.png", "blue.png"}
    assert out["status"]["rc"] == 0 and json.loads(out["status"]["out"])["counts"] == {"indexed": 3}
    for run in (out["index"], out["remove"]):
        one_line_user_error(run, "read-only")
        assert "move it aside" not in run["err"]  # the catalog is intact: never advise to abandon it
    assert out["logs"] == {}
