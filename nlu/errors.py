"""Errors the parser raises before it can answer (it never raises on an utterance)."""


class NluError(Exception):
    """Base of the parser's own errors; nlu depends on nothing else in the project."""


class ModelMissing(NluError, FileNotFoundError):
    """No trained pipeline where one was expected."""


class TrainingDataError(NluError, ValueError):
    """A training file under nlu/data/ cannot be read or expanded."""
