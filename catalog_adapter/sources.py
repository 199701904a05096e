"""Feeds from where retailers keep them: local files, https:// URLs and s3://bucket/key objects.

Remote feeds are fetched into a cache directory beside the catalog. A URL is asked with the
validators of the last copy (`If-None-Match` / `If-Modified-Since`), so an unchanged feed
transfers nothing; an S3 object is asked with `IfNoneMatch` on its ETag. Bodies are
decompressed when gzipped (by transfer encoding or as a `.gz` file), capped in size, and
refused when they are an HTML page instead of a feed. A failed fetch raises FeedError and
leaves the cached copy, and so the catalog built from it, as it was.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import os
import time
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from email.utils import formatdate
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from catalog_adapter.errors import CatalogConfigError, FeedError

DEFAULT_MAX_BYTES = 4 * 1024**3  # Merchant Center's own limit for a feed file
CONNECT_TIMEOUT_S = 10.0
READ_TIMEOUT_S = 60.0
TOTAL_TIMEOUT_S = 15 * 60.0
CHUNK = 1 << 20
_HTML_STARTS = (b"<!doctype html", b"<html", b"<head", b"<body")
_GZIP_MAGIC = b"\x1f\x8b"
USER_AGENT = "ambient-shop-feed-fetcher/1"


@dataclass(frozen=True, slots=True)
class FetchedFeed:
    """One feed as a local file; `changed` is False when the source's copy is the cached one."""

    location: str
    path: Path
    changed: bool
    transferred: int
    sha256: str
    remote: bool


def is_remote(location: str) -> bool:
    return location.lower().startswith(("https://", "http://", "s3://"))


def _cache_name(location: str) -> str:
    return hashlib.sha256(location.encode()).hexdigest()[:32]


def _loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class _Sink:
    """Writes a body to a file: gunzips it when it is gzip, caps its size, spots HTML pages."""

    def __init__(self, path: Path, *, location: str, max_bytes: int, deadline: float) -> None:
        self.path = path
        self.location = location
        self.max_bytes = max_bytes
        self.deadline = deadline
        self.transferred = 0
        self.written = 0
        self.digest = hashlib.sha256()
        self._head = b""
        self._decided = False
        self._gunzip: Any = None
        self._member_open = False
        self._file = path.open("wb")

    def write(self, chunk: bytes) -> None:
        if time.monotonic() > self.deadline:
            raise FeedError(f"{self.location}: took longer than {TOTAL_TIMEOUT_S:.0f} s")
        self.transferred += len(chunk)
        if not self._decided:
            self._head += chunk
            if len(self._head) < 512:
                return
            chunk, self._head = self._head, b""
            self._decide(chunk)
        self._out(chunk)

    def _decide(self, first: bytes) -> None:
        self._decided = True
        if first.startswith(_GZIP_MAGIC):
            self._gunzip = zlib.decompressobj(16 + zlib.MAX_WBITS)

    def _out(self, chunk: bytes) -> None:
        if self._gunzip is not None:
            data = self._inflate(chunk)
        else:
            data = chunk
        if not data:
            return
        if self.written == 0:
            start = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:64].lower()
            if start.startswith(_HTML_STARTS):
                raise FeedError(
                    f"{self.location}: answered with an HTML page, not a feed "
                    "(a login or error page?)"
                )
        self.written += len(data)
        if self.written > self.max_bytes:
            raise FeedError(f"{self.location}: larger than the limit of {self.max_bytes:,} bytes")
        self.digest.update(data)
        self._file.write(data)

    def _inflate(self, chunk: bytes) -> bytes:
        out: list[bytes] = []
        produced = 0
        try:
            while chunk:
                self._member_open = True
                # Inflate no more than the limit allows, so a gzip bomb stops early.
                room = max(self.max_bytes - self.written - produced + 1, 1)
                part = self._gunzip.decompress(chunk, room)
                out.append(part)
                produced += len(part)
                if produced + self.written > self.max_bytes:
                    break
                chunk = self._gunzip.unconsumed_tail
                if self._gunzip.eof:
                    # Concatenated gzip members are one stream (what `gzip -c a b` writes).
                    chunk = self._gunzip.unused_data + chunk
                    self._gunzip = zlib.decompressobj(16 + zlib.MAX_WBITS)
                    self._member_open = False
                    if not chunk.strip(b"\x00"):
                        break
        except zlib.error as e:
            raise FeedError(f"{self.location}: broken gzip data ({e})") from e
        return b"".join(out)

    def finish(self) -> str:
        """Flush what is buffered; the body's SHA-256 (of the decompressed feed)."""
        if not self._decided:
            head, self._head = self._head, b""
            self._decide(head)
            self._out(head)
        if self._gunzip is not None and self._member_open:
            raise FeedError(f"{self.location}: the gzip data is truncated")
        self._file.close()
        if self.written == 0:
            raise FeedError(f"{self.location}: the feed is empty")
        return self.digest.hexdigest()

    def abandon(self) -> None:
        self._file.close()
        self.path.unlink(missing_ok=True)


class FeedFetcher:
    """Fetches feeds into `cache_dir`, remembering validators for conditional requests."""

    def __init__(
        self,
        cache_dir: Path,
        *,
        session: Any = None,
        s3: Any = None,
        max_bytes: int = DEFAULT_MAX_BYTES,
        connect_timeout_s: float = CONNECT_TIMEOUT_S,
        read_timeout_s: float = READ_TIMEOUT_S,
    ) -> None:
        self.cache_dir = Path(cache_dir)
        self.max_bytes = max_bytes
        self.timeout = (connect_timeout_s, read_timeout_s)
        self._session = session
        self._s3 = s3

    # -- the cache --------------------------------------------------------------------------

    def _paths(self, location: str) -> tuple[Path, Path]:
        name = _cache_name(location)
        return self.cache_dir / f"{name}.feed", self.cache_dir / f"{name}.json"

    def _validators(self, location: str) -> dict[str, str]:
        body, state = self._paths(location)
        if not body.is_file():
            return {}
        try:
            found = json.loads(state.read_text())
        except (OSError, ValueError):
            return {}
        return found if isinstance(found, dict) and found.get("location") == location else {}

    def _keep(self, location: str, tmp: Path, sha256: str, validators: dict[str, str]) -> Path:
        body, state = self._paths(location)
        os.replace(tmp, body)
        record = {"location": location, "sha256": sha256, **validators}
        state_tmp = state.with_suffix(".json.tmp")
        state_tmp.write_text(json.dumps(record))
        os.replace(state_tmp, state)
        return body

    def _unchanged(self, location: str, validators: dict[str, str]) -> FetchedFeed:
        body, _ = self._paths(location)
        return FetchedFeed(location, body, False, 0, validators.get("sha256", ""), True)

    # -- fetching ---------------------------------------------------------------------------

    def fetch(self, location: str) -> FetchedFeed:
        """The feed at `location` as a local file; files are used where they are."""
        lowered = location.lower()
        if lowered.startswith(("https://", "http://")):
            return self._fetch_http(location)
        if lowered.startswith("s3://"):
            return self._fetch_s3(location)
        path = Path(location)
        if not path.is_file():
            raise FeedError(f"feed file {location} does not exist")
        return FetchedFeed(location, path, True, 0, "", False)

    def _start(self, location: str) -> tuple[_Sink, dict[str, str]]:
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        body, _ = self._paths(location)
        tmp = body.with_name(f"{body.name}.{os.getpid()}.part")
        deadline = time.monotonic() + TOTAL_TIMEOUT_S
        sink = _Sink(tmp, location=location, max_bytes=self.max_bytes, deadline=deadline)
        return sink, self._validators(location)

    def _finish(
        self, location: str, sink: _Sink, chunks: Iterable[bytes], validators: dict[str, str]
    ) -> FetchedFeed:
        previous = self._validators(location)
        try:
            for chunk in chunks:
                sink.write(chunk)
            sha256 = sink.finish()
        except BaseException:
            sink.abandon()
            raise
        path = self._keep(location, sink.path, sha256, validators)
        changed = previous.get("sha256") != sha256
        return FetchedFeed(location, path, changed, sink.transferred, sha256, True)

    def _http_session(self) -> Any:
        if self._session is None:
            import requests
            from requests.adapters import HTTPAdapter
            from urllib3.util.retry import Retry

            session = requests.Session()
            retry = Retry(
                total=2,
                connect=2,
                read=0,
                status=2,
                status_forcelist=(502, 503, 504),
                backoff_factor=0.5,
                allowed_methods=("GET",),
                raise_on_status=False,
            )
            session.mount("https://", HTTPAdapter(max_retries=retry))
            session.mount("http://", HTTPAdapter(max_retries=retry))
            session.headers["User-Agent"] = USER_AGENT
            self._session = session
        return self._session

    def _fetch_http(self, location: str) -> FetchedFeed:
        import requests

        parts = urlsplit(location)
        if parts.scheme.lower() == "http" and not _loopback(parts.hostname or ""):
            raise CatalogConfigError(
                f"{location}: feeds are fetched over https:// only (plain http:// is allowed "
                "for 127.0.0.1/localhost, for local testing)"
            )
        sink, known = self._start(location)
        headers = {"Accept-Encoding": "gzip"}
        if known.get("etag"):
            headers["If-None-Match"] = known["etag"]
        if known.get("last_modified"):
            headers["If-Modified-Since"] = known["last_modified"]
        try:
            response = self._http_session().get(
                location, headers=headers, stream=True, timeout=self.timeout
            )
        except requests.Timeout as e:
            sink.abandon()
            raise FeedError(f"{location}: timed out ({e.__class__.__name__})") from e
        except requests.RequestException as e:
            sink.abandon()
            raise FeedError(f"{location}: cannot fetch ({e.__class__.__name__}: {e})") from e
        with response:
            if response.status_code == 304 and known:
                sink.abandon()
                return self._unchanged(location, known)
            if response.status_code != 200:
                sink.abandon()
                raise FeedError(
                    f"{location}: answered HTTP {response.status_code} "
                    f"{response.reason or ''}".rstrip()
                )
            content_type = response.headers.get("Content-Type", "").lower()
            if content_type.startswith(("text/html", "application/xhtml")):
                sink.abandon()
                raise FeedError(
                    f"{location}: answered with an HTML page ({content_type}), not a feed"
                )
            encoding = response.headers.get("Content-Encoding", "identity").strip().lower()
            if encoding not in ("", "identity", "gzip", "x-gzip"):
                sink.abandon()
                raise FeedError(f"{location}: answered in an unsupported encoding {encoding!r}")
            validators = {}
            if response.headers.get("ETag"):
                validators["etag"] = response.headers["ETag"]
            validators["last_modified"] = response.headers.get("Last-Modified") or formatdate(
                usegmt=True
            )
            return self._finish(location, sink, self._http_chunks(location, response), validators)

    @staticmethod
    def _http_chunks(location: str, response: Any) -> Iterator[bytes]:
        import requests
        import urllib3

        # Raw bytes as sent: the sink gunzips them, so what crossed the wire is what is counted.
        try:
            yield from response.raw.stream(CHUNK, decode_content=False)
        except (requests.RequestException, urllib3.exceptions.HTTPError) as e:
            raise FeedError(f"{location}: the transfer broke off ({e.__class__.__name__})") from e

    def _fetch_s3(self, location: str) -> FetchedFeed:
        from catalog_adapter.s3 import botocore_errors, error_code, parse_s3_url, s3_client

        where = parse_s3_url(location)
        client = self._s3 if self._s3 is not None else s3_client()
        sink, known = self._start(location)
        request: dict[str, Any] = {"Bucket": where.bucket, "Key": where.key}
        if known.get("etag"):
            request["IfNoneMatch"] = known["etag"]
        try:
            response = client.get_object(**request)
        except botocore_errors() as e:
            sink.abandon()
            if error_code(e) in ("304", "NotModified") and known:
                return self._unchanged(location, known)
            raise FeedError(f"{location}: cannot fetch ({error_code(e) or e})") from e
        body = response["Body"]
        validators = {"etag": response.get("ETag", "")}

        def chunks() -> Iterator[bytes]:
            try:
                yield from body.iter_chunks(CHUNK)
            except botocore_errors() as e:
                raise FeedError(f"{location}: the transfer broke off ({e})") from e
            finally:
                body.close()

        return self._finish(location, sink, chunks(), validators)


@dataclass(frozen=True, slots=True)
class FeedSet:
    """The feeds of one import, fetched; `unchanged` when none differs from the last import."""

    feeds: dict[str, FetchedFeed]
    unchanged: bool
    transferred: int

    def path(self, role: str) -> Path | None:
        found = self.feeds.get(role)
        return None if found is None else found.path


def imports_record(catalog_path: Path) -> Path:
    """Where the feed digests of the last successful import are kept, beside the catalog."""
    return feed_cache_dir(catalog_path) / "imported.json"


def feed_cache_dir(catalog_path: Path) -> Path:
    return catalog_path.with_name(f".{catalog_path.name}.feeds")


def fetch_feed_set(
    catalog_path: Path,
    locations: dict[str, str | None],
    *,
    fetcher: FeedFetcher | None = None,
) -> FeedSet:
    """Fetch every named feed (role -> location); unchanged when all are remote and as imported."""
    fetcher = fetcher or FeedFetcher(feed_cache_dir(catalog_path))
    feeds = {role: fetcher.fetch(loc) for role, loc in locations.items() if loc}
    last = _last_import(catalog_path)
    unchanged = (
        catalog_path.is_file()
        and bool(feeds)
        and all(f.remote for f in feeds.values())
        and {role: f.location for role, f in feeds.items()} == last.get("locations")
        and {role: f.sha256 for role, f in feeds.items()} == last.get("sha256")
    )
    transferred = sum(f.transferred for f in feeds.values())
    return FeedSet(feeds, unchanged, transferred)


def _last_import(catalog_path: Path) -> dict[str, Any]:
    try:
        found = json.loads(imports_record(catalog_path).read_text())
    except (OSError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}


def record_import(catalog_path: Path, feeds: FeedSet) -> None:
    """Remember which feed contents the catalog was built from (after a successful import)."""
    record = imports_record(catalog_path)
    if not any(f.remote for f in feeds.feeds.values()):
        record.unlink(missing_ok=True)
        return
    record.parent.mkdir(parents=True, exist_ok=True)
    body = {
        "locations": {role: f.location for role, f in feeds.feeds.items()},
        "sha256": {role: f.sha256 for role, f in feeds.feeds.items()},
    }
    tmp = record.with_suffix(".tmp")
    tmp.write_text(json.dumps(body))
    os.replace(tmp, record)
