"""Errors the parser raises before it can answer (it never raises on an utterance)."""

from ambient_shop.errors import AmbientShopError


class NluError(AmbientShopError):
    """Base of the parser's own errors, under the project's root so the CLI catches them alike."""


class ModelMissing(NluError, FileNotFoundError):
    """No trained pipeline where one was expected."""


class TrainingDataError(NluError, ValueError):
    """A training file under nlu/data/ cannot be read or expanded."""
