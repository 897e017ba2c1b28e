"""The app's indexing in a child process (gui/workers/index_process.py): progress and results reach the window,
pause and cancel cross the process boundary, a killed child is a message and the next run resumes, and the
child never outlives the window. Real processes, a real catalog and the colour embedder, built by name in the
child."""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from photoclip.core.library import Library
from tests.gui.conftest import wait_idle
from tests.model.conftest import clip_vocab_files, tiny_model_dir  # noqa: F401  (session fixtures)
from tests.support.library_fixtures import make_settings, write_photo
from tests.support.process_gate import EMBED_LOG_ENV, GATE_FILE_ENV, allow, embedded

pytestmark = pytest.mark.gui

ROOT = Path(__file__).resolve().parents[2]
N_PHOTOS = 24
GATED = "tests.support.process_gate:FileGatedColorEmbedder"
CHILD_START_MS = 60_000  # a spawned interpreter on a loaded 2-core machine


@pytest.fixture
def many_photos(tmp_path):
    root = tmp_path / "Many"
    colours = ("red", "green", "blue", "yellow")
    for i in range(N_PHOTOS):  # distinct content: every photo is embedded
        write_photo(root / f"p{i:03d}.jpg", colours[i % 4], second="white", share=i / 100, size=(64, 48))
    return root


@pytest.fixture
def gate(tmp_path, monkeypatch):
    """The gate and embed log files; the child inherits the environment naming them."""
    files = tmp_path / "gate", tmp_path / "embedded.log"
    monkeypatch.setenv(GATE_FILE_ENV, str(files[0]))
    monkeypatch.setenv(EMBED_LOG_ENV, str(files[1]))
    return files


@pytest.fixture
def proc_library(tmp_path, libraries, gate):
    settings = dataclasses.replace(make_settings(tmp_path / "lib"), index_process=True, decode_workers=1)
    library = Library.open(settings, embedder_name=GATED)
    libraries.append(library)
    return library


def indexed_count(window) -> int:
    return window.library.status().counts.get("indexed", 0)


def _alive(pid: int) -> bool:
    """Running (a zombie waiting for its parent to read its exit counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def test_indexing_runs_in_a_child_with_progress_and_results(qtbot, make_window, proc_library, many_photos, gate):
    window = make_window(proc_library)
    window.status_timer.setInterval(100)
    assert type(window.indexing).__name__ == "ProcessIndexingService"
    window.add_folders([str(many_photos)])
    allow(gate[0], 8)
    qtbot.waitUntil(lambda: indexed_count(window) == 8 and window.progress_panel.bar.value() > 0,
                    timeout=CHILD_START_MS)
    assert "photos/s" in window.progress_panel.label.text()
    assert window.library_panel.rows()[0][2] == "indexing"
    child = window.indexing.child_pid
    assert child is not None and child != os.getpid()

    allow(gate[0], N_PHOTOS)
    wait_idle(qtbot, window, timeout=30_000)
    assert indexed_count(window) == N_PHOTOS
    assert window.progress_panel.label.text() == f"Up to date · {N_PHOTOS} photos"
    assert set(embedded(gate[1])) == {child}  # every photo was embedded in the child, none in the window
    assert window.library.loaded_embedder is None  # the window never loaded a model to index
    window.query.search_text("red")
    qtbot.waitUntil(lambda: window.results_model.ranked_count() == N_PHOTOS, timeout=10_000)
    first = [Path(h.path).name for h in window.results_model.hits()[:N_PHOTOS // 4]]
    assert set(first) == {f"p{i:03d}.jpg" for i in range(0, N_PHOTOS, 4)}  # the red ones first


def test_pause_resume_and_cancel_reach_the_child(qtbot, make_window, proc_library, many_photos, gate):
    window = make_window(proc_library)
    window.add_folders([str(many_photos)])
    allow(gate[0], 8)
    qtbot.waitUntil(lambda: indexed_count(window) == 8, timeout=CHILD_START_MS)

    window.progress_panel.pause_button.click()
    assert window.indexing.paused
    qtbot.wait(500)  # the message reaches the child before the gate opens (it has no answer to wait for)
    allow(gate[0], 4)  # a photo could be decoded now, but the paused run takes none
    qtbot.wait(800)
    assert indexed_count(window) == 8 and window.indexing.busy
    window.progress_panel.pause_button.click()
    qtbot.waitUntil(lambda: indexed_count(window) == 12, timeout=10_000)

    finished = []
    window.indexing.job_finished.connect(lambda job, summary: finished.append(summary))
    window.progress_panel.cancel_button.click()
    qtbot.wait(500)  # as for the pause
    allow(gate[0], N_PHOTOS)  # lets a decode in flight end; the cancelled run takes no more
    wait_idle(qtbot, window, timeout=20_000)
    assert finished and finished[0].get("cancelled")
    assert indexed_count(window) == 12
    window.rescan_all()
    wait_idle(qtbot, window, timeout=20_000)
    assert indexed_count(window) == N_PHOTOS


def test_a_killed_child_is_a_message_and_the_next_run_resumes(qtbot, make_window, proc_library, many_photos, gate):
    window = make_window(proc_library)
    window.add_folders([str(many_photos)])
    allow(gate[0], 8)
    qtbot.waitUntil(lambda: indexed_count(window) == 8, timeout=CHILD_START_MS)
    child = window.indexing.child_pid
    os.kill(child, signal.SIGKILL)  # as the kernel's OOM killer would

    qtbot.waitUntil(lambda: not window.indexing.busy, timeout=10_000)
    assert window.banner.isVisible()
    assert "Indexing stopped unexpectedly" in window.banner.message.text()
    assert window.banner.action.text() == "Retry"  # a rescan
    assert window._crash_dialog is None  # a message, not a crash report
    allow(gate[0], N_PHOTOS)
    window.rescan_all()
    wait_idle(qtbot, window, timeout=CHILD_START_MS)
    assert indexed_count(window) == N_PHOTOS
    by_process = embedded(gate[1])
    assert len(by_process) == N_PHOTOS  # the 8 committed before the kill were not embedded again
    assert window.indexing.child_pid not in (None, child)


def test_closing_the_window_stops_the_child(qtbot, make_window, proc_library, many_photos, gate):
    window = make_window(proc_library)
    window.add_folders([str(many_photos)])
    allow(gate[0], 4)
    qtbot.waitUntil(lambda: indexed_count(window) == 4, timeout=CHILD_START_MS)
    child = window.indexing.child_pid  # waiting for the gate, in the middle of the run
    window.shutdown()
    assert not _alive(child)


KILLED_WINDOW = textwrap.dedent("""
    import dataclasses, sys
    from pathlib import Path
    from PySide6.QtCore import QSettings, QTimer
    from photoclip.core.library import Library
    from photoclip.gui.app import create_app
    from photoclip.gui.main_window import MainWindow
    from tests.support.library_fixtures import make_settings

    app = create_app([])
    root, photos = Path(sys.argv[1]), sys.argv[2]
    settings = dataclasses.replace(make_settings(root), index_process=True, decode_workers=1)
    window = MainWindow(Library.open(settings, embedder_name=sys.argv[3]), QSettings(str(root / "gui.ini"),
                        QSettings.Format.IniFormat))
    window.add_folders([photos])

    def report():
        if window.indexing.child_pid:
            print(f"CHILD={window.indexing.child_pid}", flush=True)
        else:
            QTimer.singleShot(50, report)

    QTimer.singleShot(0, report)
    app.exec()
""")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads process states from /proc (Linux)")
def test_killing_the_window_process_leaves_no_child(tmp_path, many_photos, gate):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    app = subprocess.Popen([sys.executable, "-c", KILLED_WINDOW, str(tmp_path / "app"), str(many_photos), GATED],
                           cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    child = None
    try:
        line = app.stdout.readline()  # the child runs, waiting at the gate
        assert line.startswith("CHILD="), app.stderr.read() if app.poll() is not None else line
        child = int(line.split("=")[1])
        assert _alive(child)
        app.kill()
        app.wait(10)
        deadline = time.monotonic() + 10
        while _alive(child) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(child)
    finally:
        if app.poll() is None:
            app.kill()
        if child is not None and _alive(child):
            os.kill(child, signal.SIGKILL)


SMALL_WINDOW = textwrap.dedent("""
    import dataclasses, json, sys, time
    from pathlib import Path
    from PySide6.QtCore import QSettings
    from photoclip.core.library import Library
    from photoclip.gui.app import create_app
    from photoclip.gui.main_window import MainWindow
    from tests.support.library_fixtures import make_settings

    def until(condition, timeout=120):
        deadline = time.monotonic() + timeout
        while not condition():
            assert time.monotonic() < deadline, "timed out"
            app.processEvents()
            time.sleep(0.02)

    app = create_app([])
    root, model, photos, outside = Path(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
    # fp32 by name: torch, so there is no text-only path; every query needs the whole model
    settings = dataclasses.replace(make_settings(root), index_process=True, model=model, backend="fp32",
                                   threads=1, allow_download=False)
    library = Library.open(settings)
    window = MainWindow(library, QSettings(str(root / "gui.ini"), QSettings.Format.IniFormat))
    window.add_folders([photos])
    until(lambda: not window.indexing.busy and library.status().counts.get("indexed") == 8)
    answers = []
    window.query.results.connect(lambda request, results: answers.append(len(results.ranking)))
    window.query.search_text("a red photo")
    until(lambda: len(answers) == 1)
    window.query.search_similar(outside)  # a photo from outside the library: its vector comes from the model
    until(lambda: len(answers) == 2)
    heavy = sorted(m for m in ("torch", "transformers") if m in sys.modules)
    print("RESULT=" + json.dumps({"heavy": heavy, "answers": answers, "loaded": library.loaded_embedder is not None}))
    window.shutdown()
    library.close()
""")


@pytest.mark.model
def test_queries_that_need_the_whole_model_are_answered_by_the_child(tmp_path, photos, tiny_model_dir):  # noqa: F811
    import json

    outside = write_photo(tmp_path / "elsewhere" / "red.jpg", "red")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-c", SMALL_WINDOW, str(tmp_path / "app"), str(tiny_model_dir),
                             str(photos), str(outside)], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=600)
    line = next((ln for ln in result.stdout.splitlines() if ln.startswith("RESULT=")), None)
    assert line is not None, result.stderr[-3000:]
    outcome = json.loads(line[len("RESULT="):])
    assert outcome["answers"] == [8, 8]  # the whole library ranked, for the text and for the outside photo
    assert outcome["heavy"] == [] and not outcome["loaded"]  # the window never loaded the model


def test_a_bug_in_the_child_is_a_crash_report_and_the_window_goes_on(qtbot, make_window, tmp_path, libraries,
                                                                      photos):
    settings = dataclasses.replace(make_settings(tmp_path / "lib"), index_process=True)
    library = Library.open(settings, embedder_name="tests.support.process_gate:BrokenColorEmbedder")
    libraries.append(library)
    window = make_window(library)
    with qtbot.waitSignal(window.reporter.report_ready, timeout=CHILD_START_MS) as report:
        window.add_folders([str(photos)])
    assert "in the indexing process" in report.args[0] and "a bug in the model code" in report.args[0]
    qtbot.waitUntil(lambda: window._crash_dialog is not None and window._crash_dialog.isVisible(), timeout=5000)
    wait_idle(qtbot, window)  # the window is not hung: the job is over, and the next one may start


def test_the_watcher_s_jobs_run_in_the_child(qtbot, make_window, tmp_path, libraries, photos, gate):
    from photoclip.core.scan.watcher import WatchOptions

    settings = dataclasses.replace(make_settings(tmp_path / "lib"), index_process=True)
    library = Library.open(settings, embedder_name="tests.support.process_gate:LoggingColorEmbedder")
    libraries.append(library)
    window = make_window(library)
    window.add_folders([str(photos)])
    wait_idle(qtbot, window, timeout=CHILD_START_MS)
    watcher = window.start_watching(WatchOptions(settle=0.2, health_interval=0.2, poll_interval=0.3, modes={}))
    qtbot.waitUntil(lambda: watcher.idle(), timeout=20_000)
    window.query.search_text("purple")
    qtbot.waitUntil(lambda: window.results_model.ranked_count() > 0, timeout=10_000)
    write_photo(photos / "new" / "violet.png", "purple")
    qtbot.waitUntil(lambda: str(photos / "new" / "violet.png") in [h.path for h in window.results_model.hits()[:2]],
                    timeout=20_000)
    assert set(embedded(gate[1])) == {window.indexing.child_pid}  # the new photo too was embedded in the child
    assert window.shutdown() and not watcher.running


# No `if __name__ == "__main__"` guard: a spawned child re-runs this file and dies before it starts indexing.
UNSTARTABLE = textwrap.dedent("""
    import dataclasses, sys, time
    from pathlib import Path
    from PySide6.QtWidgets import QApplication
    from photoclip.core.library import Library
    from photoclip.gui.workers.index_process import ProcessIndexingService
    from tests.support.library_fixtures import make_settings

    app = QApplication.instance() or QApplication([])
    root = Path(sys.argv[1])
    library = Library.open(dataclasses.replace(make_settings(root), index_process=True),
                           embedder_name="tests.support.color_embedder:ColorEmbedder")
    service = ProcessIndexingService(library)
    failed = []
    service.job_failed.connect(lambda job, error: failed.append(error.user_message))
    job = service.index([sys.argv[2]])
    deadline = time.monotonic() + 60
    while not job.done.is_set() and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.01)
    print("FAILED=" + " | ".join(failed), flush=True)
    service.shutdown()
""")


def test_a_child_that_cannot_start_fails_the_job_instead_of_starting_others(tmp_path, photos):
    script = tmp_path / "unguarded.py"
    script.write_text(UNSTARTABLE)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, str(script), str(tmp_path / "app"), str(photos)], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    line = next((ln for ln in result.stdout.splitlines() if ln.startswith("FAILED=")), "")
    assert "it could not start" in line, result.stdout + result.stderr[-2000:]


def test_an_open_search_follows_the_child_s_batches(qtbot, make_window, proc_library, many_photos, gate):
    window = make_window(proc_library)
    window.status_timer.setInterval(100)
    window.search.live_refresh_s = 0.1
    window.add_folders([str(many_photos)])
    allow(gate[0], 8)  # two batches of 4, then the child waits on the gate
    qtbot.waitUntil(lambda: indexed_count(window) == 8, timeout=CHILD_START_MS)
    window.query.search_text("red")
    qtbot.waitUntil(lambda: window.results_model.ranked_count() == 8, timeout=10_000)
    allow(gate[0], 8)  # nobody types: the open search re-runs as the child's batches land
    qtbot.waitUntil(lambda: window.results_model.ranked_count() == 16, timeout=10_000)
    allow(gate[0], N_PHOTOS)
    wait_idle(qtbot, window, timeout=20_000)


def test_settings_or_a_model_chosen_in_the_window_reach_the_next_child(qtbot, make_window, proc_library, tmp_path,
                                                                       gate):
    empty = tmp_path / "Empty"
    empty.mkdir()
    window = make_window(proc_library)
    window.add_folders([str(empty)])
    wait_idle(qtbot, window, timeout=CHILD_START_MS)
    first = window.indexing.child_pid
    window.rescan_all()
    wait_idle(qtbot, window, timeout=CHILD_START_MS)
    assert window.indexing.child_pid == first  # nothing changed: the same child

    window.library.settings.threads = 1  # as the Settings dialog does (prefs.apply_to)
    window.rescan_all()
    wait_idle(qtbot, window, timeout=CHILD_START_MS)
    second = window.indexing.child_pid
    assert second not in (None, first)

    window.library.set_model("acme/another-model")  # first run: nothing embedded yet, so it is just recorded
    window.rescan_all()
    wait_idle(qtbot, window, timeout=CHILD_START_MS)
    assert window.indexing.child_pid not in (None, first, second)
