"""State back ends registered under versioned names, chosen by the AMBIENT_SHOP_STATE URL."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from ambient_shop.registry import Registry
from skill.core.ports import ConversationStore, HitCounter, Outbox, ShopperStore
from skill.desk.store import DeskStore
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
    # Tickets, message streams, agents and sessions of the agent desk.
    desk_store: DeskStore
    outbox: Outbox
    # Shared request counters for rate limits (skill/channels/limits.py).
    counter: HitCounter | None = None
    # Names what is missing or unreachable; empty when the store can serve (start-up, /healthz).
    problems: Callable[[], list[str]] = lambda: []
    # Engagement records (skill/engage) and the eraser that removes a shopper from every table.
    engage_records: EngageRecords | None = None
    eraser: ShopperEraser | None = None
    closers: list[Closeable] = field(default_factory=list)


STATES: Registry[StateBackend] = Registry(
    "state", error=SettingsError, example="sqlite:///var/state.db"
)
register = STATES.register


@STATES.register("sqlite.v1", schemes=("sqlite",))
def _sqlite(url: str, *, data_dir: Path) -> StateBackend:
    from skill.engage.sqlite_records import SqliteEngageRecords, SqliteShopperEraser
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
        counter=SqliteHitCounter(database),
        problems=problems,
        engage_records=SqliteEngageRecords(database),
        eraser=SqliteShopperEraser(database),
        closers=[database],
    )


@STATES.register("dynamodb.v1", schemes=("dynamodb",))
def _dynamodb(url: str, *, data_dir: Path) -> StateBackend:
    try:
        import boto3
    except ImportError as e:
        raise SettingsError("DynamoDB state needs boto3: pip install 'ambient-shop[aws]'") from e
    from skill.engage.dynamodb_records import DynamoEngageRecords, DynamoShopperEraser
    from skill.store.desk_dynamodb import DynamoDeskStore
    from skill.store.dynamodb import (
        DynamoConversationStore,
        DynamoHitCounter,
        DynamoOutbox,
        DynamoShopperStore,
        DynamoTables,
        parse_dynamodb_url,
    )

    options = parse_dynamodb_url(url)
    resource = boto3.resource(
        "dynamodb", region_name=options["region"], endpoint_url=options.get("endpoint_url")
    )
    tables = DynamoTables(resource, table_prefix=options["table_prefix"])
    return StateBackend(
        name="dynamodb.v1",
        shoppers=DynamoShopperStore(tables),
        conversations=DynamoConversationStore(tables),
        desk_store=DynamoDeskStore(tables),
        outbox=DynamoOutbox(tables),
        counter=DynamoHitCounter(tables),
        problems=tables.problems,
        engage_records=DynamoEngageRecords(tables),
        eraser=DynamoShopperEraser(tables),
    )


def open_state(url: str, *, data_dir: Path) -> StateBackend:
    """Open the state back end a URL names, e.g. `sqlite:///var/state.db` or `dynamodb://?...`."""
    return STATES.open(url, data_dir=data_dir)


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
