"""docs/architecture.md is a true map: every module and package under photoclip/ has its line, and every line
names something that exists. Cheap (reads files only), so a new module without its line fails at once."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "photoclip"
MAP = REPO / "docs" / "architecture.md"


def mapped_paths() -> list[str]:
    """The first word of each line inside the map's code blocks: ``core/scan/watcher.py``, ``core/scan/``."""
    paths, inside = [], False
    for line in MAP.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            inside = not inside
        elif inside and line.strip():
            paths.append(line.split()[0])
    return paths


def modules_on_disk() -> set[str]:
    """Every module (``core/search.py``) and package (``core/scan/``) under photoclip/, relative to it."""
    found = set()
    for path in PACKAGE.rglob("*.py"):
        relative = path.relative_to(PACKAGE).as_posix()
        if "__pycache__" in relative:
            continue
        if path.name == "__init__.py":
            if path.parent != PACKAGE:
                found.add(relative.removesuffix("__init__.py"))
        else:
            found.add(relative)
    return found


def _section(path: str) -> str:
    top = path.split("/", 1)[0]
    return f"### {top}/" if "/" in path else "the first code block (top-level modules)"


def test_every_module_under_photoclip_has_its_line_in_the_map():
    missing = sorted(modules_on_disk() - set(mapped_paths()))
    assert not missing, "docs/architecture.md does not list " + "; ".join(
        f"photoclip/{path}: add a line `{path:<32} <what it holds, in a few words>` under {_section(path)}"
        for path in missing)


def test_every_line_of_the_map_names_a_module_that_exists():
    stale = sorted(set(mapped_paths()) - modules_on_disk())
    assert not stale, "docs/architecture.md names what is not under photoclip/: " + "; ".join(
        f"{path} (remove or rename its line)" for path in stale)


def test_each_module_is_listed_once_and_the_map_cites_only_files_that_exist():
    paths = mapped_paths()
    assert len(paths) == len(set(paths)), sorted({p for p in paths if paths.count(p) > 1})
    text = MAP.read_text(encoding="utf-8")
    for cited in re.findall(r"`((?:tests|docs|photoclip)/[\w/.-]+\.(?:py|md))`", text):
        assert (REPO / cited).exists(), f"docs/architecture.md cites {cited}, which is not in the repository"
    for cited in re.findall(r"\]\(([\w-]+\.md)(?:#[\w-]+)?\)", text):
        assert (MAP.parent / cited).exists(), f"docs/architecture.md links {cited}, which is not in docs/"
