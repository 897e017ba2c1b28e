"""Which image-text model family a folder holds, and each family's rules for text.

A family is chosen from the folder's ``config.json`` (``model_type``, else ``architectures``) and, for SigLIP 2,
its ``tokenizer_config.json``; nothing here imports torch, so the registry can check a folder before any load.

==========  ====================  =====================================================================
family      transformers class    text rules (what each was trained with)
==========  ====================  =====================================================================
``clip``    ``CLIPModel``         pad to the longest prompt with an attention mask (EOS-token pooling
                                  ignores the pads); OpenAI, OpenCLIP/LAION H/14 and bigG/14, DFN,
                                  TinyCLIP, Long-CLIP (248 positions) — all in ``CLIPModel`` format.
``siglip``  ``SiglipModel``       pad to ``max_length`` (64) and pass **no** attention mask: the text
                                  tower pools the *last* position, a pad for short texts, and big_vision
                                  trained it that way (padding to the longest prompt, or masking the pads,
                                  gives other vectors). SigLIP 2 (Gemma tokenizer) was trained on
                                  lower-cased text, so queries are lower-cased for it.
``altclip`` ``AltCLIPModel``      XLM-R text tower, CLS pooling: pad to the longest prompt with a mask.
==========  ====================  =====================================================================
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from photoclip.core.errors import ModelFormatError

#: What the user is told photoclip can load.
SUPPORTED = (
    "CLIP (OpenAI, OpenCLIP/LAION, DFN, TinyCLIP, Long-CLIP in CLIPModel format), "
    "SigLIP and SigLIP 2 (fixed resolution, SiglipModel) and AltCLIP (AltCLIPModel)"
)
#: The tokenizer no family's text tower may exceed even if a config claims more (XLM-R: 512 usable).
_TOKENS_CEILING = 512


@dataclass(frozen=True)
class Family:
    name: str
    title: str
    model_class: str
    #: "longest": pad each chunk to its longest prompt; "max_length": pad every prompt to ``max_text_tokens``.
    padding: str
    #: Whether the text tower is given an attention mask.
    attention_mask: bool
    #: Whether the family's output space is multilingual whatever the checkpoint (AltCLIP's XLM-R is).
    multilingual: bool = False


CLIP = Family("clip", "CLIP", "CLIPModel", padding="longest", attention_mask=True)
SIGLIP = Family("siglip", "SigLIP", "SiglipModel", padding="max_length", attention_mask=False)
ALTCLIP = Family("altclip", "AltCLIP", "AltCLIPModel", padding="longest", attention_mask=True, multilingual=True)
FAMILIES = {f.name: f for f in (CLIP, SIGLIP, ALTCLIP)}
_BY_ARCHITECTURE = {f.model_class: f for f in FAMILIES.values()}


@dataclass(frozen=True)
class ModelSpec:
    """A model folder as photoclip runs it: its family and the text rules read from its configs."""

    family: Family
    #: Tokens the text tower reads (position table size); longer text is cut, and the user told.
    max_text_tokens: int
    #: Lower-case text before tokenising (SigLIP 2 was trained on lower-cased captions).
    lowercase: bool
    #: Vector length.
    dim: int
    #: Whether queries in other languages than English are meaningful (SigLIP 2's Gemma vocabulary, XLM-R).
    multilingual: bool

    @property
    def title(self) -> str:
        return "SigLIP 2" if self.family is SIGLIP and self.lowercase else self.family.title

    def prepare_texts(self, texts: list[str]) -> list[str]:
        return [t.lower() for t in texts] if self.lowercase else list(texts)

    def tokenize(self, tokenizer: Any, texts: list[str], tensors: str) -> dict[str, Any]:
        """Token ids (and the attention mask where the family uses one) with the family's padding."""
        encoded = tokenizer(
            self.prepare_texts(texts),
            padding=self.family.padding,
            truncation=True,
            max_length=self.max_text_tokens,
            return_tensors=tensors,
        )
        keys = ("input_ids", "attention_mask") if self.family.attention_mask else ("input_ids",)
        return {k: encoded[k] for k in keys}

    def token_counts(self, tokenizer: Any, texts: list[str]) -> list[int]:
        """Tokens each text needs (special tokens included), without truncation: more than
        ``max_text_tokens`` means the model reads only the start of it."""
        encoded = tokenizer(self.prepare_texts(texts), padding=False, truncation=False)
        return [len(ids) for ids in encoded["input_ids"]]


def read_config(folder: Path) -> dict[str, Any]:
    path = Path(folder) / "config.json"
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelFormatError(f"{path} cannot be read: {exc}.", "Download or import the model again.") from exc
    if not isinstance(config, dict):
        raise ModelFormatError(f"{path} is not a model configuration.", "Download or import the model again.")
    return config


def family_of(config: dict[str, Any], folder: Path | str = "") -> Family:
    """The family ``config`` belongs to, or ``ModelFormatError`` naming what photoclip supports."""
    kind = config.get("model_type")
    if kind in FAMILIES:
        return FAMILIES[kind]
    for arch in config.get("architectures") or []:
        if arch in _BY_ARCHITECTURE:
            return _BY_ARCHITECTURE[arch]
    where = f"{folder} holds" if folder else "This folder holds"
    if kind == "siglip2":
        raise ModelFormatError(
            f"{where} a SigLIP 2 NaFlex model (Siglip2Model), which photoclip does not run yet.",
            "Use a fixed-resolution SigLIP 2 model instead, e.g. google/siglip2-base-patch16-224.",
        )
    raise ModelFormatError(
        f"{where} a '{kind or 'unknown'}' model; photoclip supports {SUPPORTED}.",
        "Set PHOTOCLIP_MODEL to one of those (e.g. google/siglip2-base-patch16-224) and download it with "
        "`photoclip model download`.",
    )


def read_spec(folder: Path) -> ModelSpec:
    """The ``ModelSpec`` of a model folder, from its configs alone (no torch)."""
    folder = Path(folder)
    config = read_config(folder)
    family = family_of(config, folder)
    text_cfg = _sub(config, "text_config")
    tokenizer_cfg = _tokenizer_config(folder)
    siglip2 = family is SIGLIP and _is_gemma_tokenizer(tokenizer_cfg, text_cfg)
    return ModelSpec(
        family=family,
        max_text_tokens=_max_text_tokens(family, text_cfg, tokenizer_cfg),
        lowercase=siglip2,
        dim=_dim(family, config),
        multilingual=family.multilingual or siglip2,
    )


def _sub(config: dict[str, Any], key: str) -> dict[str, Any]:
    value = config.get(key)
    return value if isinstance(value, dict) else {}


def _tokenizer_config(folder: Path) -> dict[str, Any]:
    try:
        data = json.loads((folder / "tokenizer_config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _is_gemma_tokenizer(tokenizer_cfg: dict[str, Any], text_cfg: dict[str, Any]) -> bool:
    # SigLIP 2's checkpoints say GemmaTokenizer (transformers' own saves Siglip2Tokenizer); its 256k vocabulary
    # tells it apart from SigLIP 1's 32k T5 vocabulary when a folder lacks tokenizer_config.json.
    name = str(tokenizer_cfg.get("tokenizer_class") or "")
    return "Gemma" in name or "Siglip2" in name or int(text_cfg.get("vocab_size") or 0) >= 250_000


def _max_text_tokens(family: Family, text_cfg: dict[str, Any], tokenizer_cfg: dict[str, Any]) -> int:
    default = {"clip": 77, "siglip": 64, "altclip": 514}[family.name]
    positions = int(text_cfg.get("max_position_embeddings") or default)
    if family is ALTCLIP:
        # RoBERTa positions start after the padding index: 514 positions read 512 tokens.
        positions -= int(text_cfg.get("pad_token_id", 1)) + 1
        # its tokenizer may be saved with a shorter limit than the position table; the shorter one holds
        limit = tokenizer_cfg.get("model_max_length")
        if isinstance(limit, int) and 0 < limit < positions:
            positions = limit
    return max(1, min(positions, _TOKENS_CEILING))


def _dim(family: Family, config: dict[str, Any]) -> int:
    if family is SIGLIP:
        # SigLIP has no projection_dim: the text head maps to the text width, which equals the vision width.
        text = _sub(config, "text_config")
        return int(text.get("projection_size") or text.get("hidden_size") or 768)
    return int(config.get("projection_dim") or 512)
