"""Unexpected exceptions -> a copyable report, while the app keeps running.

Hooks ``sys.excepthook`` (exceptions in Qt slots and virtual methods land there) and ``threading.excepthook``;
workers report their own exceptions through ``report``. The report is handed to the GUI thread by a signal.
"""

from __future__ import annotations

import platform
import sys
import threading
import traceback
from types import TracebackType

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import QObject, Signal, qVersion

from photoclip import __version__


def format_report(exc: BaseException, where: str = "") -> str:
    lines = [
        f"photoclip {__version__} · Python {platform.python_version()} · PySide6 {pyside_version} "
        f"(Qt {qVersion()}) · {platform.platform()}",
    ]
    if where:
        lines.append(f"in: {where}")
    lines.append("")
    lines.extend(traceback.format_exception(type(exc), exc, exc.__traceback__))
    return "\n".join(line.rstrip("\n") for line in lines)


class CrashReporter(QObject):
    report_ready = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._previous_hooks = None

    def install(self) -> None:
        self._previous_hooks = (sys.excepthook, threading.excepthook)
        sys.excepthook = self._excepthook
        threading.excepthook = self._thread_excepthook

    def uninstall(self) -> None:
        if self._previous_hooks:
            sys.excepthook, threading.excepthook = self._previous_hooks
            self._previous_hooks = None

    def report(self, exc: BaseException, where: str = "") -> None:
        """Any thread: log to stderr and queue the report to the GUI."""
        text = format_report(exc, where)
        print(text, file=sys.stderr)
        self.report_ready.emit(text)

    def _excepthook(self, kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, exc, tb)
            return
        self.report(exc.with_traceback(tb))

    def _thread_excepthook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_value is not None:
            name = args.thread.name if args.thread else "thread"
            self.report(args.exc_value, where=name)
