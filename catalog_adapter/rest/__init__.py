"""The REST catalog adapter, by job: JSON paths, the mapping file, values, request templates,
HTTP with retries and a circuit breaker (`rest.http`, usable by any adapter of a retailer's
API), and the catalog itself."""

from catalog_adapter.rest.catalog import RestCatalog, open_rest_catalog, split_url
from catalog_adapter.rest.http import (
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_READ_TIMEOUT,
    JsonHttpClient,
)
from catalog_adapter.rest.jsonpath import JsonPath
from catalog_adapter.rest.mapping import RestMapping, expand_env, load_mapping
from catalog_adapter.rest.templates import placeholders, render_body, render_params, render_url
from catalog_adapter.rest.values import MappingError, parse_money

__all__ = [
    "DEFAULT_CONNECT_TIMEOUT",
    "DEFAULT_READ_TIMEOUT",
    "JsonHttpClient",
    "JsonPath",
    "MappingError",
    "RestCatalog",
    "RestMapping",
    "expand_env",
    "load_mapping",
    "open_rest_catalog",
    "parse_money",
    "placeholders",
    "render_body",
    "render_params",
    "render_url",
    "split_url",
]
