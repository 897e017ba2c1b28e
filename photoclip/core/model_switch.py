"""Which model a library uses, and switching it to another without downtime.

The library's model is recorded in its catalog (``meta['model.spec']``), so the CLI, the app and ``watch`` agree on
it; ``PHOTOCLIP_MODEL`` overrides it for one run. A switch (``photoclip model use``, Settings in the app) records the
target (``meta['model.switch']``) and builds the new model's vectors with the normal indexing pipeline while the
current model keeps answering searches, tags and albums. Vectors are keyed by (content hash, model id), so a kill or
a pause loses at most a batch and a resumed build skips every photo that already has one. When every indexed photo
has a vector for the new model, one transaction makes it the library's model; the old vectors stay until
``photoclip cleanup --old-models``.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from typing import Any

from photoclip.core.settings import Settings
from photoclip.core.store.catalog import Catalog

SPEC_KEY = "model.spec"
SWITCH_KEY = "model.switch"


@dataclass(frozen=True)
class PendingSwitch:
    """A switch that has started and not finished: the model it goes to."""

    spec: str
    model_id: str
    started_at: float

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str | None) -> PendingSwitch | None:
        try:
            data = json.loads(text or "")
            return cls(str(data["spec"]), str(data["model_id"]), float(data["started_at"]))
        except (ValueError, KeyError, TypeError):
            return None


@dataclass(frozen=True)
class SwitchProgress:
    spec: str
    model_id: str
    done: int
    total: int

    @property
    def complete(self) -> bool:
        return self.done >= self.total

    def as_dict(self) -> dict[str, Any]:
        return {"to": self.spec, "model_id": self.model_id, "done": self.done, "total": self.total}


def library_model(settings: Settings, catalog: Catalog) -> str:
    """The model spec this library runs: ``PHOTOCLIP_MODEL`` for this run, else the one the catalog records, else
    (a catalog from before the record) the hub id of the model it last ran, else the default for a new library."""
    if settings.model_explicit:
        return settings.model
    recorded = catalog.get_meta(SPEC_KEY)
    if recorded:
        return recorded
    from photoclip.core.embed.registry import is_hub_id

    last = (catalog.get_meta("model_id") or "").rsplit("@", 1)[0]
    if last and "/" in last and is_hub_id(last):
        return last
    return settings.model


def remember_model(catalog: Catalog, spec: str) -> None:
    if catalog.get_meta(SPEC_KEY) != spec:
        catalog.set_meta(SPEC_KEY, spec)


def pending(catalog: Catalog) -> PendingSwitch | None:
    return PendingSwitch.from_json(catalog.get_meta(SWITCH_KEY))


def begin(catalog: Catalog, spec: str, model_id: str) -> PendingSwitch:
    """Record the switch (or keep the one already under way to the same model, with its start time)."""
    current = pending(catalog)
    if current is not None and current.model_id == model_id:
        return current
    switch = PendingSwitch(spec, model_id, time.time())
    catalog.set_meta(SWITCH_KEY, switch.to_json())
    return switch


def cancel(catalog: Catalog) -> None:
    """Give up a pending switch (its vectors stay, reclaimable as an old model's, and a new switch reuses them)."""
    catalog.delete_meta(SWITCH_KEY)


def progress(catalog: Catalog, switch: PendingSwitch) -> SwitchProgress:
    done, total = catalog.vector_coverage(switch.model_id)
    return SwitchProgress(switch.spec, switch.model_id, done, total)


def finish(catalog: Catalog, switch: PendingSwitch) -> bool:
    """Make the target the library's model if every photo has its vector (one transaction); False if not yet."""
    return catalog.switch_model_if_complete(SWITCH_KEY, SPEC_KEY, switch.spec, switch.model_id)
