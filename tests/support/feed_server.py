"""A retailer's feed host on 127.0.0.1: files with ETag / Last-Modified, gzip, and faults.

It honours conditional GETs like a web server or CDN does, and counts the body bytes it sends,
so tests can prove that a second fetch of an unchanged feed transfers nothing.
"""

from __future__ import annotations

import gzip
import hashlib
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Literal

Fault = Literal["slow", "fail", "html"]


@dataclass
class FeedHost:
    """What the server serves; change it between requests from the test."""

    files: dict[str, bytes] = field(default_factory=dict)
    modified: dict[str, float] = field(default_factory=dict)
    faults: dict[str, Fault] = field(default_factory=dict)
    delay_s: float = 5.0
    body_bytes_sent: int = 0
    statuses: list[tuple[str, int]] = field(default_factory=list)
    base_url: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def put(self, path: str, body: bytes) -> str:
        """Serve `body` at `path`; the URL to fetch it."""
        with self.lock:
            self.files[path] = body
            self.modified[path] = time.time()
        return self.base_url + path

    def url(self, path: str) -> str:
        return self.base_url + path


def _handler(host: FeedHost) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            return

        def _answer(self, status: int, body: bytes, headers: dict[str, str]) -> None:
            # Recorded before the answer goes out: a client that has read it must find it here.
            with host.lock:
                host.body_bytes_sent += len(body)
                host.statuses.append((self.path, status))
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if body:
                self.wfile.write(body)

        def do_GET(self) -> None:  # noqa: N802
            fault = host.faults.get(self.path)
            if fault == "slow":
                time.sleep(host.delay_s)
            if fault == "fail":
                self._answer(500, b"internal error", {"Content-Type": "text/plain"})
                return
            if fault == "html":
                page = b"<!DOCTYPE html><html><body>Please sign in</body></html>"
                self._answer(200, page, {"Content-Type": "text/html; charset=utf-8"})
                return
            with host.lock:
                body = host.files.get(self.path)
                modified = host.modified.get(self.path, 0.0)
            if body is None:
                self._answer(404, b"not found", {"Content-Type": "text/plain"})
                return
            etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
            last_modified = formatdate(modified, usegmt=True)
            if self.headers.get("If-None-Match") == etag:
                self._answer(304, b"", {"ETag": etag, "Last-Modified": last_modified})
                return
            headers = {
                "ETag": etag,
                "Last-Modified": last_modified,
                "Content-Type": "text/tab-separated-values",
            }
            if "gzip" in self.headers.get("Accept-Encoding", "") and self.path.endswith(".tsv"):
                body = gzip.compress(body)
                headers["Content-Encoding"] = "gzip"
            self._answer(200, body, headers)

    return Handler


@contextmanager
def feed_server() -> Iterator[FeedHost]:
    """Serve a FeedHost on a free port for the length of the block."""
    host = FeedHost()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(host))
    server.daemon_threads = True
    host.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield host
    finally:
        server.shutdown()
        server.server_close()
