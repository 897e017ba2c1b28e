"""Every photo-named path under a library folder is either indexed or listed with a reason a user understands:
named pipes, links to devices, broken links, files too large, unreadable sub-folders. None of them is opened
for reading, so none can hang a run or fill memory."""

from __future__ import annotations

import ctypes
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from photoclip.core.imaging.source import MAX_FILE_BYTES
from tests.support.library_fixtures import write_photo

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def hostile(tmp_path):
    """Two real photos beside everything that only looks like one."""
    root = tmp_path / "Pictures"
    write_photo(root / "red.jpg", "red")
    write_photo(root / "trip" / "blue.png", "blue")
    os.mkfifo(root / "pipe.jpg")
    (root / "zero.jpg").symlink_to("/dev/zero")
    (root / "urandom.jpg").symlink_to("/dev/urandom")
    (root / "gone.jpg").symlink_to(root / "deleted-long-ago.jpg")
    (root / "loop.jpg").symlink_to(root / "loop.jpg")
    with open(root / "big.jpg", "wb") as sparse:  # 2 GB of nothing: a sparse file takes no disk space
        sparse.truncate(2 * 1024**3)
    return root


def _index(library, folder) -> None:
    """Index in a thread with a generous deadline: before the fix a pipe blocked the run forever."""
    done = threading.Event()
    error: list[BaseException] = []

    def run() -> None:
        try:
            library.index_folders([folder])
        except BaseException as exc:
            error.append(exc)
        finally:
            done.set()

    threading.Thread(target=run, daemon=True).start()
    assert done.wait(120), "indexing hung on a file that never ends"
    if error:
        raise error[0]


def _reasons(library) -> dict[str, str]:
    return {Path(p.path).name: p.error for p in library.status().failures}


def test_pipes_devices_broken_links_and_huge_files_are_listed_with_reasons(library, hostile):
    _index(library, hostile)

    status = library.status()
    assert status.counts["indexed"] == 2
    reasons = _reasons(library)
    print(json.dumps(reasons, indent=1))
    assert set(reasons) == {"pipe.jpg", "zero.jpg", "urandom.jpg", "gone.jpg", "loop.jpg", "big.jpg"}
    assert reasons["pipe.jpg"].startswith("not a regular file: a named pipe")
    assert reasons["zero.jpg"].startswith("not a regular file: a link to a device (/dev/zero)")
    assert reasons["urandom.jpg"].startswith("not a regular file: a link to a device (/dev/urandom)")
    assert reasons["gone.jpg"].startswith("broken link: what it points to does not exist")
    assert "deleted-long-ago.jpg" in reasons["gone.jpg"]
    assert reasons["loop.jpg"].startswith("broken link")
    assert reasons["big.jpg"] == "too large: 2.1 GB (photoclip reads photos up to 1 GB)"
    assert MAX_FILE_BYTES == 1_000_000_000


def test_listed_paths_are_not_looked_at_again_until_they_change(library, hostile):
    _index(library, hostile)
    again = library.index_folders([hostile])
    assert (again.failed, again.unchanged) == (0, 8)

    # the pipe becomes a real photo, the broken link is removed: one indexed, one no longer listed
    (hostile / "pipe.jpg").unlink()
    write_photo(hostile / "pipe.jpg", "green")
    (hostile / "gone.jpg").unlink()
    fixed = library.index_folders([hostile])
    assert fixed.updated == 1
    assert library.search("green", limit=1)[0].path == str(hostile / "pipe.jpg")
    assert "pipe.jpg" not in _reasons(library) and "gone.jpg" not in _reasons(library)


def test_the_watchers_single_file_path_lists_them_too(library, hostile):
    library.index_folders([hostile])
    os.mkfifo(hostile / "new-pipe.jpg")
    (hostile / "new-link.jpg").symlink_to("/dev/zero")
    summary = library.index_paths([str(hostile / "new-pipe.jpg"), str(hostile / "new-link.jpg")])
    assert summary.failed == 2
    reasons = _reasons(library)
    assert reasons["new-pipe.jpg"].startswith("not a regular file: a named pipe")
    assert reasons["new-link.jpg"].startswith("not a regular file: a link to a device")


# --- an unreadable sub-folder ------------------------------------------------------------------------------

_INDEX = """
import json, sys
from pathlib import Path
from tests.support.color_embedder import ColorEmbedder
from tests.support.library_fixtures import open_library
lib = open_library(Path(sys.argv[1]), ColorEmbedder())
lib.index_folders([Path(sys.argv[2])])
status = lib.status()
print(json.dumps({"counts": status.counts, "failed": {p.path: p.error for p in status.failures}}))
lib.close()
"""
_PR_CAPBSET_DROP, _CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH = 24, 1, 2


def _without_root_file_access() -> None:
    """preexec_fn: root keeps its uid but loses the capabilities that let it read through mode 000 (dropped
    from the bounding set, so the exec'd Python never gets them); files it owns stay readable."""
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH):
        if libc.prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) refused")


def test_an_unreadable_sub_folder_is_listed_as_a_folder_that_cannot_be_read(tmp_path):
    """As root (CI, containers) mode 000 is no obstacle, so the run drops root's right to ignore it."""
    photos = tmp_path / "Pictures"
    write_photo(photos / "red.jpg", "red")
    write_photo(photos / "private" / "blue.jpg", "blue")
    write_photo(photos / "secret.jpg", "green")
    (photos / "private").chmod(0o000)
    (photos / "secret.jpg").chmod(0o000)
    as_root = os.geteuid() == 0
    try:
        result = subprocess.run(
            [sys.executable, "-c", _INDEX, str(tmp_path / "library"), str(photos)], cwd=REPO, capture_output=True,
            text=True, timeout=300, env={**os.environ, "PYTHONPATH": str(REPO)},
            preexec_fn=_without_root_file_access if as_root else None,
        )
    except subprocess.SubprocessError as exc:  # prctl refused (a container without CAP_SETPCAP)
        pytest.skip(f"running as root and cannot drop the right to read mode-000 folders here ({exc})")
    finally:
        (photos / "private").chmod(0o755)
    assert result.returncode == 0, result.stderr
    status = json.loads(result.stdout.splitlines()[-1])
    assert status["counts"] == {"indexed": 1, "failed": 2}
    assert status["failed"] == {
        str(photos / "private"): "cannot read this folder: permission denied",
        str(photos / "secret.jpg"): "cannot read this file: permission denied",
    }
