"""The catalog's errors, under the project's one root so every edge catches them alike."""

from ambient_shop.errors import AmbientShopError


class CatalogUnavailable(AmbientShopError):
    """The catalog backend cannot answer now (timeout, outage, open circuit, bad payload)."""


class FeedError(AmbientShopError):
    """A feed file cannot be imported at all (unreadable, wrong format, no usable rows)."""


class CatalogConfigError(AmbientShopError):
    """A catalog URL or mapping setting is malformed or names an unknown implementation."""


__all__ = ["AmbientShopError", "CatalogConfigError", "CatalogUnavailable", "FeedError"]
