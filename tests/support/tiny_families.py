"""Moved to photoclip/testing/tiny_families.py, where benchmarks and installer checks import it too.

Tests keep importing it from here: this module *is* that one (same functions, same state; what a test
patches is patched there)."""

import sys

from photoclip.testing import tiny_families

sys.modules[__name__] = tiny_families
