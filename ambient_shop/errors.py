"""The root of the project's exception tree, importable from every package because it imports
nothing."""


class AmbientShopError(Exception):
    """Base of every error the project raises on purpose; edges catch this one class."""
