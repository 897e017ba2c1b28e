"""User preferences stored with QSettings (model, device, threads) and applied to the core Settings.

The main window gets its QSettings injected, so tests point it at a temporary INI file and never touch the
real user configuration.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QSettings

from photoclip.core.settings import Settings

DEVICES = ("auto", "cpu", "cuda")


@dataclass
class ModelPreferences:
    model: str
    device: str
    threads: int

    @classmethod
    def load(cls, store: QSettings, defaults: Settings) -> ModelPreferences:
        device = str(store.value("model/device", defaults.device))
        return cls(
            model=str(store.value("model/id", defaults.model) or defaults.model),
            device=device if device in DEVICES else "auto",
            threads=_as_int(store.value("model/threads", defaults.threads), defaults.threads),
        )

    def save(self, store: QSettings) -> None:
        store.setValue("model/id", self.model)
        store.setValue("model/device", self.device)
        store.setValue("model/threads", self.threads)
        store.sync()

    def apply_to(self, settings: Settings) -> None:
        settings.model = self.model
        settings.device = self.device
        settings.threads = max(1, self.threads)


def _as_int(value: object, default: int) -> int:
    try:
        return max(1, int(value))  # type: ignore[arg-type]  # INI files hand back strings
    except (TypeError, ValueError):
        return default
