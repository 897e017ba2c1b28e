"""A model's tokenizer without transformers (and so without torch): what a text query needs in a cold process.

``import transformers`` costs ~1.4 s and its ``AutoTokenizer`` pulls in torch (~2.7 s more); the ``tokenizers``
library that does the actual work imports in ~0.06 s. When the full model loads once (transformers present),
``save_verified`` stores the exact backend tokenizer transformers built (its post-processor and added tokens
as configured at load, not just the folder's tokenizer.json) and its padding and truncation settings, then
checks the light copy against transformers on probe texts (case, accents, CJK, emoji, a text longer than
the model reads, a batch of mixed lengths). Only a copy that gave the same token ids and counts is kept, so a
query tokenised here is tokenised exactly as the full model would. ``load_verified`` returns it, or None when
there is none (never checked, a different tokenizer since, or ``tokenizers`` missing).
"""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

#: Bump when what is saved or how it is checked changes.
FORMAT = 1
TOKENIZER_JSON = "tokenizer.json"
SETTINGS_JSON = "settings.json"
#: The model folder's files a tokenizer is built from (their size and time say whether the copy still fits).
SOURCE_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.json", "merges.txt",
                "added_tokens.json", "spiece.model", "sentencepiece.bpe.model")
PROBES = (
    "a photo of a dog", "A Photo Of A DOG on the beach", "kids on a red sled -snow", "café naïve über straße",
    "写真 犬 海 ビーチ", "🐶 dog + 🌅 sunset!", "receipt from the hardware store, 2023-06-01",
    " ".join(["a very long description of a busy street market at dusk"] * 12), "x", "",
)


class FastTokenizer:
    """The subset of a transformers tokenizer's call that ``families.ModelSpec`` uses, on ``tokenizers`` alone."""

    def __init__(self, backend: Any, *, pad_id: int, pad_token: str, padding_side: str = "right",
                 truncation_side: str = "right") -> None:
        self._backend = backend
        self._pad = {"pad_id": int(pad_id), "pad_token": str(pad_token), "direction": padding_side}
        self._truncation_side = truncation_side
        #: enable_padding / enable_truncation change the shared backend: one call at a time
        self._lock = threading.Lock()

    def __call__(self, texts: list[str], padding: bool | str = False, truncation: bool = False,
                 max_length: int | None = None, return_tensors: str | None = None) -> dict[str, Any]:
        tok = self._backend
        with self._lock:
            if truncation and max_length:
                tok.enable_truncation(int(max_length), direction=self._truncation_side)
            else:
                tok.no_truncation()
            if padding == "max_length" and max_length:
                tok.enable_padding(length=int(max_length), **self._pad)
            elif padding in (True, "longest"):
                tok.enable_padding(**self._pad)
            else:
                tok.no_padding()
            encodings = tok.encode_batch(list(texts), add_special_tokens=True)
        ids = [e.ids for e in encodings]
        mask = [e.attention_mask for e in encodings]
        if return_tensors == "np":
            return {"input_ids": np.asarray(ids, dtype=np.int64), "attention_mask": np.asarray(mask, dtype=np.int64)}
        return {"input_ids": ids, "attention_mask": mask}

    # --- saving and loading ---------------------------------------------------------------------------------

    @classmethod
    def from_transformers(cls, tokenizer: Any) -> FastTokenizer | None:
        """A copy of a transformers tokenizer's backend, or None when it has none (a slow, Python tokenizer)."""
        backend = getattr(tokenizer, "backend_tokenizer", None)
        pad_id = getattr(tokenizer, "pad_token_id", None)
        if backend is None or pad_id is None:
            return None
        from tokenizers import Tokenizer

        return cls(Tokenizer.from_str(backend.to_str()), pad_id=pad_id, pad_token=str(tokenizer.pad_token),
                   padding_side=getattr(tokenizer, "padding_side", "right"),
                   truncation_side=getattr(tokenizer, "truncation_side", "right"))

    def settings(self) -> dict[str, Any]:
        return {"pad_id": self._pad["pad_id"], "pad_token": self._pad["pad_token"],
                "padding_side": self._pad["direction"], "truncation_side": self._truncation_side}


def source_stamp(folder: Path) -> dict[str, list[int]]:
    """(size, mtime) of the tokenizer files in the model ``folder``: a changed file means check again."""
    stamp = {}
    for name in SOURCE_FILES:
        try:
            st = (Path(folder) / name).stat()
        except OSError:
            continue
        stamp[name] = [st.st_size, st.st_mtime_ns]
    return stamp


def agrees(spec: Any, reference: Any, candidate: Any) -> bool:
    """Whether ``candidate`` gives ``reference``'s token inputs and counts for every probe, alone and batched."""
    texts = list(PROBES)
    try:
        if spec.token_counts(reference, texts) != spec.token_counts(candidate, texts):
            return False
        batches = [[t] for t in texts] + [texts, texts[:3]]
        for batch in batches:
            want, got = spec.tokenize(reference, batch, "np"), spec.tokenize(candidate, batch, "np")
            if want.keys() != got.keys():
                return False
            if any(not np.array_equal(np.asarray(want[k], np.int64), got[k]) for k in want):
                return False
    except Exception as exc:  # any difference in behaviour means "not the same tokenizer"
        log.info("light tokenizer check failed: %s", exc)
        return False
    return True


def save_verified(folder: Path, entry: Path, spec: Any, tokenizer: Any) -> bool:
    """Check a light copy of ``tokenizer`` (loaded by transformers from model ``folder``) and keep it in the
    cache ``entry`` if it tokenises exactly alike; True if kept. Written to a temp name, then renamed."""
    try:
        light = FastTokenizer.from_transformers(tokenizer)
    except Exception as exc:  # a backend that does not serialise
        log.info("no light tokenizer for %s: %s", folder, exc)
        return False
    if light is None or not agrees(spec, tokenizer, light):
        return False
    entry.mkdir(parents=True, exist_ok=True)
    tmp = entry / f".{TOKENIZER_JSON}.tmp"
    tmp.write_text(light._backend.to_str(), encoding="utf-8")
    tmp.replace(entry / TOKENIZER_JSON)
    settings = {"format": FORMAT, "source": source_stamp(folder), **light.settings()}
    tmp = entry / f".{SETTINGS_JSON}.tmp"
    tmp.write_text(json.dumps(settings), encoding="utf-8")
    tmp.replace(entry / SETTINGS_JSON)
    return True


def is_verified(folder: Path, entry: Path) -> bool:
    return _settings(folder, entry) is not None


def load_verified(folder: Path, entry: Path) -> FastTokenizer | None:
    """The light tokenizer kept for model ``folder`` in ``entry``, or None (not checked yet, or out of date)."""
    settings = _settings(folder, entry)
    if settings is None:
        return None
    try:
        from tokenizers import Tokenizer

        backend = Tokenizer.from_file(str(entry / TOKENIZER_JSON))
    except Exception as exc:  # not installed, or a damaged file: the full path still works
        log.info("light tokenizer unavailable (%s)", exc)
        return None
    return FastTokenizer(backend, pad_id=settings["pad_id"], pad_token=settings["pad_token"],
                         padding_side=settings["padding_side"], truncation_side=settings["truncation_side"])


def _settings(folder: Path, entry: Path) -> dict[str, Any] | None:
    try:
        settings = json.loads((entry / SETTINGS_JSON).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(settings, dict) or settings.get("format") != FORMAT:
        return None
    if settings.get("source") != source_stamp(folder):
        return None
    return settings
