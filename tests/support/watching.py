"""Moved to photoclip/testing/watching.py, where benchmarks and installer checks import it too.

Tests keep importing it from here: this module *is* that one (same functions, same state; what a test
patches is patched there)."""

import sys

from photoclip.testing import watching

sys.modules[__name__] = watching
