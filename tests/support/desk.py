"""Helpers for desk tests: a wired desk on a given state URL, agents, and handoff requests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from skill.core.model import HandoffRequest
from skill.settings import Settings

PASSWORD = "correct horse battery"


def open_desk(data_dir: Path, state_url: str | None = None) -> tuple[Any, list[Any]]:
    from skill.bootstrap import build_state_and_desk

    return build_state_and_desk(Settings(data_dir=data_dir, state_url=state_url))


def handoff(
    conversation_id: str = "c1",
    *,
    shopper_id: str = "u1",
    channel: str = "webchat",
    reason: str = "asked",
    said: str = "I want to talk to someone",
    **context: Any,
) -> HandoffRequest:
    return HandoffRequest(
        conversation_id=conversation_id,
        shopper_id=shopper_id,
        channel=channel,
        reason=reason,
        transcript=({"shopper": said, "assistant": "Connecting you."},),
        context=context,
    )


def agents(desk: Any, *names: str, role: str = "agent") -> list[Any]:
    return [desk.add_agent(name, PASSWORD, role=role) for name in names]
