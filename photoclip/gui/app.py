"""Entry point of the desktop app (``photoclip`` with no arguments, or ``photoclip-gui``).

Only Qt and the light core are imported here: torch and transformers load on the indexing or query thread
the first time the model is needed, so the window shows in well under a second.
"""

from __future__ import annotations

import os
import signal
import sys

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from photoclip.core.library import Library
from photoclip.core.quiet import quiet_library_warnings
from photoclip.core.settings import Settings
from photoclip.gui.crash_reporter import CrashReporter
from photoclip.gui.dialogs.first_run import offer_model_setup
from photoclip.gui.main_window import MainWindow
from photoclip.gui.preferences import ModelPreferences
from photoclip.gui.workers.known_errors import as_user_error

ORGANIZATION = "photoclip"
APPLICATION = "photoclip"
#: reverse-DNS id: the .desktop file's name (installers/linux/) and the Wayland app id. On X11 the window's
#: WM_CLASS is the application name, which the .desktop file's StartupWMClass names.
DESKTOP_ID = "io.github.photoclip.Photoclip"


def create_app(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance() or QApplication(sys.argv if argv is None else argv)
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationDisplayName("photoclip")
    app.setDesktopFileName(DESKTOP_ID)
    return app  # type: ignore[return-value]


def create_window(store: QSettings | None = None, reporter: CrashReporter | None = None) -> MainWindow:
    """Open the library configured by the environment and the saved preferences; raises PhotoclipError."""
    store = store or QSettings()
    settings = Settings.from_env()
    ModelPreferences.load(store, settings).apply_to(settings)
    library = Library.open(settings)
    return MainWindow(library, store, reporter)


class _CloseOnSignals:
    """Ctrl-C / SIGTERM close the window like the user would (state saved, workers stopped), without asking
    about unsaved thresholds: nobody may be there to answer. Installed before the window exists, so a signal
    during startup is kept and acted on once it does, instead of killing the process half-started."""

    def __init__(self) -> None:
        self.window: MainWindow | None = None
        self.requested = False
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, self._on_signal)

    def attach(self, window: MainWindow) -> None:
        self.window = window
        # Python runs signal handlers only between bytecodes; a cheap timer lets it in while Qt waits for events.
        wake = QTimer(window)
        wake.timeout.connect(lambda: None)
        wake.start(250)
        if self.requested:
            QTimer.singleShot(0, self._close)

    def _on_signal(self, *_) -> None:
        self.requested = True
        if self.window is not None:
            # queued: before app.exec() runs, a quit would be lost and the first-run dialog shown next would
            # keep the process alive
            QTimer.singleShot(0, self._close)

    def _close(self) -> None:
        self.window.shutdown()
        self.window.close()
        QApplication.quit()  # also with the first-run dialog up: it is a window of its own and would keep Qt running


def main(argv: list[str] | None = None) -> int:
    quiet_library_warnings()  # a terminal the app was started from gets no library warnings
    app = create_app(argv)
    reporter = CrashReporter()
    reporter.install()
    signals = _CloseOnSignals()
    try:
        window = create_window(reporter=reporter)
    except Exception as exc:  # a bad setting, a full or read-only disk: say what to do; a bug goes on up
        known = as_user_error(exc)
        if known is None:
            raise
        QMessageBox.critical(None, "photoclip", f"{known.user_message}\n\n{known.hint}".strip())
        return 1
    window.show()
    signals.attach(window)
    # watch the folders once the first photos are on screen; the watcher first catches up on changes made while
    # the app was closed
    window.first_view.then(window.start_watching)
    QTimer.singleShot(0, lambda: offer_model_setup(window))  # no model on this computer yet: first run
    QTimer.singleShot(0, window.resume_model_switch)  # a switch to another model the last session left unfinished
    code = app.exec()
    if not window.shutdown():
        # A worker is stuck in a call that cannot be interrupted (a model load): destroying its QThread or
        # closing the catalog under it would crash. Settings are saved; the catalog is WAL, so just leave.
        sys.stderr.flush()
        os._exit(code)
    window.library.close()
    reporter.uninstall()
    return code


if __name__ == "__main__":
    sys.exit(main())
