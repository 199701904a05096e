"""Real Alexa request envelopes, device profiles, and typed text routed the way Alexa routes it."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from skill.alexa.interaction_model import INVOCATION_NAME, build_model

ENVELOPE_VERSION = "1.0"
API_ENDPOINT = "https://api.amazonalexa.com"
DEFAULT_LOCALE = "en-US"
SHOP_INTENT = "ShopIntent"
QUERY_SLOT = "query"
MAX_UTTERANCE_CHARS = 2000

DeviceName = Literal["voice", "screen"]


@dataclass(frozen=True, slots=True)
class DeviceProfile:
    """What a simulated device tells the skill about itself in context.System.device."""

    name: str
    label: str
    supported_interfaces: Mapping[str, Any] = field(default_factory=dict)

    @property
    def has_screen(self) -> bool:
        return "Alexa.Presentation.APL" in self.supported_interfaces


_APL_RUNTIME = {"runtime": {"maxVersion": "2023.3"}}

DEVICES: Mapping[str, DeviceProfile] = {
    "voice": DeviceProfile("voice", "Echo Dot (voice only)", {}),
    "screen": DeviceProfile(
        "screen",
        "Echo Show (with screen)",
        {"Alexa.Presentation.APL": _APL_RUNTIME, "Display": {}},
    ),
}


def device_profile(name: str) -> DeviceProfile:
    """Look a profile up by name; an unknown name is a clear error, not a silent default."""
    try:
        return DEVICES[name]
    except KeyError:
        known = ", ".join(DEVICES)
        raise ValueError(f"unknown device {name!r} (known: {known})") from None


def new_id(kind: str) -> str:
    """Ids shaped like Alexa's, so logs and stores see what they would see in production."""
    return f"amzn1.echo-api.{kind}.{uuid.uuid4()}"


def new_shopper_id(label: str = "sim") -> str:
    return f"amzn1.ask.account.{label}-{uuid.uuid4().hex[:16]}"


def _timestamp() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True, slots=True)
class EnvelopeContext:
    """Who is talking to which skill from which device, fixed for a session."""

    application_id: str
    user_id: str
    device_id: str
    device: DeviceProfile
    session_id: str
    new_session: bool = True
    attributes: Mapping[str, Any] = field(default_factory=dict)
    locale: str = DEFAULT_LOCALE


def _envelope(ctx: EnvelopeContext, request: dict[str, Any]) -> dict[str, Any]:
    application = {"applicationId": ctx.application_id}
    user = {"userId": ctx.user_id}
    return {
        "version": ENVELOPE_VERSION,
        "session": {
            "new": ctx.new_session,
            "sessionId": ctx.session_id,
            "application": application,
            "attributes": dict(ctx.attributes),
            "user": user,
        },
        "context": {
            "System": {
                "application": application,
                "user": user,
                "device": {
                    "deviceId": ctx.device_id,
                    "supportedInterfaces": dict(ctx.device.supported_interfaces),
                },
                # No apiAccessToken: the skill must not call Alexa's services from a simulation.
                "apiEndpoint": API_ENDPOINT,
            }
        },
        "request": {
            **request,
            "requestId": f"amzn1.echo-api.request.{uuid.uuid4()}",
            "timestamp": _timestamp(),
            "locale": ctx.locale,
        },
    }


def launch_request(ctx: EnvelopeContext) -> dict[str, Any]:
    return _envelope(ctx, {"type": "LaunchRequest"})


def intent_request(
    ctx: EnvelopeContext, intent: str, slots: Mapping[str, str | None] | None = None
) -> dict[str, Any]:
    """An IntentRequest; slots without a value are sent as Alexa sends unfilled slots."""
    body: dict[str, Any] = {}
    for name, value in (slots or {}).items():
        slot: dict[str, Any] = {"name": name, "confirmationStatus": "NONE"}
        if value:
            slot["value"] = value
            slot["source"] = "USER"
        body[name] = slot
    intent_body: dict[str, Any] = {"name": intent, "confirmationStatus": "NONE"}
    if body:
        intent_body["slots"] = body
    # No dialogState: Alexa sends one only to skills with a dialog model, and this one has none.
    return _envelope(ctx, {"type": "IntentRequest", "intent": intent_body})


def session_ended_request(
    ctx: EnvelopeContext, *, reason: str = "USER_INITIATED"
) -> dict[str, Any]:
    return _envelope(ctx, {"type": "SessionEndedRequest", "reason": reason})


# What Alexa's built-in intents answer to; only intents the model declares are used.
BUILT_IN_PHRASES: Mapping[str, tuple[str, ...]] = {
    intent: tuple(phrases.split("|"))
    for intent, phrases in {
        "AMAZON.YesIntent": "yes|yeah|yep|yup|sure|ok|okay|yes please|sure thing|of course|"
        "please do|go ahead|do it|sounds good|correct|right",
        "AMAZON.NoIntent": "no|nope|nah|no thanks|no thank you|not really|no way|negative",
        "AMAZON.StopIntent": "stop|shut up|be quiet|quit|exit|off|goodbye|bye",
        "AMAZON.CancelIntent": "cancel|never mind|nevermind|forget it|cancel that",
        "AMAZON.HelpIntent": "help|help me|what can i say|what can you do|what do i say|"
        "how does this work",
        "AMAZON.RepeatIntent": "repeat|repeat that|say that again|say it again|again|"
        "what did you say|come again|pardon|pardon me|repeat please",
        "AMAZON.StartOverIntent": "start over|restart|start again|begin again",
        "AMAZON.NavigateHomeIntent": "go home|home|go to home",
    }.items()
}


@dataclass(frozen=True, slots=True)
class Resolution:
    """Where Alexa would route a typed utterance: a launch, or an intent with slot values."""

    kind: Literal["launch", "intent"]
    intent: str | None = None
    slots: Mapping[str, str] = field(default_factory=dict)
    # Which interaction-model sample matched, to explain routing in the simulator.
    matched: str = ""


@dataclass(frozen=True, slots=True)
class _Carrier:
    intent: str
    sample: str
    pattern: re.Pattern[str]
    # More literal words make a sample more specific ("where is my refund for" beats "where is").
    specificity: int


def normalize(text: str) -> str:
    """Lower-case words without edge punctuation, as speech recognition delivers them."""
    cleaned = re.sub(r"\s+", " ", text.strip().lower())
    cleaned = re.sub(r"[\s,.;:!?\"]+$", "", cleaned)
    return re.sub(r"^[\s,.;:!?\"]+", "", cleaned)


class UtteranceResolver:
    """Matches typed text against the interaction model: built-ins, exact samples, carriers."""

    def __init__(
        self, model: Mapping[str, Any] | None = None, *, invocation: str | None = None
    ) -> None:
        language = (model or build_model())["interactionModel"]["languageModel"]
        self.invocation = normalize(invocation or language.get("invocationName", INVOCATION_NAME))
        self._built_ins: dict[str, str] = {}
        self._exact: dict[str, str] = {}
        self._carriers: list[_Carrier] = []
        declared = {intent["name"] for intent in language["intents"]}
        for intent_name, phrases in BUILT_IN_PHRASES.items():
            if intent_name in declared:
                for phrase in phrases:
                    self._built_ins.setdefault(phrase, intent_name)
        # Custom slot types: a sample that is one such slot alone matches only its values,
        # as Alexa's own resolution would, instead of swallowing every utterance.
        type_values = {
            t["name"]: {normalize(v["name"]["value"]) for v in t.get("values", [])}
            for t in language.get("types", [])
        }
        self._slot_values: dict[str, tuple[str, str]] = {}
        for intent in language["intents"]:
            slot_types = {slot["name"]: slot["type"] for slot in intent.get("slots", [])}
            for sample in intent.get("samples", []):
                alone = re.fullmatch(r"\{(\w+)\}", sample.strip())
                if alone and slot_types.get(alone.group(1)) in type_values:
                    for value in type_values[slot_types[alone.group(1)]]:
                        self._slot_values.setdefault(value, (intent["name"], alone.group(1)))
                    continue
                self._add_sample(intent["name"], normalize(sample), set(slot_types))
        self._carriers.sort(key=lambda c: -c.specificity)
        self._default = SHOP_INTENT if SHOP_INTENT in declared else None
        self.intents = tuple(sorted(declared))

    def _add_sample(self, intent: str, sample: str, slot_names: set[str]) -> None:
        slots = re.findall(r"\{(\w+)\}", sample)
        if not slots:
            self._exact.setdefault(sample, intent)
            return
        if any(slot not in slot_names for slot in slots) or len(set(slots)) != len(slots):
            return
        parts = re.split(r"(\{\w+\})", sample)
        regex = "".join(
            f"(?P<{part[1:-1]}>.+?)" if part.startswith("{") else re.escape(part) for part in parts
        )
        literal = " ".join(p for p in parts if not p.startswith("{")).split()
        self._carriers.append(
            _Carrier(intent, sample, re.compile(f"^{regex}$"), specificity=len(literal))
        )

    def _strip_invocation(self, text: str) -> tuple[str, bool]:
        """Handle "alexa, open acme home" and "ask acme home to find ..." like a real device."""
        text = re.sub(r"^alexa\b[\s,]*", "", text)
        name = re.escape(self.invocation)
        if re.fullmatch(rf"(open|launch|start|talk to|play|begin) {name}", text) or text == (
            self.invocation
        ):
            return "", True
        one_shot = re.match(
            rf"^(ask|tell|use|open) {name}(?: (?:to|for|about|if|whether))? (.+)$", text
        )
        if one_shot:
            return one_shot.group(2), False
        return text, False

    def resolve(self, text: str) -> Resolution:
        """Route one utterance; anything the model does not match goes whole to the parser."""
        said = normalize(text[:MAX_UTTERANCE_CHARS])
        said, is_launch = self._strip_invocation(said)
        if is_launch:
            return Resolution(kind="launch", matched="invocation")
        if not said:
            return Resolution(kind="launch", matched="invocation")
        if said in self._built_ins:
            return Resolution(kind="intent", intent=self._built_ins[said], matched=said)
        if said in self._exact:
            return Resolution(kind="intent", intent=self._exact[said], matched=said)
        if said in self._slot_values:
            intent_name, slot = self._slot_values[said]
            return Resolution(
                kind="intent", intent=intent_name, slots={slot: said}, matched=f"{{{slot}}}"
            )
        for carrier in self._carriers:
            found = carrier.pattern.match(said)
            if found:
                slots = {k: v.strip() for k, v in found.groupdict().items() if v and v.strip()}
                if slots:
                    return Resolution(
                        kind="intent", intent=carrier.intent, slots=slots, matched=carrier.sample
                    )
        if self._default is None:
            return Resolution(kind="intent", intent="AMAZON.FallbackIntent", matched="")
        return Resolution(kind="intent", intent=self._default, slots={QUERY_SLOT: said})
