"""The models a library can use (``library.models``): the catalog of models, which are on this computer, the one
recommended for it, and how fast each ran here. What ``photoclip model list``, the first-run dialog and the
settings need, without reaching into backend choice or the model files' layout.

Which model the library runs and switching to another stay on the Library (``model_spec``, ``switch_model``):
they change its catalog and its loaded model.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from photoclip.core.embed.model_catalog import CatalogModel
    from photoclip.core.model_switch import SwitchProgress
    from photoclip.core.settings import Settings


@dataclass(frozen=True)
class ModelEntry:
    """One model of the catalog as this library and this computer see it."""

    model: CatalogModel
    #: the library's model
    in_use: bool
    #: the catalog's pick for this computer's hardware
    recommended: bool
    #: the model a switch under way builds vectors for
    switching_to: bool
    #: images/s per backend measured on this computer (``auto``'s race), None when it never ran here
    measured_here: dict[str, float] | None

    def as_dict(self) -> dict[str, Any]:
        return self.model.as_dict() | {"in_use": self.in_use, "recommended": self.recommended,
                                       "switching_to": self.switching_to, "measured_here": self.measured_here}


class Models:
    """The models side of one library: ``in_use`` and ``switching`` tell the library's model and a switch under
    way (read from its catalog when asked)."""

    def __init__(self, settings: Settings, in_use: Callable[[], str],
                 switching: Callable[[], SwitchProgress | None]) -> None:
        self._settings = settings
        self._in_use = in_use
        self._switching = switching

    @property
    def catalog(self) -> tuple[CatalogModel, ...]:
        """The models photoclip offers, as published (core/embed/model_catalog.py)."""
        from photoclip.core.embed.model_catalog import MODELS

        return MODELS

    def recommended(self) -> CatalogModel:
        """The catalog's model for this computer's hardware (GPU and its memory)."""
        from photoclip.core.embed import model_catalog

        return model_catalog.recommended(model_catalog.detect_hardware())

    def entries(self) -> list[ModelEntry]:
        """Every catalog model with what this library and this computer know of it (``photoclip model list``)."""
        in_use, pending, best = self._in_use(), self._switching(), self.recommended().hub_id
        return [ModelEntry(m, m.hub_id == in_use, m.hub_id == best, bool(pending and pending.spec == m.hub_id),
                           self.measured_here(m.hub_id)) for m in self.catalog]

    def local_folder(self, spec: str) -> Path | None:
        """The folder of a model on this computer (downloaded, imported, bundled or in the hub's cache), None
        when it is not here. Looks at files only: no download, no load."""
        from photoclip.core.embed.registry import find_local_model

        return find_local_model(spec, self._settings.models_dir, bundled_dir=self._settings.bundled_models_dir)

    def measured_here(self, hub_id: str) -> dict[str, float] | None:
        """Images/s per backend measured on this computer (``auto``'s race), for a model that is here; else
        None."""
        from photoclip.core.embed import registry
        from photoclip.core.embed.backend_choice import recorded_speeds

        folder = self.local_folder(hub_id)
        if folder is None:
            return None
        try:
            model_id = f"{hub_id}@{registry.model_fingerprint(folder)}"
        except Exception:  # an incomplete folder: nothing measured to show
            return None
        return recorded_speeds(self._settings.cache_dir, model_id) or None
