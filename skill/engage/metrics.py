"""CX metrics computed from the stored records, overall, by channel and over time.

Definitions (docs/engage.md repeats them):
- NPS: % of 9-10 answers minus % of 0-6 answers, over NPS answers given in the period.
- CSAT: % of 4-5 answers over CSAT answers (1-5) given in the period; also the mean.
- CES: mean of CES answers (1-7, higher is easier) given in the period.
- first-level resolution: conversations started in the period that never reached a person.
- handoff rate: conversations started in the period that were handed to a person.
- average handle time: mean seconds from an agent's first claim to resolution, for tickets
  resolved in the period.
- cart abandonment rate: carts whose checkout started in the period without an order (yet).
- recovery rate: abandonment outreaches made in the period followed by an order within the
  recovery window; revenue recovered is those orders' value.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from skill.engage.conversations import handle_seconds
from skill.engage.records import EngageRecords, Record, iso, parse_iso


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _mean(values: list[float], digits: int = 2) -> float | None:
    return round(sum(values) / len(values), digits) if values else None


def survey_summary(kind: str, scores: list[int]) -> dict[str, Any]:
    if kind == "nps":
        promoters = sum(1 for s in scores if s >= 9)
        detractors = sum(1 for s in scores if s <= 6)
        return {
            "score": round(100 * (promoters - detractors) / len(scores), 1) if scores else None,
            "responses": len(scores),
            "promoters": promoters,
            "passives": len(scores) - promoters - detractors,
            "detractors": detractors,
        }
    if kind == "csat":
        satisfied = sum(1 for s in scores if s >= 4)
        return {
            "score": round(100 * satisfied / len(scores), 1) if scores else None,
            "average": _mean([float(s) for s in scores]),
            "responses": len(scores),
        }
    return {"average": _mean([float(s) for s in scores]), "responses": len(scores)}


class _Slice:
    """The raw facts of one period (or channel, or bucket), reduced to the figures."""

    def __init__(self) -> None:
        self.conversations = 0
        self.handoffs = 0
        self.handle_times: list[float] = []
        self.scores: dict[str, list[int]] = defaultdict(list)
        self.checkouts = 0
        self.abandoned = 0
        self.outreaches = 0
        self.recovered = 0
        self.revenue = Decimal("0")

    def figures(self) -> dict[str, Any]:
        return {
            "conversations": self.conversations,
            "handoffs": self.handoffs,
            "first_level_resolution": _rate(self.conversations - self.handoffs, self.conversations),
            "handoff_rate": _rate(self.handoffs, self.conversations),
            "average_handle_time_s": _mean(self.handle_times, 1),
            "tickets_resolved": len(self.handle_times),
            "nps": survey_summary("nps", self.scores["nps"]),
            "csat": survey_summary("csat", self.scores["csat"]),
            "ces": survey_summary("ces", self.scores["ces"]),
            "checkouts_started": self.checkouts,
            "carts_abandoned": self.abandoned,
            "cart_abandonment_rate": _rate(self.abandoned, self.checkouts),
            "outreaches": self.outreaches,
            "carts_recovered": self.recovered,
            "recovery_rate": _rate(self.recovered, self.outreaches),
            "revenue_recovered": str(self.revenue.quantize(Decimal("0.01"))),
        }


def _bucket_of(moment: str, bucket: str) -> str:
    when = parse_iso(moment)
    if bucket == "hour":
        return iso(when.replace(minute=0, second=0, microsecond=0))
    return when.date().isoformat()


def compute(
    records: EngageRecords,
    *,
    since: datetime,
    until: datetime,
    bucket: str | None = None,
) -> dict[str, Any]:
    """Every figure for [since, until); `bucket` ("hour" or "day") is chosen from the span."""
    low, high = iso(since), iso(until)
    if bucket is None:
        bucket = "hour" if until - since <= timedelta(days=2) else "day"
    overall = _Slice()
    channels: dict[str, _Slice] = defaultdict(_Slice)
    buckets: dict[str, _Slice] = defaultdict(_Slice)

    def add(moment: str, channel: str, apply: Callable[[_Slice], None]) -> None:
        if not low <= moment < high:
            return
        for part in (overall, channels[channel or "unknown"], buckets[_bucket_of(moment, bucket)]):
            apply(part)

    for conversation in records.query("conversation", since=low, until=high):
        handed = bool(conversation.doc.get("ticket_id"))

        def count(part: _Slice, handed: bool = handed) -> None:
            part.conversations += 1
            part.handoffs += int(handed)

        add(conversation.at, str(conversation.doc.get("channel", "")), count)

    for ticket in records.query("ticket", until=high):
        seconds = handle_seconds(ticket)
        resolved = ticket.doc.get("resolved_at")
        if seconds is not None and isinstance(resolved, str):
            add(
                resolved,
                str(ticket.doc.get("channel", "")),
                lambda p, s=seconds: p.handle_times.append(s),
            )

    for survey in records.query("survey", until=high):
        answered, score = survey.doc.get("answered_at"), survey.doc.get("score")
        if isinstance(answered, str) and isinstance(score, int):
            kind = str(survey.doc.get("survey"))
            add(
                answered,
                str(survey.doc.get("channel", "")),
                lambda p, k=kind, s=score: p.scores[k].append(s),
            )

    for cart in records.query("cart", until=high):
        started = cart.doc.get("checkout_started_at")
        if not isinstance(started, str):
            continue
        ordered = cart.doc.get("status") == "ordered"

        def checkout(part: _Slice, ordered: bool = ordered) -> None:
            part.checkouts += 1
            part.abandoned += int(not ordered)

        add(started, str(cart.doc.get("channel", "")), checkout)

    for outreach in _sent(records.query("outreach", since=low, until=high)):
        channels_used = outreach.doc.get("channels") or ["none"]
        recovered = bool(outreach.doc.get("recovered"))
        value = Decimal(str(outreach.doc.get("recovered_value", "0"))) if recovered else Decimal(0)

        def reach(part: _Slice, recovered: bool = recovered, value: Decimal = value) -> None:
            part.outreaches += 1
            part.recovered += int(recovered)
            part.revenue += value

        add(outreach.at, str(channels_used[0]), reach)

    unmatched = [e for e in records.query("event", since=low, until=high) if e.doc.get("flags")]
    return {
        "since": low,
        "until": high,
        **overall.figures(),
        "events_flagged": len(unmatched),
        "by_channel": {name: part.figures() for name, part in sorted(channels.items())},
        "bucket": bucket,
        "trend": [{"at": key, **part.figures()} for key, part in sorted(buckets.items())],
    }


def _sent(outreaches: Iterable[Record]) -> list[Record]:
    return [o for o in outreaches if o.doc.get("status") == "sent"]
