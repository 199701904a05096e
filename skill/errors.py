"""The project's exception tree as the skill sees it; edges translate these, never a bare 500.

One root, `AmbientShopError` (ambient_shop/errors.py, importable from every package); the
parser's and the catalog's errors sit under it, so the CLI and the web edges catch one class.
"""

from ambient_shop.errors import AmbientShopError
from catalog_adapter.errors import CatalogConfigError, CatalogUnavailable, FeedError
from nlu.errors import ModelMissing, NluError, TrainingDataError


class VerificationFailed(AmbientShopError):
    """An inbound Alexa request failed signature, certificate, timestamp or application checks."""


class HandoffFailed(AmbientShopError):
    """A conversation could not be handed to a person (desk unavailable, queue closed)."""


class StateStoreError(AmbientShopError):
    """Conversation or shopper state could not be read or written."""


class SettingsError(AmbientShopError):
    """An AMBIENT_SHOP_* environment variable holds a value that cannot be used."""


class OrderNotFound(AmbientShopError):
    """The order does not exist for this shopper."""


class OrdersUnavailable(AmbientShopError):
    """The retailer's order system cannot answer now (timeout, outage, open circuit, bad answer)."""


__all__ = [
    "AmbientShopError",
    "CatalogConfigError",
    "CatalogUnavailable",
    "FeedError",
    "HandoffFailed",
    "ModelMissing",
    "NluError",
    "OrderNotFound",
    "OrdersUnavailable",
    "SettingsError",
    "StateStoreError",
    "TrainingDataError",
    "VerificationFailed",
]
