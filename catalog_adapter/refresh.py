"""The scheduled catalog refresh: fetch the retailer's feeds, rebuild or update, publish to S3.

Run by EventBridge on AWS Lambda (`handler`) or from a shell / cron (`ambient-shop catalog
refresh`). Two modes:

- `full`: fetch the product feed (and inventory, stores, appearances feeds); when any changed
  since the published version was built, import them on top of the published index (so
  retired products are kept for carts) and publish a new version.
- `updates`: fetch the price/availability and local-inventory feeds; when they changed, apply
  them to the published index and publish the rows as a delta (no rebuild, no new version).

What each published state was built from (feed SHA-256s) is kept in `refresh-state.json` under
the prefix, so an unchanged feed publishes nothing even on a cold container.
"""

from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from catalog_adapter.errors import AmbientShopError, CatalogConfigError, CatalogUnavailable
from catalog_adapter.publish import (
    check_in_step,
    publish_catalog,
    publish_delta,
    read_manifest,
)
from catalog_adapter.s3 import S3Location, botocore_errors, is_not_found, parse_s3_url, s3_client
from catalog_adapter.s3_catalog import sync_copy
from catalog_adapter.sources import FeedFetcher, FetchedFeed

log = logging.getLogger(__name__)

STATE_NAME = "refresh-state.json"
FULL_ROLES = ("products", "inventory", "stores", "appearances")
UPDATE_ROLES = ("prices", "inventory")
ENV = {
    "publish_to": "AMBIENT_SHOP_PUBLISH_TO",
    "products": "AMBIENT_SHOP_PRODUCT_FEED",
    "inventory": "AMBIENT_SHOP_INVENTORY_FEED",
    "stores": "AMBIENT_SHOP_STORES_FEED",
    "appearances": "AMBIENT_SHOP_APPEARANCES_FEED",
    "prices": "AMBIENT_SHOP_PRICE_FEED",
    "currency": "AMBIENT_SHOP_CURRENCY",
}


@dataclass(frozen=True, slots=True)
class RefreshConfig:
    """Where to publish and which feeds to read; empty feeds are not used."""

    publish_to: str
    feeds: dict[str, str]
    work_dir: Path
    currency: str = "USD"

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> RefreshConfig:
        env = os.environ if environ is None else environ
        publish_to = env.get(ENV["publish_to"], "").strip()
        if not publish_to:
            raise CatalogConfigError(f"set {ENV['publish_to']} to s3://bucket/prefix/")
        feeds = {
            role: env.get(ENV[role], "").strip()
            for role in ("products", "inventory", "stores", "appearances", "prices")
        }
        data_dir = Path(env.get("AMBIENT_SHOP_DATA_DIR", "").strip() or "var")
        return cls(
            publish_to=publish_to,
            feeds={role: url for role, url in feeds.items() if url},
            work_dir=data_dir / "catalog-refresh",
            currency=env.get(ENV["currency"], "").strip() or "USD",
        )


@dataclass
class RefreshOutcome:
    """What a run did, as the function's result and log line."""

    mode: str
    action: str  # "published", "delta", "unchanged"
    version: str | None = None
    delta_seq: int | None = None
    products: int | None = None
    transferred: int = 0
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "action": self.action,
            "version": self.version,
            "delta": self.delta_seq,
            "products": self.products,
            "bytes_transferred": self.transferred,
            "seconds": round(self.seconds, 3),
            "notes": self.notes,
        }


def _read_state(client: Any, prefix: S3Location) -> dict[str, Any]:
    where = prefix.child(STATE_NAME)
    try:
        body = client.get_object(Bucket=where.bucket, Key=where.key)["Body"].read()
    except botocore_errors() as e:
        if is_not_found(e):
            return {}
        raise CatalogUnavailable(f"cannot read {where}: {e}") from e
    try:
        found = json.loads(body)
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def _write_state(client: Any, prefix: S3Location, state: dict[str, Any]) -> None:
    where = prefix.child(STATE_NAME)
    try:
        client.put_object(
            Bucket=where.bucket,
            Key=where.key,
            Body=json.dumps(state, indent=1).encode(),
            ContentType="application/json",
        )
    except botocore_errors() as e:
        raise CatalogUnavailable(f"cannot write {where}: {e}") from e


def _fetch(fetcher: FeedFetcher, feeds: dict[str, str], roles: tuple[str, ...]) -> dict[str, Any]:
    return {role: fetcher.fetch(feeds[role]) for role in roles if role in feeds}


def _digests(fetched: dict[str, FetchedFeed]) -> dict[str, str]:
    return {role: f.sha256 or f.location for role, f in fetched.items()}


def run_refresh(config: RefreshConfig, *, mode: str, client: Any = None) -> RefreshOutcome:
    """One scheduled run; FeedError/CatalogUnavailable leave everything published as it was."""
    if mode not in ("full", "updates"):
        raise CatalogConfigError(f"refresh mode must be 'full' or 'updates', not {mode!r}")
    started = time.perf_counter()
    prefix = parse_s3_url(config.publish_to, prefix=True)
    client = client if client is not None else s3_client()
    config.work_dir.mkdir(parents=True, exist_ok=True)
    local = config.work_dir / "catalog.db"
    fetcher = FeedFetcher(config.work_dir / "feeds", s3=client)
    manifest = read_manifest(client, prefix)
    state = _read_state(client, prefix)
    if mode == "full":
        outcome = _full(config, prefix, client, fetcher, manifest, state, local)
    else:
        outcome = _updates(config, prefix, client, fetcher, manifest, state, local)
    outcome.seconds = time.perf_counter() - started
    return outcome


def _full(
    config: RefreshConfig,
    prefix: S3Location,
    client: Any,
    fetcher: FeedFetcher,
    manifest: Any,
    state: dict[str, Any],
    local: Path,
) -> RefreshOutcome:
    from catalog_adapter.feeds import import_feeds
    from catalog_adapter.updates import update_catalog

    if "products" not in config.feeds:
        raise CatalogConfigError(f"set {ENV['products']} to the product feed's URL")
    fetched = _fetch(fetcher, config.feeds, FULL_ROLES)
    transferred = sum(f.transferred for f in fetched.values())
    digests = _digests(fetched)
    if manifest is not None and state.get("built_from") == digests:
        return RefreshOutcome(
            "full",
            "unchanged",
            manifest.version,
            manifest.delta_seq,
            manifest.products,
            transferred,
        )
    if manifest is not None:
        # Build on the published index: ids that left the feed are retired, not forgotten.
        sync_copy(client, prefix, manifest, local)
    else:
        local.unlink(missing_ok=True)
    report = import_feeds(
        local,
        products=fetched["products"].path,
        inventory=fetched["inventory"].path if "inventory" in fetched else None,
        stores=fetched["stores"].path if "stores" in fetched else None,
        appearances=fetched["appearances"].path if "appearances" in fetched else None,
        currency=config.currency,
    )
    notes = [report.summary().replace("\n", "; ")]
    updates_from = {}
    if "prices" in config.feeds:
        prices = fetcher.fetch(config.feeds["prices"])
        transferred += prices.transferred
        update, _ = update_catalog(local, prices=prices.path)
        updates_from = {"prices": prices.sha256}
        notes.append(update.summary().replace("\n", "; "))
    published = publish_catalog(local, config.publish_to, client=client)
    if "inventory" in fetched:
        updates_from["inventory"] = fetched["inventory"].sha256
    _write_state(
        client,
        prefix,
        {
            "built_from": digests,
            "updates_from": updates_from,
            "version": published.manifest.version,
        },
    )
    m = published.manifest
    return RefreshOutcome("full", "published", m.version, 0, m.products, transferred, notes=notes)


def _updates(
    config: RefreshConfig,
    prefix: S3Location,
    client: Any,
    fetcher: FeedFetcher,
    manifest: Any,
    state: dict[str, Any],
    local: Path,
) -> RefreshOutcome:
    from catalog_adapter.updates import update_catalog

    fetched = _fetch(fetcher, config.feeds, UPDATE_ROLES)
    if not fetched:
        # The update schedule runs whether or not the retailer has such feeds.
        note = f"no {ENV['prices']} or {ENV['inventory']}: nothing to update"
        return RefreshOutcome("updates", "unchanged", notes=[note])
    if manifest is None:
        raise CatalogConfigError(f"nothing is published at {prefix} yet; run a full refresh first")
    transferred = sum(f.transferred for f in fetched.values())
    digests = _digests(fetched)
    if state.get("version") == manifest.version and state.get("updates_from") == digests:
        return RefreshOutcome(
            "updates",
            "unchanged",
            manifest.version,
            manifest.delta_seq,
            manifest.products,
            transferred,
        )
    sync_copy(client, prefix, manifest, local)
    check_in_step(local, manifest, prefix)
    report, delta = update_catalog(
        local,
        prices=fetched["prices"].path if "prices" in fetched else None,
        inventory=fetched["inventory"].path if "inventory" in fetched else None,
    )
    notes = [report.summary().replace("\n", "; ")]
    seq = manifest.delta_seq
    if delta.rows:
        manifest = publish_delta(delta.to_bytes(), delta.rows, manifest, prefix, client=client)
        seq = manifest.delta_seq
    _write_state(client, prefix, {**state, "updates_from": digests, "version": manifest.version})
    action = "delta" if delta.rows else "unchanged"
    return RefreshOutcome(
        "updates", action, manifest.version, seq, manifest.products, transferred, notes=notes
    )


def handler(event: dict[str, Any] | None, context: Any) -> dict[str, Any]:
    """EventBridge entry point: `{"mode": "full"}` or `{"mode": "updates"}`."""
    logging.getLogger().setLevel(logging.INFO)
    mode = str((event or {}).get("mode", "full"))
    try:
        outcome = run_refresh(RefreshConfig.from_env(), mode=mode)
    except AmbientShopError as e:
        # The published catalog is untouched; the run fails visibly (the function's error
        # metric) and the schedule tries again at its next run.
        log.error("catalog refresh (%s) kept the published catalog: %s", mode, e)
        raise
    log.info("catalog refresh: %s", json.dumps(outcome.as_dict()))
    return outcome.as_dict()
