"""A local stand-in for the Hugging Face hub on loopback, so downloads run for real without the internet."""

from __future__ import annotations

import contextlib
import hashlib
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlparse


class FakeHub:
    """Just enough of the hub's HTTP API for snapshot_download: revision info, tree, HEAD/GET of files."""

    sha = "a" * 40

    def __init__(self, repo_id: str, folder: Path, delay: float = 0.0) -> None:
        self.repo_id = repo_id
        self.files = {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}
        self.files["pytorch_model.bin"] = b"pickle weights must not be downloaded"
        self.delay = delay
        self.requested: list[str] = []

    def tree(self) -> list[dict]:
        entries = []
        for name, data in self.files.items():
            entry = {"type": "file", "path": name, "size": len(data), "oid": hashlib.sha1(data).hexdigest()}
            if name.endswith((".safetensors", ".bin")):
                entry["lfs"] = {"oid": hashlib.sha256(data).hexdigest(), "size": len(data), "pointerSize": 130}
            entries.append(entry)
        return entries

    def handler(self) -> type[BaseHTTPRequestHandler]:
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # keep pytest output clean
                pass

            def _json(self, payload: object) -> None:
                body = json.dumps(payload).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _file(self, send_body: bool) -> None:
                name = unquote(urlparse(self.path).path).rsplit("/", 1)[-1]
                data = hub.files.get(name)
                if data is None:
                    self.send_error(404)
                    return
                hub.requested.append(f"{self.command} {name}")
                self.send_response(200)
                self.send_header("Content-Length", str(len(data)))
                self.send_header("ETag", f'"{hashlib.sha256(data).hexdigest()}"')
                self.send_header("X-Repo-Commit", hub.sha)
                self.end_headers()
                if send_body:
                    for i in range(0, len(data), 1 << 20):
                        self.wfile.write(data[i : i + (1 << 20)])
                        time.sleep(hub.delay)

            def do_HEAD(self) -> None:
                self._file(send_body=False)

            def do_GET(self) -> None:
                path = urlparse(self.path).path
                if path.startswith(f"/api/models/{hub.repo_id}/revision/"):
                    self._json({"id": hub.repo_id, "sha": hub.sha,
                                "siblings": [{"rfilename": n} for n in hub.files]})
                elif path.startswith(f"/api/models/{hub.repo_id}/tree/"):
                    self._json(hub.tree())
                elif f"/{hub.repo_id}/resolve/" in path:
                    self._file(send_body=True)
                else:
                    self.send_error(404)

        return Handler


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        pass  # a cancelled download closes its socket mid-file; that is expected here


@contextlib.contextmanager
def serve_fake_hub(repo_id: str, folder: Path, delay: float = 0.0) -> Iterator[tuple[FakeHub, str]]:
    """Serve ``folder`` as hub repo ``repo_id``; yields (hub, endpoint URL). ``delay`` seconds per MiB sent."""
    hub = FakeHub(repo_id, folder, delay)
    server = QuietServer(("127.0.0.1", 0), hub.handler())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield hub, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
