"""Order services registered under versioned names, chosen by the AMBIENT_SHOP_ORDERS URL.

`demo` (the default) serves seeded demo orders from a SQLite file in the data directory;
`rest+https://orders.retailer.example/v1` calls the retailer's order API through a mapping.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ambient_shop.registry import Registry
from skill.core.ports import OrderService
from skill.errors import SettingsError

DEMO = "demo"


def _load_builtin_services() -> None:
    # Imported for their @register side effect; the REST one pulls in requests only when used.
    import skill.orders.rest  # noqa: F401


ORDERS: Registry[OrderService] = Registry(
    "orders",
    error=SettingsError,
    example="demo or rest+https://orders.retailer.example/v1",
    load_builtins=_load_builtin_services,
)
register = ORDERS.register


def _with_scheme(url: str) -> str:
    # `demo` alone is the everyday spelling of `demo://`.
    return url if "://" in url else f"{url}://"


def _demo_path(url: str, data_dir: Path) -> Path | None:
    rest = url.partition("://")[2]
    if rest in ("", "/"):
        return data_dir / "demo-orders.db"
    if rest in (":memory:", "/:memory:"):
        return None
    return Path(rest[1:] if rest.startswith("/") else rest)


@ORDERS.register("demo.v1", schemes=(DEMO,))
def open_demo_orders(url: str, *, data_dir: Path, **_ignored: Any) -> OrderService:
    """`demo://` (data_dir/demo-orders.db), `demo:///path/orders.db` or `demo://:memory:`."""
    from skill.orders.demo import DemoOrderService
    from skill.store.sqlite import SqliteDatabase

    return DemoOrderService(SqliteDatabase(_demo_path(url, data_dir)), owns_db=True)


def orders_source(url: str) -> str:
    """The registered name serving a URL ("demo.v1", "rest.v1"): what /healthz reports."""
    return ORDERS.name_for(_with_scheme(url))


def open_orders(url: str, **options: Any) -> OrderService:
    """Open the order service a URL names; options (data_dir, mapping, env) go to its factory."""
    return ORDERS.open(_with_scheme(url), **options)
