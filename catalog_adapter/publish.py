"""Publishing a built catalog to S3 for Lambda and many workers, with a version manifest.

Layout under the prefix:

    current.json                        the manifest: which version is live, its size and SHA-256,
                                        and the deltas published on top of it, in order
    versions/<version>/catalog.db       a complete index
    versions/<version>/deltas/<n>.json.gz
                                        price / stock / local-inventory updates to that version

The index is uploaded before the manifest names it, and the manifest is one PUT, so a reader
sees either the old version or the whole new one. Readers verify the SHA-256 before use.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import sqlite3
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from catalog_adapter.errors import CatalogConfigError, CatalogUnavailable
from catalog_adapter.s3 import (
    S3Location,
    botocore_errors,
    is_not_found,
    parse_s3_url,
    s3_client,
    transfer_errors,
)

MANIFEST_FORMAT = "ambient-shop-catalog-manifest/1"
MANIFEST_NAME = "current.json"
KEEP_VERSIONS = 3
_HASH_CHUNK = 1 << 20


@dataclass(frozen=True, slots=True)
class PublishedObject:
    """An object the manifest names, with what a reader checks it against."""

    key: str
    size: int
    sha256: str

    def as_dict(self) -> dict[str, Any]:
        return {"key": self.key, "size": self.size, "sha256": self.sha256}


@dataclass(frozen=True, slots=True)
class Delta:
    """One published update on top of a version; `seq` counts from 1."""

    seq: int
    object: PublishedObject
    rows: int
    published_at: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            **self.object.as_dict(),
            "rows": self.rows,
            "published_at": self.published_at,
        }


@dataclass(frozen=True, slots=True)
class Manifest:
    """The live version and its deltas, as `current.json` says."""

    version: str
    catalog: PublishedObject
    products: int
    published_at: int
    deltas: tuple[Delta, ...] = field(default=())
    # Earlier versions, newest first: what pruning keeps for readers still downloading them.
    previous: tuple[str, ...] = field(default=())

    @property
    def delta_seq(self) -> int:
        return self.deltas[-1].seq if self.deltas else 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "format": MANIFEST_FORMAT,
            "version": self.version,
            "published_at": self.published_at,
            "products": self.products,
            "catalog": self.catalog.as_dict(),
            "deltas": [d.as_dict() for d in self.deltas],
            "previous": list(self.previous),
        }

    @classmethod
    def from_bytes(cls, body: bytes, *, where: str) -> Manifest:
        """Parse a manifest; anything malformed is CatalogUnavailable (nothing is used)."""
        try:
            raw = json.loads(body)
            if raw.get("format") != MANIFEST_FORMAT:
                raise ValueError(f"format {raw.get('format')!r}, expected {MANIFEST_FORMAT!r}")
            catalog = _object(raw["catalog"])
            deltas = tuple(
                Delta(int(d["seq"]), _object(d), int(d["rows"]), int(d["published_at"]))
                for d in raw.get("deltas", [])
            )
            if [d.seq for d in deltas] != list(range(1, len(deltas) + 1)):
                raise ValueError("delta sequence numbers are not 1, 2, 3 ...")
            version = str(raw["version"])
            if not version or "/" in version:
                raise ValueError(f"bad version {version!r}")
            previous = tuple(str(v) for v in raw.get("previous", []))
            return cls(
                version,
                catalog,
                int(raw["products"]),
                int(raw["published_at"]),
                deltas,
                previous,
            )
        except (ValueError, KeyError, TypeError, AttributeError) as e:
            raise CatalogUnavailable(f"{where} is not a valid catalog manifest: {e}") from e


def _object(raw: dict[str, Any]) -> PublishedObject:
    sha = str(raw["sha256"])
    if len(sha) != 64 or any(c not in "0123456789abcdef" for c in sha):
        raise ValueError(f"bad sha256 {sha!r}")
    return PublishedObject(str(raw["key"]), int(raw["size"]), sha)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(_HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def new_version() -> str:
    """Sortable and unique: UTC time of publishing plus a random suffix."""
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + "-" + secrets.token_hex(4)


def read_manifest(client: Any, prefix: S3Location) -> Manifest | None:
    """The manifest under `prefix`, or None when nothing was published there yet."""
    where = prefix.child(MANIFEST_NAME)
    try:
        response = client.get_object(Bucket=where.bucket, Key=where.key)
        body = response["Body"].read()
    except botocore_errors() as e:
        if is_not_found(e):
            return None
        raise CatalogUnavailable(f"cannot read {where}: {e}") from e
    return Manifest.from_bytes(body, where=str(where))


def write_manifest(client: Any, prefix: S3Location, manifest: Manifest) -> None:
    where = prefix.child(MANIFEST_NAME)
    body = json.dumps(manifest.as_dict(), indent=1).encode()
    try:
        client.put_object(
            Bucket=where.bucket,
            Key=where.key,
            Body=body,
            ContentType="application/json",
            CacheControl="no-cache",
        )
    except botocore_errors() as e:
        raise CatalogUnavailable(f"cannot write {where}: {e}") from e


def catalog_meta(path: Path) -> dict[str, str]:
    """The meta table of a catalog file; CatalogConfigError when it is not a catalog."""
    from catalog_adapter.sqlite import FORMAT

    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            meta = dict(db.execute("SELECT key, value FROM meta"))
        finally:
            db.close()
    except sqlite3.DatabaseError as e:
        raise CatalogConfigError(f"{path} is not an Ambient Shop catalog: {e}") from e
    if meta.get("format") != FORMAT:
        raise CatalogConfigError(f"{path} is not a catalog of format {FORMAT!r}")
    return meta


def _stamp_version(path: Path, version: str) -> None:
    """Record in the file which published version it is, so deltas know their base."""
    db = sqlite3.connect(path, timeout=30)
    try:
        with db:
            db.execute("INSERT OR REPLACE INTO meta VALUES ('version', ?)", (version,))
            db.execute("INSERT OR REPLACE INTO meta VALUES ('delta_seq', '0')")
    finally:
        db.close()


@dataclass(frozen=True, slots=True)
class PublishReport:
    manifest: Manifest
    uploaded: bool
    removed_versions: tuple[str, ...] = ()

    def summary(self, prefix: S3Location) -> str:
        m = self.manifest
        if not self.uploaded:
            return f"{prefix}: version {m.version} is already the published one; nothing uploaded"
        text = (
            f"published version {m.version} to {prefix} "
            f"({m.products:,} products, {m.catalog.size:,} bytes, sha256 {m.catalog.sha256[:12]})"
        )
        if self.removed_versions:
            text += f"; removed old versions: {', '.join(self.removed_versions)}"
        return text


def publish_catalog(
    catalog_path: Path, destination: str, *, client: Any = None, keep: int = KEEP_VERSIONS
) -> PublishReport:
    """Upload the catalog as a new version and make it current; skip when it already is."""
    prefix = parse_s3_url(destination, prefix=True)
    client = client if client is not None else s3_client()
    meta = catalog_meta(catalog_path)
    current = read_manifest(client, prefix)
    if (
        current is not None
        and meta.get("version") == current.version
        and meta.get("delta_seq", "0") == str(current.delta_seq)
        and file_sha256(catalog_path) == current.catalog.sha256
    ):
        return PublishReport(current, uploaded=False)
    version = new_version()
    _stamp_version(catalog_path, version)
    size = catalog_path.stat().st_size
    sha256 = file_sha256(catalog_path)
    key = f"{prefix.key}versions/{version}/catalog.db"
    upload(client, catalog_path, S3Location(prefix.bucket, key), sha256=sha256)
    manifest = Manifest(
        version=version,
        catalog=PublishedObject(key, size, sha256),
        products=int(meta.get("products", "0")),
        published_at=int(time.time()),
        previous=() if current is None else (current.version, *current.previous)[: keep - 1],
    )
    write_manifest(client, prefix, manifest)
    removed = _prune(client, prefix, keep={version, *manifest.previous})
    return PublishReport(manifest, uploaded=True, removed_versions=removed)


def upload(client: Any, path: Path, where: S3Location, *, sha256: str) -> None:
    """Upload a file (multipart when large); CatalogUnavailable when S3 refuses."""
    try:
        client.upload_file(
            str(path), where.bucket, where.key, ExtraArgs={"Metadata": {"sha256": sha256}}
        )
    except transfer_errors() as e:
        raise CatalogUnavailable(f"cannot upload {path} to {where}: {e}") from e


def _prune(client: Any, prefix: S3Location, *, keep: set[str]) -> tuple[str, ...]:
    """Delete the versions the manifest no longer names; readers of those it names finish."""
    root = f"{prefix.key}versions/"
    versions: set[str] = set()
    keys: dict[str, list[str]] = {}
    try:
        paginator = client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=prefix.bucket, Prefix=root):
            for item in page.get("Contents", []):
                version = item["Key"][len(root) :].split("/", 1)[0]
                versions.add(version)
                keys.setdefault(version, []).append(item["Key"])
        old = sorted(versions - keep)
        for version in old:
            for start in range(0, len(keys[version]), 1000):
                batch = keys[version][start : start + 1000]
                client.delete_objects(
                    Bucket=prefix.bucket,
                    Delete={"Objects": [{"Key": k} for k in batch], "Quiet": True},
                )
    except botocore_errors():
        # Old versions are only storage; failing to remove them must not fail a publish.
        return ()
    return tuple(old)


def check_in_step(catalog_path: Path, manifest: Manifest | None, prefix: S3Location) -> None:
    """Refuse to publish a delta unless the local catalog is exactly the published state."""
    if manifest is None:
        raise CatalogConfigError(
            f"nothing is published at {prefix}; publish the catalog first "
            f"(`ambient-shop catalog publish {prefix}`)"
        )
    meta = catalog_meta(catalog_path)
    local = (meta.get("version", ""), meta.get("delta_seq", "0") or "0")
    if local != (manifest.version, str(manifest.delta_seq)):
        raise CatalogConfigError(
            f"{catalog_path} is version {local[0] or 'unpublished'} with {local[1]} update(s); "
            f"{prefix} serves version {manifest.version} with {manifest.delta_seq}: publish the "
            "local catalog as a new version instead"
        )


def publish_delta(
    delta_body: bytes, rows: int, manifest: Manifest, prefix: S3Location, *, client: Any
) -> Manifest:
    """Upload one delta on top of the manifest's version and name it in a new manifest."""
    seq = manifest.delta_seq + 1
    key = f"{prefix.key}versions/{manifest.version}/deltas/{seq:06d}.json.gz"
    sha256 = hashlib.sha256(delta_body).hexdigest()
    try:
        client.put_object(
            Bucket=prefix.bucket, Key=key, Body=delta_body, Metadata={"sha256": sha256}
        )
    except botocore_errors() as e:
        raise CatalogUnavailable(f"cannot upload s3://{prefix.bucket}/{key}: {e}") from e
    delta = Delta(seq, PublishedObject(key, len(delta_body), sha256), rows, int(time.time()))
    updated = replace(manifest, deltas=(*manifest.deltas, delta))
    write_manifest(client, prefix, updated)
    return updated
