"""Quality-guard figures on vectors whose answer is known, and openvino's telemetry staying off."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from photoclip.core.embed import quality_guard as guard


def unit_rows(n: int, dim: int = 32, seed: int = 0) -> np.ndarray:
    v = np.random.default_rng(seed).standard_normal((n, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_identical_vectors_pass_with_perfect_figures():
    ref = unit_rows(20)
    result = guard.compare(ref, ref.copy(), backend="openvino-int8", reference_name="openvino-fp32")
    assert result.passed and result.recall_at_k == 1.0 and result.k == 10 and result.photos == 20
    assert result.cosine_min == pytest.approx(1.0, abs=1e-6)


def test_unrelated_vectors_fail_on_every_figure():
    result = guard.compare(unit_rows(20, seed=1), unit_rows(20, seed=2), backend="b", reference_name="r")
    assert not result.passed
    assert result.cosine_mean < 0.5 and result.recall_at_k < 0.8
    assert "failed, b is not used" in result.summary()


def test_recall_counts_neighbour_overlap():
    ref = unit_rows(12)
    swapped = ref.copy()
    swapped[[0, 1]] = ref[[1, 0]]  # two photos trade places: their neighbour lists change, the rest barely
    recall = guard.recall_at_k(ref, swapped, k=3)
    assert 0 < recall < 1
    assert guard.recall_at_k(ref[:1], ref[:1], k=3) == 1.0  # one photo has no neighbours to lose


def test_a_small_sample_shrinks_k():
    ref = unit_rows(5)
    assert guard.compare(ref, ref, backend="b", reference_name="r").k == 4


def test_a_damaged_record_reads_as_none():
    assert guard.GuardResult.from_json("{not json") is None
    assert guard.GuardResult.from_json('{"backend": "x"}') is None
    ref = unit_rows(10)
    result = guard.compare(ref, ref, backend="b", reference_name="r")
    assert guard.GuardResult.from_json(result.to_json()) == result


def test_importing_openvino_through_photoclip_leaves_its_telemetry_off():
    pytest.importorskip("openvino")
    pytest.importorskip("nncf")
    code = (
        "import sys\n"
        "from photoclip.core.embed.openvino_ir import import_openvino\n"
        "import_openvino()\n"
        "from openvino.tools.ovc import telemetry_utils\n"  # what convert_model reports through
        "from nncf.telemetry.wrapper import telemetry\n"
        "print(sys.modules['openvino_telemetry'] is None, telemetry_utils.tm.__name__, type(telemetry).__name__)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    # nncf's stub is `NNCFTelemetryStub = MagicMock`
    assert out.stdout.split() == ["True", "openvino.tools.ovc.telemetry_stub", "MagicMock"]
