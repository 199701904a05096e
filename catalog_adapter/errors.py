"""The root of the project's exception tree; the innermost package owns it so every layer can."""


class AmbientShopError(Exception):
    """Base of every error the project raises on purpose."""


class CatalogUnavailable(AmbientShopError):
    """The catalog backend cannot answer now (timeout, outage, open circuit, bad payload)."""


class FeedError(AmbientShopError):
    """A feed file cannot be imported at all (unreadable, wrong format, no usable rows)."""


class CatalogConfigError(AmbientShopError):
    """A catalog URL or mapping setting is malformed or names an unknown implementation."""
