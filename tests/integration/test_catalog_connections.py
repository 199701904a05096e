"""The embedded catalog's connections: bounded under a thread per request, closed on swap and
close, and a health check that tells whether the catalog can answer."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from catalog_adapter.demo import INVENTORY, PRODUCTS, STORES
from catalog_adapter.errors import CatalogConfigError, CatalogUnavailable
from catalog_adapter.feeds import import_feeds
from catalog_adapter.models import ProductQuery
from catalog_adapter.registry import open_catalog
from catalog_adapter.resilience import CircuitBreaker
from catalog_adapter.rest import RestCatalog
from catalog_adapter.sqlite import MAX_IDLE_CONNECTIONS, SqliteCatalog
from tests.support.catalog_http_server import API_KEY, retailer_mapping, serve_retailer_api

FD_DIR = Path("/proc/self/fd")
pytestmark = pytest.mark.skipif(not FD_DIR.is_dir(), reason="needs /proc/self/fd")

QUERIES = (
    ProductQuery(text="blue velvet sofa", max_price=None),
    ProductQuery(text="cardigan", size="large", audience="men"),
    ProductQuery(text="leather ankle boots", in_stock_only=True),
    ProductQuery(text="couch", store="downtown"),
)


def open_descriptors() -> int:
    return len(os.listdir(FD_DIR))


def catalog_descriptors(path: Path) -> int:
    """Descriptors this process holds on the catalog file itself."""
    count = 0
    for fd in os.listdir(FD_DIR):
        try:
            if os.readlink(FD_DIR / fd) == str(path.resolve()):
                count += 1
        except OSError:
            continue  # closed while listing
    return count


@pytest.fixture(scope="module")
def catalog_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("connections") / "catalog.db"
    import_feeds(path, products=PRODUCTS, inventory=INVENTORY, stores=STORES)
    return path


@pytest.fixture
def catalog(catalog_file: Path) -> Iterator[SqliteCatalog]:
    opened = SqliteCatalog(catalog_file)
    yield opened
    opened.close()


def short_lived_threads(
    work: Callable[[int], None], *, threads: int, at_once: int
) -> list[BaseException]:
    """Run `work` on `threads` new threads, `at_once` at a time, as a threaded server would."""
    errors: list[BaseException] = []

    def run(n: int) -> None:
        try:
            work(n)
        except BaseException as e:  # noqa: BLE001 - reported to the test below
            errors.append(e)

    for start in range(0, threads, at_once):
        batch = [
            threading.Thread(target=run, args=(n,))
            for n in range(start, min(start + at_once, threads))
        ]
        for thread in batch:
            thread.start()
        for thread in batch:
            thread.join()
    return errors


def test_lookups_from_a_thousand_short_lived_threads_keep_descriptors_bounded(
    catalog: SqliteCatalog, catalog_file: Path
) -> None:
    catalog.get("AH-SW-1001")
    before = open_descriptors()
    errors = short_lived_threads(
        lambda n: catalog.get("AH-SW-1001"),
        threads=1000,
        at_once=16,
    )
    assert errors == []
    # Only idle connections stay open between calls.
    assert catalog_descriptors(catalog_file) <= MAX_IDLE_CONNECTIONS
    assert open_descriptors() <= before + MAX_IDLE_CONNECTIONS


@pytest.mark.slow
def test_thousands_of_searches_from_many_threads_keep_descriptors_bounded(
    catalog: SqliteCatalog, catalog_file: Path
) -> None:
    catalog.search(QUERIES[0])
    before = open_descriptors()
    peak = 0

    def searches(n: int) -> None:
        nonlocal peak
        for i in range(2):
            assert catalog.search(QUERIES[(n + i) % len(QUERIES)])
        peak = max(peak, catalog_descriptors(catalog_file))

    errors = short_lived_threads(searches, threads=1000, at_once=32)
    assert errors == []
    # In flight at most one connection per running thread; afterwards only the idle ones.
    assert peak <= 32 + MAX_IDLE_CONNECTIONS
    assert catalog_descriptors(catalog_file) <= MAX_IDLE_CONNECTIONS
    assert open_descriptors() <= before + MAX_IDLE_CONNECTIONS


def test_close_releases_every_connection(catalog_file: Path) -> None:
    before = catalog_descriptors(catalog_file)
    opened = SqliteCatalog(catalog_file)
    short_lived_threads(lambda n: opened.search(QUERIES[n % 4]), threads=40, at_once=8)
    opened.close()
    assert catalog_descriptors(catalog_file) == before
    with pytest.raises(CatalogUnavailable):
        opened.get("AH-SW-1001")


def test_connections_to_a_swapped_out_file_are_closed(tmp_path: Path) -> None:
    path = tmp_path / "catalog.db"
    import_feeds(path, products=PRODUCTS)
    opened = SqliteCatalog(path)
    try:
        for _ in range(3):
            short_lived_threads(lambda n: opened.search(QUERIES[0]), threads=20, at_once=5)
            import_feeds(path, products=PRODUCTS, stores=STORES)
        opened.get("AH-SW-1001")
        # Old files are unlinked but would stay open through a leaked connection.
        held = [
            fd
            for fd in os.listdir(FD_DIR)
            if "(deleted)" in _target(fd) and str(tmp_path) in _target(fd)
        ]
        assert held == []
        assert opened.stores()  # the newest import, with its stores
    finally:
        opened.close()


def _target(fd: str) -> str:
    try:
        return os.readlink(FD_DIR / fd)
    except OSError:
        return ""


def test_idle_connections_are_capped_by_the_setting(catalog_file: Path) -> None:
    opened = SqliteCatalog(catalog_file, max_idle_connections=1)
    try:
        short_lived_threads(lambda n: opened.search(QUERIES[n % 4]), threads=30, at_once=10)
        assert opened._pool.open_connections <= 1
    finally:
        opened.close()
    with pytest.raises(CatalogConfigError):
        SqliteCatalog(catalog_file, max_idle_connections=-1)


def test_health_of_a_working_catalog(catalog: SqliteCatalog) -> None:
    health = catalog.health()
    assert health.ok and "346 products" in health.detail


def test_health_reports_a_catalog_that_cannot_open_its_file(tmp_path: Path) -> None:
    path = tmp_path / "catalog.db"
    import_feeds(path, products=PRODUCTS)
    opened = SqliteCatalog(path, max_idle_connections=0)
    try:
        assert opened.health().ok
        path.unlink()
        health = opened.health()
        assert not health.ok and "missing" in health.detail
        with pytest.raises(CatalogUnavailable):
            opened.search(QUERIES[0])
        import_feeds(path, products=PRODUCTS)
        assert opened.health().ok  # back as soon as the file is
    finally:
        opened.close()
    assert not opened.health().ok and "closed" in opened.health().detail


def test_health_with_an_idle_connection_still_answers_when_the_file_goes(tmp_path: Path) -> None:
    path = tmp_path / "catalog.db"
    import_feeds(path, products=PRODUCTS)
    opened = SqliteCatalog(path)
    try:
        opened.get("AH-SW-1001")
        path.unlink()
        health = opened.health()
        assert health.ok and "gone" in health.detail
        assert opened.get("AH-SW-1001") is not None
    finally:
        opened.close()


def test_rest_health_follows_the_circuit_breaker() -> None:
    with serve_retailer_api() as api:
        breaker = CircuitBreaker(threshold=1, cooldown=60)
        opened = open_catalog(
            api.catalog_url,
            mapping=retailer_mapping(),
            env={"RETAILER_API_KEY": API_KEY},
            breaker=breaker,
        )
        assert isinstance(opened, RestCatalog)
        calls = len(api.state.seen)
        assert opened.health().ok
        assert len(api.state.seen) == calls  # the probe costs the API nothing
        breaker.record_failure()
        health = opened.health()
        assert not health.ok and "circuit open" in health.detail
        opened.close()
