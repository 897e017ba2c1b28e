"""The tags panel: pick a label set, run it over the library / a folder / an album, tune each label's threshold
with a live count and a preview of the photos it would tag, then send the suggestions to the review queue.

The parts are widgets of their own (label_set_bar, label_table, threshold_control, tag_preview); this module
wires them to the tagging worker. Scoring, counting and previews run there (workers/tag_runs.py): the run's
scores stay in memory, so moving a slider only re-thresholds them (milliseconds even at 100k photos), debounced.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from photoclip.core.errors import PhotoclipError
from photoclip.core.filenames import display
from photoclip.core.tagging import Label, LabelSet, Scope, TagRun
from photoclip.formatting import count
from photoclip.gui.models.blur import SensitiveBlur
from photoclip.gui.widgets.label_set_bar import LabelSetBar
from photoclip.gui.widgets.label_table import LabelTable
from photoclip.gui.widgets.tag_preview import TagPreview
from photoclip.gui.widgets.threshold_control import ThresholdControl
from photoclip.gui.workers.images import ImageLoader
from photoclip.gui.workers.tag_runs import Preview, RunResult, preview_label, run_label_set
from photoclip.gui.workers.tagging import TaggingService

SLIDER_DEBOUNCE_MS = 120


def _replace(label_set: LabelSet, labels: tuple[Label, ...]) -> LabelSet:
    return LabelSet(label_set.name, labels, label_set.description, label_set.exclusive, label_set.sensitive,
                    label_set.templates, label_set.default_threshold)


def _with_thresholds(label_set: LabelSet, thresholds: dict[str, float]) -> LabelSet:
    labels = tuple(Label(lb.name, lb.prompts, lb.negatives, thresholds.get(lb.name, lb.threshold))
                   for lb in label_set.labels)
    return _replace(label_set, labels)


def _same_labels(a: LabelSet, b: LabelSet) -> bool:
    """The same set apart from thresholds (a run stays valid when thresholds are saved)."""
    return _with_thresholds(a, {}) == _with_thresholds(b, {lb.name: lb.threshold for lb in a.labels})


#: asks the user for a label (the one to edit, or None for a new one; the set's default threshold; the parent)
AskLabel = Callable[[Label | None, float, QWidget], Label | None]


class TagsPanel(QWidget):
    #: suggestions went into the review queue (or label sets changed what is sensitive)
    queue_changed = Signal()
    #: a request failed with a user error (the window shows it as a banner)
    error = Signal(object)
    #: sidecars written so far, total: emitted on the tagging worker, shown on the GUI thread (queued)
    xmp_progress = Signal(int, int)

    def __init__(self, service: TaggingService, loader: ImageLoader, blur: SensitiveBlur | None = None,
                 parent: QWidget | None = None, *, ask_label: AskLabel | None = None) -> None:
        super().__init__(parent)
        self.service = service
        #: the label editor (dialogs/label_editor.py, handed in by the tags controller: widgets open no dialogs)
        self.ask_label = ask_label
        self.label_set: LabelSet | None = None
        self.run: TagRun | None = None
        self.thresholds: dict[str, float] = {}
        self.best: dict[str, float] = {}
        self.preview_shown: Preview | None = None
        self._scopes: list[tuple[str, Scope]] = [("Whole library", Scope())]
        self._select_after_load: str | None = None
        #: moved thresholds to show again once an edited set reloads: {set name: {label: threshold}}
        self._carry_thresholds: dict[str, dict[str, float]] = {}
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(SLIDER_DEBOUNCE_MS)
        self._debounce.timeout.connect(self._request_preview)
        self._build(loader, blur)
        self._connect()
        self._update_enabled()

    # construction ----------------------------------------------------------------------------------------
    def _build(self, loader: ImageLoader, blur: SensitiveBlur | None) -> None:
        self.set_bar = LabelSetBar()
        self.table = LabelTable()
        self.threshold = ThresholdControl()
        self.preview = TagPreview(loader, blur)
        self.scope_combo = QComboBox()
        self.scope_combo.setAccessibleName("Run over")
        self.run_button = QPushButton("Run")
        self.run_button.setToolTip("Score every photo of the scope from its stored vector (nothing is saved yet)")
        self.run_status = QLabel("Choose a label set and run it.")
        self.run_status.setWordWrap(True)
        self.run_status.setStyleSheet("color: palette(placeholder-text);")
        self.queue_button = QPushButton("Send suggestions to the review queue")
        self.xmp_box = QCheckBox("Write accepted tags to XMP sidecars")  # one line in a narrow panel
        self.xmp_box.setToolTip("digiKam, Lightroom and darktable read the tags from the .xmp file beside each photo")
        self.xmp_status = QLabel("")
        self.xmp_status.setWordWrap(True)
        self.xmp_status.setStyleSheet("color: palette(placeholder-text);")
        scope_row = QHBoxLayout()
        scope_row.addWidget(QLabel("Run over"))
        scope_row.addWidget(self.scope_combo, 1)
        scope_row.addWidget(self.run_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.set_bar)
        layout.addWidget(self.table, 1)
        layout.addLayout(scope_row)
        layout.addWidget(self.run_status)
        layout.addWidget(self.threshold)
        layout.addWidget(self.preview, 1)
        layout.addWidget(self.queue_button)
        layout.addWidget(self.xmp_box)
        layout.addWidget(self.xmp_status)
        # the parts' widgets, by the names tests and the controller use
        self.set_combo, self.labels, self.icons = self.set_bar.combo, self.table.tree, self.preview.icons
        self.slider, self.spin, self.live_count = self.threshold.slider, self.threshold.spin, self.threshold.live_count

    def _connect(self) -> None:
        self.set_bar.chosen.connect(self._on_set_chosen)
        self.set_bar.new_requested.connect(lambda: self.new_set())
        self.set_bar.import_requested.connect(lambda: self.import_set())
        self.set_bar.export_requested.connect(lambda: self.export_set())
        self.table.chosen.connect(self._on_label_chosen)
        self.table.edit_requested.connect(lambda name: self.edit_label(name))
        self.table.remove_requested.connect(self.remove_label)
        self.threshold.changed.connect(self.set_threshold)
        self.threshold.save_requested.connect(self.save_thresholds)
        self.run_button.clicked.connect(self.run_labels)
        self.queue_button.clicked.connect(self.send_to_queue)
        self.xmp_box.toggled.connect(self._on_xmp_toggled)
        self.xmp_progress.connect(self._show_xmp_progress)

    # label sets ------------------------------------------------------------------------------------------
    def refresh_sets(self, select: str | None = None, reload: bool = True) -> None:
        """List the label sets again; ``reload`` loads the chosen one (dropping the run and unsaved thresholds)."""
        self.service.submit("label sets", lambda ctx: (ctx.tagger.label_set_names(), ctx.tagger.xmp_enabled),
                            lambda result: self._fill_sets(*result, select=select, reload=reload),
                            on_error=self.error.emit)

    def _fill_sets(self, names: dict[str, list[str]], xmp_on: bool, select: str | None, reload: bool) -> None:
        chosen = self.set_bar.fill(names["saved"], names["presets"], select)
        self.xmp_box.blockSignals(True)
        self.xmp_box.setChecked(xmp_on)
        self.xmp_box.blockSignals(False)
        if chosen and reload:
            self._load_set(chosen)

    def _on_set_chosen(self, name: str) -> None:
        leaving = self.label_set is not None and name != self.label_set.name
        if leaving and not self.settle_unsaved(lambda: self.refresh_sets(select=name)):
            self.set_bar.select(self.label_set.name)  # Cancel, or saving first: the set on screen stays
            return
        self._load_set(name)

    def settle_unsaved(self, then: Callable[[], None]) -> bool:
        """Before leaving the set on screen: ask whether to save the thresholds moved but not saved. True: go on
        now (nothing moved, or Discard). False: not now: Cancel, or Save, and ``then`` runs once saved."""
        changed = self.unsaved_thresholds()
        if not changed:
            return True
        answer = self.ask_save_thresholds(self.label_set.name, len(changed))
        if answer == QMessageBox.StandardButton.Save:
            self.save_thresholds(then=then)
        return answer == QMessageBox.StandardButton.Discard

    def ask_save_thresholds(self, set_name: str, changed: int) -> QMessageBox.StandardButton:
        box = QMessageBox(QMessageBox.Icon.Question, "Unsaved thresholds",
                          f"Save the thresholds you changed in {set_name}?",
                          QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
                          | QMessageBox.StandardButton.Cancel, self)
        box.setInformativeText(f"{count(changed, 'label')} moved with the slider; Discard keeps the saved ones.")
        box.setDefaultButton(QMessageBox.StandardButton.Save)
        return QMessageBox.StandardButton(box.exec())

    def _load_set(self, name: str) -> None:
        self.service.submit("label set", lambda ctx: ctx.tagger.label_set(name), self._show_set,
                            key="label set", on_error=self.error.emit)

    def _show_set(self, label_set: LabelSet) -> None:
        self.label_set = label_set
        self.run = None
        self.best = {}
        self.thresholds = {lb.name: label_set.threshold(lb) for lb in label_set.labels}
        carried, self._carry_thresholds = self._carry_thresholds, {}
        if carried.get(label_set.name):  # edited or removed a label: the others keep their slider positions
            self.thresholds.update({k: v for k, v in carried[label_set.name].items() if k in self.thresholds})
        self.icons.blur_all = label_set.sensitive
        self.table.fill(label_set, self.thresholds, {})
        if self._select_after_load:
            self.select_label(self._select_after_load)
            self._select_after_load = None
        self.run_status.setText(f"{count(len(label_set.labels), 'label')}"
                                + (" · sensitive: matches are blurred" if label_set.sensitive else "")
                                + " · not run yet")
        self._clear_preview()
        self._update_enabled()

    def unsaved_thresholds(self) -> dict[str, float]:
        """Thresholds moved on screen but not saved into the label set."""
        if self.label_set is None:
            return {}
        return {lb.name: self.thresholds[lb.name] for lb in self.label_set.labels
                if round(self.label_set.threshold(lb), 1) != self.thresholds[lb.name]}

    def save_thresholds(self, then: Callable[[], None] | None = None) -> None:
        """Save the changed thresholds into the label set (a preset becomes a saved copy); the run stays.
        ``then`` runs once saved, instead of listing the sets again with this one chosen."""
        changed = self.unsaved_thresholds()
        if not changed:
            return
        label_set = _with_thresholds(self.label_set, changed)

        def done(_) -> None:
            if self.label_set is not None and self.label_set.name == label_set.name:
                self.label_set = label_set
                self.table.fill(label_set, self.thresholds, self.preview_shown.counts if self.preview_shown else {})
                self._update_enabled()
            if then is not None:
                then()
            else:
                self.refresh_sets(select=label_set.name, reload=False)  # "scenes (preset)" is now "scenes"

        self.service.submit("save thresholds", lambda ctx: ctx.tagger.save_label_set(label_set), done,
                            on_error=self.error.emit)

    def current_label(self) -> str | None:
        return self.table.current_label()

    def select_label(self, name: str) -> None:
        self.table.select_label(name)

    def new_set(self, name: str | None = None) -> None:
        if name is None:
            name, ok = QInputDialog.getText(self, "New label set", "Name of the label set:")
            if not ok:
                return
        name = name.strip()
        if name:
            self._save_set(LabelSet(name, ()))

    def edit_label(self, name: str | None, label: Label | None = None) -> None:
        """Add (``name`` None) or replace a label of the current set. Without ``label`` a dialog asks."""
        if self.label_set is None:
            return
        old = next((lb for lb in self.label_set.labels if lb.name == name), None)
        if label is None:
            label = self.ask_label(old, self.label_set.default_threshold, self) if self.ask_label else None
            if label is None:
                return
        labels = [label if lb.name == name else lb for lb in self.label_set.labels]
        if old is None:
            labels.append(label)
        self._keep_unsaved(but={name, label.name})  # the edited label's threshold is the editor's
        self._save_set(_replace(self.label_set, tuple(labels)), select_label=label.name)

    def remove_label(self, name: str | None) -> None:
        if self.label_set is not None and name:
            self._keep_unsaved(but={name})
            self._save_set(_replace(self.label_set, tuple(lb for lb in self.label_set.labels if lb.name != name)))

    def _keep_unsaved(self, but: set[str | None]) -> None:
        """Saving an edited set reloads it; the other labels' moved (unsaved) thresholds come back as they were."""
        moved = {k: v for k, v in self.unsaved_thresholds().items() if k not in but}
        self._carry_thresholds = {self.label_set.name: moved} if moved else {}

    def _save_set(self, label_set: LabelSet, select_label: str | None = None) -> None:
        """Saved in the catalog (a saved set shadows a preset of the same name)."""
        def done(_):
            self._select_after_load = select_label
            self.refresh_sets(select=label_set.name)
            self.queue_changed.emit()  # the set may be sensitive: what is blurred can change

        self.service.submit("save label set", lambda ctx: ctx.tagger.save_label_set(label_set), done,
                            on_error=self.error.emit)

    def import_set(self, path: str | None = None) -> None:
        if path is None:
            path, _ = QFileDialog.getOpenFileName(self, "Import a label set", str(Path.home()),
                                                  "Label sets (*.json *.txt);;All files (*)")
            if not path:
                return
        if not self.settle_unsaved(lambda: self.import_set(path)):  # the imported set replaces the one on screen
            return
        self.service.submit("import label set", lambda ctx: ctx.tagger.import_label_set(Path(path)),
                            lambda label_set: (self.refresh_sets(select=label_set.name), self.queue_changed.emit()),
                            on_error=self.error.emit)

    def export_set(self, path: str | None = None) -> None:
        if self.label_set is None:
            return
        name = self.label_set.name
        if path is None:
            path, _ = QFileDialog.getSaveFileName(self, "Export the label set", str(Path.home() / f"{name}.json"),
                                                  "JSON (*.json);;Text, one label a line (*.txt)")
            if not path:
                return
        self.service.submit("export label set", lambda ctx: ctx.tagger.export_label_set(name, Path(path)),
                            lambda _: self.run_status.setText(f"Exported to {path}"), on_error=self.error.emit)

    # running ---------------------------------------------------------------------------------------------
    def set_scopes(self, folders: list[str], albums: list[str]) -> None:
        """What a run can cover: the library, each folder, each album."""
        chosen = self.scope_combo.currentText()
        self._scopes = [("Whole library", Scope())]
        self._scopes += [(f"Folder: {display(Path(f).name or f)}", Scope(folder=f)) for f in folders]
        self._scopes += [(f"Album: {a}", Scope(album=a)) for a in albums]
        self.scope_combo.blockSignals(True)
        self.scope_combo.clear()
        for text, _ in self._scopes:
            self.scope_combo.addItem(text)
        self.scope_combo.setCurrentIndex(max(0, self.scope_combo.findText(chosen)))
        self.scope_combo.blockSignals(False)

    def choose_scope(self, text: str) -> None:
        self.scope_combo.setCurrentIndex(self.scope_combo.findText(text))

    def run_labels(self) -> None:
        if self.label_set is None or not self.label_set.labels:
            return
        label_set, thresholds = self.label_set, dict(self.thresholds)
        scope = self._scopes[max(0, self.scope_combo.currentIndex())][1]
        self.run_status.setText("Scoring…")
        self.run_button.setEnabled(False)
        self.service.submit("run labels", lambda ctx: run_label_set(ctx, label_set, scope, thresholds),
                            self._on_run, key="run", on_error=self._on_run_failed)

    def _on_run(self, result: RunResult) -> None:
        if self.label_set is None or not _same_labels(result.run.label_set, self.label_set):
            self._update_enabled()
            return  # the set changed meanwhile
        self.run = result.run
        self.best = result.best
        self.table.fill(self.label_set, self.thresholds, result.counts)
        note = f" · {count(len(result.cut), 'prompt')} cut at the model's limit" if result.cut else ""
        self.run_status.setText(f"{count(sum(result.counts.values()), 'suggestion')} over "
                                f"{count(result.photos, 'photo')} ({result.seconds * 1000:.0f} ms){note}")
        self.run_status.setToolTip("\n".join(c.message[0].upper() + c.message[1:] + "." for c in result.cut))
        if self.current_label() is None:
            self.table.select_first()  # its preview follows
        self._update_enabled()

    def _on_run_failed(self, error: PhotoclipError) -> None:
        self.run_status.setText(f"{error.user_message} {error.hint}".strip())
        self._update_enabled()

    # threshold slider --------------------------------------------------------------------------------------
    def _on_label_chosen(self, name: str | None) -> None:
        known = name is not None and name in self.thresholds
        self.threshold.show_label(name if known else None, self.thresholds.get(name, 0.0),
                                  self.best.get(name, 0.0))
        self._update_enabled()
        if known:
            self._request_preview()

    def set_threshold(self, value: float) -> None:
        """The selected label's threshold; the count and preview follow (debounced, off the GUI thread)."""
        name = self.current_label()
        if name is None:
            return
        value = round(value, 1)
        self.thresholds[name] = value
        self.threshold.set_value(value)
        saved = next(self.label_set.threshold(lb) for lb in self.label_set.labels if lb.name == name)
        self.table.set_threshold(name, value, saved)
        self.threshold.set_unsaved(len(self.unsaved_thresholds()))
        if self.run is not None:
            self.threshold.set_count("…")
            self._debounce.start()

    def _request_preview(self) -> None:
        name = self.current_label()
        if self.run is None or name is None:
            return
        run, thresholds = self.run, dict(self.thresholds)
        self.service.submit("preview", lambda ctx: preview_label(ctx, run, name, thresholds), self._show_preview,
                            key="preview", on_error=self.error.emit)

    def _show_preview(self, preview: Preview) -> None:
        if preview.label != self.current_label():
            return
        self.preview_shown = preview
        self.threshold.set_count(count(preview.counts.get(preview.label, 0), "photo"))
        self.table.set_counts(preview.counts)
        self.preview.show_items(preview.items)

    def _clear_preview(self) -> None:
        self.preview.clear()
        self.preview_shown = None
        self.threshold.set_count("")

    def preview_paths(self) -> list[str]:
        """The photos of the preview, best first, as shown."""
        return [e.suggestion.path for e in self.preview_shown.items] if self.preview_shown else []

    # review queue and XMP ----------------------------------------------------------------------------------
    def send_to_queue(self) -> None:
        if self.run is None:
            return
        run, thresholds = self.run, dict(self.thresholds)

        def done(suggestions: list) -> None:
            self.run_status.setText(f"{count(len(suggestions), 'suggestion')} sent to the review queue")
            self.queue_changed.emit()

        self.service.submit("save run", lambda ctx: ctx.tagger.save_run(run, thresholds), done,
                            on_error=self.error.emit)

    def _on_xmp_toggled(self, on: bool) -> None:
        """On: the tags accepted before are written too (write-back alone would only follow new decisions),
        on the tagging worker, with a progress line. Off: nothing is written from now on."""
        def refused(error: PhotoclipError) -> None:  # e.g. no XMP library: the box goes back as it was
            self.xmp_box.blockSignals(True)
            self.xmp_box.setChecked(not on)
            self.xmp_box.blockSignals(False)
            self.xmp_status.setText("")
            self.error.emit(error)

        if not on:
            self.xmp_status.setText("")
            self.service.submit("xmp setting", lambda ctx: ctx.tagger.set_xmp_writeback(False), on_error=refused)
            return

        def turn_on(ctx) -> tuple[int, PhotoclipError | None]:
            ctx.tagger.set_xmp_writeback(True)
            try:
                return ctx.tagger.write_all_sidecars(progress=self.xmp_progress.emit), None  # queued to the GUI
            except PhotoclipError as exc:  # some sidecars skipped (read-only folder…): the others are written
                return 0, exc

        def done(result: tuple[int, PhotoclipError | None]) -> None:
            written, problem = result
            if problem is None:
                self.xmp_status.setText(f"Write-back is on · {count(written, 'sidecar')} written for the tags "
                                        "you accepted before")
            else:
                self.xmp_status.setText("Write-back is on · some sidecars could not be written")
                self.error.emit(problem)

        self.xmp_status.setText("Writing the tags you accepted before into XMP sidecars…")
        self.service.submit("xmp setting", turn_on, done, on_error=refused)

    def _show_xmp_progress(self, done: int, total: int) -> None:
        self.xmp_status.setText(f"Writing the tags you accepted before into XMP sidecars… {done:,} of "
                                f"{count(total, 'photo')}")

    def _update_enabled(self) -> None:
        has_set = self.label_set is not None
        self.run_button.setEnabled(has_set and bool(self.label_set.labels))
        self.set_bar.export_button.setEnabled(has_set)
        self.table.set_editable(has_set)
        self.threshold.set_usable(self.current_label() is not None, self.run is not None)
        self.queue_button.setEnabled(self.run is not None)
        self.threshold.set_unsaved(len(self.unsaved_thresholds()))
