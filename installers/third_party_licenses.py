"""Write the licence notice an app bundle must carry: every Python distribution installed in the build
environment (so everything PyInstaller can have collected), its version, declared licence and the text of its
licence files, plus photoclip's own licence and a statement of the terms the bundle as a whole is under.

Run with the bundle's build interpreter:  build/bundle-venv/bin/python installers/third_party_licenses.py OUT_DIR
"""

from __future__ import annotations

import argparse
import importlib.metadata as metadata
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: build tools in the build venv that never end up inside the bundle
BUILD_ONLY = {"pip", "setuptools", "wheel", "pyinstaller", "pyinstaller-hooks-contrib", "altgraph", "packaging"}
#: distributions whose metadata declares no licence (checked by hand against their repositories)
UNDECLARED = {"hnswlib": "Apache-2.0"}
LICENCE_FILE_PREFIXES = ("license", "licence", "copying", "notice")
#: copyleft distributions that, once linked into the bundle, set the terms of the bundle as a whole
COPYLEFT_MARKERS = ("GPL-3", "GPLv3", "GNU General Public License v3", "GPL-2", "GPLv2")

BUNDLE_TERMS = """\
photoclip's own source code is MIT-licensed (LICENSE). This bundle also contains {copyleft}, which {verb}
licensed under the GNU GPL; the bundle as a whole is therefore distributed under the terms of the GNU General
Public License, version 3. The complete corresponding source of photoclip is its public repository; each
third-party component's source is available from the Python Package Index at the version listed below.
"""


@dataclass(frozen=True)
class Component:
    name: str
    version: str
    licence: str
    texts: tuple[tuple[str, str], ...]  # (file name, text)

    @property
    def copyleft(self) -> bool:
        return "LGPL" not in self.licence and any(m in self.licence for m in COPYLEFT_MARKERS)


def bundled_components() -> list[Component]:
    found: dict[str, Component] = {}
    for dist in metadata.distributions():
        name = (dist.metadata["Name"] or "").strip()
        key = name.lower().replace("_", "-")
        if not name or key in BUILD_ONLY or key == "photoclip" or key in found:
            continue
        found[key] = Component(name, dist.version, declared_licence(key, dist), licence_texts(dist))
    return sorted(found.values(), key=lambda c: c.name.lower())


def declared_licence(key: str, dist: metadata.Distribution) -> str:
    meta = dist.metadata
    expression = meta.get("License-Expression")
    if expression:
        return expression.strip()
    text = (meta.get("License") or "").strip()
    if text and "\n" not in text and len(text) <= 80:  # some put the whole licence text in this field
        return text
    classifiers = [c.rsplit(" :: ", 1)[-1] for c in meta.get_all("Classifier") or [] if c.startswith("License ::")]
    return "; ".join(classifiers) or UNDECLARED.get(key, "not declared in its metadata")


def licence_texts(dist: metadata.Distribution) -> tuple[tuple[str, str], ...]:
    texts = []
    for file in dist.files or []:
        if Path(file.name).name.lower().startswith(LICENCE_FILE_PREFIXES):
            path = Path(file.locate())
            content = path.read_text(encoding="utf-8", errors="replace") if path.is_file() else ""
            if content.strip():
                texts.append((str(file), content.strip()))
    return tuple(texts)


def notice(components: list[Component]) -> str:
    copyleft = [c for c in components if c.copyleft]
    parts = ["photoclip — licences of this bundle", "=" * 36, ""]
    if copyleft:
        names = ", ".join(f"{c.name} ({c.licence})" for c in copyleft)
        parts += [BUNDLE_TERMS.format(copyleft=names, verb="is" if len(copyleft) == 1 else "are"), ""]
    else:
        parts += ["photoclip's own source code is MIT-licensed (LICENSE).", ""]
    parts += ["Components", "----------"]
    parts += [f"{c.name} {c.version}: {c.licence}" for c in components]
    for c in components:
        parts += ["", "=" * 78, f"{c.name} {c.version} — {c.licence}", "=" * 78]
        parts += [f"--- {name} ---\n{text}" for name, text in c.texts] or ["(no licence file shipped in its package)"]
    return "\n".join(parts) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path, help="folder to write LICENSE and THIRD-PARTY.txt into")
    args = parser.parse_args(argv)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    components = bundled_components()
    (args.out_dir / "LICENSE").write_text((ROOT / "LICENSE").read_text(encoding="utf-8"), encoding="utf-8")
    (args.out_dir / "THIRD-PARTY.txt").write_text(notice(components), encoding="utf-8")
    print(f"{args.out_dir}: {len(components)} components, copyleft: "
          f"{', '.join(c.name for c in components if c.copyleft) or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
