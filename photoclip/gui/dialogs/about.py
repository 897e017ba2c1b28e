"""Help → About: version, the model in use (name, id, backend, device) and the licences of photoclip, the
model weights and the libraries it ships with (read from the installed packages' metadata)."""

from __future__ import annotations

import platform
import sys
from dataclasses import dataclass
from html import escape
from importlib import metadata
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QTextBrowser, QVBoxLayout, QWidget

from photoclip import __version__
from photoclip.core.embed.color_test_model import is_test_model, model_label
from photoclip.core.library import Library

#: (distribution, what it is to photoclip), in the order shown
KEY_DEPENDENCIES = (
    ("PySide6-Essentials", "Qt for Python (the window)"),
    ("shiboken6", "Qt for Python bindings"),
    ("torch", "runs the model"),
    ("transformers", "CLIP model code"),
    ("huggingface_hub", "model download"),
    ("safetensors", "model weights format"),
    ("hnswlib", "vector index"),
    ("numpy", "vectors"),
    ("pillow", "image decoding"),
    ("pillow-heif", "HEIC/AVIF decoding"),
    ("pyexiv2", "XMP sidecars"),
    ("send2trash", "moving duplicates to the trash"),
    ("watchdog", "folder watching"),
    ("platformdirs", "data folders"),
    ("tqdm", "progress counting"),
)
#: licences some packages do not declare in their metadata (checked by hand against their repositories)
_UNDECLARED = {"hnswlib": "Apache-2.0"}
#: the weights' own licence, for models whose licence we know; others link to their model page
_MODEL_LICENCES = {"openai/": "MIT (OpenAI CLIP weights)"}
_QT_LICENCE = "LGPL-3.0 (Qt and Qt for Python); photoclip links it dynamically"


@dataclass(frozen=True)
class Licence:
    name: str
    version: str
    licence: str
    role: str


def dependency_licences() -> list[Licence]:
    """Name, installed version and declared licence of each key dependency that is installed."""
    found = []
    for name, role in KEY_DEPENDENCIES:
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        found.append(Licence(name, dist.version, _declared_licence(name, dist.metadata), role))
    return found


def _declared_licence(name: str, meta) -> str:
    expression = meta.get("License-Expression")
    if expression:
        return expression
    text = (meta.get("License") or "").strip()
    if text and "\n" not in text and len(text) <= 80:  # some put the whole licence text here
        return text
    classifiers = [c.rsplit(" :: ", 1)[-1] for c in meta.get_all("Classifier") or [] if c.startswith("License ::")]
    return classifiers[0] if classifiers else _UNDECLARED.get(name, "see the project's page")


def model_licence(spec: str) -> str:
    from photoclip.core.embed.model_catalog import BY_ID

    entry = BY_ID.get(spec)
    if entry is not None and not entry.licence.startswith("see"):
        return f"{entry.licence} ({entry.family} weights)"
    for prefix, licence in _MODEL_LICENCES.items():
        if spec.startswith(prefix):
            return licence
    if "/" in spec:
        return f"see https://huggingface.co/{spec}"
    return "see where this model folder came from"


def model_facts(library: Library, model_id: str | None) -> list[tuple[str, str]]:
    """What the About box says about the model: the loaded one if any, else what the settings will load."""
    settings = library.settings
    embedder = library.loaded_embedder
    name = (model_id or settings.model).rsplit("@", 1)[0]
    backend = getattr(embedder, "backend", None) or f"{settings.backend} (chosen when the model loads)"
    device = getattr(embedder, "device", None) or f"{settings.device} (chosen when the model loads)"
    test_model = is_test_model(name)
    return [
        ("Model", model_label(name)),
        ("Model id", embedder.model_id if embedder else (model_id or "not loaded yet")),
        ("Backend", str(backend)),
        ("Device", str(device)),
        ("Model licence", "none: a test model built into photoclip, with no weights" if test_model
         else model_licence(name)),
    ]


def bundle_licence_html(executable: str | None = None) -> str:
    """An installed bundle carries LICENSES/THIRD-PARTY.txt (installers/third_party_licenses.py): say under which
    terms the build is distributed and link the full notice. Empty when running from a Python environment."""
    if executable is None and not getattr(sys, "frozen", False):
        return ""
    notice = Path(executable or sys.executable).resolve().parent / "LICENSES" / "THIRD-PARTY.txt"
    if not notice.is_file():
        return ""
    return ("<p>This installed build includes pyexiv2 and exiv2 (GPL), so the build as a whole is distributed "
            "under the GNU GPL version 3; every bundled component's licence is in "
            f"<a href='{notice.as_uri()}'>{escape(str(notice))}</a>.</p>")


class AboutDialog(QDialog):
    def __init__(self, library: Library, model_id: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("About photoclip")
        self.setObjectName("aboutDialog")
        self.model_rows = model_facts(library, model_id)
        self.licences = dependency_licences()
        self.header = header = QLabel(
            f"<h2>photoclip {escape(__version__)}</h2>Find your photos by what is in them, on your own computer."
            f"<br>Python {escape(platform.python_version())} · {escape(platform.system())} "
            f"{escape(platform.machine())}")
        header.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details = QTextBrowser()
        self.details.setOpenExternalLinks(True)
        self.details.setHtml(self._details_html())
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(header)
        layout.addWidget(self.details, 1)
        layout.addWidget(buttons)
        self.resize(620, 560)

    def _details_html(self) -> str:
        model = "".join(f"<tr><td><b>{escape(k)}</b></td><td>{escape(v)}</td></tr>" for k, v in self.model_rows)
        deps = "".join(
            f"<tr><td>{escape(d.name)} {escape(d.version)}</td><td>{escape(self._shown_licence(d))}</td>"
            f"<td style='color: gray'>{escape(d.role)}</td></tr>" for d in self.licences)
        return (
            f"<h3>Model in use</h3><table cellspacing='4'>{model}</table>"
            "<h3>Licences</h3><p>photoclip is free software under the <b>MIT</b> licence. The CLIP weights have "
            "their own licence (above). It ships with these libraries, under their own licences:</p>"
            f"<table cellspacing='4'>{deps}</table>{bundle_licence_html()}"
        )

    @staticmethod
    def _shown_licence(dep: Licence) -> str:
        return _QT_LICENCE if dep.name in ("PySide6-Essentials", "shiboken6") else dep.licence
