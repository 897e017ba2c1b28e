"""Moved to photoclip/testing/tiny_model.py, where benchmarks and installer checks import it too.

Tests keep importing it from here: this module *is* that one (same functions, same state; what a test
patches is patched there)."""

import sys

from photoclip.testing import tiny_model

sys.modules[__name__] = tiny_model
