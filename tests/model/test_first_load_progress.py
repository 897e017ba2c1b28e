"""The first load of a model under `auto` with OpenVINO converts, quantises, checks and races it (~30 s for
ViT-B/32): each step is announced as a ModelLoading "optimising" event, in order, and only the first time."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from photoclip.cli.progress import TerminalProgress
from photoclip.core.embed.backend_choice import STEPS
from photoclip.core.events import ModelLoading
from photoclip.core.library import Library
from photoclip.core.settings import Settings
from tests.support.images import photo_like

pytest.importorskip("openvino")
pytest.importorskip("nncf")
pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def pictures(tmp_path_factory) -> Path:
    """24 photos: 16 calibrate int8, the 8 held out are checked against fp32."""
    root = tmp_path_factory.mktemp("Pictures")
    for i in range(24):
        photo_like((320, 240), seed=i).save(root / f"IMG_{i:02}.jpg", quality=90)
    return root


def load_and_index(tmp_path: Path, model: Path, pictures: Path) -> tuple[list[ModelLoading], str]:
    settings = Settings(data_dir=tmp_path / "data", cache_dir=tmp_path / "cache", model=str(model), backend="auto",
                        threads=1, allow_download=False)
    events: list[ModelLoading] = []
    terminal = io.StringIO()
    with Library.open(settings) as library:
        library.optimise_in_background = True  # as the command line does
        library.events.subscribe(lambda e: events.append(e) if isinstance(e, ModelLoading) else None)
        library.events.subscribe(TerminalProgress(terminal, enabled=True))
        assert library.index_folders([pictures]).embedded == 24
        assert library.finish_optimising(timeout=600)  # what the CLI does before its process ends
    return events, terminal.getvalue()


def test_first_load_announces_each_optimising_step_in_order_then_never_again(tiny_model_dir, pictures, tmp_path):
    events, terminal = load_and_index(tmp_path, tiny_model_dir, pictures)
    # indexing starts on torch's fast path ("ready") while the steps run in the background
    assert [e.stage for e in events][:2] == ["resolving", "loading"]
    assert sorted(e.stage for e in events[2:]) == sorted(["ready", *["optimising"] * len(STEPS)])
    assert events[[e.stage for e in events].index("ready")].detail == "int8 on cpu"
    optimising = [e for e in events if e.stage == "optimising"]
    assert [e.detail for e in optimising] == list(STEPS.values())  # read, convert, quantise, check, race
    fractions = [e.fraction for e in optimising]
    assert fractions == sorted(fractions) and fractions[0] == 0 and all(0 <= f < 1 for f in fractions)
    # the terminal shows each step with its share
    assert "Optimising the model for this computer (once): quantising it to int8 on your photos… [40%]" in terminal

    # the next start finds everything cached (IR, int8, guard verdict, race winner): nothing to optimise
    settings = Settings(data_dir=tmp_path / "data", cache_dir=tmp_path / "cache", model=str(tiny_model_dir),
                        backend="auto", threads=1, allow_download=False)
    seen: list[ModelLoading] = []
    with Library.open(settings) as library:
        library.events.subscribe(lambda e: seen.append(e) if isinstance(e, ModelLoading) else None)
        library.search("a red photo")  # a query needs the text tower only
        assert library.loaded_embedder is None
        library.embedder  # noqa: B018 - the whole model, as a photo to embed loads it
    assert [e.stage for e in seen] == ["resolving", "ready", "loading", "ready"]
    assert seen[1].detail == "openvino-fp32 (text only) on cpu"
    race = json.loads(next((tmp_path / "cache").glob("openvino/*/auto/speed-*.json")).read_text())
    # the backend the background race chose
    assert seen[-1].detail == f"{'int8' if race['winner'] == 'torch' else race['winner']} on cpu"
