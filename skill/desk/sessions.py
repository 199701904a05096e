"""Server-side desk sessions in the state store: the cookie holds a random token, nothing else."""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass

from skill.desk.service import Agent, Desk

SESSION_TTL_S = 12 * 3600


@dataclass(frozen=True, slots=True)
class DeskSession:
    agent: Agent
    csrf_token: str


def _key(token: str) -> str:
    # Only a hash of the token is stored, so a read of the store cannot be replayed as a cookie.
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(desk: Desk, agent: Agent) -> tuple[str, DeskSession]:
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    desk.store.put_record(
        "session",
        _key(token),
        {"username": agent.username, "csrf": csrf, "started": time.time()},
        ttl_s=SESSION_TTL_S,
    )
    return token, DeskSession(agent, csrf)


def load_session(desk: Desk, token: str | None) -> DeskSession | None:
    if not token or len(token) > 100:
        return None
    record = desk.store.get_record("session", _key(token))
    if record is None:
        return None
    agent = desk.agent(str(record.get("username", "")))
    if agent is None:  # the agent was removed or disabled after logging in
        return None
    return DeskSession(agent, str(record["csrf"]))


def end_session(desk: Desk, token: str | None) -> None:
    if token and len(token) <= 100:
        desk.store.delete_record("session", _key(token))
