"""The watcher's pure parts: choosing polling for network mounts, turning watchdog events into work, the queue's
settle and move-pairing rules, and the inotify health probes (on this machine's real /proc)."""

from __future__ import annotations

import os
import time

from watchdog.events import (
    DirDeletedEvent,
    DirModifiedEvent,
    FileClosedEvent,
    FileCreatedEvent,
    FileMovedEvent,
    FileOpenedEvent,
)
from watchdog.observers import Observer

from photoclip.core.scan import inotify_health
from photoclip.core.scan.queue import DELETE, UPSERT, WorkQueue
from photoclip.core.scan.volumes import choose_mode, fs_type, read_mounts
from photoclip.core.scan.watcher import DELETE_DIR, translate
from tests.support.library_fixtures import open_library
from tests.support.watching import photo_bytes

MOUNTS = """\
/dev/vda / ext4 rw,relatime 0 0
nas:/export/photos /mnt/nas nfs4 rw,vers=4.2 0 0
//server/share /mnt/My\\040Share cifs rw 0 0
me@host:/pics /home/me/remote fuse.sshfs rw 0 0
/dev/sdb1 /media/me/CARD vfat rw 0 0
"""


def test_network_and_fuse_mounts_are_polled_local_ones_use_native_events():
    mounts = read_mounts(MOUNTS)
    assert ("/mnt/My Share", "cifs") in mounts
    assert fs_type("/mnt/nas/2024/x", mounts) == "nfs4"
    assert fs_type("/mnt/nasty", mounts) == "ext4"  # a prefix of the name is not the mount
    assert choose_mode("/mnt/My Share/Photos", mounts=mounts) == "poll"
    assert choose_mode("/home/me/remote/p", mounts=mounts) == "poll"
    assert choose_mode("/media/me/CARD/DCIM", mounts=mounts) == "native"
    assert choose_mode("/home/me/Pictures", mounts=mounts) == "native"
    assert choose_mode("/mnt/nas", override="native", mounts=mounts) == "native"
    assert choose_mode("/home/me/Pictures", override="poll", mounts=mounts) == "poll"


def test_events_become_work_for_photos_only():
    root = "/p"
    assert translate(root, FileCreatedEvent("/p/a/x.jpg")) == [(UPSERT, "/p/a/x.jpg")]
    assert translate(root, FileClosedEvent("/p/x.png")) == [(UPSERT, "/p/x.png")]
    assert translate(root, FileCreatedEvent("/p/notes.txt")) == []
    assert translate(root, FileCreatedEvent("/p/.cache/x.jpg")) == []
    assert translate(root, FileCreatedEvent("/p/@eaDir/x.jpg")) == []
    assert translate(root, FileOpenedEvent("/p/x.jpg")) == []
    assert translate(root, DirModifiedEvent("/p/a")) == []
    assert translate(root, FileMovedEvent("/p/.x.jpg.tmp", "/p/x.jpg")) == [(UPSERT, "/p/x.jpg")]  # atomic save
    assert translate(root, FileMovedEvent("/p/a.jpg", "/p/b/a.jpg")) == [(DELETE, "/p/a.jpg"), (UPSERT, "/p/b/a.jpg")]
    assert translate(root, FileMovedEvent("/p/a.jpg", "/p/.trash/a.jpg")) == [(DELETE, "/p/a.jpg")]
    assert translate(root, DirDeletedEvent("/p/old")) == [(DELETE_DIR, "/p/old")]
    assert translate(root, DirDeletedEvent("/p")) == [(DELETE_DIR, "/p")]


def test_queue_waits_for_a_stable_file_and_persists_its_entries(tmp_path):
    photo = tmp_path / "a.png"
    photo.write_bytes(photo_bytes(1))
    with open_library(tmp_path) as lib:
        folder = lib.add_folder(tmp_path)
        work = WorkQueue(lib._catalog, settle=0.2, delete_hold=5)
        work.add(str(photo), folder.id, UPSERT)
        work.persist()
        assert [r[0] for r in lib._catalog.queue_pending()] == [str(photo)]
        assert work.take_due().files == []  # not settled yet
        time.sleep(0.25)
        photo.write_bytes(photo_bytes(1) + b"more")  # still being written
        assert work.take_due().files == []
        time.sleep(0.25)
        batch = work.take_due()
        assert [e.path for e in batch.files] == [str(photo)]
        work.done(batch.files)
        assert len(work) == 0 and lib._catalog.queue_pending() == []


def test_a_plain_delete_waits_while_creates_settle_but_a_move_goes_with_its_destination(tmp_path):
    (tmp_path / "new.png").write_bytes(photo_bytes(1))
    (tmp_path / "moved.png").write_bytes(photo_bytes(2))
    with open_library(tmp_path) as lib:
        fid = lib.add_folder(tmp_path).id
        work = WorkQueue(lib._catalog, settle=0.1, delete_hold=5)
        now = time.monotonic()
        work.add(str(tmp_path / "gone.png"), fid, DELETE, now)
        work.add(str(tmp_path / "old.png"), fid, DELETE, now, partner=str(tmp_path / "moved.png"))
        work.add(str(tmp_path / "moved.png"), fid, UPSERT, now, partner=str(tmp_path / "old.png"))
        work.add(str(tmp_path / "new.png"), fid, UPSERT, now + 10)  # still settling
        batch = work.take_due(now + 1)
        assert {os.path.basename(e.path) for e in batch.files} == {"moved.png", "old.png"}
        work.done(batch.files)
        assert {os.path.basename(e.path) for e in work.take_due(now + 6).files} == {"gone.png"}  # held no longer


def test_health_probes_see_the_watches_of_a_real_observer(tmp_path):
    for name in ("a", "b/c"):
        (tmp_path / name).mkdir(parents=True)
    observer = Observer()
    observer.schedule(FileCreatedEventHandler(), str(tmp_path), recursive=True)
    observer.start()
    try:
        assert inotify_health.unwatched_dirs(str(tmp_path)) == []
        assert len(inotify_health.directory_inodes(str(tmp_path))) == 4
    finally:
        observer.stop()
        observer.join()
    assert inotify_health.unwatched_dirs(str(tmp_path)) == sorted(
        str(p) for p in (tmp_path, tmp_path / "a", tmp_path / "b", tmp_path / "b" / "c")
    )
    assert (inotify_health.read_limit("max_user_watches") or 0) > 0


class FileCreatedEventHandler:
    def dispatch(self, event) -> None:
        pass
