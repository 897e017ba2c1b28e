"""`photoclip index --json` over a folder of things that only look like photos: a 2 GB sparse file, a named
pipe, links to /dev/zero and /dev/urandom, a broken link, files that make Pillow and libtiff warn. The run
ends, its memory stays that of a normal folder, stdout is only JSON, stderr has no library warnings, and
`status --json` lists every one of them with a reason. Real processes, the real model-loading path."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import images as ti
from tests.support.library_fixtures import write_photo

pytestmark = pytest.mark.model
REPO = Path(__file__).resolve().parents[2]

#: runs the real CLI in this process and records its exit code and peak memory next to its output
_MEASURED_CLI = """
import json, resource, sys
from photoclip.cli.main import main
code = main(sys.argv[2:])
with open(sys.argv[1], "w") as out:
    json.dump({"code": code, "peak_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}, out)
"""


@pytest.fixture
def env(tmp_path, tiny_model_dir):
    return {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "PHOTOCLIP_MODEL": str(tiny_model_dir),
        "PHOTOCLIP_BACKEND": "fp32",
        "PHOTOCLIP_THREADS": "1",
        "PHOTOCLIP_OFFLINE": "1",
    }


def _normal(root: Path) -> Path:
    write_photo(root / "red.jpg", "red", size=(1200, 900))
    write_photo(root / "blue.png", "blue", size=(900, 1200))
    write_photo(root / "trip" / "green.webp", "green", size=(800, 600))
    return root


def _hostile(root: Path) -> Path:
    _normal(root)
    with open(root / "big.jpg", "wb") as sparse:
        sparse.truncate(2 * 1024**3)  # 2 GB, no disk space: before, read whole (peak RSS 2.5 GB)
    os.mkfifo(root / "pipe.jpg")
    (root / "zero.jpg").symlink_to("/dev/zero")
    (root / "urandom.jpg").symlink_to("/dev/urandom")
    (root / "gone.jpg").symlink_to(root / "deleted.jpg")
    ti.write_png_bomb(root / "poster.png", 20_000, 15_000)  # 300 MP header: Pillow's DecompressionBombWarning
    exif = bytearray(ti.write_jpeg(root / "exif.jpg", size=(64, 48), taken_at="2020:01:01 00:00:00").read_bytes())
    at = exif.find(b"Exif\x00\x00") + 10
    exif[at : at + 4] = b"\xff\xff\xff\x7f"  # an IFD offset past the end: Pillow's "Corrupt EXIF data" warning
    (root / "exif.jpg").write_bytes(bytes(exif))
    tiff = io.BytesIO()
    ti.photo_like((200, 150)).save(tiff, "TIFF", compression="tiff_adobe_deflate")
    scrambled = bytearray(tiff.getvalue())
    for i in range(200, 2000):
        scrambled[i] ^= 0x5A
    (root / "scan.tif").write_bytes(bytes(scrambled))  # libtiff prints "ZIPDecode: Decoding error" from C
    return root


def _run(env: dict, data: Path, *args: str) -> tuple[dict, str, str]:
    record = data.parent / f"{data.name}-run.json"
    result = subprocess.run([sys.executable, "-c", _MEASURED_CLI, str(record), *args], cwd=REPO, text=True,
                            capture_output=True, timeout=600, env={**env, "PHOTOCLIP_DATA_DIR": str(data)})
    assert result.returncode == 0, result.stderr
    return json.loads(record.read_text()), result.stdout, result.stderr


def test_hostile_folder_is_indexed_in_normal_memory_with_every_file_listed(tmp_path, env):
    normal_run, _, _ = _run(env, tmp_path / "data-normal", "index", str(_normal(tmp_path / "Normal")), "--json")
    hostile = _hostile(tmp_path / "Hostile")
    run, out, err = _run(env, tmp_path / "data-hostile", "index", str(hostile), "--json")

    assert run["code"] == 0
    summary = json.loads(out)  # stdout is one JSON object and nothing else
    assert (summary["added"], summary["failed"]) == (4, 7)  # the normal three and exif.jpg (its EXIF is skipped)
    assert err == "", err  # no Python warnings, no libtiff lines
    print(f"peak RSS: normal folder {normal_run['peak_kb'] // 1024} MB, hostile {run['peak_kb'] // 1024} MB")
    assert run["peak_kb"] < normal_run["peak_kb"] + 200 * 1024

    _, out, err = _run(env, tmp_path / "data-hostile", "status", "--json")
    assert err == ""
    reasons = {Path(f["path"]).name: f["reason"] for f in json.loads(out)["failed"]}
    assert reasons == {
        "big.jpg": "too large: 2.1 GB (photoclip reads photos up to 1 GB)",
        "pipe.jpg": "not a regular file: a named pipe; photoclip reads only ordinary files",
        "zero.jpg": "not a regular file: a link to a device (/dev/zero); photoclip reads only ordinary files",
        "urandom.jpg": "not a regular file: a link to a device (/dev/urandom); photoclip reads only ordinary files",
        "gone.jpg": f"broken link: what it points to does not exist ({hostile / 'deleted.jpg'})",
        "poster.png": "too large: 300 megapixels (photoclip reads photos up to 250 megapixels)",
        "scan.tif": "damaged TIFF file: the picture data cannot be decoded (decoder error -2)",
    }


def test_decode_processes_keep_library_warnings_off_the_terminal_too(tmp_path, env):
    """Spawned decode processes start with Python's default warning filters and their own libtiff."""
    hostile = _hostile(tmp_path / "Hostile")
    env = {**env, "PHOTOCLIP_DECODE_MODE": "processes", "PHOTOCLIP_DECODE_WORKERS": "2"}
    run, out, err = _run(env, tmp_path / "data", "index", str(hostile), "--json")
    summary = json.loads(out)
    assert summary["decoded_in"] == "processes"
    assert (run["code"], summary["added"], summary["failed"]) == (0, 4, 7)
    assert err == "", err
