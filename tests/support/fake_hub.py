"""Moved to photoclip/testing/fake_hub.py, where benchmarks and installer checks import it too.

Tests keep importing it from here: this module *is* that one (same functions, same state; what a test
patches is patched there)."""

import sys

from photoclip.testing import fake_hub

sys.modules[__name__] = fake_hub
