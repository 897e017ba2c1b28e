"""Keep third-party libraries' warnings off the user's terminal.

Pillow warns about corrupt EXIF blocks and very large images, pillow-heif, transformers and torch about their
own affairs. For photoclip these are either per-file facts already recorded as a skip reason in plain words,
or nothing a user can act on; on stderr they buried the one-line messages and broke scripts that read
``--json`` with stderr merged in. A developer who asks for warnings (``python -W ...`` or ``PYTHONWARNINGS``)
still gets them.

Called at the entry points (the CLI, the app, each decode process); the core never calls it on import, so a
program that uses photoclip as a library keeps its own warning settings.
"""

from __future__ import annotations

import ctypes
import logging
import os
import sys
import warnings

#: loggers of libraries that log warnings of their own (not through the warnings module)
_CHATTY_LOGGERS = ("transformers", "huggingface_hub", "PIL", "nncf", "openvino")


def quiet_library_warnings() -> None:
    if sys.warnoptions:  # -W or PYTHONWARNINGS given: the developer wants to see them
        return
    warnings.simplefilter("ignore")
    # transformers attaches its own stderr handler; it reads this when first imported (lazily, later)
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")
    for name in _CHATTY_LOGGERS:
        logging.getLogger(name).setLevel(logging.ERROR)
    _quiet_libtiff()


def _quiet_libtiff() -> None:
    """libtiff (inside Pillow) prints its own errors and warnings to stderr from C ("ZIPDecode: Decoding
    error...", "TIFFReadDirectory: Warning, unknown field..."); Pillow reads only its return codes, and the
    file's skip reason already says what went wrong. Linux: find the copy Pillow loaded in this process."""
    try:
        from PIL import _imaging  # noqa: F401  (loads Pillow's libtiff)

        with open("/proc/self/maps", encoding="utf-8", errors="replace") as maps:
            paths = {line.split()[-1] for line in maps if "/libtiff" in line}
        for path in paths:
            lib = ctypes.CDLL(path)
            for setter in (lib.TIFFSetErrorHandler, lib.TIFFSetWarningHandler):
                setter.argtypes, setter.restype = [ctypes.c_void_p], ctypes.c_void_p
                setter(None)
    except (OSError, AttributeError, ImportError):  # not Linux, or a Pillow without libtiff: nothing printed
        pass
