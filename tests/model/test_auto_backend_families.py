"""``auto`` — the default backend, which on a CPU tries torch int8 behind a load-time probe — for the other
families (test_families.py covers an explicit int8).

SigLIP's image tower ends in an attention-pooling head built on nn.MultiheadAttention; quantising that head's
out_proj made the probe's first image fail with a TypeError, so ``auto`` could not load a SigLIP model on a CPU
(seen by benchmarks/model_families.py at real geometry).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.support.images import photo_like

pytestmark = pytest.mark.model

TEXTS = ["a photo of a dog", "chien sur la plage", "海の写真"]


@pytest.fixture(scope="module", params=["siglip2", "altclip"])
def family_dir(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.support.tiny_families import build_tiny_altclip, build_tiny_siglip2

    build = {"siglip2": build_tiny_siglip2, "altclip": build_tiny_altclip}[request.param]
    return build(tmp_path_factory.mktemp("models") / request.param)


def test_auto_on_cpu_embeds_like_fp32(family_dir: Path) -> None:
    from photoclip.core.embed.clip_hf import ClipEmbedder

    reference = ClipEmbedder.load(family_dir, model_id="tiny@test", backend="fp32", device="cpu", threads=1)
    fast = ClipEmbedder.load(family_dir, model_id="tiny@test", backend="auto", device="cpu", threads=1)
    assert fast.backend in {"int8", "fp32"}  # int8 unless the load-time probe disagrees with fp32
    batch = np.stack([reference.prepare(photo_like((320, 240), seed=s)) for s in range(3)])
    for a, b in [(fast.embed_prepared(batch), reference.embed_prepared(batch)),
                 (fast.embed_texts(TEXTS), reference.embed_texts(TEXTS))]:
        assert a.shape == b.shape == (len(a), reference.dim)
        assert np.sum(a * b, axis=1).min() >= 0.99
