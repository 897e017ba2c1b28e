"""Reclaiming space: vectors no photo holds any more, and everything of models no longer in use.

* **Orphan vectors**: the catalog keeps a deleted photo's vector, so a file restored or moved back is not
  embedded again. Schema v4 records when a content hash lost its last photo row (triggers, whatever deleted
  it); vectors whose hash has been unreferenced for longer than the grace period (``GRACE_DAYS``) are deleted.
  Offline folders keep their rows, so an unplugged drive never loses anything.
* **Old models**: a model change (another CLIP, other weights: another model id) leaves the old model's
  vectors, cached text vectors, quality-guard records, HNSW file, tagging matrix cache and OpenVINO
  conversions. They are listed with sizes and removed only when asked; never those of a model in use.

Order, so that a kill at any moment leaves something the next open repairs: catalog rows are deleted first
(each chunk one transaction), then the HNSW files are updated (labels marked deleted, atomic save). A kill in
between leaves a sidecar whose count the catalog no longer matches, and the next open repairs the index.
Then ``VACUUM`` returns the freed pages to the disk; the bytes reported are measured from file sizes.

* **Larger pages**: catalogs made before 16 KiB pages hold one 2 KB vector per 4 KiB page; a cleanup run while
  nothing else has the catalog open rewrites it with 16 KiB pages (about 42% less per vector).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from photoclip.core import model_files
from photoclip.core.events import EventBus, ReclaimProgress
from photoclip.core.settings import Settings
from photoclip.core.store.catalog import Catalog, ModelUsage

if TYPE_CHECKING:
    from photoclip.core.index.hnsw import VectorIndex

#: days a vector no photo holds is kept (a file deleted by mistake and restored is then not re-embedded)
GRACE_DAYS = 30
DAY = 86_400.0
#: orphan vectors deleted per transaction (progress and a short write lock)
CHUNK = 5_000
#: rebuild an HNSW index from the catalog once this share of its labels is marked deleted (the file shrinks)
COMPACT_SHARE = 0.25


@dataclass(frozen=True)
class OldModel:
    """What one model no longer in use keeps on this computer."""

    model_id: str
    vectors: int
    text_vectors: int
    #: vector data in the catalog (the file shrinks by about this much after the vacuum)
    catalog_bytes: int
    files: tuple[Path, ...]
    file_bytes: int

    @property
    def bytes(self) -> int:
        return self.catalog_bytes + self.file_bytes

    def as_dict(self) -> dict[str, Any]:
        return {"model": self.model_id, "vectors": self.vectors, "text_vectors": self.text_vectors,
                "catalog_bytes": self.catalog_bytes, "files": [str(p) for p in self.files],
                "file_bytes": self.file_bytes, "bytes": self.bytes}


@dataclass(frozen=True)
class ReclaimReport:
    """What could be freed now; nothing is changed by making one."""

    models_in_use: list[str]
    grace_days: float
    #: vectors of the models in use that no photo holds
    orphans: int
    #: of those, the ones past the grace period (what a cleanup deletes)
    due_orphans: int
    due_orphan_bytes: int
    #: seconds since the oldest orphan lost its photo, None without orphans
    oldest_orphan_age: float | None
    old_models: list[OldModel]
    catalog_bytes: int
    #: about what rewriting the catalog with larger pages frees (0 when it has them already)
    repack_bytes: int = 0

    @property
    def old_model_bytes(self) -> int:
        return sum(m.bytes for m in self.old_models)

    def as_dict(self) -> dict[str, Any]:
        return {
            "models_in_use": self.models_in_use, "grace_days": self.grace_days,
            "orphans": {"vectors": self.orphans, "due": self.due_orphans, "due_bytes": self.due_orphan_bytes,
                        "oldest_days": None if self.oldest_orphan_age is None
                        else round(self.oldest_orphan_age / DAY, 2)},
            "old_models": [m.as_dict() for m in self.old_models],
            "old_model_bytes": self.old_model_bytes, "catalog_bytes": self.catalog_bytes,
            "repack_bytes": self.repack_bytes,
        }


@dataclass
class ReclaimResult:
    orphans_removed: int = 0
    models_removed: list[str] = field(default_factory=list)
    #: vectors deleted with the old models
    model_vectors_removed: int = 0
    #: what happened to each HNSW index that held removed vectors: "updated", "compacted", "left to rebuild"
    indexes: dict[str, str] = field(default_factory=dict)
    catalog_bytes_before: int = 0
    catalog_bytes_after: int = 0
    file_bytes_freed: int = 0
    #: the catalog was rewritten with larger pages
    repacked: bool = False
    #: it has small pages but could not be rewritten now (another connection had it open)
    repack_pending: bool = False
    seconds: float = 0.0

    @property
    def bytes_freed(self) -> int:
        return max(0, self.catalog_bytes_before - self.catalog_bytes_after) + self.file_bytes_freed

    def as_dict(self) -> dict[str, Any]:
        return {
            "orphans_removed": self.orphans_removed, "models_removed": self.models_removed,
            "model_vectors_removed": self.model_vectors_removed, "indexes": self.indexes,
            "catalog_bytes_before": self.catalog_bytes_before, "catalog_bytes_after": self.catalog_bytes_after,
            "file_bytes_freed": self.file_bytes_freed, "bytes_freed": self.bytes_freed,
            "repacked": self.repacked, "repack_pending": self.repack_pending, "seconds": round(self.seconds, 3),
        }


def models_in_use(settings: Settings, catalog: Catalog, loaded: str | None) -> list[str]:
    """The loaded model, the one the catalog last ran and the configured one when it is on this computer
    (its id from a fingerprint of its weights: no torch, no network). Their data is never reclaimed."""
    from photoclip.core.model_switch import pending

    switch = pending(catalog)  # the model a switch is building: its vectors are the library's future
    ids = [m for m in (loaded, catalog.get_meta("model_id"), switch and switch.model_id,
                       _configured_model_id(settings)) if m]
    return list(dict.fromkeys(ids))


def _configured_model_id(settings: Settings) -> str | None:
    from photoclip.core.embed import registry
    from photoclip.core.embed.color_test_model import MODEL_ID, is_test_spec
    from photoclip.core.errors import PhotoclipError

    if is_test_spec(settings.model):
        return MODEL_ID
    try:
        folder = registry.find_local_model(settings.model, settings.models_dir,
                                           bundled_dir=settings.bundled_models_dir)
        if folder is None:
            return None
        if registry.is_hub_id(settings.model):
            return f"{settings.model}@{registry.model_fingerprint(folder)}"
        return registry.resolve_model(settings.model, settings.models_dir, allow_download=False)[1]
    except (PhotoclipError, OSError):
        return None


def survey(settings: Settings, catalog: Catalog, in_use: list[str], grace_days: float,
           now: float | None = None) -> ReclaimReport:
    now = time.time() if now is None else now
    orphans = catalog.orphan_counts(now - grace_days * DAY)
    usage = catalog.model_usage()
    files = model_files.model_files(settings, [*usage, *in_use])
    keep = model_files.protected(files, in_use) | set(in_use)
    old = [_old_model(model, usage.get(model), files.get(model))
           for model in sorted((set(usage) | set(files)) - keep)]
    current = [orphans[m] for m in in_use if m in orphans]
    oldest = min((c.oldest for c in current if c.oldest is not None), default=None)
    return ReclaimReport(
        models_in_use=in_use, grace_days=grace_days,
        orphans=sum(c.vectors for c in current), due_orphans=sum(c.due for c in current),
        due_orphan_bytes=sum(orphans[m].due * catalog.vector_size(m) for m in in_use if m in orphans),
        oldest_orphan_age=None if oldest is None else max(0.0, now - oldest),
        old_models=old, catalog_bytes=catalog.files_size(), repack_bytes=catalog.repack_saving(),
    )


def _old_model(model: str, usage: ModelUsage | None, files: model_files.ModelFiles | None) -> OldModel:
    return OldModel(
        model, usage.vectors if usage else 0, usage.text_vectors if usage else 0,
        (usage.vector_bytes + usage.text_bytes) if usage else 0,
        files.paths if files else (), files.bytes if files else 0,
    )


class Reclaimer:
    """Carries out a reclaim; the caller holds the job lock (no index job runs meanwhile)."""

    def __init__(self, settings: Settings, catalog: Catalog, events: EventBus,
                 loaded_index: VectorIndex | None = None) -> None:
        self.settings = settings
        self.catalog = catalog
        self.events = events
        #: the library's open VectorIndex, if any: updated in memory, so it stays consistent for searches
        self.loaded_index = loaded_index

    def run(self, report: ReclaimReport, old_models: bool, now: float | None = None) -> ReclaimResult:
        started = time.monotonic()
        now = time.time() if now is None else now
        result = ReclaimResult(catalog_bytes_before=self.catalog.files_size())
        removed = self._remove_orphans(now - report.grace_days * DAY, report, result)
        if old_models and report.models_in_use:  # no model known in use: nothing is "old" yet
            self._remove_old_models([m for m in report.old_models if m.model_id not in report.models_in_use],
                                    result)
        self._update_indexes(removed, result)
        if result.orphans_removed or result.model_vectors_removed or result.models_removed or report.repack_bytes:
            self.events.emit(ReclaimProgress("vacuum", 0, 1))
            result.repacked = self.catalog.vacuum()
            result.repack_pending = bool(report.repack_bytes) and not result.repacked
            self.events.emit(ReclaimProgress("vacuum", 1, 1))
        result.catalog_bytes_after = self.catalog.files_size()
        result.seconds = time.monotonic() - started
        return result

    def _remove_orphans(self, cutoff: float, report: ReclaimReport, result: ReclaimResult) -> dict[str, list[int]]:
        """Orphans of the models in use (an old model's go with the rest of its data)."""
        removed: dict[str, list[int]] = {}
        total = max(report.due_orphans, 1)
        self.events.emit(ReclaimProgress("orphans", 0, total))
        while True:
            chunk = self.catalog.delete_orphans(cutoff, CHUNK, report.models_in_use)
            for model, ids in chunk.items():
                removed.setdefault(model, []).extend(ids)
                result.orphans_removed += len(ids)
            self.events.emit(ReclaimProgress("orphans", min(result.orphans_removed, total), total))
            if sum(len(ids) for ids in chunk.values()) < CHUNK:
                return removed

    def _remove_old_models(self, models: list[OldModel], result: ReclaimResult) -> None:
        """Files first, then the catalog rows: a kill in between leaves vectors a later cleanup still lists."""
        for done, model in enumerate(models):
            self.events.emit(ReclaimProgress("old models", done, len(models)))
            model_files.remove(model.files)
            result.file_bytes_freed += model.file_bytes
            result.model_vectors_removed += self.catalog.delete_model_data(model.model_id)
            result.models_removed.append(model.model_id)
        self.events.emit(ReclaimProgress("old models", len(models), len(models)))

    def _update_indexes(self, removed: dict[str, list[int]], result: ReclaimResult) -> None:
        models = [m for m in removed if m not in result.models_removed]
        for done, model in enumerate(models):
            self.events.emit(ReclaimProgress("index", done, len(models)))
            result.indexes[model] = self._update_index(model, removed[model])
        self.events.emit(ReclaimProgress("index", len(models), len(models)))

    def _update_index(self, model: str, ids: list[int]) -> str:
        from photoclip.core.index.hnsw import VectorIndex

        index = self.loaded_index if getattr(self.loaded_index, "model_id", None) == model else None
        if index is None:
            index = VectorIndex.saved(self.settings.index_dir, model)
            if index is None:
                return "none saved"
            if not index.load_after_removal(self.catalog):
                return "left to rebuild"  # no usable file: the next open rebuilds it anyway
        index.remove(ids)
        action = "updated"
        if index.deleted > COMPACT_SHARE * (len(index) + index.deleted):
            index.rebuild(self.catalog)
            action = "compacted"
        index.save()
        return action

