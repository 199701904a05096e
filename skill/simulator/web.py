"""GET /simulator: a browser page over the same in-process SimulatorSession the terminal uses."""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request, send_from_directory

from skill.core.ports import ConversationStore
from skill.simulator.envelopes import DEVICES, MAX_UTTERANCE_CHARS, UtteranceResolver
from skill.simulator.session import (
    InProcessTransport,
    SimulatorError,
    SimulatorSession,
    StepResult,
)

STATIC_DIR = Path(__file__).with_name("static")
SESSION_KEY_PREFIX = "simulator:"
MAX_SLOTS = 10
# Page shoppers live in their own namespace, so the page can never read a real shopper's texts.
SHOPPER_PREFIX = "amzn1.ask.account.simulator-"
_SHOPPER_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
EXTENSION = "ambient_shop_simulator"

SHOPPERS: tuple[str, ...] = ("alex", "sam", "jordan")
EXAMPLES: tuple[str, ...] = (
    "open acme home",
    "find out where harry styles got the sweater he wore on his npr tiny desk concert "
    "and how much it would cost me",
    "show me a blue velvet sofa under 800 dollars",
    "show me wool sweaters",
    "the second one",
    "is it in stock at the downtown store",
    "add it to my cart",
    "where is my order 45712",
    "i want to return order 45714",
    "talk to a person",
    "what can you do",
)
QUICK_INTENTS: tuple[tuple[str, str], ...] = (
    ("Yes", "AMAZON.YesIntent"),
    ("No", "AMAZON.NoIntent"),
    ("Repeat", "AMAZON.RepeatIntent"),
    ("Help", "AMAZON.HelpIntent"),
    ("Stop", "AMAZON.StopIntent"),
)

blueprint = Blueprint(
    "simulator",
    __name__,
    static_folder=str(STATIC_DIR),
    static_url_path="/simulator/static",
)


class BadRequest(ValueError):
    """Input the page API refuses, answered as 400 JSON."""


class SessionStore:
    """Simulator sessions under random ids, kept in the state store beside conversations.

    Each request may land on another worker (gunicorn) or instance (Lambda); the session a
    page plays lives in the shared store, never in one process's memory.
    """

    def __init__(self, conversations: ConversationStore) -> None:
        self._conversations = conversations
        self.resolver = UtteranceResolver()

    def load(self, key: str, session: SimulatorSession) -> bool:
        """Restore `session` from the snapshot stored under `key`; False if there is none."""
        snapshot = self._conversations.load(SESSION_KEY_PREFIX + key)
        if not snapshot:
            return False
        session.restore(snapshot)
        return True

    def save(self, key: str, session: SimulatorSession) -> None:
        self._conversations.save(SESSION_KEY_PREFIX + key, session.snapshot())

    @staticmethod
    def new_key() -> str:
        return secrets.token_urlsafe(18)


def _store() -> SessionStore:
    store = current_app.extensions.get(EXTENSION)
    if store is None:
        # Built on first use: the blueprint may be registered before the services are wired.
        store = SessionStore(current_app.extensions["ambient_shop"].conversations)
        current_app.extensions[EXTENSION] = store
    return store


def shopper_id_for(name: str) -> str:
    """The Alexa user id a page shopper name stands for."""
    clean = name.strip().lower()
    if not _SHOPPER_NAME.match(clean):
        raise BadRequest("a shopper name is 1-40 lower-case letters, digits or dashes")
    return SHOPPER_PREFIX + clean


def _error(status: int, message: str) -> tuple[Response, int]:
    return jsonify({"error": message}), status


def _body() -> Mapping[str, Any]:
    data = request.get_json(silent=True)
    if not isinstance(data, Mapping):
        raise BadRequest("send a JSON object")
    return data


def _optional_str(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadRequest(f"`{key}` must be a string")
    return value


def _device(data: Mapping[str, Any]) -> str | None:
    device = _optional_str(data, "device")
    if device is not None and device not in DEVICES:
        raise BadRequest(f"`device` must be one of {', '.join(DEVICES)}")
    return device


def _slots(data: Mapping[str, Any]) -> dict[str, str]:
    slots = data.get("slots") or {}
    if not isinstance(slots, Mapping) or len(slots) > MAX_SLOTS:
        raise BadRequest(f"`slots` must be an object of at most {MAX_SLOTS} names")
    out: dict[str, str] = {}
    for name, value in slots.items():
        if not isinstance(value, str) or len(value) > MAX_UTTERANCE_CHARS:
            raise BadRequest(f"slot {name!r} must be a string of at most {MAX_UTTERANCE_CHARS}")
        out[str(name)] = value
    return out


def _session_for(data: Mapping[str, Any]) -> tuple[str, SimulatorSession, bool]:
    """The caller's session, or a new one when the id is missing or unknown."""
    store = _store()
    key = _optional_str(data, "session")
    device = _device(data)
    shopper = _optional_str(data, "shopper")
    shopper_id = shopper_id_for(shopper) if shopper is not None else None
    transport = InProcessTransport(current_app.extensions["ambient_shop"])
    session = SimulatorSession(
        transport,
        application_id=transport.application_id,
        device=device or "voice",
        shopper_id=shopper_id or shopper_id_for(SHOPPERS[0]),
        resolver=store.resolver,
    )
    if key and store.load(key, session):
        # Only page shoppers: a stored snapshot can never point the page at a real shopper.
        if not session.shopper_id.startswith(SHOPPER_PREFIX):
            session.switch_shopper(shopper_id_for(SHOPPERS[0]))
        return key, session, False
    return store.new_key(), session, True


def _outbox(shopper_id: str) -> list[dict[str, str]]:
    application = current_app.extensions["ambient_shop"]
    return application.outbox.messages(shopper_id=shopper_id, limit=20)


def _describe(key: str, session: SimulatorSession, *, created: bool) -> dict[str, Any]:
    return {
        "session": key,
        "created": created,
        "open": session.open,
        "device": session.device.name,
        "device_label": session.device.label,
        "shopper": session.shopper_id.removeprefix(SHOPPER_PREFIX),
        "shopper_id": session.shopper_id,
        "state": dict(session.state),
        "outbox": _outbox(session.shopper_id),
    }


def _apply(session: SimulatorSession, data: Mapping[str, Any]) -> StepResult | None:
    """Switch device or shopper if asked, then play the one action the request names."""
    device = _device(data)
    if device is not None and device != session.device.name:
        session.switch_device(device)
    shopper = _optional_str(data, "shopper")
    if shopper is not None:
        shopper_id = shopper_id_for(shopper)
        if shopper_id != session.shopper_id:
            session.switch_shopper(shopper_id)
    actions = [a for a in ("text", "intent", "launch", "end") if data.get(a) not in (None, False)]
    if len(actions) > 1:
        raise BadRequest("send one of `text`, `intent`, `launch` or `end`")
    if not actions:
        return None
    action = actions[0]
    if action == "launch":
        return session.launch()
    if action == "end":
        return session.end()
    if action == "intent":
        name = _optional_str(data, "intent") or ""
        if name not in _store().resolver.intents:
            raise BadRequest(f"unknown intent {name!r} for this interaction model")
        return session.intent(name, _slots(data))
    text = _optional_str(data, "text") or ""
    if not text.strip():
        raise BadRequest("`text` is empty")
    if len(text) > MAX_UTTERANCE_CHARS:
        raise BadRequest(f"`text` is longer than {MAX_UTTERANCE_CHARS} characters")
    return session.say(text)


@blueprint.get("/simulator")
def page() -> Any:
    return send_from_directory(STATIC_DIR, "index.html")


@blueprint.get("/simulator/api/meta")
def meta() -> Any:
    application = current_app.extensions["ambient_shop"]
    return jsonify(
        {
            "skill_name": application.settings.skill_name,
            "devices": [{"name": d.name, "label": d.label} for d in DEVICES.values()],
            "shoppers": list(SHOPPERS),
            "examples": list(EXAMPLES),
            "quick_intents": [{"label": label, "intent": name} for label, name in QUICK_INTENTS],
            "intents": list(_store().resolver.intents),
        }
    )


@blueprint.post("/simulator/api/session")
def session_state() -> Any:
    """Create a session, or apply a device or shopper switch, without saying anything."""
    try:
        data = _body()
        key, session, created = _session_for(data)
        if not created:
            _apply(session, {k: v for k, v in data.items() if k in ("device", "shopper")})
        _store().save(key, session)
        return jsonify(_describe(key, session, created=created))
    except BadRequest as e:
        return _error(400, str(e))


@blueprint.post("/simulator/api/turn")
def turn() -> Any:
    try:
        data = _body()
        key, session, created = _session_for(data)
        try:
            result = _apply(session, data)
        finally:
            _store().save(key, session)
        body = _describe(key, session, created=created)
    except ValueError as e:
        # BadRequest, and a device or shopper the session refuses.
        return _error(400, str(e))
    except SimulatorError as e:
        return _error(502, str(e))
    body["result"] = result.to_dict() if result is not None else None
    return jsonify(body)


@blueprint.get("/simulator/api/outbox")
def outbox() -> Any:
    try:
        shopper_id = shopper_id_for(request.args.get("shopper", ""))
    except BadRequest as e:
        return _error(400, str(e))
    return jsonify({"shopper_id": shopper_id, "messages": _outbox(shopper_id)})
