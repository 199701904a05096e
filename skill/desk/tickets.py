"""The embedded agent desk's ticket store: a handoff becomes a ticket a person picks up."""

from __future__ import annotations

import json
import uuid
from typing import Any

from skill.core.model import HandoffRequest, Ticket
from skill.store.sqlite import SqliteDatabase, now_iso


class SqliteTicketDesk:
    """Opens tickets carrying the whole conversation, so the agent never asks again."""

    def __init__(self, db: SqliteDatabase, *, max_open_per_conversation: int = 1) -> None:
        self._db = db
        self._max_open = max_open_per_conversation

    def open_ticket(self, request: HandoffRequest) -> str:
        """A new ticket, or the newest open one once the conversation holds its limit of them."""
        ticket_id = "T-" + uuid.uuid4().hex[:10].upper()
        payload = {
            "transcript": [dict(t) for t in request.transcript],
            "context": dict(request.context),
        }
        with self._db.cursor() as cur:
            if self._max_open > 0:
                open_ids = [
                    row[0]
                    for row in cur.execute(
                        "SELECT ticket_id FROM tickets WHERE conversation_id = ? "
                        "AND status = 'open' ORDER BY created_at DESC",
                        (request.conversation_id,),
                    )
                ]
                if len(open_ids) >= self._max_open:
                    return str(open_ids[0])
            cur.execute(
                "INSERT INTO tickets VALUES (?, ?, ?, ?, ?, 'open', ?, ?)",
                (
                    ticket_id,
                    request.conversation_id,
                    request.shopper_id,
                    request.channel,
                    request.reason,
                    json.dumps(payload, default=str),
                    now_iso(),
                ),
            )
        return ticket_id

    def tickets(self, *, status: str | None = None, limit: int = 100) -> list[Ticket]:
        sql = (
            "SELECT ticket_id, conversation_id, shopper_id, channel, reason, status, payload, "
            "created_at FROM tickets"
        )
        params: tuple[Any, ...] = ()
        if status is not None:
            sql += " WHERE status = ?"
            params = (status,)
        sql += " ORDER BY created_at DESC LIMIT ?"
        with self._db.reading() as cur:
            rows = cur.execute(sql, (*params, limit)).fetchall()
        out: list[Ticket] = []
        for row in rows:
            ticket: Ticket = dict(  # type: ignore[assignment]
                zip(
                    ("ticket_id", "conversation_id", "shopper_id", "channel", "reason", "status"),
                    row[:6],
                    strict=True,
                )
            )
            ticket.update(json.loads(row[6]))
            ticket["created_at"] = row[7]
            out.append(ticket)
        return out
