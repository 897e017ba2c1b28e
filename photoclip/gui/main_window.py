"""The main window: library panel, search box, results grid, progress and errors. It builds the widgets and the
background services and hands each controller what it uses (search_controller.py, browse_controller.py,
tags_controller.py); it keeps folders, indexing, watching and the window's own state. It never runs the model
or a long job itself."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QGuiApplication, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from photoclip.core.embed.color_test_model import model_label
from photoclip.core.errors import (
    FolderNotFoundError,
    ModelFormatError,
    ModelNotAvailableError,
    PhotoclipError,
)
from photoclip.core.events import IndexProgress, ModelLoading, ScanFinished, WatchStatus, WatchWarning
from photoclip.core.filenames import display
from photoclip.core.library import Library, LibraryStatus
from photoclip.core.records import FolderPlacement
from photoclip.formatting import count
from photoclip.gui.bridge import EventBridge
from photoclip.gui.browse_controller import BrowseController
from photoclip.gui.crash_reporter import CrashReporter
from photoclip.gui.dialogs.about import AboutDialog
from photoclip.gui.dialogs.crash_dialog import CrashDialog
from photoclip.gui.dialogs.duplicates import DuplicatesDialog
from photoclip.gui.dialogs.reclaim_space import ReclaimSpaceDialog
from photoclip.gui.dialogs.settings_dialog import SettingsDialog
from photoclip.gui.dialogs.skipped_files import SkippedFilesDialog
from photoclip.gui.file_urls import open_folder
from photoclip.gui.first_view import FirstView
from photoclip.gui.models.results_model import ResultsModel
from photoclip.gui.preferences import ModelPreferences
from photoclip.gui.search_controller import SearchController
from photoclip.gui.tags_controller import TagsController
from photoclip.gui.viewers import Viewers
from photoclip.gui.widgets.drops import dropped_paths
from photoclip.gui.widgets.error_banner import ErrorBanner
from photoclip.gui.widgets.library_panel import LibraryPanel
from photoclip.gui.widgets.narrow import ElidedLabel, fit_buttons_to_text
from photoclip.gui.widgets.progress_panel import ProgressPanel
from photoclip.gui.widgets.results_view import CELL_EXTRA, ResultsView
from photoclip.gui.widgets.search_box import SEARCH_HINT, SearchBox
from photoclip.gui.widgets.search_filters import SearchFilters
from photoclip.gui.widgets.thumb_size import DEFAULT_SIZE, ThumbSizeSlider, clamp_size
from photoclip.gui.workers.images import ImageLoader
from photoclip.gui.workers.index_process import make_indexing_service
from photoclip.gui.workers.indexing import IndexJob
from photoclip.gui.workers.known_errors import as_user_error
from photoclip.gui.workers.query import PAGE, QueryService
from photoclip.gui.workers.status import StatusService
from photoclip.gui.workers.watching import RoutedIndexing, WatchProblem

if TYPE_CHECKING:
    from photoclip.core.scan.watcher import Watcher, WatchOptions

THUMB_SIZE = DEFAULT_SIZE
THUMB_SETTING = "view/thumb_size"
#: while the grid has room for fewer thumbnails a row than this, the library panel gives up width (down to
#: its minimum) when the window narrows or the Tags panel opens, as Lightroom's and digiKam's side panels do
GRID_COMFORT_COLUMNS = 3
STATUS_REFRESH_MS = 1500
GET_MODEL = "Get a model…"
#: the search box's hint while the model is not on this computer (the photos are browsable meanwhile)
NEEDS_MODEL = "Search needs a model: click “Get a model…” (download it, or use a model folder)"


class MainWindow(QMainWindow):
    def __init__(self, library: Library, store: QSettings, reporter: CrashReporter | None = None,
                 result_limit: int = PAGE) -> None:
        super().__init__()
        self.library = library
        # the app downloads a model only in its first-run dialog (progress, Cancel, the folder button); meanwhile
        # indexing catalogues the photos without one (browsable by date) and search says it waits for the model
        library.downloads_model = False
        self.store = store
        self.reporter = reporter or CrashReporter(self)
        self.status: LibraryStatus | None = None
        self._crash_dialog: CrashDialog | None = None
        self._closed = False
        self._stopped = False
        self._shown_once = False
        self._fit_panels_on = True  # False while a saved splitter comes back: the user's width is kept at start
        self.watcher: Watcher | None = None
        self._watch_options: WatchOptions | None = None
        self._model_shown = True  # the search box as built: the model is here
        self.setWindowTitle("photoclip")
        self.setAcceptDrops(True)

        # services: all heavy work happens on their threads
        self.bridge = EventBridge(library.events, self)
        self.loader = ImageLoader(library.thumbnails, self)
        self.indexing = make_indexing_service(library, self)  # in a child process: gui/workers/index_process.py
        self.query = QueryService(library, limit=result_limit, parent=self)
        self.results_model = ResultsModel(self.loader, THUMB_SIZE, self)
        self.status_service = StatusService(library, self)
        #: work that waits for the library view's first photos (warming the tags, watching): gui/first_view.py
        self.first_view = FirstView(parent=self)

        self._build_ui()
        self._build_menu()
        self.viewers = Viewers(self.loader, self.query, self)  # one way to open the viewer, for every grid
        self.search = SearchController(  # the search box, filters, results grid: gui/search_controller.py
            self.query, box=self.search_box, filters=self.search_filters, model=self.results_model,
            view=self.results_view, caption=self.result_label, pages=self.pages, message=self.message,
            viewers=self.viewers, reporter=self.reporter, show_error=self.show_error, status=lambda: self.status,
            show_library=lambda: self.browse.show(), parent=self)
        self._connect()
        self.browse = BrowseController(  # the library view: gui/browse_controller.py
            library, search=self.search, library_panel=self.library_panel, status_ready=self.status_service.ready,
            indexing=self.indexing, viewers=self.viewers, reporter=self.reporter, show_error=self.show_error,
            status=lambda: self.status, parent=self)
        self.tags = TagsController(  # tags dock, albums, blurring: gui/tags_controller.py
            library, host=self, view_menu=self.view_menu, store=store, loader=self.loader, search=self.search,
            browse=self.browse, viewers=self.viewers, library_panel=self.library_panel, indexing=self.indexing,
            reporter=self.reporter, show_error=self.show_error)
        self._build_thumb_size()  # after the tags controller's entries in the View menu
        # after the albums and the Tags panel exist: their buttons may shrink to their words at small widths
        fit_buttons_to_text(self.library_panel)
        fit_buttons_to_text(self.tags.dock)
        self.status_timer = QTimer(self)
        self.status_timer.setInterval(STATUS_REFRESH_MS)
        self.status_timer.timeout.connect(self.refresh_status)
        self._restore_geometry()
        # on the status thread, like every later refresh: at a million photos the counts took 1.5 s, and the
        # window waited for them before it showed; the library view and folder list fill in when they arrive
        self.status_label.setText("Reading the library…")
        self.refresh_status()
        self.browse.service.timeline_ready.connect(self.first_view.open)
        self.browse.service.failed.connect(self.first_view.open)
        if library.folders():  # a small query: the library view loads beside the status, not after it
            self.browse.show()
        else:
            self.first_view.open()  # nothing to show
        self.first_view.then(self.tags.warm)
        self.search_box.setFocus()

    # construction ----------------------------------------------------------------------------------------
    def _build_ui(self) -> None:
        self.library_panel = LibraryPanel()
        self.banner = ErrorBanner()
        self.search_box = SearchBox()
        self.get_model_button = QPushButton(GET_MODEL)
        self.get_model_button.setToolTip("Download the model that finds photos by what is in them, or use a "
                                         "model folder copied from another computer")
        self.get_model_button.clicked.connect(self.get_model)
        self.get_model_button.hide()
        self.search_filters = SearchFilters()
        self.result_label = ElidedLabel()  # a long caption is cut with "…", never the search box
        self.result_label.setStyleSheet("color: palette(placeholder-text);")
        self.results_view = ResultsView(THUMB_SIZE)
        self.results_view.setModel(self.results_model)
        self.message = QLabel()
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: palette(placeholder-text); font-size: 15px;")
        self.pages = QStackedWidget()
        self.pages.addWidget(self.message)
        self.pages.addWidget(self.results_view)
        self.progress_panel = ProgressPanel()
        self.status_label = ElidedLabel()  # a long model name must not hold the window wider than the screen
        self.statusBar().addWidget(self.status_label)  # hidden while a transient message shows, then back
        self.watch_label = QLabel("Not watching folders")
        self.statusBar().addPermanentWidget(self.watch_label)

        search_row = QHBoxLayout()
        search_row.addWidget(self.search_box, 1)
        search_row.addWidget(self.get_model_button)
        search_row.addWidget(self.result_label)
        right = self.grid_area = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(4, 8, 8, 4)
        right_layout.addWidget(self.banner)
        right_layout.addLayout(search_row)
        right_layout.addWidget(self.search_filters)
        right_layout.addWidget(self.pages, 1)
        self.splitter = QSplitter()
        self.splitter.addWidget(self.library_panel)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([330, 870])
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.splitter, 1)
        layout.addWidget(self.progress_panel)
        self.setCentralWidget(central)
        central.installEventFilter(self)  # its width changes with the window and the Tags panel: _fit_panels

    def _build_menu(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        for text, shortcut, slot in (
            ("&Add folder…", QKeySequence.StandardKey.Open, self.choose_folder),
            ("&Rescan all folders", QKeySequence.StandardKey.Refresh, self.rescan_all),
            ("&Settings…", QKeySequence.StandardKey.Preferences, self.open_settings),
            ("Reclaim s&pace…", QKeySequence(), self.reclaim_space),
            ("&Quit", QKeySequence.StandardKey.Quit, self.close),
        ):
            action = QAction(text, self)
            action.setShortcut(shortcut)
            action.triggered.connect(slot)
            file_menu.addAction(action)
        self.search_box.setAccessibleName("Search photos")
        self.results_view.setAccessibleName("Results")
        self.library_panel.tree.setAccessibleName("Library folders")
        find = QAction("Find", self)
        find.setShortcut(QKeySequence.StandardKey.Find)
        find.triggered.connect(self.search_box.setFocus)
        self.addAction(find)
        self.view_menu = self.menuBar().addMenu("&View")  # the tags controller's entries, then thumbnail sizes
        tools = self.menuBar().addMenu("&Tools")
        tools.addAction("Find &duplicates…", self.find_duplicates)
        help_menu = self.menuBar().addMenu("&Help")
        about = QAction("&About photoclip", self)
        about.triggered.connect(self._about)
        help_menu.addAction(about)

    def _build_thumb_size(self) -> None:
        """The thumbnail-size slider in the status bar and View ▸ Larger / Smaller thumbnails (Ctrl+= / Ctrl+-, as
        in Lightroom and digiKam); the size is kept for the next start."""
        self.thumb_slider = ThumbSizeSlider(clamp_size(self.store.value(THUMB_SETTING, DEFAULT_SIZE)))
        self.statusBar().addPermanentWidget(self.thumb_slider)
        self.thumb_slider.changed.connect(self.set_thumb_size)
        menu = self.view_menu
        menu.addSeparator()
        for text, keys, direction in (("&Larger thumbnails", ("Ctrl+=", "Ctrl++"), 1),
                                      ("&Smaller thumbnails", ("Ctrl+-",), -1)):
            action = QAction(text, self)
            action.setShortcuts([QKeySequence(k) for k in keys])
            action.triggered.connect(lambda _=False, d=direction: self.thumb_slider.step(d))
            menu.addAction(action)
        self.set_thumb_size(self.thumb_slider.value(), save=False)

    def set_thumb_size(self, size: int, save: bool = True) -> None:
        """Both grids: the results and the library view."""
        size = clamp_size(size)
        if self.thumb_slider.value() != size:
            self.thumb_slider.set_value(size)  # announces it: back here with the same size
            return
        self.results_view.set_thumb_size(size)
        self.browse.view.set_thumb_size(size)
        if save:
            self.store.setValue(THUMB_SETTING, size)

    def thumb_size(self) -> int:
        return self.thumb_slider.value()

    def eventFilter(self, watched, event: QEvent) -> bool:
        if (event.type() == QEvent.Type.Resize and watched is self.centralWidget() and self._fit_panels_on
                and hasattr(self, "thumb_slider")):
            self._fit_panels()
        return super().eventFilter(watched, event)

    def _fit_panels(self) -> None:
        """A narrow window (1024 px, a screen scaled 1.5×) or the Tags panel opening: the library panel gives
        the grid room for ``GRID_COMFORT_COLUMNS`` thumbnails, down to the panel's minimum width. Only the
        window's and the dock's changes get here, so a width the user drags the panel to is left alone."""
        left, right = self.splitter.sizes()
        cell = self.thumb_size() + CELL_EXTRA + self.results_view.spacing()
        short = GRID_COMFORT_COLUMNS * cell + 40 - right  # + the margins and the scroll bar
        spare = left - self.library_panel.minimumSizeHint().width()
        if short > 0 and spare > 0 and left > 0:
            give = min(short, spare)
            self.splitter.setSizes([left - give, right + give])

    def _connect(self) -> None:
        self.library_panel.subfolders = self.library.subfolders  # read on the GUI thread: index-only, fast
        self.library_panel.add_requested.connect(self.choose_folder)
        self.library_panel.remove_requested.connect(self.remove_folder)
        self.library_panel.rescan_requested.connect(self.rescan_all)
        self.results_view.open_folder_requested.connect(self._open_folder)
        self.progress_panel.pause_toggled.connect(self._on_pause_toggled)
        self.progress_panel.cancel_requested.connect(self.cancel_indexing)
        self.progress_panel.skipped_requested.connect(self.show_skipped)

        self.bridge.progress.connect(self._on_progress)
        self.bridge.scan_finished.connect(self._on_scan_finished)
        self.bridge.model_loading.connect(self._on_model_loading)
        self.bridge.watch_status.connect(self._on_watch_status)
        self.bridge.watch_warning.connect(self._on_watch_warning)
        self.bridge.waiting.connect(lambda text: self.statusBar().showMessage(text, 15000))
        self.indexing.busy_changed.connect(self._on_indexing_busy)
        self.indexing.job_started.connect(self._on_job_started)
        self.indexing.job_finished.connect(self._on_job_finished)
        self.indexing.job_failed.connect(self._on_job_failed)
        self.indexing.job_crashed.connect(lambda job, exc: self.reporter.report(exc, f"indexing job {job.kind}"))
        self.reporter.report_ready.connect(self.show_crash_report)
        self.status_service.ready.connect(self._apply_status)
        self.status_service.failed.connect(lambda exc: self.reporter.report(exc, "library status"))

    # folders and indexing ------------------------------------------------------------------------------
    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Add a folder of photos", str(Path.home()))
        if folder:
            self.add_folders([folder])

    def add_folders(self, paths: list[str]) -> IndexJob | None:
        """Add folders (the dialog, a drop): a folder inside a library folder is not added again but shown
        (selected in the panel, its photos in the view) and checked for changes; a folder holding library
        folders takes them in as its sub-folders. Roots never nest (core: ``Library.place_folder``)."""
        added: list[str] = []
        placements = []
        for path in paths:
            try:
                placement = self.library.place_folder(path)  # one quick row; the indexing runs on the worker
            except Exception as exc:  # a missing folder, a read-only catalog: a banner; a bug: the crash report
                known = as_user_error(exc)
                if known is None:
                    raise
                self.show_error(known)
                continue
            placements.append(placement)
            added.append(placement.path)  # a folder inside a root: only that part of it is checked
        if not added:
            return None
        self._tell_placed(placements)
        job = self.indexing.index(added)
        self._redraw_activity()
        return job

    def _tell_placed(self, placements: list[FolderPlacement]) -> None:
        """Say where a folder that was already covered, or that took library folders in, landed."""
        notes = []
        for placement in placements:
            name, root = display(Path(placement.path).name), display(Path(placement.root.path).name)
            if placement.outcome == "inside":
                notes.append(f"“{name}” is already in the library, inside “{root}”: showing its photos.")
            elif placement.outcome == "known":
                notes.append(f"“{name}” is already in the library: checking it for changes.")
            elif placement.folded:
                notes.append(f"Added “{name}”: it takes in {count(len(placement.folded), 'library folder')} as "
                             "sub-folders (their photos, tags and albums kept).")
        if notes:
            self.statusBar().showMessage(" ".join(notes), 10000)
        shown = next((p for p in reversed(placements) if p.outcome == "inside"), None)
        if shown is not None:
            self.browse.show_folder(shown.path)
            self.library_panel.select_path(shown.path)

    def rescan_all(self) -> IndexJob | None:
        if not self.library.folders():
            return None
        if self._watch_options is not None and self.watcher is None:
            self.start_watching(self._watch_options)  # its start-up catch-up is the rescan
            return None
        job = self.indexing.index(None)
        self._redraw_activity()
        return job

    def remove_folder(self, path: str, confirm: bool = True) -> IndexJob | None:
        if confirm:
            answer = QMessageBox.question(
                self, "Remove folder",
                f"Remove {display(path)} from the library?\nThe photos on disk are not touched.",
            )
            if answer != QMessageBox.StandardButton.Yes:
                return None
        job = self.indexing.remove(path)  # queued behind a running job, which owns the catalog writer
        self._redraw_activity()
        return job

    def refresh_status(self) -> None:
        """Ask for fresh counts (catalog only, never the model) on the status thread."""
        if not self._closed:
            self.status_service.request()

    def _redraw_activity(self) -> None:
        """Folder states change with the job queue at once; counts follow from the status thread."""
        if self.status is not None:
            self.library_panel.update_status(self.status, self._folder_activity())
        self.refresh_status()

    def _apply_status(self, status: LibraryStatus) -> None:
        if self._closed:
            return
        self.status = status
        self.library_panel.update_status(status, self._folder_activity())
        self.search_filters.set_folders([f.path for f in status.folders])
        self.search_filters.set_date_range(*status.taken_range)
        self.progress_panel.set_skipped(len(status.failures))
        photos = status.catalogued
        model = status.model_id or status.model_spec or self.library.settings.model
        switching = ""
        if status.switch:
            done, total = status.switch["done"], status.switch["total"]
            switching = f" · switching to {status.switch['to']}: {100 * done // max(1, total)}%"
        searchable = f" ({status.embedded:,} searchable)" if status.embedded < photos and not status.switch else ""
        self.status_label.setText(f"{count(photos, 'photo')}{searchable} · {count(len(status.folders), 'folder')} · "
                                  f"model {model_label(model)}{switching}")
        self._show_model_state(status.model_available)
        if not self.indexing.busy:
            waiting = "" if status.model_available else " · search waits for a model"
            self.progress_panel.set_idle(f"Up to date · {count(photos, 'photo')}{waiting}" if status.folders
                                         else "Ready")
        self.search.status_changed(status, indexing=self.indexing.busy)

    def _show_model_state(self, available: bool) -> None:
        """Without the model the photos are browsable, but the search box says search waits for it and offers
        the first-run dialog (download, or a model folder)."""
        if available == self._model_shown:
            return
        self._model_shown = available
        self.search_box.setEnabled(available)
        self.search_box.setPlaceholderText(SEARCH_HINT if available else NEEDS_MODEL)
        self.get_model_button.setVisible(not available)

    def get_model(self):
        """The first-run dialog (download, or use a model folder); None when the model is here already."""
        from photoclip.gui.dialogs.first_run import offer_model_setup

        dialog = offer_model_setup(self)
        if dialog is None:
            self.refresh_status()
        return dialog

    def model_arrived(self) -> IndexJob | None:
        """The model is on this computer now: photos catalogued without it are embedded (then searchable)."""
        self.refresh_status()
        rescanning = any(j.kind == "index" and j.paths is None for j in self.indexing.pending_jobs)
        if (not rescanning and self.status is not None and self.status.embedded < self.status.catalogued
                and self.library.folders() and self.library.has_model()):
            return self.rescan_all()
        return None

    def _folder_activity(self) -> dict[str, str]:
        activity: dict[str, str] = {}
        every = [f.path for f in (self.status.folders if self.status else [])]
        for job in reversed(self.indexing.pending_jobs):  # the earliest job wins
            word = "removing" if job.kind == "remove" else (
                "indexing" if job is self.indexing.current else "queued")
            if job.kind == "paths":
                continue
            for path in job.paths or every:
                activity[path] = word
        return activity

    def _on_indexing_busy(self, busy: bool) -> None:
        if busy:
            self.status_timer.start()
        else:
            self.status_timer.stop()
            self.refresh_status()

    def _on_job_started(self, job: IndexJob) -> None:
        if job.kind == "remove":
            self.progress_panel.set_busy("Removing folder…")
        elif job.kind == "switch":
            self.progress_panel.set_busy("Building the new model's vectors (search keeps using the current model)…")
        else:
            # without a model: a catalog pass, no load
            loading = not self.search.model_loaded and self._model_shown
            self.progress_panel.set_busy("Loading model…" if loading else "Scanning folders…")
        if job.control.paused:
            self.progress_panel.pause_button.setChecked(True)
        self._redraw_activity()

    def _on_job_finished(self, job: IndexJob, summary: dict) -> None:
        if job.kind == "switch" and job.outcome is not None:
            self._on_switch_finished(job.outcome)
        if job.kind != "remove" and not summary.get("cancelled") and not summary.get("model_missing"):
            self.search.model_loaded = True
        self.search.repeat()  # show newly indexed photos (and drop removed ones)
        self.refresh_status()

    def _on_job_failed(self, job: IndexJob, error: PhotoclipError) -> None:
        self.show_error(error)
        self.refresh_status()

    def _on_scan_finished(self, event: ScanFinished) -> None:
        self.search.model_loaded = True
        self.progress_panel.set_busy(f"Found {count(event.to_process, 'new or changed photo')}")

    def _on_progress(self, event: IndexProgress) -> None:
        self.progress_panel.set_progress(event)

    def _on_model_loading(self, event: ModelLoading) -> None:
        if event.stage == "ready":
            self.search.model_loaded = True
            self.statusBar().showMessage(f"Model ready: {event.detail}", 5000)
        elif event.stage == "optimising":  # the first load on OpenVINO: ~30 s for ViT-B/32, once per model
            self.progress_panel.set_stage(f"Optimising the model for this computer — once: {event.detail}…",
                                          event.fraction)
            self.statusBar().showMessage("Optimising the model for this computer (only the first time)")
        else:
            self.progress_panel.set_busy(f"Model {event.model}: {event.stage}…")

    # watching ------------------------------------------------------------------------------------------
    def start_watching(self, options: WatchOptions | None = None) -> Watcher | None:
        """Keep every folder indexed as files arrive, change or go (the watcher also catches up at start)."""
        from photoclip.core.scan.watcher import WatchOptions  # watchdog: only when watching

        if self.watcher is None and not self._closed:
            self._watch_options = options or WatchOptions()
            self.watcher = self.library.watcher(options=self._watch_options, indexer=RoutedIndexing(self.indexing))
            self.watcher.start()
        return self.watcher

    def cancel_indexing(self) -> None:
        """Stop all indexing now. The watcher stops too (it would only queue the same files again at once);
        Rescan starts it again."""
        self.indexing.cancel()
        watcher, self.watcher = self.watcher, None
        if watcher is not None:
            # stop() joins the watcher's thread: never on the GUI thread
            threading.Thread(target=watcher.stop, name="photoclip-watcher-stop", daemon=True).start()
            self.watch_label.setText("Not watching folders (cancelled) · Rescan to resume")

    def _on_watch_status(self, status: WatchStatus) -> None:
        if status.state == "stopped" or self.watcher is None:
            if self.watcher is None and self._watch_options is not None:
                self.watch_label.setText("Not watching folders (cancelled) · Rescan to resume")
            else:
                self.watch_label.setText("Not watching folders")
            return
        folders = status.watched + status.polled
        text = f"Watching {folders} folder{'s' if folders != 1 else ''}"
        if status.offline:
            text += f" · {status.offline} offline"
        if status.pending:
            text += f" · {count(status.pending, 'change')} pending"
        self.watch_label.setText(text)
        self.refresh_status()

    def _on_watch_warning(self, warning: WatchWarning) -> None:
        if warning.reason in ("offline", "online"):  # the library panel says it; a banner would nag
            self.statusBar().showMessage(f"{display(Path(warning.folder).name)}: {warning.message}", 8000)
            self.refresh_status()
        else:
            self.show_error(WatchProblem(warning.message, warning.fix))

    def _on_pause_toggled(self, paused: bool) -> None:
        if paused:
            self.indexing.pause()
            # the pipeline sends no progress while paused, so say it here
            self.progress_panel.label.setText("Paused · the photo being read finishes, then indexing waits")
        else:
            self.indexing.resume()

    # dialogs -------------------------------------------------------------------------------------------
    def show_skipped(self) -> SkippedFilesDialog:
        dialog = SkippedFilesDialog(self.library.status().failures, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    def find_duplicates(self) -> DuplicatesDialog:
        dialog = DuplicatesDialog(self.library, self.loader, self.tags.blur, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.library_changed.connect(self.refresh_status)
        dialog.library_changed.connect(self.query.repeat)  # drop the photos moved to the trash from the grid
        dialog.show()
        return dialog

    def reclaim_space(self) -> ReclaimSpaceDialog:
        dialog = ReclaimSpaceDialog(self.library, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    def open_settings(self) -> SettingsDialog:
        prefs = ModelPreferences.of(self.library.settings)
        prefs.model = self.library.model_spec
        dialog = SettingsDialog(prefs, self.search.model_loaded, os.cpu_count() or 1, self,
                                recommended=self.library.models.recommended().hub_id)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.apply_preferences(dialog.preferences()))
        dialog.open()
        return dialog

    def apply_preferences(self, prefs: ModelPreferences) -> None:
        """Device and threads apply when the model (re)loads; another model is switched to without downtime."""
        prefs.save(self.store)
        model = prefs.model
        prefs.model = self.library.settings.model  # the library's model is in its catalog, not a preference
        prefs.apply_to(self.library.settings, env={})
        self.use_model(model)

    def use_model(self, spec: str) -> IndexJob | None:
        """Make ``spec`` the library's model: recorded at once for a library with nothing indexed yet, else a
        switch that builds its vectors in the background while search keeps using the current model."""
        if not spec or spec == self.library.model_spec:
            return None
        if not self.library.needs_switch(spec):
            self.library.set_model(spec)
            return self.model_arrived()  # photos catalogued without a model are embedded with this one
        job = self.indexing.switch_model(spec)
        self.statusBar().showMessage(f"Switching to {spec}: search keeps using the current model meanwhile", 8000)
        self._redraw_activity()
        return job

    def resume_model_switch(self) -> IndexJob | None:
        """A switch the last session did not finish goes on (it skips every photo already done)."""
        if self.library.switch_progress() is None:
            return None
        return self.indexing.switch_model(None)

    def _on_switch_finished(self, outcome) -> None:
        if outcome.switched:
            # the results on screen are re-run by _on_job_finished, now with the new model
            self.statusBar().showMessage(f"photoclip now uses {outcome.spec}", 10_000)
        elif outcome.progress is not None:
            p = outcome.progress
            self.statusBar().showMessage(f"Switch to {outcome.spec} paused at {p.done} of {p.total} photos", 10_000)

    def show_error(self, error: PhotoclipError) -> None:
        self.banner.show_error(error, self._action_for(error))

    def _action_for(self, error: PhotoclipError):
        if isinstance(error, ModelNotAvailableError):
            return (GET_MODEL, self.get_model)
        if isinstance(error, ModelFormatError):
            return ("Settings…", self.open_settings)
        if isinstance(error, FolderNotFoundError):
            return ("Add folder…", self.choose_folder)
        return ("Retry", self.rescan_all) if self.library.folders() else None

    def show_crash_report(self, report: str) -> CrashDialog:
        if self._crash_dialog is not None and self._crash_dialog.isVisible():
            self._crash_dialog.add_report(report)
        else:
            self._crash_dialog = CrashDialog(report, self)
            self._crash_dialog.show()
        return self._crash_dialog

    def _open_folder(self, path: str) -> None:
        open_folder(path, self)  # says so when there is no file manager

    def _about(self) -> AboutDialog:
        dialog = AboutDialog(self.library, self.status.model_id if self.status else None, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    # drag and drop ---------------------------------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        folders, photos = dropped_paths(event.mimeData())
        if folders or photos:
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        folders, photos = dropped_paths(event.mimeData())
        if folders:
            self.add_folders(folders)
        elif photos:
            self.search.search_similar(photos[0])
        event.acceptProposedAction()

    # persistence -----------------------------------------------------------------------------------------
    def _restore_geometry(self) -> None:
        geometry = self.store.value("window/geometry")
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(1200, 780)
        state = self.store.value("window/state")
        if state is not None:
            self.restoreState(state)
            self.tags.dock_sized = True  # the user's width for it came back with the state
        splitter = self.store.value("window/splitter")
        if splitter is not None:
            self.splitter.restoreState(splitter)
            self._fit_panels_on = False  # until the window is up (showEvent): the sizes at start are the user's
        self.fit_to_screen()  # Qt clamps the geometry, but the Tags panel coming back afterwards can widen it

    def fit_to_screen(self) -> None:
        """Keep the window inside the available area of its screen: a geometry saved on a larger (or unscaled)
        screen came back larger than a screen at scale 1.5. Where even the window's smallest layout with the
        Tags panel docked is wider than the screen, the panel closes (View ▸ Tags panel opens it again)."""
        if self.isMaximized() or self.isFullScreen():
            return
        screen = self.screen() or QGuiApplication.primaryScreen()
        if screen is None:
            return
        area = screen.availableGeometry()
        frame = self.frameGeometry()
        room_w = area.width() - (frame.width() - self.width())  # less the title bar and borders
        room_h = area.height() - (frame.height() - self.height())
        dock = self.tags.dock
        if self.minimumSizeHint().width() > room_w and not dock.isHidden() and not dock.isFloating():
            dock.hide()
            self.statusBar().showMessage("The Tags panel is closed: this screen is too narrow for it beside the "
                                         "photos (View ▸ Tags panel opens it)", 15_000)
        width, height = min(self.width(), room_w), min(self.height(), room_h)
        if (width, height) != (self.width(), self.height()):
            self.resize(width, height)  # (never below the layout's minimum size)
        frame = self.frameGeometry()
        x = max(area.left(), min(frame.left(), area.right() + 1 - frame.width()))
        y = max(area.top(), min(frame.top(), area.bottom() + 1 - frame.height()))
        if (x, y) != (frame.left(), frame.top()):
            self.move(x, y)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._shown_once:  # the frame (title bar) is known now
            self._shown_once = True
            self.fit_to_screen()
            QTimer.singleShot(0, self, lambda: setattr(self, "_fit_panels_on", True))

    def save_geometry(self) -> None:
        self.store.setValue("window/geometry", self.saveGeometry())
        self.store.setValue("window/state", self.saveState())
        self.store.setValue("window/splitter", self.splitter.saveState())
        self.store.sync()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.ActivationChange:
            # in front: indexing leaves a core to the desktop (core/balance.py); behind, it may use them all
            self.library.desktop_reserve = 1 if self.isActiveWindow() else 0
        super().changeEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._closed and not self.tags.may_close():
            event.ignore()
            return
        self.shutdown()
        super().closeEvent(event)

    @property
    def closing(self) -> bool:
        """Shut down (or shutting down): nothing new may start (a first-run dialog, a watcher)."""
        return self._closed

    def shutdown(self) -> bool:
        """Save window state, cancel indexing and stop the worker threads (idempotent). False when a worker
        is still busy after the timeout (say, inside a model load): the caller must then not close the library."""
        if self._closed:
            return self._stopped
        self._closed = True
        self.save_geometry()
        self.status_timer.stop()
        if self.watcher is not None:
            self.watcher.stop(timeout=30)  # first: it may be waiting for a job on the indexing thread
        stopped = self.indexing.shutdown()
        stopped = self.query.shutdown() and stopped
        stopped = self.status_service.shutdown() and stopped
        stopped = self.tags.shutdown() and stopped
        stopped = self.browse.shutdown() and stopped
        self.loader.stop()
        self.bridge.detach()
        self._stopped = stopped
        return stopped
