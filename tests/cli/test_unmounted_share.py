"""`photoclip index` over a share that is unmounted between runs: its mount point stays as an empty folder,
which must read as 'offline' (photos kept and searchable), not as 'every photo deleted'. A real tmpfs mounted in
a private user + mount namespace, the real CLI and the tiny real-format CLIP."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.model
REPO = Path(__file__).resolve().parents[2]

CHILD = textwrap.dedent(
    """
    import contextlib, io, json, subprocess, sys
    from pathlib import Path
    from photoclip.cli.main import main
    from tests.support.library_fixtures import write_photo

    share = Path(sys.argv[1])

    def cli(*argv):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            code = main([*argv, "--json"])
        return code, json.loads(out.getvalue())

    def mount():
        subprocess.run(["mount", "-t", "tmpfs", "share", str(share)], check=True)
        for colour in ("red", "green", "blue"):
            write_photo(share / "trip" / f"{colour}.png", colour)

    mount()
    report = {"first": cli("index", str(share))}
    subprocess.run(["umount", "-l", str(share)], check=True)  # the empty mount-point folder stays
    report["unmounted"] = cli("index")
    report["status_unmounted"] = cli("status")
    report["search_unmounted"] = cli("search", "a red photo", "--limit", "10", "--all")
    mount()  # the same photos again, with new file times
    report["remounted"] = cli("index")
    print(json.dumps(report))
    """
)


@pytest.fixture
def namespace_prefix():
    unshare = shutil.which("unshare")
    probe = [unshare, "--user", "--map-root-user", "--mount", "true"] if unshare else None
    if probe is None or subprocess.run(probe, capture_output=True, timeout=10).returncode != 0:
        pytest.skip("cannot create a private mount namespace here")
    return [unshare, "--user", "--map-root-user", "--mount"]


def test_index_keeps_an_unmounted_share_offline_and_resumes_without_re_embedding(tmp_path, tiny_model_dir,
                                                                              namespace_prefix):
    share = tmp_path / "share"
    share.mkdir()
    env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONDONTWRITEBYTECODE": "1",
           "PHOTOCLIP_DATA_DIR": str(tmp_path / "data"), "PHOTOCLIP_MODEL": str(tiny_model_dir),
           "PHOTOCLIP_BACKEND": "fp32", "PHOTOCLIP_THREADS": "1", "PHOTOCLIP_OFFLINE": "1"}
    result = subprocess.run([*namespace_prefix, sys.executable, "-c", CHILD, str(share)], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])

    code, first = report["first"]
    assert code == 0 and (first["added"], first["embedded"]) == (3, 3)
    code, unmounted = report["unmounted"]
    assert code == 0 and unmounted["removed"] == 0 and unmounted["offline_folders"] == [str(share)]
    assert report["status_unmounted"][1]["counts"] == {"offline": 3}
    code, hits = report["search_unmounted"]
    assert code == 0 and sorted(Path(h["path"]).name for h in hits) == ["blue.png", "green.png", "red.png"]
    code, remounted = report["remounted"]
    assert code == 0 and remounted["removed"] == 0 and remounted["embedded"] == 0  # vectors reused by content
    assert remounted["offline_folders"] == []
