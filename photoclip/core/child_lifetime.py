"""Child processes that end with their parent: the indexing process and the first run's optimisation must not
outlive the app or the command that started them (a crash or kill -9 included)."""

from __future__ import annotations

import contextlib
import os
import sys

#: prctl option: the signal the kernel sends this process when the thread that started it ends
_PR_SET_PDEATHSIG = 1


def die_with_parent(parent_pid: int) -> None:
    """On Linux the kernel sends SIGKILL when the parent ends, however it ends. Call first thing in the child."""
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    if os.getppid() != parent_pid:  # it ended before the line above took effect
        os._exit(0)
