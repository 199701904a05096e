"""The handoff service: tickets with the whole context, ownership, replies, offers and closing.

States: waiting -> assigned -> (transferred) -> resolved | handed_back. Every change is a
compare-and-set on the ticket's version in the `DeskStore`, so any number of workers or
processes can race on a ticket and exactly one wins.
"""

from __future__ import annotations

import copy
import functools
import logging
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Literal, Protocol

from skill.core.ports import OrderService, ShopperStore
from skill.desk import triage
from skill.desk.errors import DeskError, NotAllowed, OfferRefused, TicketConflict, TicketNotFound
from skill.desk.masking import mask_text, mask_value, phone_hint
from skill.desk.passwords import hash_password, verify_password
from skill.desk.store import DeskStore
from skill.errors import AmbientShopError, HandoffFailed

log = logging.getLogger(__name__)

Role = Literal["agent", "supervisor"]
ROLES: tuple[Role, ...] = ("agent", "supervisor")
OWNED = frozenset({"assigned", "transferred"})
OPEN = frozenset({"waiting"}) | OWNED
CLOSED = frozenset({"resolved", "handed_back"})
MAX_REPLY_CHARS = 2000
MAX_FAILED_SIGN_INS = 10
LOCKOUT_S = 15 * 60
CSAT_QUESTION = (
    "How satisfied were you with the help you got today? Reply with a number from 1 (not at all) "
    "to 5 (very satisfied)."
)


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


@dataclass(frozen=True, slots=True)
class Agent:
    username: str
    display_name: str
    role: Role

    @property
    def is_supervisor(self) -> bool:
        return self.role == "supervisor"


@dataclass(frozen=True, slots=True)
class Autonomy:
    """What a person may give away without asking: the server enforces it, whatever a page sends."""

    max_shipping_waiver: Decimal
    max_discount_percent: int


DEFAULT_AUTONOMY: Mapping[Role, Autonomy] = {
    "agent": Autonomy(max_shipping_waiver=Decimal("10"), max_discount_percent=10),
    "supervisor": Autonomy(max_shipping_waiver=Decimal("50"), max_discount_percent=25),
}


class ShopperDelivery(Protocol):
    """The outbox as the desk uses it: a message of a kind (message, notice, csat) to a shopper."""

    def deliver(
        self, *, shopper_id: str, channel: str, text: str, kind: str = "message", ref: str = ""
    ) -> str: ...


@dataclass
class Hooks:
    """Callbacks for other parts of the product (engagement metrics, surveys)."""

    on_claimed: list[Callable[[Mapping[str, Any]], None]] = field(default_factory=list)
    # A person finished with a ticket; its status says "resolved" or "handed_back".
    on_resolved: list[Callable[[Mapping[str, Any]], None]] = field(default_factory=list)
    on_csat: list[Callable[[Mapping[str, Any], int], None]] = field(default_factory=list)


def _request_field(request: Any, name: str, default: Any = None) -> Any:
    return getattr(request, name, default)


def delivery_channel(ticket: Mapping[str, Any]) -> str:
    """Web chat gets the person live; every other channel is followed up by text message."""
    return "webchat" if ticket.get("channel") == "webchat" else "sms"


class Desk:
    """The `HandoffDesk` port for the embedded desk, plus what agents do in the /desk pages."""

    def __init__(
        self,
        store: DeskStore,
        *,
        delivery: ShopperDelivery,
        shoppers: ShopperStore,
        orders: OrderService,
        skill_name: str = "Acme Home",
        autonomy: Mapping[Role, Autonomy] | None = None,
    ) -> None:
        self.store = store
        self._delivery = delivery
        self._shoppers = shoppers
        self._orders = orders
        self._skill_name = skill_name
        self.autonomy = dict(autonomy or DEFAULT_AUTONOMY)
        self.hooks = Hooks()

    # -- the HandoffDesk port (called by the conversation core) --------------------------------

    def open_ticket(self, request: Any) -> str:
        """Store the ticket durably first; only then is the shopper told (by the caller or here)."""
        try:
            existing = self.open_ticket_for(request.conversation_id)
            if existing is not None:
                return str(existing["ticket_id"])
            ticket = self._new_ticket(request)
            self.store.insert_ticket(ticket)
        except AmbientShopError as e:
            raise HandoffFailed(f"the desk could not store the ticket: {e}") from e
        self._event(ticket["ticket_id"], "system", f"Ticket opened: {ticket['reason']}.")
        contact = ticket["contact"]
        if contact.get("method") in ("sms", "callback"):
            how = (
                "text you back here"
                if contact["method"] == "sms"
                else "call you back at this number"
            )
            self._tell(
                ticket,
                f"Hi from {self._skill_name}. A person from our team will {how} shortly about "
                f"your request ({ticket['ticket_id']}).",
                kind="notice",
            )
        self._change(ticket["ticket_id"], lambda t: t.update(shopper_notified=True))
        return str(ticket["ticket_id"])

    def tickets(self, *, status: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        found = [t for t in self.store.list_tickets() if status is None or t["status"] == status]
        found.sort(key=lambda t: str(t.get("created_at", "")), reverse=True)
        return found[:limit]

    def relay(self, conversation_id: str, text: str) -> str | None:
        """Pass a shopper's message to the person on an open ticket; None: the assistant answers."""
        ticket = self.open_ticket_for(conversation_id)
        if ticket is None:
            return None
        if text.strip():
            self._event(ticket["ticket_id"], "shopper", mask_text(text[:MAX_REPLY_CHARS]))
        return str(ticket["status"])

    def open_ticket_for(self, conversation_id: str) -> dict[str, Any] | None:
        for ticket in self.store.list_tickets():
            if ticket.get("conversation_id") == conversation_id and ticket["status"] in OPEN:
                return ticket
        return None

    def open_task(
        self,
        *,
        shopper_id: str,
        reason: str,
        note: str,
        cart_lines: list[Mapping[str, Any]] | None = None,
        channel: str = "sms",
    ) -> str:
        """Open a desk task without a conversation (e.g. help for a shopper stuck at checkout)."""
        from skill.core.model import HandoffRequest

        request = HandoffRequest(
            conversation_id=f"task-{secrets.token_hex(8)}",
            shopper_id=shopper_id,
            channel=channel,
            reason=reason,
            transcript=({"shopper": "", "assistant": note},),
            context={"cart_lines": [dict(line) for line in cart_lines or []]},
        )
        return self.open_ticket(request)

    # -- reading ---------------------------------------------------------------------------------

    def get(self, ticket_id: str) -> dict[str, Any]:
        ticket = self.store.get_ticket(ticket_id)
        if ticket is None:
            raise TicketNotFound(f"no ticket {ticket_id}")
        return ticket

    def can_see(self, agent: Agent, ticket: Mapping[str, Any]) -> bool:
        if agent.is_supervisor or ticket["status"] == "waiting":
            return True
        return ticket.get("owner") == agent.username

    def view(self, agent: Agent, ticket_id: str) -> dict[str, Any]:
        ticket = self.get(ticket_id)
        if not self.can_see(agent, ticket):
            raise NotAllowed("this conversation belongs to another agent")
        return ticket

    def queue(self, agent: Agent) -> list[dict[str, Any]]:
        """Open tickets this agent may see: highest priority first, then longest waiting."""
        visible = [
            t for t in self.store.list_tickets() if t["status"] in OPEN and self.can_see(agent, t)
        ]
        visible.sort(key=lambda t: (-int(t.get("priority", 0)), str(t.get("created_at", ""))))
        return visible

    def messages(self, agent: Agent, ticket_id: str, *, after: int = 0) -> list[dict[str, Any]]:
        self.view(agent, ticket_id)
        return self.store.read(f"ticket:{ticket_id}", after=after)

    # -- what agents do --------------------------------------------------------------------------

    def claim(self, agent: Agent, ticket_id: str) -> dict[str, Any]:
        def take(ticket: dict[str, Any]) -> None:
            if ticket["status"] != "waiting":
                owner = ticket.get("owner") or "nobody"
                raise TicketConflict(f"ticket {ticket_id} is {ticket['status']} (owner: {owner})")
            ticket.update(status="assigned", owner=agent.username, assigned_at=now_iso())
            ticket["owner_name"] = agent.display_name

        ticket = self._change(ticket_id, take)
        self._event(ticket_id, "system", f"{agent.display_name} picked up the conversation.")
        for hook in self.hooks.on_claimed:
            self._run_hook(hook, ticket)
        if delivery_channel(ticket) == "webchat":
            self._tell(ticket, f"{agent.display_name} from {self._skill_name} joined the chat.")
        return ticket

    def _owned_by(self, agent: Agent, ticket: Mapping[str, Any]) -> None:
        if ticket["status"] not in OWNED:
            raise TicketConflict(f"ticket {ticket['ticket_id']} is {ticket['status']}")
        if ticket.get("owner") != agent.username:
            raise NotAllowed("claim the conversation first; it belongs to someone else")

    def reply(self, agent: Agent, ticket_id: str, text: str) -> int:
        text = text.strip()
        if not text:
            raise DeskError("the reply is empty")
        if len(text) > MAX_REPLY_CHARS:
            raise DeskError(f"a reply is at most {MAX_REPLY_CHARS} characters")
        ticket = self.get(ticket_id)
        self._owned_by(agent, ticket)
        self._tell(ticket, text)
        return self._event(ticket_id, "agent", mask_text(text), author=agent.display_name)

    def shipping_options(self) -> list[Any]:
        return list(self._orders.shipping_options())

    def shipping_cost(self, option_name: str | None = None) -> tuple[str, Decimal]:
        options = self._orders.shipping_options()
        if not options:
            raise DeskError("no shipping options are configured")
        chosen = next((o for o in options if o.name == option_name), None) if option_name else None
        chosen = chosen or min(options, key=lambda o: o.cost)
        return chosen.name, chosen.cost

    def offer(
        self, agent: Agent, ticket_id: str, *, kind: str, value: str = "", note: str = ""
    ) -> dict[str, Any]:
        """Make an offer within the agent's autonomy; refusals are audited as well as grants."""
        ticket = self.get(ticket_id)
        self._owned_by(agent, ticket)
        limits = self.autonomy[agent.role]
        entry: dict[str, Any] = {
            "ticket_id": ticket_id,
            "agent": agent.username,
            "role": agent.role,
            "kind": kind,
            "requested": str(value)[:50],
        }
        try:
            offer, text = self._priced_offer(kind, value, limits)
        except OfferRefused as e:
            self.audit({**entry, "outcome": "refused", "why": str(e)})
            raise
        offer.update(by=agent.username, at=now_iso(), note=mask_text(note[:200]))
        self._change(ticket_id, lambda t: t.setdefault("offers", []).append(offer))
        profile = self._shoppers.load(ticket["shopper_id"])
        profile.setdefault("offers", []).append({**offer, "ticket_id": ticket_id})
        self._shoppers.save(ticket["shopper_id"], profile)
        self.audit({**entry, "outcome": "granted", "offer": offer})
        self._tell(ticket, text)
        self._event(ticket_id, "agent", text, author=agent.display_name)
        return offer

    def _priced_offer(self, kind: str, value: str, limits: Autonomy) -> tuple[dict[str, Any], str]:
        if kind == "free_shipping":
            name, cost = self.shipping_cost(value or None)
            if cost > limits.max_shipping_waiver:
                raise OfferRefused(
                    f"waiving {name} (${cost}) is over your limit of ${limits.max_shipping_waiver}"
                )
            text = f"Good news: we've waived {name.lower()} on your order (you save ${cost})."
            return {"kind": kind, "shipping": name, "amount": str(cost)}, text
        if kind == "discount":
            try:
                percent = Decimal(str(value).strip().rstrip("%"))
            except InvalidOperation as e:
                raise OfferRefused(f"{value!r} is not a percentage") from e
            if not percent.is_finite() or percent <= 0:
                raise OfferRefused("a discount must be more than 0%")
            if percent > limits.max_discount_percent:
                raise OfferRefused(
                    f"{percent}% is over your discount limit of {limits.max_discount_percent}%"
                )
            text = f"Good news: you get {percent}% off your order."
            return {"kind": kind, "percent": str(percent)}, text
        raise OfferRefused(f"unknown offer {kind!r} (free_shipping or discount)")

    def transfer(self, agent: Agent, ticket_id: str, to_username: str) -> dict[str, Any]:
        target = self.agent(to_username)
        if target is None:
            raise DeskError(f"no agent {to_username!r}")

        def move(ticket: dict[str, Any]) -> None:
            if ticket["status"] not in OPEN:
                raise TicketConflict(f"ticket {ticket_id} is {ticket['status']}")
            if not agent.is_supervisor and ticket.get("owner") != agent.username:
                raise NotAllowed("only a supervisor or the owner can transfer this conversation")
            ticket.update(
                status="transferred",
                owner=target.username,
                owner_name=target.display_name,
                assigned_at=now_iso(),
            )

        ticket = self._change(ticket_id, move)
        self.audit({"ticket_id": ticket_id, "agent": agent.username, "transfer_to": to_username})
        self._event(
            ticket_id, "system", f"{agent.display_name} transferred it to {target.display_name}."
        )
        return ticket

    def resolve(self, agent: Agent, ticket_id: str) -> dict[str, Any]:
        ticket = self._close(agent, ticket_id, "resolved")
        self._tell(ticket, CSAT_QUESTION, kind="csat", ref=ticket_id)
        self._event(ticket_id, "system", f"{agent.display_name} resolved it; CSAT question sent.")
        for hook in self.hooks.on_resolved:
            self._run_hook(hook, ticket)
        return ticket

    def hand_back(self, agent: Agent, ticket_id: str) -> dict[str, Any]:
        ticket = self._close(agent, ticket_id, "handed_back")
        self._tell(
            ticket,
            f"You're back with the {self._skill_name} assistant. What else can I help you with?",
            kind="notice",
        )
        self._event(ticket_id, "system", f"{agent.display_name} handed it back to the assistant.")
        for hook in self.hooks.on_resolved:
            self._run_hook(hook, ticket)
        return ticket

    def _close(self, agent: Agent, ticket_id: str, status: str) -> dict[str, Any]:
        def close(ticket: dict[str, Any]) -> None:
            self._owned_by(agent, ticket)
            ticket.update(status=status, closed_at=now_iso())

        return self._change(ticket_id, close)

    def record_csat(self, ticket_id: str, *, shopper_id: str, score: int) -> dict[str, Any]:
        """The shopper's answer to the CSAT question; only the ticket's own shopper may answer."""
        if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 5:
            raise DeskError("a CSAT score is a whole number from 1 to 5")

        def rate(ticket: dict[str, Any]) -> None:
            if ticket.get("shopper_id") != shopper_id:
                raise NotAllowed("this is not your conversation")
            if ticket["status"] != "resolved":
                raise TicketConflict("this conversation has not been resolved yet")
            if ticket.get("csat") is not None:
                raise TicketConflict("this conversation was already rated")
            ticket["csat"] = {"score": score, "at": now_iso()}

        ticket = self._change(ticket_id, rate)
        self._event(ticket_id, "system", f"The shopper rated the help {score}/5.")
        for hook in self.hooks.on_csat:
            self._run_hook(hook, ticket, score)
        return ticket

    # -- agents and audit ------------------------------------------------------------------------

    def add_agent(
        self, username: str, password: str, *, role: Role = "agent", display_name: str = ""
    ) -> Agent:
        from skill.desk.passwords import MIN_PASSWORD_CHARS

        username = username.strip().lower()
        if not username or len(username) > 64 or not username.replace(".", "").isalnum():
            raise DeskError("a username is 1-64 letters, digits or dots")
        if role not in ROLES:
            raise DeskError(f"role must be one of {', '.join(ROLES)}")
        if len(password) < MIN_PASSWORD_CHARS:
            raise DeskError(f"a password needs at least {MIN_PASSWORD_CHARS} characters")
        agent = Agent(username, display_name.strip() or username.title(), role)
        record = {
            "username": agent.username,
            "display_name": agent.display_name,
            "role": agent.role,
            "password": hash_password(password),
            "created_at": now_iso(),
        }
        if not self.store.add_record("agent", agent.username, record):
            raise DeskError(f"agent {username!r} already exists")
        return agent

    def reset_demo_agent(self, username: str = "demo") -> str:
        """A demo supervisor with a fresh random password each start (never a fixed default)."""
        from skill.desk.passwords import random_password

        password = random_password()
        record = {
            "username": username,
            "display_name": "Demo Agent",
            "role": "supervisor",
            "password": hash_password(password),
            "created_at": now_iso(),
            "demo": True,
        }
        self.store.put_record("agent", username, record)
        return password

    def agent(self, username: str) -> Agent | None:
        record = self.store.get_record("agent", username.strip().lower())
        if record is None or record.get("disabled"):
            return None
        return Agent(record["username"], record["display_name"], record["role"])

    def agents(self) -> list[Agent]:
        records = sorted(self.store.list_records("agent"), key=lambda r: r["username"])
        return [Agent(r["username"], r["display_name"], r["role"]) for r in records]

    def authenticate(self, username: str, password: str) -> Agent | None:
        name = username.strip().lower()[:64]
        if self.locked_out(name):
            verify_password(password, _dummy_hash())
            return None
        record = self.store.get_record("agent", name)
        if record is None:
            # Same work for unknown names, so timing does not reveal which usernames exist.
            verify_password(password, _dummy_hash())
            self._failed_sign_in(name)
            return None
        if record.get("disabled") or not verify_password(password, str(record["password"])):
            self._failed_sign_in(name)
            return None
        self.store.delete_record("throttle", name)
        return Agent(record["username"], record["display_name"], record["role"])

    def locked_out(self, username: str) -> bool:
        """Too many wrong passwords for this name lately: guessing stops for a while."""
        failures = self.store.get_record("throttle", username.strip().lower()[:64]) or {}
        return int(failures.get("count", 0)) >= MAX_FAILED_SIGN_INS

    def _failed_sign_in(self, username: str) -> None:
        failures = self.store.get_record("throttle", username) or {}
        self.store.put_record(
            "throttle",
            username,
            {"count": int(failures.get("count", 0)) + 1},
            ttl_s=LOCKOUT_S,
        )

    def audit(self, entry: Mapping[str, Any]) -> None:
        at = now_iso()
        self.store.put_record("audit", f"{at}-{secrets.token_hex(4)}", {**entry, "at": at})

    def audit_log(self, *, limit: int = 200) -> list[dict[str, Any]]:
        entries = sorted(self.store.list_records("audit"), key=lambda e: e["at"], reverse=True)
        return entries[:limit]

    # -- internals -------------------------------------------------------------------------------

    def _new_ticket(self, request: Any) -> dict[str, Any]:
        context = dict(_request_field(request, "context", {}) or {})
        transcript = [
            {k: mask_text(str(v)) for k, v in dict(t).items()}
            for t in _request_field(request, "transcript", ())
        ]
        profile = dict(context.get("profile") or self._shoppers.load(request.shopper_id))
        cart_lines = [dict(line) for line in context.get("cart_lines") or []]
        reason = triage.reason_code(request.reason)
        mood = triage.sentiment(t.get("shopper", "") for t in transcript)
        cart_total = triage.cart_value({"lines": cart_lines})
        loyal = triage.is_loyal(profile)
        contact = dict(context.get("contact") or {})
        if request.channel == "webchat":
            contact = {"method": "webchat"}
        return {
            "ticket_id": "T-" + secrets.token_hex(5).upper(),
            "conversation_id": request.conversation_id,
            "shopper_id": request.shopper_id,
            "channel": request.channel,
            "reason": reason,
            "reason_detail": mask_text(str(request.reason)),
            "status": "waiting",
            "owner": None,
            "priority": triage.priority(reason=reason, mood=mood, cart=cart_total, loyal=loyal),
            "sentiment": mood,
            "loyal": loyal,
            "cart_value": str(cart_total),
            "contact": {
                "method": contact.get("method", "sms"),
                "phone": phone_hint(str(profile.get("phone") or "")),
            },
            "transcript": transcript,
            "parse": mask_value(context.get("parse") or {}),
            "items": mask_value(context.get("items") or []),
            "selected": context.get("selected"),
            "cart_lines": mask_value(cart_lines),
            "profile": _shown_profile(profile),
            "offers": [],
            "shopper_notified": False,
            "created_at": now_iso(),
            "csat": None,
        }

    def _change(self, ticket_id: str, mutate: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
        for _ in range(100):
            current = self.get(ticket_id)
            updated = copy.deepcopy(current)
            mutate(updated)
            updated["updated_at"] = now_iso()
            if self.store.replace_ticket(updated, expected_version=int(current["version"])):
                updated["version"] = int(current["version"]) + 1
                return updated
        raise TicketConflict(f"ticket {ticket_id} keeps changing; try again")

    def _event(self, ticket_id: str, sender: str, text: str, *, author: str = "") -> int:
        return self.store.append(
            f"ticket:{ticket_id}", {"from": sender, "author": author, "text": text, "at": now_iso()}
        )

    def _tell(
        self, ticket: Mapping[str, Any], text: str, *, kind: str = "message", ref: str = ""
    ) -> None:
        self._delivery.deliver(
            shopper_id=str(ticket["shopper_id"]),
            channel=delivery_channel(ticket),
            text=text,
            kind=kind,
            ref=ref,
        )

    @staticmethod
    def _run_hook(hook: Callable[..., None], *args: Any) -> None:
        try:
            hook(*args)
        except Exception:  # a metrics hook must never undo a resolved ticket
            log.exception("desk hook %r failed", hook)


@functools.cache
def _dummy_hash() -> str:
    return hash_password(secrets.token_urlsafe(16))


_PROFILE_FIELDS = ("name", "first_name", "loyalty_tier", "tier", "orders_count", "locale", "city")


def _shown_profile(profile: Mapping[str, Any]) -> dict[str, Any]:
    """What an agent sees of a profile: no raw phone numbers or addresses."""
    shown = {k: profile[k] for k in _PROFILE_FIELDS if k in profile}
    if profile.get("phone"):
        shown["phone"] = phone_hint(str(profile["phone"]))
    return mask_value(shown)
