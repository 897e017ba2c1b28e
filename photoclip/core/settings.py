"""Where photoclip keeps its data and how it runs the model. Environment variables override defaults."""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

from photoclip.core.errors import SettingsError

APP_NAME = "photoclip"
#: A new library's model on a computer without a CUDA GPU (embed/model_catalog.py says why; with one, larger).
DEFAULT_MODEL = "google/siglip2-base-patch32-256"


def _default_threads() -> int:
    # On small machines one decode core plus one model thread beats two-thread matmuls (docs/benchmarks.md);
    # an index run then sizes both from what it measures (core/balance.py).
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
    #: Model threads (torch intra-op / OpenVINO inference); None: sized while indexing from measured stage
    #: costs (core/balance.py), starting at ``start_threads``. A number (PHOTOCLIP_THREADS) is kept as it is.
    threads: int | None = None
    #: Decode workers feeding the model; None: sized while indexing (PHOTOCLIP_DECODE_WORKERS fixes it).
    decode_workers: int | None = None
    #: ``threads`` (measured faster here, see pipeline.DECODE_MODES) or ``processes`` (spawned, low priority).
    decode_mode: str = "threads"
    batch_size: int = 16
    #: Allow downloading a missing model from the hub.
    allow_download: bool = True
    #: Images above this many pixels are refused (decompression-bomb guard); 200 MP phone photos pass (see
    #: imaging/decode.py DEFAULT_MAX_PIXELS).
    max_pixels: int = 250_000_000
    #: The app indexes in a child process, so its window never holds the model (PHOTOCLIP_INDEX_PROCESS=0:
    #: in a thread of the window's process, as the CLI does; gui/workers/index_process.py).
    index_process: bool = True
    #: Read-only models shipped with an installed app (see ``bundled_models_dir``); None when run from source.
    bundled_models_dir: Path | None = field(default_factory=bundled_models_dir)

    @property
    def start_threads(self) -> int:
        """The model's thread count when it loads: the user's, else a default the pipeline then adjusts."""
        return self.threads or _default_threads()

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
        """Defaults overridden by ``PHOTOCLIP_*`` variables (an empty one counts as unset); a value that cannot
        be used raises ``SettingsError`` naming the variable and what it may be."""
        env = dict(os.environ if env is None else env)
        if env.get("PHOTOCLIP_DATA_DIR"):
            data_dir = _folder(env, "PHOTOCLIP_DATA_DIR")
            cache_default = data_dir / "cache"
        else:
            data_dir = Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
            cache_default = Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False))
        cache_dir = _folder(env, "PHOTOCLIP_CACHE_DIR") if env.get("PHOTOCLIP_CACHE_DIR") else cache_default
        settings = cls(data_dir=data_dir, cache_dir=cache_dir)
        if env.get("PHOTOCLIP_BUNDLED_MODELS_DIR"):
            settings.bundled_models_dir = _folder(env, "PHOTOCLIP_BUNDLED_MODELS_DIR", created=False)
        settings.model_explicit = bool(env.get("PHOTOCLIP_MODEL"))
        if env.get("PHOTOCLIP_MODEL"):
            settings.model = _model(env["PHOTOCLIP_MODEL"])
        else:
            settings.model = _bundled_default(settings.bundled_models_dir) or _recommended_model()
        settings.backend = _choice(env, "PHOTOCLIP_BACKEND", BACKENDS) or settings.backend
        settings.device = _device(env) or settings.device
        settings.threads = _count(env, "PHOTOCLIP_THREADS") or settings.threads
        settings.decode_mode = _choice(env, "PHOTOCLIP_DECODE_MODE", DECODE_MODES) or settings.decode_mode
        settings.decode_workers = _count(env, "PHOTOCLIP_DECODE_WORKERS") or settings.decode_workers
        if env.get("PHOTOCLIP_INDEX_PROCESS"):
            settings.index_process = _flag(env, "PHOTOCLIP_INDEX_PROCESS")
        if _flag(env, "PHOTOCLIP_OFFLINE") or env.get("HF_HUB_OFFLINE") in {"1", "true", "TRUE"}:
            settings.allow_download = False
        return settings


def _recommended_model() -> str:
    from photoclip.core.embed.model_catalog import detect_hardware, recommended

    return recommended(detect_hardware()).hub_id


#: Every value PHOTOCLIP_BACKEND takes (see core/embed/backend_choice.py).
BACKENDS = ("auto", "fp32", "bf16", "int8", "fp16", "openvino", "openvino-fp32", "openvino-bf16", "openvino-int8")
DECODE_MODES = ("threads", "processes")
#: Thread and worker counts: more than this is a typo, not a machine (and each decode worker holds a photo).
MAX_COUNT = 1024
_DEVICE = re.compile(r"^(auto|cpu|mps|cuda(:\d+)?)$")
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


def _one_of(values: tuple[str, ...]) -> str:
    return "one of " + ", ".join(values)


def _choice(env: dict[str, str], name: str, allowed: tuple[str, ...]) -> str | None:
    value = env.get(name)
    if not value:
        return None
    if value.strip().lower() not in allowed:
        raise SettingsError(name, value, _one_of(allowed))
    return value.strip().lower()


def _device(env: dict[str, str]) -> str | None:
    value = (env.get("PHOTOCLIP_DEVICE") or "").strip().lower()
    if value and not _DEVICE.match(value):
        raise SettingsError("PHOTOCLIP_DEVICE", env["PHOTOCLIP_DEVICE"],
                            "one of auto, cpu, cuda, cuda:N (N = 0, 1, …), mps")
    return value or None


def _count(env: dict[str, str], name: str) -> int | None:
    value = env.get(name)
    if not value:
        return None
    try:
        number = int(value.strip())
    except ValueError:
        number = 0
    if not 1 <= number <= MAX_COUNT:
        raise SettingsError(name, value, f"a whole number from 1 to {MAX_COUNT}")
    return number


def _flag(env: dict[str, str], name: str) -> bool:
    value = (env.get(name) or "").strip().lower()
    if value and value not in _TRUE + _FALSE:
        raise SettingsError(name, env[name], f"{_one_of(_TRUE)} (or {', '.join(_FALSE)} to turn it off)")
    return value in _TRUE


def _folder(env: dict[str, str], name: str, created: bool = True) -> Path:
    """A folder setting: it need not exist yet, but nothing on its way may be a file."""
    value = env[name]
    try:
        path = Path(value).expanduser()
        probe = path
        while not probe.exists() and probe != probe.parent:
            probe = probe.parent
        usable = probe.is_dir()
    except (OSError, ValueError, RuntimeError):  # a NUL byte, an unknown ~user, a name too long
        usable = False
    if not usable:
        made = " (it is created if missing)" if created else ""
        raise SettingsError(name, value, f"a folder{made}, not a file or a path through one")
    return path


def _model(value: str) -> str:
    """A hub id or a folder path. The folder may be missing now (an unplugged drive: status, search by stored
    vectors and cleanup still work; loading the model then says so), but a value that can be neither is a typo."""
    from photoclip.core.embed.color_test_model import TEST_MODELS
    from photoclip.core.embed.registry import is_hub_id  # light: no torch, hub imported lazily

    if value.strip().lower() in TEST_MODELS:
        return value.strip().lower()
    path_like = value.startswith(("/", "~", ".")) or os.sep in value
    if (path_like or is_hub_id(value)) and value.isprintable() and not value.lower().startswith("test:"):
        return value
    raise SettingsError("PHOTOCLIP_MODEL", value, "a Hugging Face hub id such as openai/clip-vit-base-patch32, "
                        "the path of a folder that holds a CLIP model, or " + ", ".join(TEST_MODELS)
                        + " (the built-in test model)")


def _bundled_default(folder: Path | None) -> str | None:
    """The model an installer bundled becomes the default when it is the only one (it may not be CLIP B/32)."""
    from photoclip.core.embed.registry import bundled_model_names  # light: no torch, hub imported lazily

    names = bundled_model_names(folder)
    return names[0] if len(names) == 1 else None
