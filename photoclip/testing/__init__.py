"""Helpers for tests, benchmarks and the installers' smoke checks: real photo files (every format, real EXIF,
broken ones), tiny real-format models, the colour test model's variants, small libraries, a fake model hub.

The app never imports this package (an import contract says so, and the installers leave it out); it is here,
not under tests/, so benchmarks and installer scripts import it like any module instead of patching sys.path.
"""
