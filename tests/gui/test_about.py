"""Help → About: version, model in use, and licences read from the installed packages."""

from __future__ import annotations

import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

from photoclip import __version__
from photoclip.gui.dialogs.about import AboutDialog, bundle_licence_html, dependency_licences, model_licence

from .conftest import wait_idle

pytestmark = pytest.mark.gui


def _about_from_menu(window) -> AboutDialog:
    help_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Help")
    next(a for a in help_menu.actions() if a.text() == "&About photoclip").trigger()
    dialogs = [d for d in window.findChildren(AboutDialog) if d.isVisible()]
    assert len(dialogs) == 1
    return dialogs[0]


def test_about_shows_version_model_and_licences(qtbot, window, photos):
    dialog = _about_from_menu(window)
    text = dialog.details.toPlainText()
    assert f"photoclip {__version__}" in dialog.header.text()
    assert dict(dialog.model_rows)["Model id"] == "not loaded yet"  # opening About never loads the model
    assert "Model id\nnot loaded yet" in text
    assert "MIT licence" in text and "LGPL-3.0" in text
    torch = metadata.version("torch")
    assert f"torch {torch}\n" in text  # the installed version, not a hard-coded one
    assert "transformers" in text and "Apache" in text
    dialog.close()

    window.add_folders([str(photos)])  # the colour test model loads while indexing
    wait_idle(qtbot, window)
    text = _about_from_menu(window).details.toPlainText()
    assert f"Model id\n{window.library.loaded_embedder.model_id}\n" in text


def test_licences_come_from_package_metadata():
    licences = {d.name: d for d in dependency_licences()}
    assert licences["torch"].version == metadata.version("torch")
    assert "BSD" in licences["torch"].licence
    assert "Apache" in licences["transformers"].licence
    assert licences["hnswlib"].licence == "Apache-2.0"  # undeclared in its metadata: filled in by hand
    assert all(d.licence for d in licences.values())


def test_model_licence_names_clips_own_licence():
    assert model_licence("openai/clip-vit-base-patch32").startswith("MIT")
    assert model_licence("laion/CLIP-ViT-B-32") == "see https://huggingface.co/laion/CLIP-ViT-B-32"


def test_an_installed_build_states_its_gpl_terms_and_links_its_licence_notice(tmp_path):
    executable = tmp_path / "photoclip"
    assert bundle_licence_html(str(executable)) == ""  # a bundle without its notice claims nothing
    subprocess.run([sys.executable, str(Path(__file__).resolve().parents[2] / "installers" / "third_party_licenses.py"),
                    str(tmp_path / "LICENSES")], check=True, capture_output=True, timeout=120)
    html = bundle_licence_html(str(executable))
    assert "GNU GPL version 3" in html and (tmp_path / "LICENSES" / "THIRD-PARTY.txt").as_uri() in html
    assert bundle_licence_html() == ""  # running from a Python environment (not frozen): MIT only


def test_the_colour_test_model_is_named_a_test_model_in_about_and_the_status_bar(qtbot, window, photos):
    from photoclip.core.embed.color_test_model import MODEL_ID, NOTE

    window.add_folders([str(photos)])  # the colour test model loads while indexing
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: "test model" in window.status_label.text())
    assert f"model {MODEL_ID} ({NOTE})" in window.status_label.text()
    rows = dict(_about_from_menu(window).model_rows)
    assert rows["Model"] == f"{MODEL_ID.split('@')[0]} ({NOTE})" and "test model" in rows["Model licence"]
