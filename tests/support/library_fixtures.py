"""Moved to photoclip/testing/library_fixtures.py, where benchmarks and installer checks import it too.

Tests keep importing it from here: this module *is* that one (same functions, same state; what a test
patches is patched there)."""

import sys

from photoclip.testing import library_fixtures

sys.modules[__name__] = library_fixtures
