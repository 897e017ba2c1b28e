"""The running app identifies itself as the installed .desktop file says (Wayland app id, X11 WM_CLASS)."""

from __future__ import annotations

import configparser
from pathlib import Path

import pytest

from photoclip.gui.app import DESKTOP_ID, create_app

pytestmark = pytest.mark.gui

DESKTOP_DIR = Path(__file__).resolve().parents[2] / "installers" / "linux"


def test_desktop_file_name_and_wm_class_match_the_app(qapp):
    app = create_app([])
    desktop = DESKTOP_DIR / f"{app.desktopFileName()}.desktop"
    assert app.desktopFileName() == DESKTOP_ID and desktop.is_file()
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str
    parser.read(desktop, encoding="utf-8")
    # Qt's xcb plugin sets WM_CLASS's class part to the application name: the dock groups windows by it
    assert parser["Desktop Entry"]["StartupWMClass"] == app.applicationName()
