"""A simulated device session: real envelopes out, Alexa responses back, kept like a device."""

from __future__ import annotations

import html
import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit

from nlu.contract import Parse
from skill.alexa.attributes import STATE_ATTRIBUTE
from skill.errors import AmbientShopError
from skill.simulator.envelopes import (
    DEFAULT_LOCALE,
    DeviceProfile,
    EnvelopeContext,
    Resolution,
    UtteranceResolver,
    device_profile,
    intent_request,
    launch_request,
    new_id,
    new_shopper_id,
    session_ended_request,
)

if TYPE_CHECKING:
    import requests

    from skill.bootstrap import Application

# Used when no skill id is configured anywhere: the skill accepts any id then.
FALLBACK_APPLICATION_ID = "amzn1.ask.skill.00000000-0000-0000-0000-000000000000"
HTTP_TIMEOUT_S = 30.0


class SimulatorError(AmbientShopError):
    """The simulated device could not reach the skill or got something that is not a response."""


@dataclass(frozen=True, slots=True)
class Exchange:
    """What one transport round trip returned: the response envelope and, in-process, the parse."""

    response: Mapping[str, Any]
    parse: Parse | None = None
    # Texts the skill sent to the shopper's phone during this turn (in-process only).
    texts: tuple[str, ...] = ()


class Transport(Protocol):
    """Carries one request envelope to the skill and brings its response envelope back."""

    name: str

    def send(self, envelope: Mapping[str, Any]) -> Exchange: ...


class InProcessTransport:
    """Calls the wired skill directly: no HTTP, no signature, since nothing leaves the process."""

    name = "in-process"

    def __init__(self, application: Application) -> None:
        self._application = application

    @property
    def application_id(self) -> str:
        return self._application.settings.skill_id or FALLBACK_APPLICATION_ID

    @property
    def application(self) -> Application:
        return self._application

    def send(self, envelope: Mapping[str, Any]) -> Exchange:
        from ask_sdk_core.exceptions import AskSdkException
        from ask_sdk_core.handler_input import HandlerInput
        from ask_sdk_model import RequestEnvelope

        from skill.alexa.rendering import enforce_size

        skill = self._application.alexa_skill
        request = skill.serializer.deserialize(json.dumps(envelope), RequestEnvelope)
        system = request.context.system if request.context else None
        shopper = system.user.user_id if system and system.user else None
        before = self._texts(shopper)
        try:
            response = skill.invoke(request_envelope=request, context=None)
        except AskSdkException as e:
            raise SimulatorError(f"the skill rejected the request: {e}") from e
        body = enforce_size(skill.serializer.serialize(response))
        sent = self._texts(shopper)
        return Exchange(
            response=body,
            parse=self._parse(HandlerInput(request_envelope=request)),
            texts=tuple(sent[: max(len(sent) - len(before), 0)]),
        )

    def _texts(self, shopper_id: str | None) -> list[str]:
        """The shopper's texts, newest first, as the simulator shows a phone's messages."""
        if not shopper_id:
            return []
        messages = self._application.outbox.messages(shopper_id=shopper_id, limit=50)
        return [
            f"{m['body']} {m['link']}".strip() if m["link"] not in m["body"] else m["body"]
            for m in messages
        ]

    def _parse(self, handler_input: Any) -> Parse:
        """The parse the core acted on, rebuilt through the same request translation."""
        from skill.alexa.skill import turn_from_request
        from skill.core.state import DialogueState

        turn = turn_from_request(handler_input)
        if turn.event == "launch":
            return Parse(text="", intent="greeting", confidence=1.0)
        if turn.event == "session_end":
            return Parse(text="", intent="stop", confidence=1.0)
        # The same dialogue state the skill read, so context-aware parses match its own.
        session = handler_input.request_envelope.session
        attributes = (session.attributes if session else None) or {}
        state = DialogueState.from_dict(attributes.get(STATE_ATTRIBUTE))
        return self._application.conversation.understand(turn, state)


class HttpTransport:
    """POSTs envelopes to a running skill started with AMBIENT_SHOP_DEV_UNVERIFIED=1."""

    name = "http"

    def __init__(
        self, url: str, *, http: requests.Session | None = None, timeout: float = HTTP_TIMEOUT_S
    ) -> None:
        import requests

        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise SimulatorError(f"--url must be an http(s) URL, got {url!r}")
        # A bare server address means its Alexa endpoint.
        self.url = url.rstrip("/") + "/alexa" if parts.path in ("", "/") else url
        self._http = http or requests.Session()
        self._timeout = timeout

    def send(self, envelope: Mapping[str, Any]) -> Exchange:
        import requests

        try:
            answer = self._http.post(self.url, json=dict(envelope), timeout=self._timeout)
        except requests.RequestException as e:
            raise SimulatorError(f"could not reach {self.url}: {e}") from e
        if answer.status_code != 200:
            detail = answer.text[:300].strip()
            hint = ""
            if answer.status_code == 400 and "verification" in detail:
                hint = " (start the server with AMBIENT_SHOP_DEV_UNVERIFIED=1 for the simulator)"
            raise SimulatorError(f"{self.url} answered {answer.status_code}: {detail}{hint}")
        try:
            body = answer.json()
        except ValueError as e:
            raise SimulatorError(f"{self.url} answered something that is not JSON") from e
        if not isinstance(body, dict):
            raise SimulatorError(f"{self.url} answered JSON that is not a response envelope")
        return Exchange(response=body)


def ssml_to_text(ssml: str) -> str:
    """What a listener hears: tags dropped, entities decoded, whitespace tidied."""
    text = re.sub(r"<break[^>]*>", " ", ssml)
    text = re.sub(r"<[^>]+>", "", text)
    return re.sub(r"\s+", " ", html.unescape(text)).strip()


def _speech(block: Any) -> tuple[str, str]:
    if not isinstance(block, Mapping):
        return "", ""
    if block.get("type") == "SSML" or "ssml" in block:
        raw = str(block.get("ssml") or "")
        return raw, ssml_to_text(raw)
    raw = str(block.get("text") or "")
    return raw, raw


def _apl_items(directives: Any) -> tuple[bool, str, list[dict[str, Any]]]:
    """Whether an APL document was sent, its title, and the product list it would show."""
    if not isinstance(directives, list):
        return False, "", []
    for directive in directives:
        if isinstance(directive, Mapping) and str(directive.get("type", "")).startswith(
            "Alexa.Presentation.APL.RenderDocument"
        ):
            datasources = directive.get("datasources") or {}
            listing = datasources.get("list") if isinstance(datasources, Mapping) else None
            if not isinstance(listing, Mapping):
                return True, "", []
            items = [dict(i) for i in listing.get("items") or [] if isinstance(i, Mapping)]
            return True, str(listing.get("title") or ""), items
    return False, "", []


@dataclass(frozen=True, slots=True)
class StepResult:
    """Everything a developer wants to see about one turn, as Alexa would have played it."""

    request: Mapping[str, Any]
    response: Mapping[str, Any]
    speech: str
    ssml: str
    reprompt: str
    card: Mapping[str, Any] | None
    apl: bool
    apl_title: str
    apl_items: tuple[Mapping[str, Any], ...]
    end_session: bool
    attributes: Mapping[str, Any]
    parse: Parse | None
    sent: str
    slots: Mapping[str, str] = field(default_factory=dict)
    matched: str = ""
    texts: tuple[str, ...] = ()

    @property
    def state(self) -> Mapping[str, Any]:
        value = self.attributes.get(STATE_ATTRIBUTE)
        return value if isinstance(value, Mapping) else {}

    def to_dict(self) -> dict[str, Any]:
        return {
            "sent": self.sent,
            "slots": dict(self.slots),
            "matched": self.matched,
            "speech": self.speech,
            "ssml": self.ssml,
            "reprompt": self.reprompt,
            "card": dict(self.card) if self.card else None,
            "apl": self.apl,
            "apl_title": self.apl_title,
            "apl_items": [dict(i) for i in self.apl_items],
            "end_session": self.end_session,
            "state": dict(self.state),
            "parse": self.parse.to_dict() if self.parse else None,
            "texts": list(self.texts),
        }


def _result(
    request: Mapping[str, Any],
    exchange: Exchange,
    *,
    device: DeviceProfile,
    sent: str,
    slots: Mapping[str, str],
    matched: str,
) -> StepResult:
    envelope = exchange.response
    response = envelope.get("response")
    response = response if isinstance(response, Mapping) else {}
    ssml, speech = _speech(response.get("outputSpeech"))
    reprompt_block = response.get("reprompt")
    _, reprompt = _speech(
        reprompt_block.get("outputSpeech") if isinstance(reprompt_block, Mapping) else None
    )
    card = response.get("card")
    apl, apl_title, items = _apl_items(response.get("directives"))
    ends = response.get("shouldEndSession")
    # Left unset, a voice-only device closes the session; a screen device keeps it open.
    end_session = bool(ends) if ends is not None else not device.has_screen
    attributes = envelope.get("sessionAttributes")
    return StepResult(
        request=request,
        response=envelope,
        speech=speech,
        ssml=ssml,
        reprompt=reprompt,
        card=dict(card) if isinstance(card, Mapping) else None,
        apl=apl,
        apl_title=apl_title,
        apl_items=tuple(items),
        end_session=end_session,
        attributes=dict(attributes) if isinstance(attributes, Mapping) else {},
        parse=exchange.parse,
        sent=sent,
        slots=dict(slots),
        matched=matched,
        texts=exchange.texts,
    )


class SimulatorSession:
    """One shopper at one device: keeps the session id and echoes attributes like a real Echo."""

    def __init__(
        self,
        transport: Transport,
        *,
        application_id: str,
        device: str | None = "voice",
        shopper_id: str | None = None,
        locale: str = DEFAULT_LOCALE,
        resolver: UtteranceResolver | None = None,
    ) -> None:
        self.transport = transport
        self.application_id = application_id
        # None: a script that names no device; voice is what most shoppers have.
        self.device = device_profile(device or "voice")
        self.shopper_id = shopper_id or new_shopper_id()
        self.device_id = new_id("device")
        self.locale = locale
        self.resolver = resolver or UtteranceResolver()
        self.session_id: str | None = None
        self.attributes: dict[str, Any] = {}
        self.last: StepResult | None = None

    @property
    def open(self) -> bool:
        return self.session_id is not None

    def snapshot(self) -> dict[str, Any]:
        """What a device remembers between turns, as JSON, so any process can continue it."""
        return {
            "device": self.device.name,
            "device_id": self.device_id,
            "shopper_id": self.shopper_id,
            "locale": self.locale,
            "session_id": self.session_id,
            "attributes": dict(self.attributes),
        }

    def restore(self, snapshot: Mapping[str, Any]) -> None:
        """Continue from a `snapshot`; fields that are missing or of the wrong type are reset."""
        device = snapshot.get("device")
        if isinstance(device, str):
            try:
                self.device = device_profile(device)
            except ValueError:
                pass
        for name in ("device_id", "shopper_id", "locale"):
            value = snapshot.get(name)
            if isinstance(value, str) and value:
                setattr(self, name, value)
        session_id = snapshot.get("session_id")
        attributes = snapshot.get("attributes")
        if isinstance(session_id, str) and session_id and isinstance(attributes, Mapping):
            self.session_id, self.attributes = session_id, dict(attributes)
        else:
            self._close()

    @property
    def state(self) -> Mapping[str, Any]:
        value = self.attributes.get(STATE_ATTRIBUTE)
        return value if isinstance(value, Mapping) else {}

    def switch_device(self, name: str) -> None:
        """A different device is a different session, as on real hardware."""
        self.device = device_profile(name)
        self.device_id = new_id("device")
        self._close()

    def switch_shopper(self, shopper_id: str) -> None:
        if not shopper_id.strip():
            raise ValueError("a shopper id cannot be empty")
        self.shopper_id = shopper_id.strip()
        self._close()

    def _close(self) -> None:
        self.session_id = None
        self.attributes = {}

    def _context(self) -> EnvelopeContext:
        new = self.session_id is None
        if new:
            self.session_id = f"amzn1.echo-api.session.{uuid.uuid4()}"
            self.attributes = {}
        return EnvelopeContext(
            application_id=self.application_id,
            user_id=self.shopper_id,
            device_id=self.device_id,
            device=self.device,
            session_id=self.session_id or "",
            new_session=new,
            attributes=self.attributes,
            locale=self.locale,
        )

    def _exchange(
        self, envelope: dict[str, Any], *, sent: str, resolution: Resolution | None = None
    ) -> StepResult:
        try:
            exchange = self.transport.send(envelope)
        except SimulatorError:
            self._close()
            raise
        result = _result(
            envelope,
            exchange,
            device=self.device,
            sent=sent,
            slots=resolution.slots if resolution else {},
            matched=resolution.matched if resolution else "",
        )
        if result.end_session:
            self._close()
        else:
            self.attributes = dict(result.attributes)
        self.last = result
        return result

    def launch(self) -> StepResult:
        """Opening the skill by name always starts a new session."""
        self._close()
        return self._exchange(launch_request(self._context()), sent="LaunchRequest")

    def intent(self, name: str, slots: Mapping[str, str] | None = None) -> StepResult:
        envelope = intent_request(self._context(), name, slots)
        resolution = Resolution(kind="intent", intent=name, slots=dict(slots or {}))
        return self._exchange(envelope, sent=name, resolution=resolution)

    def say(self, text: str) -> StepResult:
        """Route typed words through the interaction model, then send what Alexa would send."""
        if not text.strip():
            raise ValueError("nothing to say: the utterance is empty")
        resolution = self.resolver.resolve(text)
        if resolution.kind == "launch":
            return self.launch()
        assert resolution.intent is not None
        envelope = intent_request(self._context(), resolution.intent, resolution.slots)
        return self._exchange(envelope, sent=resolution.intent, resolution=resolution)

    def end(self, *, reason: str = "USER_INITIATED") -> StepResult | None:
        """Tell the skill the session ended, as Alexa does when the shopper walks away."""
        if not self.open:
            return None
        envelope = session_ended_request(self._context(), reason=reason)
        result = self._exchange(envelope, sent="SessionEndedRequest")
        self._close()
        return replace(result, end_session=True)
