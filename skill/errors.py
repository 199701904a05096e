"""The project's exception tree as the skill sees it; edges translate these, never a bare 500."""

from catalog_adapter.errors import (
    AmbientShopError,
    CatalogConfigError,
    CatalogUnavailable,
    FeedError,
)


class VerificationFailed(AmbientShopError):
    """An inbound Alexa request failed signature, certificate, timestamp or application checks."""


class HandoffFailed(AmbientShopError):
    """A conversation could not be handed to a person (desk unavailable, queue closed)."""


class StateStoreError(AmbientShopError):
    """Conversation or shopper state could not be read or written."""


class SettingsError(AmbientShopError):
    """An AMBIENT_SHOP_* environment variable holds a value that cannot be used."""


__all__ = [
    "AmbientShopError",
    "CatalogConfigError",
    "CatalogUnavailable",
    "FeedError",
    "HandoffFailed",
    "SettingsError",
    "StateStoreError",
    "VerificationFailed",
]
