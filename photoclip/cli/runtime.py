"""What every sub-command shares with the entry point: exit codes, running work Ctrl-C can cancel, and the one
place an error becomes what the user is told (a line and exit 1, or a crash report and exit 3).

Its own module so sub-command modules never import ``cli/main.py`` (which imports them: that was a cycle).
"""

from __future__ import annotations

import contextlib
import sys
import threading
import traceback
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar, cast

from photoclip import __version__
from photoclip.core.errors import user_error_for

if TYPE_CHECKING:
    from photoclip.core.settings import Settings

EXIT_OK, EXIT_ERROR, EXIT_INTERNAL, EXIT_INTERRUPTED = 0, 1, 3, 130
T = TypeVar("T")


def exit_code_for(exc: BaseException, settings: Settings | None) -> int:
    """The one place errors become exit codes: a problem the user can fix is one line on stderr (what the core's
    ``user_error_for`` says, as the app's banners do), anything else a bug with a crash report. Called from an
    ``except`` block (the report holds the traceback being handled)."""
    if isinstance(exc, KeyboardInterrupt):
        print("photoclip: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    known = user_error_for(exc, settings.data_dir if settings else None)
    if known is not None:
        print(f"photoclip: {known.user_message} {known.hint}".strip(), file=sys.stderr)
        return EXIT_ERROR
    report = write_crash_report(settings)
    print(f"photoclip: internal error: {type(exc).__name__}: {exc} (report: {report})", file=sys.stderr)
    return EXIT_INTERNAL


def write_crash_report(settings: Settings | None) -> Path | str:
    """The traceback in ``<data>/logs/crash-*.txt``; written whole or not at all (a full disk left 0-byte
    files behind), so any report there has content."""
    if settings is None:
        return "not written"
    logs = settings.data_dir / "logs"
    path = logs / f"crash-{datetime.now():%Y%m%d-%H%M%S}.txt"
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        logs.mkdir(parents=True, exist_ok=True)
        tmp.write_text(f"photoclip {__version__}\n{' '.join(sys.argv)}\n\n{traceback.format_exc()}")
        tmp.replace(path)
        return path
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        return f"not written: {exc.strerror or exc}"


def run_in_thread(work: Callable[[], T], on_interrupt: Callable[[], object]) -> T:
    """Run ``work`` in a worker thread so Ctrl-C in the main thread can cancel it cleanly."""
    result: dict = {}

    def target() -> None:
        try:
            result["value"] = work()
        except BaseException as exc:
            result["error"] = exc

    thread = threading.Thread(target=target, name="photoclip-index", daemon=True)
    thread.start()
    try:
        while thread.is_alive():
            thread.join(0.2)
    except KeyboardInterrupt:
        on_interrupt()
        thread.join()
    if "error" in result:
        raise result["error"]
    return cast(T, result.get("value"))
