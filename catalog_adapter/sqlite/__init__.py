"""The embedded SQLite catalog, by job: the file's schema, its vocabulary, connections, query
building, ranking, stores, seen-on and the catalog that ties them together."""

from catalog_adapter.sqlite.catalog import SqliteCatalog, open_sqlite_catalog, path_from_url
from catalog_adapter.sqlite.pool import MAX_IDLE_CONNECTIONS
from catalog_adapter.sqlite.schema import FORMAT

__all__ = [
    "FORMAT",
    "MAX_IDLE_CONNECTIONS",
    "SqliteCatalog",
    "open_sqlite_catalog",
    "path_from_url",
]
