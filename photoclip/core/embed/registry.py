"""Which model folder (CLIP, SigLIP, AltCLIP: ``families.py``) to load and what to call its vector space.

``resolve_model`` turns a model spec (a hub id such as ``openai/clip-vit-base-patch32`` or a local folder) into
a folder on disk plus a model id, looking in this order: the spec as a local folder, photoclip's own models
folder, the models folder an installer bundled next to the app, the user's Hugging Face cache, then (when
allowed) a download. Every way of failing ends in one
``ModelNotAvailableError`` / ``ModelFormatError`` that says what was needed, where we looked and how to fix it.

The model id is ``<name>@<fingerprint>``: the fingerprint hashes the weights, not the path, so copying or
importing a folder keeps the id (and the stored vectors), while different weights never share one.
huggingface_hub is imported lazily; nothing here imports torch.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from photoclip.core.embed.families import family_of
from photoclip.core.errors import ModelDownloadCancelledError, ModelFormatError, ModelNotAvailableError

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]

#: Files a hub snapshot needs for photoclip (weights, configs, tokenizer); never pickle-based ``*.bin``.
#: ``*.model`` is a SentencePiece vocabulary (SigLIP 1's spiece.model, AltCLIP's sentencepiece.bpe.model): a
#: protobuf, not code.
ALLOW_PATTERNS = ["*.json", "*.txt", "*.safetensors", "*.model"]
_MODEL_FILE_SUFFIXES = {".json", ".txt", ".safetensors", ".model"}
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*(/[\w.-]+)?$")
_FINGERPRINT_HEAD = 4 << 20
_FINGERPRINT_TAIL = 4 << 20
_FINGERPRINT_SAMPLES = 8
_FINGERPRINT_SAMPLE_BYTES = 256 << 10


# --- identity ---------------------------------------------------------------------------------------------


def model_fingerprint(folder: Path) -> str:
    """12 hex chars identifying the weights in ``folder``, independent of where the folder lives.

    Hashes config.json and, per safetensors file, its name, size, first and last 4 MiB and a few evenly spaced
    samples: the header alone would miss fine-tunes that differ only in later tensors, and reading all of a
    600 MB file at every start would cost seconds.
    """
    h = hashlib.blake2b(digest_size=6)
    config = folder / "config.json"
    h.update(config.read_bytes() if config.is_file() else b"")
    weights = _weight_files(folder)
    if not weights:
        raise ModelFormatError(f"{folder} holds no .safetensors weights.", _FORMAT_HINT)
    for path in weights:
        _hash_file_sample(h, path)
    return h.hexdigest()


def _hash_file_sample(h: hashlib.blake2b, path: Path) -> None:
    size = path.stat().st_size
    h.update(f"{path.name}\0{size}\0".encode())
    with path.open("rb") as f:
        h.update(f.read(_FINGERPRINT_HEAD))
        if size <= _FINGERPRINT_HEAD:
            return
        for i in range(1, _FINGERPRINT_SAMPLES + 1):
            f.seek(size * i // (_FINGERPRINT_SAMPLES + 1))
            h.update(f.read(_FINGERPRINT_SAMPLE_BYTES))
        f.seek(max(_FINGERPRINT_HEAD, size - _FINGERPRINT_TAIL))
        h.update(f.read(_FINGERPRINT_TAIL))


def model_name_for_folder(folder: Path) -> str:
    """The human part of a model id: the hub id when the folder's name or place says it, else the folder name.

    ``models/openai--clip-vit-base-patch32``, a hub cache snapshot
    ``models--openai--clip-vit-base-patch32/snapshots/<sha>`` and a clone ``clip-vit-base-patch32`` whose
    config.json records ``_name_or_path: openai/clip-vit-base-patch32`` all give
    ``openai/clip-vit-base-patch32``, so the same weights get the same id whichever way they were found.
    """
    folder = Path(folder)
    if folder.parent.name == "snapshots" and folder.parent.parent.name.startswith("models--"):
        return folder.parent.parent.name[len("models--") :].replace("--", "/", 1)
    if "--" in folder.name:
        return folder.name.replace("--", "/", 1)
    # A `git clone` of the hub repo: folder `clip-vit-base-patch32`, config `_name_or_path` `openai/clip-...`.
    recorded = _recorded_hub_id(folder)
    if recorded and recorded.rsplit("/", 1)[-1] == folder.name:
        return recorded
    return folder.name


def _recorded_hub_id(folder: Path) -> str | None:
    try:
        value = json.loads((folder / "config.json").read_text(encoding="utf-8")).get("_name_or_path")
    except (OSError, ValueError, AttributeError):
        return None
    return value if isinstance(value, str) and "/" in value and _HUB_ID.match(value) else None


def is_hub_id(spec: str) -> bool:
    """True for ``org/name``-style specs (something a download can fetch); False for local folder paths."""
    return bool(_HUB_ID.match(spec)) and not Path(spec).expanduser().is_dir()


def local_dir_name(hub_id: str) -> str:
    """Folder name for a hub id inside photoclip's models folder (``org/name`` -> ``org--name``)."""
    return hub_id.replace("/", "--")


# --- what a usable folder looks like ----------------------------------------------------------------------

_FORMAT_HINT = (
    "photoclip needs a model folder in the Hugging Face layout: config.json, the .safetensors weights and the "
    "tokenizer files (tokenizer.json, vocab.json + merges.txt, or a SentencePiece .model). "
    "`photoclip model download` fetches one."
)
_TOKENIZER_FILES = ("tokenizer.json", "spiece.model", "sentencepiece.bpe.model")


def _weight_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.safetensors") if p.is_file())


def _has_tokenizer(folder: Path) -> bool:
    return any((folder / name).is_file() for name in _TOKENIZER_FILES) or (
        (folder / "vocab.json").is_file() and (folder / "merges.txt").is_file()
    )


def is_complete_model(folder: Path) -> bool:
    return (
        folder.is_dir()
        and (folder / "config.json").is_file()
        and bool(_weight_files(folder))
        and _has_tokenizer(folder)
    )


def validate_model_folder(folder: Path) -> None:
    """Raise ``ModelFormatError`` saying what is wrong with ``folder`` as a model; return if usable.

    The family is checked first: a folder of an unsupported architecture is refused by name, not called
    damaged."""
    if not folder.is_dir():
        raise ModelFormatError(f"{folder} is not a folder.", _FORMAT_HINT)
    config_path = folder / "config.json"
    if not config_path.is_file():
        raise ModelFormatError(f"{folder} has no config.json, so it is not a Hugging Face model folder.",
                               _FORMAT_HINT)
    try:
        config = json.loads(config_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelFormatError(f"{config_path} cannot be read: {exc}.", _FORMAT_HINT) from exc
    if not isinstance(config, dict):
        raise ModelFormatError(f"{config_path} is not a model configuration.", _FORMAT_HINT)
    family_of(config, folder)
    if not _weight_files(folder):
        if any(folder.glob("*.bin")) or any(folder.glob("*.pt")) or any(folder.glob("*.pth")):
            raise ModelFormatError(
                f"{folder} has only pickle weights (pytorch_model.bin); photoclip loads safetensors only, "
                "because pickle files can run code when loaded.",
                "Download the model again with `photoclip model download` (the hub's CLIP models ship "
                "model.safetensors), or convert the folder with transformers' save_pretrained() on a trusted "
                "machine.",
            )
        raise ModelFormatError(f"{folder} has no model.safetensors weights.", _FORMAT_HINT)
    if not _has_tokenizer(folder):
        raise ModelFormatError(f"{folder} has no tokenizer files (tokenizer.json, vocab.json + merges.txt, or a "
                               "SentencePiece .model).", _FORMAT_HINT)


# --- resolution -------------------------------------------------------------------------------------------


def resolve_model(
    spec: str,
    models_dir: Path,
    *,
    allow_download: bool,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
    hf_cache_dir: Path | None = None,
    endpoint: str | None = None,
    bundled_dir: Path | None = None,
) -> tuple[Path, str]:
    """Find (or fetch) the model ``spec`` names; return ``(folder, model_id)``.

    ``bundled_dir`` is the models folder an installer ships (``Settings.bundled_models_dir``).
    ``hf_cache_dir`` and ``endpoint`` default to huggingface_hub's own (``HF_HUB_CACHE``, ``HF_ENDPOINT``);
    tests point them elsewhere.
    """
    local = Path(spec).expanduser()
    if local.is_dir():
        validate_model_folder(local)
        return _identified(local)
    if not _HUB_ID.match(spec):
        raise ModelNotAvailableError(
            f"The CLIP model folder {spec} does not exist.",
            "Set PHOTOCLIP_MODEL to a folder that holds a CLIP model (config.json, model.safetensors and "
            "tokenizer files), or to a Hugging Face hub id such as openai/clip-vit-base-patch32.",
        )
    found = find_local_model(spec, models_dir, hf_cache_dir=hf_cache_dir, bundled_dir=bundled_dir)
    if found is not None:
        return found, f"{spec}@{model_fingerprint(found)}"
    if not allow_download:
        raise _not_available(spec, models_dir, hf_cache_dir, reason="downloads are turned off")
    folder = download_model(spec, models_dir, progress=progress, cancel=cancel, endpoint=endpoint,
                            _searched_cache=hf_cache_dir)
    return folder, f"{spec}@{model_fingerprint(folder)}"


def find_local_model(spec: str, models_dir: Path, *, hf_cache_dir: Path | None = None,
                     bundled_dir: Path | None = None) -> Path | None:
    """The complete folder on this computer for ``spec`` (a folder or hub id), or None: no network, no hashing.

    The first-run check of the app uses it to decide whether to offer a download.
    """
    local = Path(spec).expanduser()
    if local.is_dir():
        return local if is_complete_model(local) else None
    if not _HUB_ID.match(spec):
        return None
    candidates = [models_dir] + ([bundled_dir] if bundled_dir is not None else [])
    for folder in (d / local_dir_name(spec) for d in candidates):
        if is_complete_model(folder):
            return folder
    return _from_hf_cache(spec, hf_cache_dir)


def bundled_model_names(bundled_dir: Path | None) -> list[str]:
    """Hub ids (or folder names) of the complete models an installer put in ``bundled_dir``, sorted."""
    if bundled_dir is None or not bundled_dir.is_dir():
        return []
    return sorted(model_name_for_folder(p) for p in bundled_dir.iterdir() if is_complete_model(p))


def _identified(folder: Path) -> tuple[Path, str]:
    return folder, f"{model_name_for_folder(folder.resolve())}@{model_fingerprint(folder)}"


def _from_hf_cache(hub_id: str, hf_cache_dir: Path | None) -> Path | None:
    """A complete snapshot of ``hub_id`` already in the Hugging Face cache (from transformers, say)."""
    try:
        from huggingface_hub import snapshot_download

        path = snapshot_download(hub_id, local_files_only=True, allow_patterns=ALLOW_PATTERNS,
                                 cache_dir=_opt_str(hf_cache_dir), tqdm_class=_silent_tqdm())
    except Exception as exc:  # any failure here only means "not cached"
        log.debug("%s not in the Hugging Face cache: %s", hub_id, exc)
        return None
    folder = Path(path)
    return folder if is_complete_model(folder) else None


def _hf_cache_location(hf_cache_dir: Path | None) -> str:
    if hf_cache_dir is not None:
        return str(hf_cache_dir)
    try:
        from huggingface_hub import constants

        return str(constants.HF_HUB_CACHE)
    except Exception:  # only used in a message
        return "~/.cache/huggingface/hub"


def _not_available(hub_id: str, models_dir: Path, hf_cache_dir: Path | None, *, reason: str) -> ModelNotAvailableError:
    target = models_dir / local_dir_name(hub_id)
    return ModelNotAvailableError(
        f"The CLIP model {hub_id} is not on this computer and could not be downloaded ({reason}). "
        f"photoclip looked in {target} and in the Hugging Face cache ({_hf_cache_location(hf_cache_dir)}).",
        "To get it: connect to the internet and run `photoclip model download`; or, on a computer that has "
        f"internet, download it there and copy its folder (e.g. {local_dir_name(hub_id)}) here, then run "
        "`photoclip model import DIR`; or set PHOTOCLIP_MODEL to a local folder that holds a CLIP model "
        "(config.json, model.safetensors, tokenizer files).",
    )


# --- download ---------------------------------------------------------------------------------------------


def download_model(
    hub_id: str,
    models_dir: Path,
    *,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
    endpoint: str | None = None,
    _searched_cache: Path | None = None,
) -> Path:
    """Download ``hub_id`` (json, txt, safetensors only) into ``models_dir/<org--name>``; return the folder.

    Files land in a ``.partial-`` folder first and the finished folder is renamed into place, so a crash
    or cancel never leaves something that looks complete; a retry resumes the partial files.
    ``progress(done, total)`` is in bytes when the hub reports sizes, else in files; it is called from the
    download threads. ``cancel`` set from
    another thread stops the transfer at the next chunk and raises ``ModelDownloadCancelledError``.
    """
    models_dir.mkdir(parents=True, exist_ok=True)
    target = models_dir / local_dir_name(hub_id)
    partial = models_dir / f".partial-{local_dir_name(hub_id)}"
    try:
        if cancel is not None and cancel.is_set():
            raise _Cancelled
        total = _download_size(hub_id, endpoint)
        tracker = _ProgressTracker(progress, cancel, total)
        from huggingface_hub import snapshot_download

        snapshot_download(hub_id, local_dir=partial, allow_patterns=ALLOW_PATTERNS, endpoint=endpoint,
                          tqdm_class=tracker.tqdm_class(), max_workers=4)
    except _Cancelled:
        raise ModelDownloadCancelledError(
            f"The download of {hub_id} was cancelled.", "Run `photoclip model download` again to resume it."
        ) from None
    except _network_errors() as exc:
        reason = _describe_network_error(exc)
        raise _not_available(hub_id, models_dir, _searched_cache, reason=reason) from exc
    shutil.rmtree(partial / ".cache", ignore_errors=True)  # huggingface_hub's resume metadata
    try:
        validate_model_folder(partial)
    except ModelFormatError as exc:  # e.g. an old repo with pytorch_model.bin only
        shutil.rmtree(partial, ignore_errors=True)
        raise ModelFormatError(f"The hub model {hub_id} cannot be used: {exc.user_message}", exc.hint) from exc
    _replace_dir(partial, target)
    tracker.finish()
    return target


class _Cancelled(Exception):
    """Raised inside huggingface_hub's worker threads to abort a download."""


class _ProgressTracker:
    """Feeds huggingface_hub's progress-bar calls into ``progress(done, total)`` and checks ``cancel``."""

    def __init__(self, progress: Progress | None, cancel: threading.Event | None, total_bytes: int | None):
        self.progress = progress
        self.cancel = cancel
        self.total_bytes = total_bytes
        self.bytes_done = 0
        self.files_done = 0
        self.files_total = 0
        self._lock = threading.Lock()

    def on_update(self, kind: str, n: int, total: int | None) -> None:
        if self.cancel is not None and self.cancel.is_set():
            raise _Cancelled
        with self._lock:
            if kind == "bytes":
                self.bytes_done += n
                done, whole = self.bytes_done, self.total_bytes or 0
            elif kind == "files":
                self.files_done += n
                self.files_total = total or self.files_total
                if self.total_bytes:  # bytes drive the report when sizes are known
                    return
                done, whole = self.files_done, self.files_total
            else:
                return
        if self.progress is not None and whole:
            self.progress(min(done, whole), whole)

    def finish(self) -> None:
        if self.progress is not None and self.total_bytes:
            self.progress(self.total_bytes, self.total_bytes)

    def tqdm_class(self) -> type:
        from tqdm.auto import tqdm

        tracker = self

        class _Bar(tqdm):  # type: ignore[misc]
            # Always disabled: the core never writes to the terminal; we only read the counts.
            def __init__(self, *args: Any, **kwargs: Any) -> None:
                kwargs.pop("name", None)
                kwargs["disable"] = True
                desc = str(kwargs.get("desc") or "")
                # huggingface_hub 2.x: one "Reconstructing" bar counts bytes written (its total grows as
                # files start), one "Fetching N files" bar counts files; others (network bytes) are ignored.
                if kwargs.get("unit") == "B":
                    self._kind = "bytes" if desc.startswith("Reconstruct") else "ignore"
                else:
                    self._kind = "files" if desc.startswith("Fetching") else "ignore"
                super().__init__(*args, **kwargs)

            def update(self, n: float | None = 1) -> bool | None:
                tracker.on_update(self._kind, int(n or 0), self.total)
                updated: bool | None = super().update(n)
                return updated

        return _Bar


def _download_size(hub_id: str, endpoint: str | None) -> int | None:
    """Total bytes to fetch, from a dry run (huggingface_hub >= 1.0); None when unknown."""
    from huggingface_hub import snapshot_download

    try:
        infos = snapshot_download(hub_id, allow_patterns=ALLOW_PATTERNS, endpoint=endpoint, dry_run=True,
                                  tqdm_class=_silent_tqdm())
    except TypeError:  # older huggingface_hub without dry_run
        return None
    sizes = [getattr(i, "file_size", None) for i in infos]
    return sum(sizes) if sizes and all(isinstance(s, int) for s in sizes) else None


def _silent_tqdm() -> type:
    from tqdm.auto import tqdm

    class _Silent(tqdm):  # type: ignore[misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs.pop("name", None)
            kwargs["disable"] = True
            super().__init__(*args, **kwargs)

    return _Silent


def _network_errors() -> tuple[type[BaseException], ...]:
    """Exception types that mean "the hub could not give us the files" across huggingface_hub versions.

    OSError covers huggingface_hub's HfHubHTTPError / LocalEntryNotFoundError / OfflineModeIsEnabled,
    requests' exceptions and socket errors; ValueError covers an invalid repo id; httpx's errors are not
    OSErrors, so they are added when installed.
    """
    errors: list[type[BaseException]] = [OSError, ValueError]
    for module in ("httpx2", "httpx", "requests"):
        try:
            mod = __import__(module)
        except ImportError:
            continue
        for name in ("HTTPError", "RequestException", "TransportError"):
            exc = getattr(mod, name, None)
            if isinstance(exc, type) and issubclass(exc, BaseException):
                errors.append(exc)
    return tuple(errors)


def _describe_network_error(exc: BaseException) -> str:
    names = {type(e).__name__ for e in _cause_chain(exc)}
    if any("Offline" in n for n in names) or os.environ.get("HF_HUB_OFFLINE", "").lower() in {"1", "true", "yes"}:
        return "Hugging Face offline mode is on (HF_HUB_OFFLINE)"
    if names & {"RepositoryNotFoundError", "GatedRepoError"}:
        return "the hub has no public model with that id"
    if "HFValidationError" in names:
        return "that is not a valid hub id"
    return "no connection to the Hugging Face hub"


def _cause_chain(exc: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def _replace_dir(src: Path, dest: Path) -> None:
    """Move ``src`` to ``dest`` atomically, replacing an old ``dest`` (moved aside first, then deleted)."""
    old = dest.with_name(f".old-{dest.name}")
    shutil.rmtree(old, ignore_errors=True)
    if dest.exists():
        dest.rename(old)
    src.rename(dest)
    shutil.rmtree(old, ignore_errors=True)


def _opt_str(path: Path | None) -> str | None:
    return None if path is None else str(path)


# --- import -----------------------------------------------------------------------------------------------


def import_model(src: Path, models_dir: Path, *, name: str | None = None) -> tuple[Path, str]:
    """Copy a CLIP model folder (e.g. from a machine with internet) into ``models_dir``; return (folder, id).

    The copy is named ``name`` (a hub id or folder name), by default the hub id the source's place implies
    (``org--name`` folder or hub cache snapshot) or else the source folder's name, so that
    ``resolve_model("org/name")`` finds it afterwards.
    """
    src = Path(src).expanduser()
    validate_model_folder(src)
    dir_name = local_dir_name(name or model_name_for_folder(src.resolve()))
    models_dir.mkdir(parents=True, exist_ok=True)
    staging = models_dir / f".import-{dir_name}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        for item in sorted(src.iterdir()):
            if item.is_file() and item.suffix in _MODEL_FILE_SUFFIXES:
                shutil.copyfile(item, staging / item.name)  # follows hub-cache symlinks to the blobs
        validate_model_folder(staging)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    target = models_dir / dir_name
    _replace_dir(staging, target)
    return _identified(target)
