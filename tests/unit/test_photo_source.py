"""Reading one photo file with bounded memory: regular files only, a size cap, large files streamed, and
running out of memory on one file is that file's skip reason (real files, pipes and devices)."""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
import threading
import zlib
from pathlib import Path

import pytest

from photoclip.core.decode_worker import DecodeJob, decode_file
from photoclip.core.errors import DecodeError
from photoclip.core.imaging import source
from photoclip.core.imaging.decode import NOT_ENOUGH_MEMORY, decode_photo
from photoclip.core.imaging.source import IN_MEMORY_BYTES, open_photo
from tests.support import images as ti

REPO = Path(__file__).resolve().parents[2]


def _jpeg_with_sparse_tail(path: Path, total: int) -> Path:
    """A real JPEG followed by zeros up to ``total`` bytes (a sparse tail: no disk space). Viewers show it."""
    ti.write_jpeg(path, image=ti.photo_like((640, 480), seed=4))
    with open(path, "r+b") as handle:
        handle.truncate(total)
    return path


def test_small_files_are_read_whole_large_ones_streamed_with_the_same_hash(tmp_path):
    small = ti.write_jpeg(tmp_path / "small.jpg", size=(320, 240))
    with open_photo(small) as photo:
        assert isinstance(photo.data, bytes)
        assert photo.content_hash == hashlib.blake2b(small.read_bytes(), digest_size=16).hexdigest()

    large = _jpeg_with_sparse_tail(tmp_path / "large.jpg", IN_MEMORY_BYTES + 5_000_000)
    with open_photo(large) as photo:
        assert not isinstance(photo.data, bytes)  # the open file: decoded from disk, never held whole
        whole = hashlib.blake2b(digest_size=16)
        with open(large, "rb") as handle:
            while chunk := handle.read(1 << 20):
                whole.update(chunk)
        assert photo.content_hash == whole.hexdigest()
        assert photo.size == IN_MEMORY_BYTES + 5_000_000
        decoded = decode_photo(photo.data, name=large.name)
    assert (decoded.width, decoded.height) == (640, 480)


def test_a_pipe_is_refused_without_waiting_for_a_writer(tmp_path):
    os.mkfifo(tmp_path / "pipe.jpg")
    outcome: list[str] = []

    def attempt() -> None:
        try:
            with open_photo(tmp_path / "pipe.jpg"):
                outcome.append("opened")
        except DecodeError as exc:
            outcome.append(exc.reason)

    worker = threading.Thread(target=attempt, daemon=True)
    worker.start()
    worker.join(60)  # a deadline against a hang, not a timing: opening a pipe for reading waits forever
    assert outcome == ["not a regular file: a named pipe; photoclip reads only ordinary files"]


def test_links_to_devices_are_refused_and_broken_links_named(tmp_path):
    (tmp_path / "zero.jpg").symlink_to("/dev/zero")
    (tmp_path / "gone.jpg").symlink_to(tmp_path / "nowhere.jpg")
    device = r"^not a regular file: a link to a device \(/dev/zero\)"
    with pytest.raises(DecodeError, match=device), open_photo(tmp_path / "zero.jpg"):
        pass
    broken = r"^broken link: what it points to does not exist \(.*nowhere\.jpg\)$"
    with pytest.raises(DecodeError, match=broken), open_photo(tmp_path / "gone.jpg"):
        pass


def test_past_the_cap_the_reason_gives_both_sizes_in_plain_numbers(tmp_path):
    big = tmp_path / "big.jpg"
    with open(big, "wb") as handle:
        handle.truncate(2_147_483_648)
    with pytest.raises(DecodeError) as info, open_photo(big):
        pass
    assert info.value.reason == "too large: 2.1 GB (photoclip reads photos up to 1 GB)"
    small = _jpeg_with_sparse_tail(tmp_path / "s.jpg", 1_234_567)
    with pytest.raises(DecodeError) as info, open_photo(small, max_bytes=500_000):
        pass
    assert info.value.reason == "too large: 1.2 MB (photoclip reads photos up to 500 KB)"


def test_a_file_that_grows_past_the_cap_while_read_is_refused():
    growing = io.BytesIO(bytes(5000))  # what a reader sees of a file still being written past the cap
    with pytest.raises(DecodeError, match="too large: 5 KB"):
        source._streamed(growing, max_bytes=4000)


def test_an_unreadable_file_says_so(tmp_path):
    with pytest.raises(DecodeError, match=r"^cannot read this file: it is gone"), open_photo(tmp_path / "x.jpg"):
        pass


# --- memory, measured in a fresh process --------------------------------------------------------------

_PEAK_AFTER_DECODE = """
import json, resource, sys
from pathlib import Path
from photoclip.core.decode_worker import DecodeJob, decode_file
from photoclip.core.embed.preprocess import PreprocessConfig
job = DecodeJob(224, 250_000_000, Path(sys.argv[2]), PreprocessConfig())
decode_file(sys.argv[3], job, set())  # warm up: imports, thread pools, first allocations
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
outcome = decode_file(sys.argv[1], job, set())
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"grew_kb": after - before, "error": outcome.error, "size": [outcome.width, outcome.height]}))
"""


def test_a_300_mb_photo_file_is_decoded_without_reading_it_into_memory(tmp_path):
    """Before, a file was read whole: 300 MB of file meant 300 MB more memory for that photo."""
    big = _jpeg_with_sparse_tail(tmp_path / "long.jpg", 300_000_000)
    warm = ti.write_jpeg(tmp_path / "warm.jpg", image=ti.photo_like((640, 480), seed=5))
    result = subprocess.run([sys.executable, "-c", _PEAK_AFTER_DECODE, str(big), str(tmp_path / "th"), str(warm)],
                            cwd=REPO, capture_output=True, text=True, timeout=300,
                            env={**os.environ, "PYTHONPATH": str(REPO)})
    assert result.returncode == 0, result.stderr
    measured = json.loads(result.stdout.splitlines()[-1])
    print(measured)
    assert measured["error"] is None and measured["size"] == [640, 480]
    assert measured["grew_kb"] < 100_000  # far below the file's 300 MB


_OUT_OF_MEMORY = """
import json, resource, sys
from pathlib import Path
from photoclip.core.decode_worker import DecodeJob, decode_file
from photoclip.core.embed.preprocess import PreprocessConfig
huge, long, small, thumbs = sys.argv[1:5]
job = DecodeJob(224, 250_000_000, Path(thumbs), PreprocessConfig())
decode_file(small, job, set())  # warm up before the cap
with open("/proc/self/status") as status:
    vm = next(int(line.split()[1]) for line in status if line.startswith("VmSize:")) * 1024
resource.setrlimit(resource.RLIMIT_AS, (vm + 50_000_000, resource.RLIM_INFINITY))
outcomes = [decode_file(path, job, set()) for path in (huge, long, small)]
print(json.dumps([[o.error, o.width] for o in outcomes]))
"""


def _flat_png(path: Path, width: int, height: int) -> Path:
    """A real RGB PNG of any size, written row by row: a few KB on disk, width*height*4 bytes decoded."""
    def chunk(kind: bytes, payload: bytes) -> bytes:
        return len(payload).to_bytes(4, "big") + kind + payload + zlib.crc32(kind + payload).to_bytes(4, "big")

    packer = zlib.compressobj(9)
    row = bytes(1 + 3 * width)
    body = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([8, 2, 0, 0, 0])
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b""))
    return path


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux's /proc to set the cap")
def test_running_out_of_memory_on_one_photo_skips_that_photo_and_the_next_one_decodes(tmp_path):
    """An address-space cap (as under ulimit -v) 50 MB above what the process uses: a valid 60 MP PNG needs
    ~240 MB decoded, a 63 MB file is read whole. Before, a MemoryError while reading ended the whole run."""
    huge = _flat_png(tmp_path / "huge.png", 10_000, 6_000)
    long = _jpeg_with_sparse_tail(tmp_path / "long.jpg", IN_MEMORY_BYTES - 1_000_000)
    small = ti.write_jpeg(tmp_path / "small.jpg", image=ti.photo_like((640, 480), seed=6))
    result = subprocess.run([sys.executable, "-c", _OUT_OF_MEMORY, str(huge), str(long), str(small),
                             str(tmp_path / "th")], cwd=REPO, capture_output=True, text=True, timeout=300,
                            env={**os.environ, "PYTHONPATH": str(REPO), "OPENBLAS_NUM_THREADS": "1"})
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.splitlines()[-1]) == [
        [NOT_ENOUGH_MEMORY, None],
        ["not enough memory to read this file (close other programs and index again)", None],
        [None, 640],
    ]
    # both decode when memory allows: the reason really was memory
    job = DecodeJob(224, 250_000_000, tmp_path / "th2", None)
    for path in (huge, long):
        assert decode_file(str(path), job, set(), prepare=lambda image: image).error is None
