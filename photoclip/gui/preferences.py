"""User preferences stored with QSettings (model, device, threads) and applied to the core Settings.

The main window gets its QSettings injected, so tests point it at a temporary INI file and never touch the
real user configuration.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from PySide6.QtCore import QSettings

from photoclip.core.settings import Settings

DEVICES = ("auto", "cpu", "cuda")


@dataclass
class ModelPreferences:
    model: str
    device: str
    #: model threads; 0: automatic (sized while indexing from measured stage costs, core/balance.py)
    threads: int

    @classmethod
    def load(cls, store: QSettings, defaults: Settings) -> ModelPreferences:
        device = str(store.value("model/device", defaults.device))
        return cls(
            model=str(store.value("model/id", defaults.model) or defaults.model),
            device=device if device in DEVICES else "auto",
            threads=_as_count(store.value("model/threads", defaults.threads or 0)),
        )

    def save(self, store: QSettings) -> None:
        store.setValue("model/id", self.model)
        store.setValue("model/device", self.device)
        store.setValue("model/threads", self.threads)
        store.sync()

    @classmethod
    def of(cls, settings: Settings) -> ModelPreferences:
        """What is in effect now (what the settings dialog shows)."""
        return cls(settings.model, settings.device, settings.threads or 0)

    def apply_to(self, settings: Settings, env: Mapping[str, str] | None = None) -> None:
        """Saved preferences over the defaults; an environment variable set for this launch wins over both."""
        env = os.environ if env is None else env
        if not env.get("PHOTOCLIP_MODEL"):
            settings.model = self.model
        if not env.get("PHOTOCLIP_DEVICE"):
            settings.device = self.device
        if not env.get("PHOTOCLIP_THREADS"):
            settings.threads = self.threads or None


def _as_count(value: object) -> int:
    """A saved thread count, 0 (automatic) when absent or not a number."""
    try:
        return max(0, int(value))  # type: ignore[arg-type]  # INI files hand back strings
    except (TypeError, ValueError):
        return 0
