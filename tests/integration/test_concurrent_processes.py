"""One library, many processes: `photoclip index` twice at once (other folders, the same folder) and `photoclip
watch` beside `photoclip index`, all real processes of the real CLI on one data folder (colour test embedder,
tests/support/color_cli.py). Afterwards every photo was embedded exactly once, the HNSW sidecar matches the
catalog, and a search finds every photo. The runs are made to overlap by a barrier at their first decode."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from photoclip.core.job_lock import JobLock
from tests.support.color_embedder import ColorEmbedder
from tests.support.library_fixtures import open_library
from tests.support.watching import copy_in, make_sources, wait_for

REPO = Path(__file__).resolve().parents[2]
TIMEOUT = 120
LOOPS = 10  # the slow versions


class Run:
    """One library in ``root/data`` and the processes that share it."""

    def __init__(self, root: Path, parties: int) -> None:
        self.root = root
        self.data = root / "data"
        self.log = root / "embedded.log"
        self.env = {**os.environ, "PYTHONPATH": str(REPO), "PHOTOCLIP_DATA_DIR": str(self.data),
                    "COLOR_CLI_EMBED_LOG": str(self.log),
                    "COLOR_CLI_BARRIER": f"{root / 'barrier'}:{parties}"}

    def start(self, *args: str) -> Child:
        return Child(subprocess.Popen([sys.executable, "-m", "tests.support.color_cli", *args], cwd=REPO,
                                      env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))

    def cli(self, *args: str) -> subprocess.CompletedProcess:
        env = {k: v for k, v in self.env.items() if k != "COLOR_CLI_BARRIER"}
        return subprocess.run([sys.executable, "-m", "tests.support.color_cli", *args], cwd=REPO, env=env,
                              capture_output=True, text=True, timeout=TIMEOUT)

    def embedded(self) -> int:
        """Images the model embedded, over every process."""
        return len(self.log.read_text().splitlines()) if self.log.exists() else 0

    def catalog(self, sql: str) -> int:
        with sqlite3.connect(self.data / "catalog.sqlite3") as db:
            return db.execute(sql).fetchone()[0]

    def sidecar(self) -> dict:
        (meta,) = (self.data / "index").glob("*.json")
        return json.loads(meta.read_text())


class Child:
    """A photoclip process whose stderr is read as it comes (a test can wait for a line)."""

    def __init__(self, process: subprocess.Popen) -> None:
        self.process = process
        self.lines: list[str] = []
        self._reader = threading.Thread(target=lambda: self.lines.extend(process.stderr), daemon=True)
        self._reader.start()

    def wait_for_line(self, text: str) -> bool:
        return wait_for(lambda: any(text in line for line in self.lines) or self.process.poll() is not None,
                        TIMEOUT) and any(text in line for line in self.lines)


def finish(child: Child) -> tuple[str, str]:
    """Wait for the process to end; (stdout, stderr). It must have succeeded."""
    process = child.process
    try:
        out = process.stdout.read()
        process.wait(TIMEOUT)
        child._reader.join(TIMEOUT)
    finally:
        if process.poll() is None:
            process.kill()
    err = "".join(child.lines)
    assert process.returncode == 0, err
    return out, err


def assert_whole(run: Run, photos: list[Path]) -> None:
    """Each photo embedded once, the index file agrees with the catalog, a search returns every photo."""
    vectors = run.catalog(f"SELECT COUNT(*) FROM embeddings WHERE model_id = '{ColorEmbedder.model_id}'")
    hashes = run.catalog("SELECT COUNT(DISTINCT content_hash) FROM photos WHERE status = 'indexed'")
    assert run.embedded() == hashes == vectors == len(photos)  # photos all differ in content
    assert run.sidecar()["count"] == vectors
    found = run.cli("search", "red", "--all", "--limit", str(2 * len(photos)), "--json")
    assert found.returncode == 0, found.stderr
    assert sorted(hit["path"] for hit in json.loads(found.stdout)) == sorted(map(str, photos))
    again = run.cli("index", "--json")  # and the library keeps working: nothing left to do
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["embedded"] == 0 and run.embedded() == len(photos)


def two_folders(root: Path) -> None:
    run = Run(root, parties=2)
    small, large = make_sources(root / "Small", 32), make_sources(root / "Large", 96, start=1000)
    first, second = run.start("index", str(root / "Small"), "--json"), run.start("index", str(root / "Large"),
                                                                                 "--json")
    summaries = [json.loads(finish(child)[0]) for child in (first, second)]
    assert [s["embedded"] for s in summaries] == [32, 96]
    assert_whole(run, small + large)


def one_folder(root: Path) -> None:
    run = Run(root, parties=2)
    photos = make_sources(root / "Pictures", 64)
    children = [run.start("index", str(root / "Pictures"), "--json") for _ in range(2)]
    outputs = [finish(child) for child in children]
    summaries = [json.loads(out) for out, _ in outputs]
    assert sum(s["embedded"] for s in summaries) == 64  # each photo once: the other run reused it
    assert all(s["embedded"] + s["reused"] + s["unchanged"] == 64 for s in summaries)
    assert_whole(run, photos)


def watch_and_index(root: Path) -> None:
    run = Run(root, parties=2)
    folder = root / "Pictures"
    folder.mkdir(parents=True)
    sources = make_sources(root / "Camera", 64)
    watch = run.start("watch", str(folder), "--settle", "0.2")
    try:
        assert watch.wait_for_line("Watching 1 folder"), "the watcher never started"
        copy_in(sources, folder)
        index = run.start("index", str(folder), "--json")
        finish(index)
        assert wait_for(lambda: run.catalog("SELECT COUNT(*) FROM queue") == 0, TIMEOUT), "the watcher never caught up"
        watch.process.send_signal(signal.SIGINT)
        finish(watch)
    finally:
        if watch.process.poll() is None:
            watch.process.kill()
    assert_whole(run, sorted(folder.iterdir()))


SCENARIOS = {"two index runs, two folders": two_folders, "two index runs, one folder": one_folder,
             "watch beside index": watch_and_index}


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_processes_sharing_a_library_embed_each_photo_once_and_keep_it_searchable(tmp_path, scenario):
    SCENARIOS[scenario](tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_processes_sharing_a_library_in_a_loop(tmp_path, scenario):
    for i in range(LOOPS):
        SCENARIOS[scenario](tmp_path / str(i))


def test_a_run_that_waits_for_another_says_so_and_goes_on_when_it_is_done(tmp_path):
    """While another process holds the library's writer lock (here: this test, through the same JobLock a
    photoclip process uses), `photoclip index` says on stderr whom it waits for, then finishes normally."""
    run = Run(tmp_path, parties=1)
    photos = make_sources(tmp_path / "Pictures", 20)
    with JobLock(run.data / "jobs.lock").writing():
        child = run.start("index", str(tmp_path / "Pictures"))
        assert child.wait_for_line(f"Another photoclip (process {os.getpid()}) is indexing this library too")
        assert child.process.poll() is None and run.embedded() == 0  # it waits: nothing embedded meanwhile
        searched = run.cli("search", "red", "--all", "--json")  # a search never waits for a writer
        assert searched.returncode == 0 and json.loads(searched.stdout) == []
    out, _ = finish(child)
    assert out.startswith("20 added")
    assert_whole(run, photos)


def test_an_open_app_follows_what_a_cli_run_adds_and_saves_an_index_that_matches(tmp_path):
    """The app keeps its index in memory while `photoclip index` adds photos in a terminal: its searches find
    them without a restart, and its own next save neither drops them nor claims a count it does not hold."""
    run = Run(tmp_path, parties=1)
    small, large = make_sources(tmp_path / "Small", 16), make_sources(tmp_path / "Large", 48, start=1000)
    app = open_library(tmp_path)  # the same data folder as the CLI's
    try:
        app.index_folders([tmp_path / "Small"])
        assert len(app.search("red", limit=100)) == 16
        cli = run.cli("index", str(tmp_path / "Large"), "--json")
        assert cli.returncode == 0 and json.loads(cli.stdout)["embedded"] == 48
        assert {h.path for h in app.search("red", limit=100)} == {str(p) for p in small + large}
        extra = make_sources(tmp_path / "Small", 1, start=5000)
        assert app.index_folders([tmp_path / "Small"]).embedded == 1
    finally:
        app.close()
    assert run.sidecar()["count"] == 65 == run.catalog("SELECT COUNT(*) FROM embeddings")
    found = run.cli("search", "red", "--all", "--limit", "100", "--json")
    assert sorted(h["path"] for h in json.loads(found.stdout)) == sorted(map(str, small + large + extra))
