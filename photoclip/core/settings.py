"""Where photoclip keeps its data and how it runs the model. Environment variables override defaults."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

APP_NAME = "photoclip"
#: A new library's model on a computer without a CUDA GPU (embed/model_catalog.py says why; with one, larger).
DEFAULT_MODEL = "google/siglip2-base-patch32-256"


def _default_threads() -> int:
    # On small machines one decode core plus one model thread beats two-thread matmuls (docs/benchmarks.md).
    return 1 if (os.cpu_count() or 1) <= 2 else max(1, (os.cpu_count() or 2) // 2)


def bundled_models_dir() -> Path | None:
    """``models/`` next to the executable of an installed bundle (PyInstaller sets ``sys.frozen``), else None.

    An installer built with a model (``installers/build_bundle.sh --bundle-model DIR``) puts it there, so the
    app finds it with no network. The executable is resolved first: /usr/bin/photoclip links into /opt/photoclip.
    """
    if not getattr(sys, "frozen", False):
        return None
    return Path(sys.executable).resolve().parent / "models"


@dataclass
class Settings:
    data_dir: Path
    cache_dir: Path
    #: Hub id (``google/siglip2-base-patch32-256``) or a local folder in the hub's layout: the model of a new
    #: library; an existing library keeps the one it records (core/model_switch.py) unless ``model_explicit``.
    model: str = DEFAULT_MODEL
    #: True when PHOTOCLIP_MODEL names the model for this run (it then wins over the library's own).
    model_explicit: bool = False
    #: ``auto`` picks the fastest measured backend for the device; ``fp32`` is the reference.
    backend: str = "auto"
    #: ``auto``, ``cpu``, ``cuda``, ``cuda:1``, ``mps``.
    device: str = "auto"
    #: torch intra-op threads for the model.
    threads: int = field(default_factory=_default_threads)
    #: Decode workers feeding the model.
    decode_workers: int = field(default_factory=lambda: max(1, (os.cpu_count() or 2) - 1))
    #: ``threads`` (measured faster here, see pipeline.DECODE_MODES) or ``processes`` (spawned, low priority).
    decode_mode: str = "threads"
    batch_size: int = 16
    #: Allow downloading a missing model from the hub.
    allow_download: bool = True
    #: Images above this many pixels are refused (decompression-bomb guard); 200 MP phone photos pass (see
    #: imaging/decode.py DEFAULT_MAX_PIXELS).
    max_pixels: int = 250_000_000
    #: Read-only models shipped with an installed app (see ``bundled_models_dir``); None when run from source.
    bundled_models_dir: Path | None = field(default_factory=bundled_models_dir)

    @property
    def catalog_path(self) -> Path:
        return self.data_dir / "catalog.sqlite3"

    @property
    def models_dir(self) -> Path:
        return self.data_dir / "models"

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"

    @property
    def thumbnails_dir(self) -> Path:
        return self.cache_dir / "thumbnails"

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        if env.get("PHOTOCLIP_DATA_DIR"):
            data_dir = Path(env["PHOTOCLIP_DATA_DIR"]).expanduser()
            cache_default = data_dir / "cache"
        else:
            data_dir = Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
            cache_default = Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False))
        cache_dir = Path(env["PHOTOCLIP_CACHE_DIR"]).expanduser() if env.get("PHOTOCLIP_CACHE_DIR") else cache_default
        settings = cls(data_dir=data_dir, cache_dir=cache_dir)
        if env.get("PHOTOCLIP_BUNDLED_MODELS_DIR"):
            settings.bundled_models_dir = Path(env["PHOTOCLIP_BUNDLED_MODELS_DIR"]).expanduser()
        settings.model_explicit = bool(env.get("PHOTOCLIP_MODEL"))
        settings.model = env.get("PHOTOCLIP_MODEL") or _bundled_default(settings.bundled_models_dir) \
            or _recommended_model()
        settings.backend = env.get("PHOTOCLIP_BACKEND") or settings.backend
        settings.device = env.get("PHOTOCLIP_DEVICE") or settings.device
        if env.get("PHOTOCLIP_THREADS"):
            settings.threads = max(1, int(env["PHOTOCLIP_THREADS"]))
        settings.decode_mode = env.get("PHOTOCLIP_DECODE_MODE") or settings.decode_mode
        if env.get("PHOTOCLIP_DECODE_WORKERS"):
            settings.decode_workers = max(1, int(env["PHOTOCLIP_DECODE_WORKERS"]))
        if env.get("PHOTOCLIP_OFFLINE") or env.get("HF_HUB_OFFLINE") in {"1", "true", "TRUE"}:
            settings.allow_download = False
        return settings


def _recommended_model() -> str:
    from photoclip.core.embed.model_catalog import detect_hardware, recommended

    return recommended(detect_hardware()).hub_id


def _bundled_default(folder: Path | None) -> str | None:
    """The model an installer bundled becomes the default when it is the only one (it may not be CLIP B/32)."""
    from photoclip.core.embed.registry import bundled_model_names  # light: no torch, hub imported lazily

    names = bundled_model_names(folder)
    return names[0] if len(names) == 1 else None
