"""Detect the two ways inotify loses changes without raising: a queue overflow and the watch limit.

- Overflow (``fs.inotify.max_queued_events``): the kernel drops events. watchdog 7.1 only logs a warning
  (``watchdog.observers.inotify_c``: "Inotify queue overflowed; ...") and rebuilds its watches, so we hook
  its loggers.
- Watch limit (``fs.inotify.max_user_watches``): watchdog swallows the ENOSPC of each sub-folder it cannot
  watch (and an observer that cannot watch its root drops the emitter). The kernel lists every watch of
  an inotify instance in ``/proc/self/fdinfo/<fd>`` with its inode number, so we compare that set with the
  folders on disk.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable
from pathlib import Path

OVERFLOW_FIX = "sudo sysctl fs.inotify.max_queued_events=65536"
WATCH_LIMIT_FIX = (
    "sudo sysctl fs.inotify.max_user_watches=524288 (persist it with a line "
    "'fs.inotify.max_user_watches=524288' in /etc/sysctl.d/90-photoclip.conf)"
)
WATCHDOG_LOGGER = "watchdog.observers"
_INO = re.compile(r"^inotify wd:\S+ ino:([0-9a-f]+) ", re.MULTILINE)


def read_limit(name: str) -> int | None:
    """A ``fs.inotify`` limit (max_user_watches, max_queued_events, max_user_instances), None if unknown."""
    try:
        return int(Path(f"/proc/sys/fs/inotify/{name}").read_text().strip())
    except (OSError, ValueError):
        return None


def watched_inodes() -> set[int] | None:
    """Inode numbers watched by every inotify instance of this process; None where /proc cannot tell."""
    fd_dir = Path("/proc/self/fd")
    if not fd_dir.is_dir():
        return None
    inodes: set[int] = set()
    for entry in os.listdir(fd_dir):
        try:
            if os.readlink(fd_dir / entry) != "anon_inode:inotify":
                continue
            info = Path(f"/proc/self/fdinfo/{entry}").read_text()
        except OSError:  # closed meanwhile
            continue
        inodes.update(int(m, 16) for m in _INO.findall(info))
    return inodes


def directory_inodes(root: str) -> dict[int, str]:
    """Inode → path of ``root`` and every folder below it, as watchdog watches them (symlinks not followed)."""
    found: dict[int, str] = {}
    for current, dirnames, _ in os.walk(root, followlinks=False):
        try:
            found[os.stat(current, follow_symlinks=False).st_ino] = current
        except OSError:
            continue
        dirnames[:] = [d for d in dirnames if not os.path.islink(os.path.join(current, d))]
    return found


def unwatched_dirs(root: str) -> list[str] | None:
    """Folders under ``root`` that no inotify watch of this process covers (None: cannot be checked)."""
    watched = watched_inodes()
    if watched is None:
        return None
    missing = [path for ino, path in directory_inodes(root).items() if ino not in watched]
    # a folder deleted between the walk and now is not a lost watch
    return sorted(p for p in missing if os.path.isdir(p))


class OverflowHook(logging.Handler):
    """Calls ``on_overflow(path or None, thread id)`` when watchdog reports a kernel queue overflow, and
    ``on_unwatched()`` when it reports a folder it could not watch (ENOSPC on a new sub-folder).

    Runs on watchdog's inotify thread, so the callbacks must only record it. The path is that of the
    recursive watch being rebuilt when watchdog names it, None for its generic message; the thread id is
    that of the inotify reader that saw the overflow. The log is one of two signals for each: the
    watcher also gets watchdog's ``EventsLostEvent`` and compares ``/proc`` with the disk, since a watchdog
    whose logging an application turned off says nothing here.
    """

    def __init__(self, on_overflow: Callable[[str | None, int | None], None],
                 on_unwatched: Callable[[], None] | None = None) -> None:
        super().__init__(logging.WARNING)
        self._on_overflow = on_overflow
        self._on_unwatched = on_unwatched
        self._logger = logging.getLogger(WATCHDOG_LOGGER)

    def emit(self, record: logging.LogRecord) -> None:
        text = str(record.msg).lower()
        if text.startswith("unable to") and self._on_unwatched is not None:  # "Unable to watch %r: %s", "... rebuild"
            self._on_unwatched()
            return
        if "overflow" not in text:
            return
        arg = record.args[0] if isinstance(record.args, tuple) and record.args else None
        path = os.fsdecode(arg) if isinstance(arg, bytes | str) else None
        self._on_overflow(path, record.thread)

    def install(self) -> None:
        self._logger.addHandler(self)
        # the warning must reach us even where an application raised the log level
        if self._logger.getEffectiveLevel() > logging.WARNING:
            self._logger.setLevel(logging.WARNING)

    def remove(self) -> None:
        self._logger.removeHandler(self)
