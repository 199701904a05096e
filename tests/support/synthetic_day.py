"""A scripted day of synthetic traffic: commerce events, conversations, handoffs, surveys.

`generate` writes the day as plain actions (the raw truth a test computes figures from);
`run_day` plays them against a running application on a fake clock, through its HTTP
endpoints (`POST /events`, `/surveys/<id>`) and its conversation, desk hooks and sweeps.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from skill.core.model import Turn
from skill.core.state import DialogueState
from tests.support.engage import FakeClock, cart_event, order_event, signed

DAY = datetime(2026, 11, 20, tzinfo=UTC)
SCRIPTS: dict[str, list[str]] = {
    "browse": ["show me wool sweaters", "the second one"],
    "status": ["where is my order 45712"],
    "handoff": ["I want to talk to a person"],
    "feedback": ["I have some feedback: you should stock linen bedding"],
}
WISHES = ("linen bedding", "kids' raincoats", "vegan leather boots", "bamboo towels")
# NPS answers as shops tend to see them: mostly 7-10, a tail of detractors.
NPS_SCORES = (10, 10, 10, 9, 9, 9, 9, 8, 8, 7, 6, 5, 3, 0)
SWEEP_EVERY = timedelta(minutes=5)


@dataclass(order=True)
class Action:
    at: datetime
    order: int
    kind: str = field(compare=False)
    data: dict[str, Any] = field(compare=False, default_factory=dict)


@dataclass
class Day:
    actions: list[Action]
    conversations: list[dict[str, Any]]
    carts: list[dict[str, Any]]
    tickets: list[dict[str, Any]]
    nps: list[tuple[datetime, str, int]]
    ces: list[tuple[datetime, str, int]]


def generate(seed: int = 7) -> Day:
    rng = random.Random(seed)
    actions: list[Action] = []
    counter = iter(range(1_000_000))

    def add(moment: datetime, kind: str, **data: Any) -> None:
        actions.append(Action(moment, next(counter), kind, data))

    conversations, carts, tickets = [], [], []
    nps: list[tuple[datetime, str, int]] = []
    ces: list[tuple[datetime, str, int]] = []
    for n in range(48):
        at = DAY + timedelta(hours=7 + rng.random() * 15)
        channel = rng.choice(("alexa", "webchat", "webchat"))
        script = rng.choice(("browse", "status", "status", "handoff", "feedback"))
        conversation = {
            "id": f"conv-{n}",
            "shopper": f"shopper-{n % 30}",
            "channel": channel,
            "script": script,
            "at": at,
            "wish": rng.choice(WISHES),
        }
        conversations.append(conversation)
        add(at, "conversation", **{k: v for k, v in conversation.items() if k != "at"})
        if script == "handoff":
            claim = at + timedelta(minutes=rng.randint(1, 20))
            resolve = claim + timedelta(seconds=rng.randint(120, 1500))
            csat = rng.choice((None, 2, 3, 4, 5, 5))
            ticket = {
                "conversation": conversation,
                "claim": claim,
                "resolve": resolve,
                "csat": csat,
            }
            tickets.append(ticket)
            add(claim, "claim", conversation_id=conversation["id"])
            add(resolve, "resolve", conversation_id=conversation["id"], csat=csat)
        if script == "status" and channel == "webchat" and rng.random() < 0.8:
            answer_at = at + timedelta(minutes=rng.randint(2, 30))
            score = rng.randint(1, 7)
            ces.append((answer_at, channel, score))
            add(
                answer_at,
                "ces",
                conversation_id=conversation["id"],
                shopper=conversation["shopper"],
                score=score,
            )

    for n in range(40):
        start = DAY + timedelta(hours=6 + rng.random() * 17, seconds=rng.randint(0, 59))
        shopper = f"buyer-{n}"
        cart_id = f"cart-{n}"
        value = Decimal(rng.choice(("19.00", "45.00", "80.00", "120.00", "250.00", "640.00")))
        fate = rng.choice(("pays", "pays", "abandons", "recovers", "pays_late"))
        cart = {
            "id": cart_id,
            "shopper": shopper,
            "value": value,
            "checkout": start,
            "payment": None,
            "order": None,
            "order_value": value + 7,
        }
        add(
            start - timedelta(minutes=4),
            "event",
            payload=cart_event(
                f"{cart_id}-u",
                "cart_updated",
                at=start - timedelta(minutes=4),
                shopper=shopper,
                cart=cart_id,
                value=str(value),
            ),
        )
        add(
            start,
            "event",
            payload=cart_event(
                f"{cart_id}-c",
                "checkout_started",
                at=start,
                shopper=shopper,
                cart=cart_id,
                value=str(value),
            ),
        )
        if fate == "pays":
            cart["payment"] = start + timedelta(seconds=rng.randint(20, 150))
            cart["order"] = cart["payment"] + timedelta(seconds=30)
        elif fate == "pays_late":
            # Payment after the rule fired: outreach was made, and the order recovers it.
            cart["payment"] = start + timedelta(minutes=rng.randint(15, 40))
            cart["order"] = cart["payment"] + timedelta(minutes=1)
        elif fate == "recovers":
            cart["order"] = start + timedelta(minutes=rng.randint(30, 300))
        if cart["payment"] is not None:
            add(
                cart["payment"],
                "event",
                payload=cart_event(
                    f"{cart_id}-p",
                    "payment_info_entered",
                    at=cart["payment"],
                    shopper=shopper,
                    cart=cart_id,
                    value=str(value),
                ),
            )
        if cart["order"] is not None:
            add(
                cart["order"],
                "event",
                payload=order_event(
                    f"{cart_id}-o",
                    at=cart["order"],
                    shopper=shopper,
                    order=f"order-{n}",
                    cart=cart_id,
                    value=str(cart["order_value"]),
                ),
            )
        carts.append(cart)

    for n in range(20):
        at = DAY + timedelta(hours=8 + rng.random() * 14)
        score = rng.choice(NPS_SCORES)
        channel = rng.choice(("sms", "webchat"))
        nps.append((at, channel, score))
        add(at, "nps", shopper=f"panel-{n}", channel=channel, score=score)

    tick = DAY
    while tick < DAY + timedelta(days=1):
        add(tick, "sweep")
        tick += SWEEP_EVERY
    actions.sort()
    return Day(actions, conversations, carts, tickets, nps, ces)


def first_sweep_after(moment: datetime) -> datetime:
    """The first sweep tick at or after `moment`."""
    ticks = -(-(moment - DAY) // SWEEP_EVERY)
    return DAY + ticks * SWEEP_EVERY


class DayRunner:
    """Plays a day against an application (its Flask client, conversation and engagement)."""

    def __init__(self, *, client: Any, application: Any, clock: FakeClock, agent: Any) -> None:
        self.client = client
        self.application = application
        self.clock = clock
        self.agent = agent
        self.tickets: dict[str, str] = {}

    def run(self, day: Day) -> None:
        for action in day.actions:
            self.clock.set(action.at)
            getattr(self, f"_{action.kind}")(**action.data)

    def _event(self, payload: dict[str, Any]) -> None:
        body, headers = signed(self.application.engage.secret, payload, at=self.clock.now())
        answer = self.client.post("/events", data=body, headers=headers)
        assert answer.status_code == 202, answer.json

    def _sweep(self) -> None:
        self.application.engage.sweep()

    def _conversation(self, *, id: str, shopper: str, channel: str, script: str, wish: str) -> None:
        state = DialogueState()
        if script == "handoff" and channel == "alexa":
            # On voice a person follows up by text message, so the profile holds a number.
            self.application.engage.update_profile(shopper, {"phone": "+15555550100"})
        lines = [line.replace("linen bedding", wish) for line in SCRIPTS[script]]
        while lines:
            turn = Turn(channel=channel, shopper_id=shopper, conversation_id=id, text=lines.pop(0))
            reply, state, _ = self.application.conversation.handle(turn, state)
            self.clock.advance(seconds=5)
            if reply.handoff is not None:
                self.tickets[id] = reply.handoff.ticket_id
            elif script == "handoff" and state.pending and not lines:
                lines.append("yes")  # voice asks first whether a person may text
        self.application.conversations.save(id, state.to_dict())
        if script == "handoff":
            assert id in self.tickets, f"{id}: no ticket after asking for a person"

    def _claim(self, *, conversation_id: str) -> None:
        self.agent.claim(self.tickets[conversation_id])

    def _resolve(self, *, conversation_id: str, csat: int | None) -> None:
        self.agent.resolve(self.tickets[conversation_id], csat=csat)

    def _survey(self, shopper: str, kind: str, conversation_id: str = "") -> str:
        for record in reversed(self.application.engage.records.query("survey", shopper_id=shopper)):
            if (
                record.doc.get("survey") == kind
                and record.doc.get("score") is None
                and (not conversation_id or record.doc.get("conversation_id") == conversation_id)
            ):
                return record.record_id
        raise AssertionError(f"no open {kind} survey for {shopper} {conversation_id}")

    def _answer(self, survey_id: str, score: int) -> None:
        answer = self.client.post(f"/surveys/{survey_id}", json={"score": score})
        assert answer.status_code == 200, answer.json

    def _ces(self, *, conversation_id: str, shopper: str, score: int) -> None:
        self._answer(self._survey(shopper, "ces", conversation_id), score)

    def _nps(self, *, shopper: str, channel: str, score: int) -> None:
        survey_id = self.application.engage.surveys.ask("nps", shopper_id=shopper, channel=channel)
        self._answer(survey_id, score)


PASSWORD = "correct horse battery"


class DeskAgent:
    """A person at the agent desk: claims, resolves, and the shopper answers the CSAT question."""

    def __init__(self, application: Any) -> None:
        self.desk = application.agent_desk
        self.agent = self.desk.add_agent("sam", PASSWORD, role="agent")

    def claim(self, ticket_id: str) -> None:
        self.desk.claim(self.agent, ticket_id)

    def resolve(self, ticket_id: str, *, csat: int | None) -> None:
        ticket = self.desk.resolve(self.agent, ticket_id)
        if csat is not None:
            self.desk.record_csat(ticket_id, shopper_id=ticket["shopper_id"], score=csat)


def sign_in(client: Any, username: str = "sam", password: str = PASSWORD) -> None:
    """Sign in through the desk's own form, as a person would."""
    page = client.get("/desk/login").get_data(as_text=True)
    token = re.search(r'name="login_token" value="([^"]+)"', page)
    assert token, page
    answer = client.post(
        "/desk/login",
        data={"login_token": token.group(1), "username": username, "password": password},
    )
    assert answer.status_code == 302, answer.get_data(as_text=True)


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def expected_figures(day: Day) -> dict[str, Any]:
    """The figures computed from the day's raw actions alone, by the documented definitions."""
    conversations = day.conversations
    handoffs = [c for c in conversations if c["script"] == "handoff"]
    csat = [t["csat"] for t in day.tickets if t["csat"] is not None]
    nps = [score for _, _, score in day.nps]
    ces = [score for _, _, score in day.ces]
    handle = [(t["resolve"] - t["claim"]).total_seconds() for t in day.tickets]
    outreached, recovered, revenue = 0, 0, Decimal("0")
    abandoned = 0
    for cart in day.carts:
        checkout = cart["checkout"]
        abandoned += cart["order"] is None
        quiet = checkout + timedelta(seconds=180)
        paid_in_time = cart["payment"] is not None and cart["payment"] < quiet
        if cart["value"] < 50 or paid_in_time:
            continue
        outreached += 1
        sent = first_sweep_after(quiet)
        order = cart["order"]
        if order is not None and sent <= order <= sent + timedelta(hours=24):
            recovered += 1
            revenue += cart["order_value"]
    promoters = sum(s >= 9 for s in nps)
    detractors = sum(s <= 6 for s in nps)
    channels: dict[str, dict[str, int]] = {}
    for c in conversations:
        entry = channels.setdefault(c["channel"], {"conversations": 0, "handoffs": 0})
        entry["conversations"] += 1
        entry["handoffs"] += c["script"] == "handoff"
    hours: dict[int, int] = {}
    for c in conversations:
        hours[c["at"].hour] = hours.get(c["at"].hour, 0) + 1
    return {
        "conversations": len(conversations),
        "handoffs": len(handoffs),
        "first_level_resolution": _rate(len(conversations) - len(handoffs), len(conversations)),
        "handoff_rate": _rate(len(handoffs), len(conversations)),
        "average_handle_time_s": sum(handle) / len(handle),
        "nps": 100 * (promoters - detractors) / len(nps),
        "csat": 100 * sum(s >= 4 for s in csat) / len(csat),
        "csat_responses": len(csat),
        "ces": sum(ces) / len(ces),
        "checkouts_started": len(day.carts),
        "cart_abandonment_rate": abandoned / len(day.carts),
        "outreaches": outreached,
        "carts_recovered": recovered,
        "recovery_rate": _rate(recovered, outreached),
        "revenue_recovered": revenue,
        "channels": channels,
        "conversations_by_hour": hours,
    }


@contextmanager
def play_day(data_dir: Path, catalog: Any, parser: Any) -> Iterator[tuple[Day, Any, Any]]:
    """Build the application on a fake clock, play the day, yield (day, application, client)."""
    from skill.bootstrap import build
    from skill.settings import Settings
    from skill.web import create_app

    clock = FakeClock(DAY)
    settings = Settings(data_dir=data_dir, dev_unverified=True)
    application = build(settings, catalog=catalog, parser=parser, clock=clock)
    app = create_app(application=application)
    client = app.test_client()
    day = generate()
    try:
        DayRunner(
            client=client,
            application=application,
            clock=clock,
            agent=DeskAgent(application),
        ).run(day)
        sign_in(client)
        yield day, application, client
    finally:
        application.close()
