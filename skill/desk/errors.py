"""Desk errors; the web layer turns each into a clear 4xx, never a 500."""

from __future__ import annotations

from skill.errors import AmbientShopError


class DeskError(AmbientShopError):
    status = 400


class TicketNotFound(DeskError):
    status = 404


class NotAllowed(DeskError):
    """The agent may not see or change this ticket (someone else owns it, or wrong role)."""

    status = 403


class TicketConflict(DeskError):
    """The ticket is not in a state that allows this (already claimed, already resolved)."""

    status = 409


class OfferRefused(DeskError):
    """An offer beyond the agent's autonomy policy."""

    status = 403
