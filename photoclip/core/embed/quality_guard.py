"""Quality guard: does a quantised backend give (nearly) the fp32 vectors on this library's own photos?

int8 can cost zero-shot accuracy (a public int8 ViT-B/32 port lost 5–11 points on CIFAR-100), and how much
depends on the checkpoint and the photos. Before a quantised backend embeds a library, its vectors for a
sample of that library's photos are compared with the fp32 reference's: cosine of each pair, and recall@10
of the fp32 neighbour ranking within the sample (do the same photos stay each other's neighbours?).
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Thresholds:
    #: Mean cosine to fp32. NNCF's default int8 preset on ViT-B/32 geometry measured 0.978 (visibly reordered
    #: neighbours); the transformer preset with SmoothQuant 0.9994. 0.995 keeps the second, rejects the first.
    min_mean_cosine: float = 0.995
    #: Worst single photo: one outlier below this means activations the calibration did not cover.
    min_cosine: float = 0.98
    #: Share of each photo's 10 nearest fp32 neighbours (within the sample) that int8 also ranks in its 10.
    #: What search users see; near-duplicates swap places freely, so 0.8, not 1.
    min_recall_at_k: float = 0.8
    k: int = 10


#: The thresholds in force (tests raise them to force a failure).
THRESHOLDS = Thresholds()


@dataclass(frozen=True)
class GuardResult:
    backend: str
    reference: str
    photos: int
    cosine_mean: float
    cosine_min: float
    recall_at_k: float
    k: int
    passed: bool
    thresholds: dict[str, Any]
    checked_at: float
    #: True when this library took the verdict another library's photos gave on this computer (same int8 model)
    adopted: bool = False

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, text: str | None) -> GuardResult | None:
        try:
            return cls(**json.loads(text)) if text else None
        except (TypeError, ValueError):
            return None  # an older or damaged record: the guard simply runs again

    def to_json(self) -> str:
        return json.dumps(self.as_dict())

    def summary(self) -> str:
        # what runs instead depends on the CPU (OpenVINO bf16 where it is native, else fp32) or, for auto, on
        # torch's fast path: the record says only what it knows
        verdict = "passed" if self.passed else f"failed, {self.backend} is not used"
        whose = "photos of another library on this computer" if self.adopted else "of your photos"
        return (f"{self.backend} vs {self.reference} on {self.photos} {whose}: cosine mean "
                f"{self.cosine_mean:.4f} / min {self.cosine_min:.4f}, recall@{self.k} {self.recall_at_k:.3f} "
                f"— {verdict}")


def compare(reference: np.ndarray, candidate: np.ndarray, *, backend: str, reference_name: str,
            thresholds: Thresholds | None = None) -> GuardResult:
    """Guard figures for L2-normalised ``candidate`` vectors against ``reference`` (same photos, same order)."""
    limits = thresholds or THRESHOLDS
    cosines = np.sum(reference * candidate, axis=1)
    k = max(1, min(limits.k, len(reference) - 1))
    recall = recall_at_k(reference, candidate, k)
    passed = (float(cosines.mean()) >= limits.min_mean_cosine and float(cosines.min()) >= limits.min_cosine
              and recall >= limits.min_recall_at_k)
    return GuardResult(
        backend=backend, reference=reference_name, photos=len(reference), cosine_mean=round(float(cosines.mean()), 6),
        cosine_min=round(float(cosines.min()), 6), recall_at_k=round(recall, 4), k=k, passed=passed,
        thresholds=asdict(limits), checked_at=round(time.time(), 1),
    )


def recall_at_k(reference: np.ndarray, candidate: np.ndarray, k: int) -> float:
    """Mean over photos of |top-k by reference ∩ top-k by candidate| / k, each photo's own match excluded."""
    if len(reference) < 2:
        return 1.0
    def top(vectors: np.ndarray) -> np.ndarray:
        sims = vectors @ vectors.T
        np.fill_diagonal(sims, -np.inf)
        return np.argsort(-sims, axis=1, kind="stable")[:, :k]

    ref_top, cand_top = top(reference), top(candidate)
    overlap = [len(set(a) & set(b)) for a, b in zip(ref_top.tolist(), cand_top.tolist(), strict=True)]
    return float(np.mean(overlap)) / k


def meta_key(model_id: str, backend: str) -> str:
    return f"quality_guard:{model_id}:{backend}"
