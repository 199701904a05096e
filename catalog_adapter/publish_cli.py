"""`ambient-shop catalog publish` and `catalog update`: the index on S3, fresh price and stock."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from catalog_adapter.errors import CatalogConfigError, FeedError

CATALOG_ENV = "AMBIENT_SHOP_CATALOG"


def add_commands(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add `publish` and `update` to the `catalog` command group."""
    from catalog_adapter.cli import SHOWN_ERRORS, add_catalog_argument

    publish = commands.add_parser(
        "publish",
        help="upload a built catalog to s3://bucket/prefix/ as the new current version",
        description="Upload the catalog file with a version manifest (size and SHA-256) that "
        "servers using AMBIENT_SHOP_CATALOG=sqlite+s3://bucket/prefix/ download and verify. "
        "S3 access takes boto3's standard configuration (AWS_PROFILE, AWS_REGION, "
        "AWS_ENDPOINT_URL_S3 ...).",
    )
    publish.add_argument("destination", metavar="S3_PREFIX", help="e.g. s3://shop-data/catalog/")
    publish.add_argument(
        "--keep", type=int, default=3, metavar="N", help="versions kept on S3 (default: 3)"
    )
    publish.add_argument("--json", action="store_true", help="print the manifest as JSON")
    add_catalog_argument(publish)
    publish.set_defaults(run=_publish)

    update = commands.add_parser(
        "update",
        help="apply a price/availability or local-inventory feed to a catalog without a rebuild",
        description="Validate supplemental feeds against the catalog and apply them in place, "
        "in one transaction, while servers keep answering. Rows for unknown ids are reported "
        "and change nothing. With --publish, the same update goes to S3 as a delta that every "
        "sqlite+s3 server applies at its next refresh.",
    )
    update.add_argument("--prices", help="price/availability feed (id, price, sale_price, ...)")
    update.add_argument("--inventory", help="local-inventory feed (store_code, id, quantity ...)")
    update.add_argument(
        "--publish", metavar="S3_PREFIX", help="also publish the update as a delta there"
    )
    update.add_argument("--show-errors", type=int, default=SHOWN_ERRORS, metavar="N")
    update.add_argument("--json", action="store_true", help="print the report as JSON")
    add_catalog_argument(update)
    update.set_defaults(run=_update)

    refresh = commands.add_parser(
        "refresh",
        help="fetch feed URLs and publish to S3 when they changed (what the scheduled function "
        "runs)",
        description="full: fetch the product feed (with inventory, stores, appearances) and "
        "publish a new version when any changed. updates: fetch the price/availability and "
        "local-inventory feeds and publish them as a delta. Options default to the "
        "AMBIENT_SHOP_PUBLISH_TO, AMBIENT_SHOP_PRODUCT_FEED, AMBIENT_SHOP_INVENTORY_FEED, "
        "AMBIENT_SHOP_STORES_FEED, AMBIENT_SHOP_APPEARANCES_FEED, AMBIENT_SHOP_PRICE_FEED "
        "environment variables.",
    )
    refresh.add_argument("--mode", choices=("full", "updates"), default="full")
    refresh.add_argument("--publish-to", metavar="S3_PREFIX")
    for role in ("products", "inventory", "stores", "appearances", "prices"):
        refresh.add_argument(f"--{role}", metavar="URL")
    refresh.set_defaults(run=_refresh)


def _local_path(args: argparse.Namespace) -> Path:
    from catalog_adapter.sqlite import path_from_url

    url = args.catalog or args.catalog_defaults().catalog_url
    if not url:
        raise CatalogConfigError("say which catalog: --catalog sqlite:///PATH")
    return path_from_url(url)


def _publish(args: argparse.Namespace) -> int:
    from catalog_adapter.publish import publish_catalog
    from catalog_adapter.s3 import parse_s3_url

    path = _local_path(args)
    if not path.is_file():
        raise CatalogConfigError(f"catalog file {path} does not exist; import feeds first")
    report = publish_catalog(path, args.destination, keep=max(args.keep, 1))
    if args.json:
        print(json.dumps({"uploaded": report.uploaded, **report.manifest.as_dict()}, indent=2))
    else:
        print(report.summary(parse_s3_url(args.destination, prefix=True)))
    return 0


def _update(args: argparse.Namespace) -> int:
    from catalog_adapter.publish import check_in_step, publish_delta, read_manifest
    from catalog_adapter.s3 import parse_s3_url, s3_client
    from catalog_adapter.sources import FeedFetcher, feed_cache_dir
    from catalog_adapter.updates import update_catalog

    path = _local_path(args)
    if not (args.prices or args.inventory):
        raise CatalogConfigError("give --prices FEED, --inventory FEED, or both")
    if not path.is_file():
        raise CatalogConfigError(f"catalog file {path} does not exist; import feeds first")
    prefix = client = manifest = None
    if args.publish:
        prefix = parse_s3_url(args.publish, prefix=True)
        client = s3_client()
        manifest = read_manifest(client, prefix)
        check_in_step(path, manifest, prefix)
    fetcher = FeedFetcher(feed_cache_dir(path))
    try:
        prices = fetcher.fetch(args.prices).path if args.prices else None
        inventory = fetcher.fetch(args.inventory).path if args.inventory else None
        report, delta = update_catalog(path, prices=prices, inventory=inventory)
    except FeedError as e:
        print(f"ambient-shop: update failed, the catalog was not changed: {e}", file=sys.stderr)
        return 1
    published = None
    if prefix is not None and manifest is not None and delta.rows:
        published = publish_delta(delta.to_bytes(), delta.rows, manifest, prefix, client=client)
    # Rows given but none usable: like an import with no usable rows, a failure.
    status = 1 if not delta.rows and report.rejected else 0
    if args.json:
        body = {
            "catalog": str(report.catalog_path),
            "products_updated": report.products_updated,
            "inventory_rows": report.inventory_rows,
            "rejected": report.rejected,
            "unknown_ids": list(report.unknown_ids),
            "unknown_count": report.unknown_count,
            "update": report.delta_seq,
            "seconds": round(report.seconds, 3),
            "published_delta": published.delta_seq if published else None,
            "errors": [
                {"file": e.file, "line": e.line, "reason": e.reason, "severity": e.severity}
                for e in report.errors
            ],
        }
        print(json.dumps(body, indent=2, ensure_ascii=False))
        return status
    shown = report.errors[: max(args.show_errors, 0)]
    for error in shown:
        print(error, file=sys.stderr)
    print(report.summary())
    if published is not None:
        print(f"published as delta {published.delta_seq} of version {published.version}")
    return status


def _refresh(args: argparse.Namespace) -> int:
    from catalog_adapter.refresh import ENV, RefreshConfig, run_refresh

    environ = dict(os.environ)
    if args.publish_to:
        environ[ENV["publish_to"]] = args.publish_to
    for role in ("products", "inventory", "stores", "appearances", "prices"):
        if getattr(args, role):
            environ[ENV[role]] = getattr(args, role)
    try:
        outcome = run_refresh(RefreshConfig.from_env(environ), mode=args.mode)
    except FeedError as e:
        print(f"ambient-shop: refresh failed, nothing was published: {e}", file=sys.stderr)
        return 1
    print(json.dumps(outcome.as_dict(), indent=2))
    return 0
