"""The system trash inside a test's tmp folder, with the real send2trash.

send2trash's freedesktop implementation puts a file in ``$XDG_DATA_HOME/Trash`` when the file is on the same
device as ``$HOME``, else in a ``.Trash-$uid`` folder at the top of the file's mount. It reads XDG_DATA_HOME
once, at import, so the fixture points HOME and XDG_DATA_HOME into tmp and re-imports it (and re-imports it
again afterwards, for the tests that follow).
"""

from __future__ import annotations

import importlib
from pathlib import Path
from urllib.parse import unquote

import pytest


def _reload_send2trash() -> bool:
    """True when the freedesktop implementation (the one that honours XDG_DATA_HOME) is in use."""
    import send2trash
    import send2trash.plat_other

    importlib.reload(send2trash.plat_other)
    importlib.reload(send2trash)
    return send2trash.send2trash is send2trash.plat_other.send2trash


@pytest.fixture
def trash_dir(tmp_path, monkeypatch):
    """``<tmp>/home/.local/share/Trash``: where the photos a test moves to the trash land."""
    home = tmp_path / "home"
    data = home / ".local" / "share"
    data.mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(data))
    if not _reload_send2trash():
        monkeypatch.undo()
        _reload_send2trash()
        pytest.skip("send2trash uses GIO's trash here (PyGObject installed), which ignores a test's XDG_DATA_HOME")
    yield data / "Trash"
    monkeypatch.undo()
    _reload_send2trash()


def trashed(trash: Path) -> dict[str, str]:
    """{original path: name in the trash} from the freedesktop ``.trashinfo`` files."""
    out = {}
    for info in sorted((trash / "info").glob("*.trashinfo")):
        line = next(x for x in info.read_text().splitlines() if x.startswith("Path="))
        out[unquote(line[len("Path="):])] = info.name[: -len(".trashinfo")]
    return out
