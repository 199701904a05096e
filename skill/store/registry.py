"""State back ends registered under versioned names, chosen by the AMBIENT_SHOP_STATE URL."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from skill.core.ports import ConversationStore, HitCounter, OrderService, Outbox, ShopperStore
from skill.errors import SettingsError, StateStoreError

if TYPE_CHECKING:
    from skill.engage.records import EngageRecords
    from skill.engage.service import ShopperEraser


class Closeable(Protocol):
    def close(self) -> None: ...


@dataclass
class StateBackend:
    """The persistence a running skill needs, whichever store holds it."""

    name: str
    shoppers: ShopperStore
    conversations: ConversationStore
    # Tickets, message streams, agents and sessions of the agent desk (skill.desk.store.DeskStore).
    desk_store: Any
    outbox: Outbox
    orders: OrderService
    # Shared request counters for rate limits (skill/channels/limits.py).
    counter: HitCounter | None = None
    # Names what is missing or unreachable; empty when the store can serve (start-up, /healthz).
    problems: Callable[[], list[str]] = lambda: []
    # Engagement records (skill/engage) and the eraser that removes a shopper from every table.
    engage_records: EngageRecords | None = None
    eraser: ShopperEraser | None = None
    closers: list[Closeable] = field(default_factory=list)


StateFactory = Callable[[str, Path], StateBackend]
_FACTORIES: dict[str, StateFactory] = {}
_SCHEMES: dict[str, str] = {}


def register(name: str, *, scheme: str) -> Callable[[StateFactory], StateFactory]:
    def decorate(factory: StateFactory) -> StateFactory:
        if name in _FACTORIES or scheme in _SCHEMES:
            raise SettingsError(f"state back end {name!r} / scheme {scheme!r} registered twice")
        _FACTORIES[name] = factory
        _SCHEMES[scheme] = name
        return factory

    return decorate


@register("sqlite.v1", scheme="sqlite")
def _sqlite(url: str, data_dir: Path) -> StateBackend:
    from skill.engage.sqlite_records import SqliteEngageRecords, SqliteShopperEraser
    from skill.store.demo_orders import DemoOrderService
    from skill.store.desk_sqlite import SqliteDeskStore
    from skill.store.sqlite import (
        SqliteConversationStore,
        SqliteDatabase,
        SqliteHitCounter,
        SqliteOutbox,
        SqliteShopperStore,
    )

    database = SqliteDatabase.from_url(url)

    def problems() -> list[str]:
        try:
            database.check()
        except StateStoreError as e:
            return [str(e)]
        return []

    return StateBackend(
        name="sqlite.v1",
        shoppers=SqliteShopperStore(database),
        conversations=SqliteConversationStore(database),
        desk_store=SqliteDeskStore(database),
        outbox=SqliteOutbox(database),
        orders=DemoOrderService(database),
        counter=SqliteHitCounter(database),
        problems=problems,
        engage_records=SqliteEngageRecords(database),
        eraser=SqliteShopperEraser(database),
        closers=[database],
    )


@register("dynamodb.v1", scheme="dynamodb")
def _dynamodb(url: str, data_dir: Path) -> StateBackend:
    try:
        import boto3
    except ImportError as e:
        raise SettingsError("DynamoDB state needs boto3: pip install 'ambient-shop[aws]'") from e
    from skill.engage.dynamodb_records import DynamoEngageRecords, DynamoShopperEraser
    from skill.store.demo_orders import DemoOrderService
    from skill.store.desk_dynamodb import DynamoDeskStore
    from skill.store.dynamodb import (
        DynamoConversationStore,
        DynamoHitCounter,
        DynamoOutbox,
        DynamoShopperStore,
        DynamoTables,
        parse_dynamodb_url,
    )
    from skill.store.sqlite import SqliteDatabase

    options = parse_dynamodb_url(url)
    resource = boto3.resource(
        "dynamodb", region_name=options["region"], endpoint_url=options.get("endpoint_url")
    )
    tables = DynamoTables(resource, table_prefix=options["table_prefix"])
    # Orders belong to the retailer's order system; the embedded demo orders stay local.
    orders_db = SqliteDatabase(None)
    return StateBackend(
        name="dynamodb.v1",
        shoppers=DynamoShopperStore(tables),
        conversations=DynamoConversationStore(tables),
        desk_store=DynamoDeskStore(tables),
        outbox=DynamoOutbox(tables),
        orders=DemoOrderService(orders_db),
        counter=DynamoHitCounter(tables),
        problems=tables.problems,
        engage_records=DynamoEngageRecords(tables),
        eraser=DynamoShopperEraser(tables),
        closers=[orders_db],
    )


def open_state(url: str, *, data_dir: Path) -> StateBackend:
    scheme = url.partition("://")[0].lower()
    name = _SCHEMES.get(scheme)
    if name is None:
        raise SettingsError(
            f"unknown state URL scheme {scheme!r} in {url!r} (known: {', '.join(sorted(_SCHEMES))})"
        )
    return _FACTORIES[name](url, data_dir)


def init_state(url: str, *, data_dir: Path) -> list[str]:
    """Create the store's tables where absent; lines saying what was done, for the CLI."""
    scheme = url.partition("://")[0].lower()
    if scheme == "dynamodb":
        import boto3

        from skill.store.dynamodb import DynamoTables, parse_dynamodb_url

        options = parse_dynamodb_url(url)
        resource = boto3.resource(
            "dynamodb", region_name=options["region"], endpoint_url=options.get("endpoint_url")
        )
        tables = DynamoTables(resource, table_prefix=options["table_prefix"])
        created = tables.create_missing()
        kept = [name for name in tables.names if name not in created]
        return [f"created {name}" for name in created] + [f"exists  {name}" for name in kept]
    # SQLite (and any store that creates its schema on open) is ready once opened.
    state = open_state(url, data_dir=data_dir)
    for resource in state.closers:
        resource.close()
    return [f"{state.name}: ready at {url}"]
