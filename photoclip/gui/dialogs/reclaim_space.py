"""File → Reclaim space…: what the catalog keeps that no photo needs, and a button to free it.

Vectors of deleted photos are kept for a grace period (a file restored soon is not embedded again); models no
longer in use keep their vectors and caches until the user ticks the box. The work runs on its own thread
(workers/reclaim.py); the dialog shows the survey, a progress bar while reclaiming and the bytes freed.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
)

from photoclip.core.events import ReclaimProgress
from photoclip.core.library import Library
from photoclip.core.reclaim import GRACE_DAYS, ReclaimReport, ReclaimResult
from photoclip.formatting import count, file_size
from photoclip.gui.workers.known_errors import as_user_error
from photoclip.gui.workers.reclaim import ReclaimService


class ReclaimSpaceDialog(QDialog):
    def __init__(self, library: Library, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Reclaim space")
        self.resize(560, 320)
        self.report: ReclaimReport | None = None
        self._running = False
        self.result: ReclaimResult | None = None
        self.service = ReclaimService(library, self)
        self.service.surveyed.connect(self._show_report)
        self.service.reclaimed.connect(self._show_result)
        self.service.failed.connect(self._show_error)
        self.service.progress.connect(self._show_progress)

        self.days = QSpinBox()
        self.days.setRange(0, 3650)
        self.days.setValue(GRACE_DAYS)
        self.days.setSuffix(" days")
        self.days.setToolTip("Vectors of photos deleted more recently are kept, so a restored file is not "
                             "embedded again")
        self.days.valueChanged.connect(self.refresh)
        self.orphans_label = QLabel("Looking…")
        self.orphans_label.setWordWrap(True)
        self.old_models = QCheckBox("Also remove the data of models no longer in use")
        self.old_models.toggled.connect(self._update_button)
        self.models_label = QLabel()
        self.models_label.setWordWrap(True)
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.hide()
        self.reclaim_button = QPushButton("Reclaim")
        self.reclaim_button.setEnabled(False)
        self.reclaim_button.clicked.connect(self.start)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.reclaim_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)

        form = QFormLayout()
        form.addRow("Keep vectors of deleted photos for", self.days)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.orphans_label)
        layout.addWidget(self.old_models)
        layout.addWidget(self.models_label)
        layout.addStretch(1)
        layout.addWidget(self.progress)
        layout.addWidget(self.status_label)
        layout.addWidget(buttons)
        self.refresh()

    @property
    def busy(self) -> bool:
        return self._running

    def refresh(self) -> None:
        self.service.survey(float(self.days.value()))

    def would_free(self) -> int:
        if self.report is None:
            return 0
        return self.report.due_orphan_bytes + (self.report.old_model_bytes if self.old_models.isChecked() else 0)

    def start(self) -> None:
        self._running = True
        self.reclaim_button.setEnabled(False)
        self.progress.setRange(0, 0)
        self.progress.show()
        self.status_label.setText("Reclaiming…")
        self.service.reclaim(float(self.days.value()), self.old_models.isChecked())

    # results -------------------------------------------------------------------------------------------
    def _show_report(self, report: ReclaimReport) -> None:
        self.report = report
        waiting = report.orphans - report.due_orphans
        text = (f"Vectors of deleted photos older than {report.grace_days:g} days: "
                f"{count(report.due_orphans, 'vector')} ({file_size(report.due_orphan_bytes)}).")
        if waiting:
            text += f" {count(waiting, 'more vector')} kept until their grace period ends."
        self.orphans_label.setText(text)
        models = [f"{m.model_id}: {count(m.vectors, 'vector')}, {file_size(m.bytes)}" for m in report.old_models]
        self.models_label.setText("\n".join(models) or "No data of other models.")
        self.old_models.setEnabled(bool(report.old_models))
        if not report.old_models:
            self.old_models.setChecked(False)
        self._update_button()

    def _update_button(self) -> None:
        freeable = self.would_free()
        self.reclaim_button.setEnabled(not self.busy and freeable > 0)
        self.reclaim_button.setText(f"Reclaim {file_size(freeable)}" if freeable else "Reclaim")

    def _show_progress(self, event: ReclaimProgress) -> None:
        self.progress.setRange(0, max(event.total, 1))
        self.progress.setValue(event.done)
        self.progress.setFormat(f"{event.stage}: %v of %m")

    def _show_result(self, result: ReclaimResult) -> None:
        self.result = result
        self._running = False
        self.progress.hide()
        self.status_label.setText(
            f"Freed {file_size(result.bytes_freed)}: {count(result.orphans_removed, 'vector')} of deleted photos"
            + (f", {count(len(result.models_removed), 'old model')}" if result.models_removed else "")
            + f" (catalog {file_size(result.catalog_bytes_before)} → {file_size(result.catalog_bytes_after)})."
        )
        self.refresh()

    def _show_error(self, error: Exception) -> None:
        self._running = False
        self.progress.hide()
        known = as_user_error(error)  # a full or read-only disk says so, as in the CLI
        message = known.user_message if known is not None else str(error)
        self.status_label.setText(message)
        self._update_button()

    def done(self, code: int) -> None:
        self.service.shutdown()
        super().done(code)
