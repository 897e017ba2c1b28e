"""Which watching method suits a folder: native change events, or polling for network and FUSE mounts.

inotify only sees changes made through the local kernel, so on an NFS/SMB share or an sshfs mount it misses
what other machines write. Those folders are polled instead.
"""

from __future__ import annotations

import os
from pathlib import Path

#: file-system types whose changes made elsewhere never reach inotify
NETWORK_FS = frozenset(
    {
        "nfs", "nfs4", "cifs", "smb", "smb2", "smb3", "smbfs", "ncpfs", "afs", "9p", "ceph", "glusterfs",
        "lustre", "gpfs", "davfs", "fuse.sshfs", "sshfs", "fuse.rclone", "fuse.davfs2", "fuse.gvfsd-fuse",
        "fuse.s3fs", "fuse.glusterfs", "fuse.cephfs", "fuse.smbnetfs", "fuse.curlftpfs",
    }
)
MODES = ("auto", "native", "poll")
MOUNTS_FILE = Path("/proc/mounts")


def _unescape(field: str) -> str:
    """/proc/mounts escapes space, tab, newline and backslash as octal (\\040)."""
    out, i = [], 0
    while i < len(field):
        if field[i] == "\\" and i + 3 < len(field) and field[i + 1 : i + 4].isdigit():
            out.append(chr(int(field[i + 1 : i + 4], 8)))
            i += 4
        else:
            out.append(field[i])
            i += 1
    return "".join(out)


def read_mounts(text: str | None = None) -> list[tuple[str, str]]:
    """(mount point, fs type) pairs; empty where /proc/mounts does not exist (macOS, Windows)."""
    if text is None:
        try:
            text = MOUNTS_FILE.read_text()
        except OSError:
            return []
    mounts = []
    for line in text.splitlines():
        fields = line.split()
        if len(fields) >= 3:
            mounts.append((_unescape(fields[1]), fields[2]))
    return mounts


def fs_type(path: str, mounts: list[tuple[str, str]] | None = None) -> str | None:
    """The file-system type of the mount holding ``path`` (the longest matching mount point wins)."""
    mounts = read_mounts() if mounts is None else mounts
    path = os.path.abspath(path)
    best: tuple[int, str] | None = None
    for point, kind in mounts:
        inside = path == point or path.startswith(point.rstrip("/") + "/")
        if inside and (best is None or len(point) >= best[0]):
            best = (len(point), kind)
    return best[1] if best else None


def is_network_fs(kind: str | None) -> bool:
    return kind is not None and (kind in NETWORK_FS or kind.startswith(("nfs", "smb", "cifs")))


def choose_mode(path: str, override: str | None = None, mounts: list[tuple[str, str]] | None = None) -> str:
    """"native" or "poll" for a folder; ``override`` ("native" / "poll") wins over the detection."""
    if override in ("native", "poll"):
        return override
    return "poll" if is_network_fs(fs_type(path, mounts)) else "native"
