"""The files each model leaves outside the catalog, found on disk so leftovers of forgotten models count too.

Per model id: the HNSW index, its sidecar and lock file (``<data>/index/<stem>.hnsw|.json|.lock``,
``core/index/hnsw.py``), the tagging vector matrix (``<cache>/vectors/<stem>.json`` + ``.f32``/``.ids``,
``core/tagging/matrix_cache.py``) and the OpenVINO conversions and speed race (``<cache>/openvino/<safe id>/``,
``core/embed/openvino_ir.py``). ``stem`` hashes the model id; a file whose model cannot be told (no readable
sidecar, not a model the catalog knows) is grouped under its own name. All of them are caches: deleting one
costs a rebuild, never data.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from photoclip.core.settings import Settings


@dataclass(frozen=True)
class ModelFiles:
    #: the model id, or the file's own name when its model cannot be told
    model: str
    paths: tuple[Path, ...]
    bytes: int


def model_stem(model_id: str) -> str:
    """The file stem ``VectorIndex`` and ``MatrixCache`` use for a model id."""
    return hashlib.blake2b(model_id.encode(), digest_size=8).hexdigest()


def openvino_name(model_id: str) -> str:
    """The folder name ``openvino_ir.cache_dir`` uses for a model id (without importing openvino)."""
    return re.sub(r"[^A-Za-z0-9._@-]+", "_", model_id)


def model_files(settings: Settings, known_ids: Iterable[str]) -> dict[str, ModelFiles]:
    """Every model's cache files on disk, keyed by model (id or file name)."""
    known = set(known_ids)
    by_stem = {model_stem(m): m for m in known}
    by_folder = {openvino_name(m): m for m in known}
    found: dict[str, list[Path]] = {}
    for directory in (settings.index_dir, settings.cache_dir / "vectors"):
        for path in _entries(directory):
            stem = path.name.split(".", 1)[0]
            model = by_stem.get(stem) or _sidecar_model(directory / f"{stem}.json") or path.name
            found.setdefault(model, []).append(path)
    for path in _entries(settings.cache_dir / "openvino"):
        found.setdefault(by_folder.get(path.name, path.name), []).append(path)
    return {model: ModelFiles(model, tuple(sorted(paths)), sum(_size(p) for p in paths))
            for model, paths in found.items()}


def protected(files: dict[str, ModelFiles], model_ids: Iterable[str]) -> set[str]:
    """Keys of ``files`` that belong to the given models, also when grouped under a file name (a ``.tmp`` of
    an index being saved, a sidecar-less file)."""
    ids = set(model_ids)
    stems = {model_stem(m) for m in ids}
    folders = {openvino_name(m) for m in ids}
    keep = set()
    for key, group in files.items():
        if key in ids or any(p.name.split(".", 1)[0] in stems or p.name in folders for p in group.paths):
            keep.add(key)
    return keep


def remove(paths: Iterable[Path]) -> None:
    for path in paths:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


def _entries(directory: Path) -> list[Path]:
    try:
        return sorted(directory.iterdir())
    except OSError:
        return []


def _sidecar_model(path: Path) -> str | None:
    try:
        value = json.loads(path.read_text(encoding="utf-8")).get("model_id")
    except (OSError, ValueError, AttributeError):
        return None
    return value if isinstance(value, str) else None


def _size(path: Path) -> int:
    try:
        if path.is_dir() and not path.is_symlink():
            return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())
        return path.stat().st_size
    except OSError:
        return 0
