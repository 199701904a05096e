"""The embedded catalog served from S3 ("sqlite+s3.v1"): `sqlite+s3://bucket/prefix/`.

On start the published version is downloaded to local disk (Lambda: under /tmp), its size and
SHA-256 checked against the manifest, and opened as the embedded SQLite catalog. While it
serves, at most every `refresh_minutes` a background thread looks at the manifest: a new
version is downloaded beside the live file, verified and swapped in with `os.replace`; new
deltas (price, stock, local inventory) are verified and applied in one transaction. A turn never
waits for either: the reader's next call opens the new file and closes its old connection.
A download that fails its checksum is refused and the current version keeps serving.

URL options: `?refresh_minutes=5` (0 looks on every call, still in the background; `off`
never looks again after start) and `?dir=/path` (default `$AMBIENT_SHOP_DATA_DIR/catalog-s3/...`).
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from catalog_adapter.errors import AmbientShopError, CatalogConfigError, CatalogUnavailable
from catalog_adapter.models import (
    Appearance,
    CatalogHealth,
    Product,
    ProductQuery,
    SeenOnResult,
    Store,
    StoreAvailability,
)
from catalog_adapter.publish import (
    Delta,
    Manifest,
    PublishedObject,
    catalog_meta,
    file_sha256,
    read_manifest,
)
from catalog_adapter.registry import register
from catalog_adapter.s3 import S3Location, parse_s3_url, s3_client, transfer_errors
from catalog_adapter.sqlite.catalog import Ranking, SqliteCatalog

log = logging.getLogger(__name__)

DEFAULT_REFRESH_MINUTES = 5.0
CATALOG_FILE = "catalog.db"


@dataclass(frozen=True, slots=True)
class LocalVersion:
    version: str
    delta_seq: int


def local_version(path: Path) -> LocalVersion | None:
    """Which published version (and how many of its deltas) a local file holds, if any."""
    if not path.is_file():
        return None
    try:
        meta = catalog_meta(path)
    except CatalogConfigError:
        return None
    return LocalVersion(meta.get("version", ""), int(meta.get("delta_seq", "0") or 0))


def download_verified(client: Any, bucket: str, item: PublishedObject, target: Path) -> None:
    """Download one published object to `target`; refuse it unless size and SHA-256 match."""
    where = f"s3://{bucket}/{item.key}"
    try:
        client.download_file(bucket, item.key, str(target))
    except transfer_errors() as e:
        target.unlink(missing_ok=True)
        raise CatalogUnavailable(f"cannot download {where}: {e}") from e
    size = target.stat().st_size
    if size != item.size:
        target.unlink(missing_ok=True)
        raise CatalogUnavailable(
            f"{where} is {size:,} bytes, the manifest says {item.size:,}: truncated or replaced"
        )
    if file_sha256(target) != item.sha256:
        target.unlink(missing_ok=True)
        raise CatalogUnavailable(f"{where} does not match its SHA-256 in the manifest: tampered")


def sync_copy(client: Any, prefix: S3Location, manifest: Manifest, path: Path) -> str:
    """Bring the local copy at `path` to the manifest's state; what was done, for logs."""
    local = local_version(path)
    if local is None or local.version != manifest.version:
        _replace_with(client, prefix, manifest, path)
        return f"downloaded version {manifest.version}"
    if local.delta_seq < manifest.delta_seq:
        _apply_deltas(client, prefix, path, manifest.deltas[local.delta_seq :])
        return f"applied deltas {local.delta_seq + 1}..{manifest.delta_seq}"
    return "up to date"


def _scratch(path: Path, what: str) -> Path:
    return path.with_name(f".{path.name}.{what}.{os.getpid()}-{secrets.token_hex(4)}")


def _replace_with(client: Any, prefix: S3Location, manifest: Manifest, path: Path) -> None:
    """Download the version beside the live file, verify it, add its deltas, swap it in."""
    started = time.perf_counter()
    tmp = _scratch(path, "download")
    try:
        download_verified(client, prefix.bucket, manifest.catalog, tmp)
        found = local_version(tmp)
        if found is None or found.version != manifest.version:
            raise CatalogUnavailable(
                f"s3://{prefix.bucket}/{manifest.catalog.key} is not version "
                f"{manifest.version} of an Ambient Shop catalog"
            )
        _apply_deltas(client, prefix, tmp, manifest.deltas)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
        Path(f"{tmp}-journal").unlink(missing_ok=True)
    log.info(
        "catalog: version %s (%s products) in place after %.1f s",
        manifest.version,
        manifest.products,
        time.perf_counter() - started,
    )


def _apply_deltas(client: Any, prefix: S3Location, path: Path, deltas: tuple[Delta, ...]) -> None:
    if not deltas:
        return
    from catalog_adapter.updates import apply_delta_file

    for delta in deltas:
        tmp = _scratch(path, f"delta-{delta.seq}")
        try:
            download_verified(client, prefix.bucket, delta.object, tmp)
            apply_delta_file(path, tmp, seq=delta.seq)
        finally:
            tmp.unlink(missing_ok=True)


class S3SyncedCatalog:
    """A Catalog over a local copy of the published index, kept in step with S3."""

    def __init__(
        self,
        prefix: S3Location,
        *,
        directory: Path,
        refresh_s: float | None = DEFAULT_REFRESH_MINUTES * 60,
        ranking: Ranking = "blended",
        client: Any = None,
    ) -> None:
        self.prefix = prefix
        self.directory = Path(directory)
        self.path = self.directory / CATALOG_FILE
        self.refresh_s = refresh_s
        self.last_error: str | None = None
        self._client = client if client is not None else s3_client()
        self._lock = threading.Lock()
        self._sync_lock = threading.Lock()
        self._refreshing = False
        self._closed = False
        self.directory.mkdir(parents=True, exist_ok=True)
        self._start()
        self._last_check = time.monotonic()
        self._inner = SqliteCatalog(self.path, ranking=ranking)

    # -- keeping in step --------------------------------------------------------------------

    def _start(self) -> None:
        try:
            manifest = read_manifest(self._client, self.prefix)
        except CatalogUnavailable as e:
            if local_version(self.path) is None:
                raise
            self.last_error = str(e)
            log.warning("catalog: %s; serving the local copy %s until S3 answers", e, self.path)
            return
        if manifest is None:
            if local_version(self.path) is not None:
                log.warning("catalog: nothing published at %s; serving the local copy", self.prefix)
                return
            raise CatalogConfigError(
                f"nothing is published at {self.prefix}; build an index and run "
                f"`ambient-shop catalog publish {self.prefix}`"
            )
        try:
            self._sync(manifest)
        except CatalogUnavailable as e:
            if local_version(self.path) is None:
                raise
            self.last_error = str(e)
            log.warning("catalog: %s; serving the local copy %s", e, self.path)

    def _sync(self, manifest: Manifest) -> str:
        with self._sync_lock:
            return sync_copy(self._client, self.prefix, manifest, self.path)

    def refresh_now(self) -> str:
        """Look at the manifest and catch up now; CatalogUnavailable when that fails."""
        try:
            manifest = read_manifest(self._client, self.prefix)
            if manifest is None:
                return "nothing published"
            outcome = self._sync(manifest)
        except (AmbientShopError, OSError) as e:
            self.last_error = str(e)
            raise
        self.last_error = None
        return outcome

    def _background_refresh(self) -> None:
        try:
            outcome = self.refresh_now()
            if outcome != "up to date":
                log.info("catalog: %s from %s", outcome, self.prefix)
        except (AmbientShopError, OSError) as e:
            log.warning("catalog: keeping the current version: %s", e)
        except Exception as e:  # a refresh must never take the serving catalog down
            self.last_error = f"{e.__class__.__name__}: {e}"
            log.exception("catalog: refresh from %s failed", self.prefix)
        finally:
            with self._lock:
                self._refreshing = False

    def _tick(self) -> None:
        """Start a background refresh when one is due; never waits for it."""
        if self.refresh_s is None or self._closed:
            return
        now = time.monotonic()
        if self._refreshing or now - self._last_check < self.refresh_s:
            return
        with self._lock:
            if self._refreshing or now - self._last_check < self.refresh_s:
                return
            self._refreshing = True
            self._last_check = now
        threading.Thread(
            target=self._background_refresh, name="catalog-refresh", daemon=True
        ).start()

    # -- the Catalog protocol ---------------------------------------------------------------

    def search(self, query: ProductQuery) -> list[Product]:
        self._tick()
        return self._inner.search(query)

    def get(self, product_id: str) -> Product | None:
        self._tick()
        return self._inner.get(product_id)

    def availability(self, product_id: str, *, store: str | None = None) -> list[StoreAvailability]:
        self._tick()
        return self._inner.availability(product_id, store=store)

    def appearances(
        self,
        *,
        person: str | None = None,
        media: str | None = None,
        product_type: str | None = None,
    ) -> list[Appearance]:
        self._tick()
        return self._inner.appearances(person=person, media=media, product_type=product_type)

    def seen_on(
        self,
        *,
        person: str | None = None,
        media: str | None = None,
        product_type: str | None = None,
        limit: int = 3,
    ) -> SeenOnResult:
        self._tick()
        return self._inner.seen_on(
            person=person, media=media, product_type=product_type, limit=limit
        )

    def variants(self, product_id: str) -> list[Product]:
        self._tick()
        return self._inner.variants(product_id)

    def stores(self) -> list[Store]:
        self._tick()
        return self._inner.stores()

    def store(self, spoken: str) -> Store | None:
        self._tick()
        return self._inner.store(spoken)

    def vocabulary(self) -> dict[str, list[str]]:
        return self._inner.vocabulary()

    def stats(self) -> dict[str, Any]:
        found = dict(self._inner.stats())
        local = local_version(self.path)
        found["published_version"] = local.version if local else None
        found["deltas_applied"] = local.delta_seq if local else 0
        found["source"] = str(self.prefix)
        found["last_refresh_error"] = self.last_error
        return found

    def health(self) -> CatalogHealth:
        """The local copy's health, with the version it serves and any failed refresh."""
        inner = self._inner.health()
        local = local_version(self.path)
        detail = (
            f"{inner.detail}; version {local.version if local else 'unknown'} from {self.prefix}"
        )
        if self.last_error:
            # Still serving: an S3 outage or a refused upload must not fail the health check.
            detail += f"; last refresh failed: {self.last_error}"
        return CatalogHealth(ok=inner.ok, detail=detail)

    def __getattr__(self, name: str) -> Any:
        # Whatever else the embedded catalog answers beyond the port, from the same file.
        if name.startswith("_"):
            raise AttributeError(name)
        self._tick()
        return getattr(self._inner, name)

    def close(self) -> None:
        self._closed = True
        self._inner.close()


def _default_directory(prefix: S3Location) -> Path:
    data_dir = Path(os.environ.get("AMBIENT_SHOP_DATA_DIR", "").strip() or "var")
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", f"{prefix.bucket}/{prefix.key}".strip("/"))
    return data_dir / "catalog-s3" / safe


def _refresh_seconds(options: dict[str, list[str]], url: str) -> float | None:
    raw = options.get("refresh_minutes", [str(DEFAULT_REFRESH_MINUTES)])[-1].strip().lower()
    if raw in ("off", "never", "none"):
        return None
    try:
        minutes = float(raw)
    except ValueError:
        minutes = -1.0
    if not minutes >= 0:
        raise CatalogConfigError(
            f"catalog URL {url!r}: refresh_minutes must be a number >= 0 or 'off', not {raw!r}"
        )
    return minutes * 60


@register("sqlite+s3.v1", schemes=("sqlite+s3",))
def open_s3_catalog(
    url: str, *, ranking: Ranking = "blended", client: Any = None
) -> S3SyncedCatalog:
    """Open `sqlite+s3://bucket/prefix/?refresh_minutes=5&dir=/tmp/catalog`."""
    prefix = parse_s3_url(url, prefix=True)
    options = parse_qs(url.partition("?")[2])
    unknown = set(options) - {"refresh_minutes", "dir"}
    if unknown:
        raise CatalogConfigError(
            f"catalog URL {url!r}: unknown option(s) {', '.join(sorted(unknown))} "
            "(known: refresh_minutes, dir)"
        )
    directory = Path(options["dir"][-1]) if "dir" in options else _default_directory(prefix)
    return S3SyncedCatalog(
        prefix,
        directory=directory,
        refresh_s=_refresh_seconds(options, url),
        ranking=ranking,
        client=client,
    )
