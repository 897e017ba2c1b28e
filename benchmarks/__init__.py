"""Measurements behind docs/benchmarks.md. Run each from the repository root as ``python -m benchmarks.NAME``
(the test photos and tiny models they build come from ``photoclip.testing``)."""
