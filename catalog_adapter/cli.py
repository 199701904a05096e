"""`ambient-shop catalog ...`: import feeds, search, seen-on look-ups and stats from a shell."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, TextIO

from catalog_adapter.config import CatalogConfig
from catalog_adapter.errors import AmbientShopError, CatalogConfigError, FeedError
from catalog_adapter.models import Product, ProductQuery
from catalog_adapter.ports import Catalog

CATALOG_ENV = "AMBIENT_SHOP_CATALOG"
SHOWN_ERRORS = 20


DefaultsSource = Callable[[], CatalogConfig]


def add_catalog_argument(parser: argparse.ArgumentParser) -> None:
    """The shared `--catalog URL` option (resolved lazily, so --help never imports feeds)."""
    parser.add_argument(
        "--catalog",
        metavar="URL",
        default=None,
        help=f"catalog URL, e.g. sqlite:///var/catalog.db (default: ${CATALOG_ENV}, "
        "else the bundled demo catalog)",
    )


def catalog_url(args: argparse.Namespace) -> str:
    """The catalog `--catalog` names, else the configured or demo one."""
    return args.catalog or args.catalog_defaults().url()


def open_from_args(args: argparse.Namespace, **options: Any) -> Catalog:
    """Open the catalog `--catalog` names (or the default one)."""
    return args.catalog_defaults().open(catalog_url(args), **options)


def register_cli(
    subparsers: argparse._SubParsersAction,  # type: ignore[type-arg]
    *,
    defaults: DefaultsSource = CatalogConfig,
) -> None:
    """Add the `catalog` command group to the main command; `defaults` is called when a
    command runs, so --help reads no settings."""
    catalog = subparsers.add_parser(
        "catalog", help="import retailer feeds, search the catalog, show stats"
    )
    catalog.set_defaults(catalog_defaults=defaults)
    commands = catalog.add_subparsers(dest="catalog_command", required=True)

    imp = commands.add_parser(
        "import",
        help="import Google Merchant product (TSV/CSV/XML), local-inventory and appearance feeds "
        "from files, https:// URLs or s3://bucket/key",
    )
    imp.add_argument(
        "products", metavar="PRODUCT_FEED", help="a file, an https:// URL or s3://bucket/key"
    )
    imp.add_argument("--inventory", help="local-inventory feed (store_code, id, ...)")
    imp.add_argument("--appearances", help="seen-on feed (person, media, product_id...)")
    imp.add_argument("--stores", help="stores file (store_code, name, city, ...)")
    imp.add_argument("--synonyms", type=Path, help="extra search synonyms, one group a line")
    imp.add_argument("--currency", default="USD", help="the catalog's currency (default: USD)")
    imp.add_argument(
        "--show-errors",
        type=int,
        default=SHOWN_ERRORS,
        metavar="N",
        help="print at most N row errors (default: %(default)s)",
    )
    imp.add_argument(
        "--force",
        action="store_true",
        help="rebuild even when every remote feed is unchanged since the last import",
    )
    imp.add_argument("--json", action="store_true", help="print the report as JSON")
    add_catalog_argument(imp)
    imp.set_defaults(run=_import)

    search = commands.add_parser("search", help="search the catalog like a shopper would")
    search.add_argument("query", metavar="QUERY")
    search.add_argument("--limit", type=int, default=10)
    search.add_argument("--json", action="store_true", help="print a JSON list")
    search.add_argument("--type", dest="product_type")
    search.add_argument("--color")
    search.add_argument("--material")
    search.add_argument("--pattern")
    search.add_argument("--size", help="a size inside the product's size list: L, large, 9.5")
    search.add_argument("--brand")
    search.add_argument("--audience", help="men, women, kids or unisex")
    search.add_argument("--min-price")
    search.add_argument("--max-price")
    search.add_argument("--in-stock", action="store_true")
    search.add_argument("--store")
    search.add_argument(
        "--ranking", choices=("blended", "bm25"), default=None, help="sqlite catalogs only"
    )
    add_catalog_argument(search)
    search.set_defaults(run=_search)

    seen = commands.add_parser("seen-on", help="what a person or show was seen with")
    seen.add_argument("--person")
    seen.add_argument("--media")
    seen.add_argument("--type", dest="product_type")
    seen.add_argument("--limit", type=int, default=3)
    seen.add_argument("--json", action="store_true")
    add_catalog_argument(seen)
    seen.set_defaults(run=_seen_on)

    stores = commands.add_parser("stores", help="the stores, their phones and opening hours")
    stores.add_argument("--json", action="store_true")
    stores.add_argument(
        "--at", metavar="TIME", help="say whether each is open at this ISO time (default: now)"
    )
    add_catalog_argument(stores)
    stores.set_defaults(run=_stores)

    stats = commands.add_parser("stats", help="what the catalog holds")
    stats.add_argument("--json", action="store_true")
    add_catalog_argument(stats)
    stats.set_defaults(run=_stats)

    from catalog_adapter.publish_cli import add_commands

    add_commands(commands)

    evaluation = commands.add_parser(
        "eval",
        help="NDCG@10 and MRR on judged queries, beside a plain-BM25 baseline from the same run",
    )
    evaluation.add_argument(
        "qrels", type=Path, metavar="QRELS", help="judged queries (.jsonl or .tsv)"
    )
    evaluation.add_argument("--k", type=int, default=10, help="cut-off rank (default: 10)")
    evaluation.add_argument("--per-query", action="store_true", help="list every query's scores")
    evaluation.add_argument("--json", action="store_true", help="print the report as JSON")
    add_catalog_argument(evaluation)
    evaluation.set_defaults(run=_eval)


# -- import -------------------------------------------------------------------------------------


class _ProgressBar:
    """A one-line bar on a terminal; silent when stderr is a file or pipe."""

    def __init__(self, label: str, out: TextIO) -> None:
        self.label = label
        self.out = out
        self.enabled = out.isatty()
        self.started = time.perf_counter()
        self.last = 0.0

    def __call__(self, done: int, total: int | None) -> None:
        if not self.enabled:
            return
        now = time.perf_counter()
        if now - self.last < 0.1 and done != total:
            return
        self.last = now
        rate = done / max(now - self.started, 1e-9)
        if total:
            share = min(done / total, 1.0)
            bar = "#" * int(share * 30)
            text = f"{self.label} [{bar:<30}] {share:4.0%} {done:,}/{total:,} ({rate:,.0f}/s)"
        else:
            text = f"{self.label} {done:,} rows ({rate:,.0f}/s)"
        self.out.write("\r" + text)
        self.out.flush()

    def finish(self) -> None:
        if self.enabled:
            self.out.write("\n")
            self.out.flush()


def _import(args: argparse.Namespace) -> int:
    from catalog_adapter.feeds import import_feeds
    from catalog_adapter.sources import fetch_feed_set, record_import
    from catalog_adapter.sqlite import path_from_url

    url = args.catalog or args.catalog_defaults().catalog_url
    if not url:
        raise CatalogConfigError(
            "say where to import: --catalog sqlite:///PATH (or set AMBIENT_SHOP_CATALOG)"
        )
    target = path_from_url(url)
    try:
        feeds = fetch_feed_set(
            target,
            {
                "products": args.products,
                "inventory": args.inventory,
                "appearances": args.appearances,
                "stores": args.stores,
            },
        )
    except FeedError as e:
        print(f"ambient-shop: import failed, the catalog was not changed: {e}", file=sys.stderr)
        return 1
    if feeds.unchanged and not args.force:
        message = "feeds unchanged since the last import; the catalog was not rebuilt"
        if args.json:
            print(json.dumps({"catalog": str(target), "unchanged_feeds": True}))
        else:
            print(message)
        return 0
    products = feeds.path("products")
    assert products is not None
    bar = _ProgressBar(f"importing {Path(args.products).name}", sys.stderr)
    try:
        report = import_feeds(
            target,
            products=products,
            inventory=feeds.path("inventory"),
            appearances=feeds.path("appearances"),
            stores=feeds.path("stores"),
            synonyms=args.synonyms,
            currency=args.currency,
            progress=bar,
        )
    except FeedError as e:
        bar.finish()
        print(f"ambient-shop: import failed, the catalog was not changed: {e}", file=sys.stderr)
        return 1
    record_import(target, feeds)
    bar.finish()
    if args.json:
        body = {
            "catalog": str(report.catalog_path),
            "products": report.products,
            "imported": report.imported,
            "updated": report.updated,
            "unchanged": report.unchanged,
            "retired": report.retired,
            "rejected": report.rejected,
            "warnings": report.warnings,
            "inventory_rows": report.inventory_rows,
            "appearance_rows": report.appearance_rows,
            "stores": report.stores,
            "seconds": round(report.seconds, 3),
            "errors": [
                {"file": e.file, "line": e.line, "reason": e.reason, "severity": e.severity}
                for e in report.errors
            ],
            "errors_omitted": report.errors_omitted,
        }
        print(json.dumps(body, indent=2, ensure_ascii=False))
        return 0
    shown = report.errors[: max(args.show_errors, 0)]
    for error in shown:
        print(error, file=sys.stderr)
    hidden = len(report.errors) - len(shown) + report.errors_omitted
    if hidden:
        print(f"... and {hidden:,} more (use --show-errors or --json)", file=sys.stderr)
    print(report.summary())
    return 0


# -- search -------------------------------------------------------------------------------------


def _decimal(value: str | None, flag: str) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(value.strip().lstrip("$"))
    except InvalidOperation as e:
        raise CatalogConfigError(f"{flag} {value!r} is not a number") from e


def product_json(product: Product) -> dict[str, Any]:
    """The JSON shape `catalog search --json` prints for one product."""
    return {
        "id": product.id,
        "title": product.title,
        "price": str(product.current_price.amount),
        "regular_price": str(product.price.amount),
        "on_sale": product.sale_price is not None,
        "currency": product.price.currency,
        "availability": product.availability,
        "brand": product.brand,
        "color": product.color,
        "material": product.material,
        "product_type": product.product_type,
        "link": product.link,
    }


def _price_text(product: Product) -> str:
    current = product.current_price
    text = (
        f"${current.amount:,.2f}"
        if current.currency == "USD"
        else f"{current.amount} {current.currency}"
    )
    if product.sale_price is not None:
        text += f" (was ${product.price.amount:,.2f})"
    return text


def _search(args: argparse.Namespace) -> int:
    options = {"ranking": args.ranking} if args.ranking else {}
    catalog = open_from_args(args, **options)
    try:
        query = ProductQuery(
            text=args.query,
            product_type=args.product_type,
            color=args.color,
            material=args.material,
            pattern=args.pattern,
            size=args.size,
            brand=args.brand,
            audience=args.audience,
            min_price=_decimal(args.min_price, "--min-price"),
            max_price=_decimal(args.max_price, "--max-price"),
            in_stock_only=args.in_stock,
            store=args.store,
            limit=max(1, args.limit),
        )
        started = time.perf_counter()
        found = catalog.search(query)
        took = (time.perf_counter() - started) * 1000
    finally:
        catalog.close()
    if args.json:
        print(json.dumps([product_json(p) for p in found], indent=2, ensure_ascii=False))
        return 0
    if not found:
        print(f"nothing found for {args.query!r} ({took:.1f} ms)")
        return 0
    for i, product in enumerate(found, 1):
        stock = product.availability.replace("_", " ")
        print(f"{i:>2}. {product.title} — {_price_text(product)}, {stock}  [{product.id}]")
    print(f"{len(found)} result(s) in {took:.1f} ms")
    return 0


def _seen_on(args: argparse.Namespace) -> int:
    if not (args.person or args.media):
        raise CatalogConfigError("give --person and/or --media")
    catalog = open_from_args(args)
    try:
        found = catalog.seen_on(
            person=args.person, media=args.media, product_type=args.product_type, limit=args.limit
        )
    finally:
        catalog.close()
    if args.json:
        appearance = found.appearance
        print(
            json.dumps(
                {
                    "appearance": None
                    if appearance is None
                    else {
                        "person": appearance.person,
                        "media": appearance.media,
                        "episode": appearance.episode,
                        "product_type": appearance.product_type,
                        "match": appearance.match,
                        "source_link": appearance.source_link,
                    },
                    "exact": None if found.exact is None else product_json(found.exact),
                    "similar": [product_json(p) for p in found.similar],
                },
                indent=2,
                ensure_ascii=False,
            )
        )
        return 0
    if found.appearance is None:
        print("no seen-on reference matches")
        return 0
    a = found.appearance
    where = " / ".join(part for part in (a.person, a.media, a.episode) if part)
    print(f"seen on: {where} ({a.product_type or 'item'})")
    if found.exact is not None:
        print(f"exact:   {found.exact.title} — {_price_text(found.exact)}  [{found.exact.id}]")
    for product in found.similar:
        print(f"similar: {product.title} — {_price_text(product)}  [{product.id}]")
    return 0


def _stores(args: argparse.Namespace) -> int:
    from datetime import datetime

    try:
        at = datetime.fromisoformat(args.at) if args.at else datetime.now(UTC)
    except ValueError as e:
        raise CatalogConfigError(f"--at {args.at!r} is not an ISO date and time") from e
    catalog = open_from_args(args)
    try:
        stores = catalog.stores()
    finally:
        catalog.close()
    if args.json:
        body = [
            {
                "code": s.code,
                "name": s.name,
                "address": s.address,
                "city": s.city,
                "neighborhood": s.neighborhood,
                "phone": s.phone,
                "timezone": s.timezone,
                "hours": s.hours.text,
                "open": s.is_open(at),
                "today": s.hours_summary(at),
            }
            for s in stores
        ]
        print(json.dumps(body, indent=2, ensure_ascii=False))
        return 0
    if not stores:
        print("no stores")
    for s in stores:
        where = ", ".join(part for part in (s.address, s.neighborhood, s.city) if part)
        print(f"{s.code}  {s.name}  ({where})  {s.phone}".rstrip())
        print(f"    {s.hours.text or 'hours not known'}  {s.timezone}".rstrip())
        if s.hours.known:
            print(f"    {s.hours_summary(at)}")
    return 0


def _stats(args: argparse.Namespace) -> int:
    catalog = open_from_args(args)
    try:
        stats_of = getattr(catalog, "stats", None)
        if callable(stats_of):
            stats: dict[str, Any] = stats_of()
        else:
            stats = {k: len(v) for k, v in catalog.vocabulary().items()}
    finally:
        catalog.close()
    if args.json:
        print(json.dumps(stats, indent=2, ensure_ascii=False))
        return 0
    for key, value in stats.items():
        if key == "built_at" and isinstance(value, int):
            value = time.strftime("%Y-%m-%d %H:%M:%S %Z", time.localtime(value))
        elif key == "size_bytes" and isinstance(value, int):
            key, value = "size", f"{value / 1e6:.1f} MB"
        elif isinstance(value, dict):
            value = ", ".join(f"{k}={v}" for k, v in value.items() if v is not None)
        print(f"{key:>15}: {value}")
    return 0


def _eval(args: argparse.Namespace) -> int:
    from catalog_adapter.relevance import QrelsError, evaluate_url, load_qrels, text_report

    if args.k < 1:
        raise QrelsError("--k must be at least 1")
    qrels = load_qrels(args.qrels)
    url = catalog_url(args)
    report = evaluate_url(url, qrels, k=args.k, **args.catalog_defaults().options(url))
    for problem in report.problems:
        print(f"warning: {problem}", file=sys.stderr)
    if report.unknown:
        shown = ", ".join(report.unknown[:10])
        more = f" and {len(report.unknown) - 10} more" if len(report.unknown) > 10 else ""
        print(
            f"warning: {len(report.unknown)} judged product(s) are not in the catalog: "
            f"{shown}{more}",
            file=sys.stderr,
        )
    if args.json:
        print(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
        return 0
    print(text_report(report, per_query=args.per_query))
    return 0


def main(argv: Sequence[str] | None = None, *, defaults: DefaultsSource = CatalogConfig) -> int:
    """`python -m catalog_adapter.cli catalog ...` without the rest of the application: only
    options are read (the `ambient-shop` command adds its settings as `defaults`)."""
    parser = argparse.ArgumentParser(prog="ambient-shop")
    register_cli(parser.add_subparsers(dest="command", required=True), defaults=defaults)
    args = parser.parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except AmbientShopError as e:
        print(f"ambient-shop: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
