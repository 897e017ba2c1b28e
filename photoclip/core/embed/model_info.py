"""What the pipeline and search need to know about a model before (or instead of) loading it.

The model id (the name of the vector space: which stored vectors are current), the vector length (the HNSW
index) and the input size and preprocessing (decoding) all come from the model folder's files: a fingerprint
of the weights and the configs. So an index run with nothing new to embed, or a search answered by stored
vectors, never loads the model (~0.8 GB, seconds); it loads when the first photo needs embedding.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from photoclip.core.embed.preprocess import PreprocessConfig


@dataclass(frozen=True)
class ModelInfo:
    model_id: str
    dim: int
    input_size: int
    #: picklable preprocessing (decode threads and processes run it); None: ask the loaded embedder
    preprocess_config: PreprocessConfig | None = None
    #: the model's folder when it came from one (None for an injected embedder)
    folder: Path | None = None

    @classmethod
    def of(cls, embedder: object) -> ModelInfo:
        """The identity of an embedder that is already loaded."""
        return cls(embedder.model_id, int(embedder.dim), int(embedder.input_size),  # type: ignore[attr-defined]
                   getattr(embedder, "preprocess_config", None))


def describe_folder(folder: Path, model_id: str) -> ModelInfo:
    """A model folder's ``ModelInfo`` from its configs alone (no torch, no transformers)."""
    from photoclip.core.embed.clip_hf import load_preprocess
    from photoclip.core.embed.families import read_spec

    preprocess = load_preprocess(Path(folder))
    return ModelInfo(model_id, read_spec(Path(folder)).dim, preprocess.size, preprocess, Path(folder))
