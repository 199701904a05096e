"""Opinions: CSAT after a resolved conversation, NPS on a schedule, CES after self-service,
and open "what should we stock?" feedback."""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from skill.core.ports import Outbox
from skill.engage.records import Clock, EngageRecords, Record, iso
from skill.errors import AmbientShopError


@dataclass(frozen=True, slots=True)
class Scale:
    low: int
    high: int
    question: str


SCALES: Mapping[str, Scale] = {
    "csat": Scale(1, 5, "How satisfied are you with the help you got today, from 1 to 5?"),
    "nps": Scale(0, 10, "How likely are you to recommend {shop} to a friend, from 0 to 10?"),
    "ces": Scale(1, 7, "How easy was it to get that done, from 1 (very hard) to 7 (very easy)?"),
}
MAX_COMMENT = 1000
MAX_FEEDBACK = 1000


class SurveyError(AmbientShopError):
    """A survey answer that cannot be taken; `status` is the HTTP answer for it."""

    def __init__(self, message: str, *, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def validate_score(kind: str, score: Any) -> int:
    scale = SCALES.get(kind)
    if scale is None:
        raise SurveyError(f"unknown survey kind {kind!r} (known: {', '.join(SCALES)})")
    if isinstance(score, str) and re.fullmatch(r"\s*\d{1,2}\s*", score):
        score = int(score)
    if (
        isinstance(score, bool)
        or not isinstance(score, int)
        or not scale.low <= score <= scale.high
    ):
        raise SurveyError(
            f"score must be a whole number from {scale.low} to {scale.high} for {kind.upper()}"
        )
    return score


class Surveys:
    def __init__(
        self, *, records: EngageRecords, outbox: Outbox, clock: Clock, shop_name: str
    ) -> None:
        self._records = records
        self._outbox = outbox
        self._clock = clock
        self._shop = shop_name

    def ask(
        self,
        kind: str,
        *,
        shopper_id: str,
        channel: str,
        conversation_id: str = "",
        ticket_id: str = "",
        link_base: str = "",
    ) -> str:
        """Store the question, then send it; the survey id is also the answer link's key."""
        scale = SCALES[kind]
        survey_id = f"{kind}-{secrets.token_urlsafe(12)}"
        question = scale.question.format(shop=self._shop)
        self._records.insert(
            Record(
                "survey",
                survey_id,
                shopper_id,
                iso(self._clock.now()),
                {
                    "survey": kind,
                    "channel": channel,
                    "conversation_id": conversation_id,
                    "ticket_id": ticket_id,
                    "question": question,
                    "score": None,
                },
            )
        )
        link = (
            f"{link_base.rstrip('/')}/surveys/{survey_id}" if link_base else f"/surveys/{survey_id}"
        )
        self._outbox.send(shopper_id=shopper_id, channel=channel, text=question, link=link)
        return survey_id

    def answer(self, survey_id: str, score: Any, *, comment: str = "") -> Record:
        found = self._records.get("survey", survey_id)
        if found is None:
            raise SurveyError(f"no survey {survey_id!r}", status=404)
        kind = str(found.doc.get("survey"))
        value = validate_score(kind, score)
        if found.doc.get("score") is not None:
            raise SurveyError("this survey was already answered; thank you", status=409)
        if not isinstance(comment, str) or len(comment) > MAX_COMMENT:
            raise SurveyError(f"comment must be text of at most {MAX_COMMENT} characters")
        doc = {
            **found.doc,
            "score": value,
            "comment": comment,
            "answered_at": iso(self._clock.now()),
        }
        record = Record("survey", survey_id, found.shopper_id, found.at, doc)
        self._records.upsert(record)
        return record

    def record_answer(
        self,
        kind: str,
        score: Any,
        *,
        shopper_id: str,
        channel: str,
        conversation_id: str = "",
        ticket_id: str = "",
    ) -> Record:
        """An answer collected elsewhere (the desk's CSAT question in the chat), validated."""
        value = validate_score(kind, score)
        now = iso(self._clock.now())
        key = f"{kind}-{ticket_id}" if ticket_id else f"{kind}-{secrets.token_urlsafe(12)}"
        record = Record(
            "survey",
            key,
            shopper_id,
            now,
            {
                "survey": kind,
                "channel": channel,
                "conversation_id": conversation_id,
                "ticket_id": ticket_id,
                "score": value,
                "comment": "",
                "answered_at": now,
            },
        )
        if not self._records.insert(record):
            raise SurveyError("this survey was already answered; thank you", status=409)
        return record

    def pending(self, *, shopper_id: str) -> Record | None:
        """The shopper's latest unanswered survey, so a bare "5" in chat can answer it."""
        open_ = [
            r
            for r in self._records.query("survey", shopper_id=shopper_id)
            if r.doc.get("score") is None
        ]
        return open_[-1] if open_ else None

    def schedule_nps(self, *, shoppers: list[tuple[str, str]], interval_days: float) -> list[str]:
        """Ask NPS of each (shopper, channel) not asked within the interval."""
        since = iso(self._clock.now() - timedelta(days=interval_days))
        asked = []
        for shopper_id, channel in shoppers:
            recent = [
                r
                for r in self._records.query("survey", since=since, shopper_id=shopper_id)
                if r.doc.get("survey") == "nps"
            ]
            if not recent:
                asked.append(self.ask("nps", shopper_id=shopper_id, channel=channel))
        return asked

    def capture_feedback(
        self, *, shopper_id: str, channel: str, text: str, conversation_id: str = ""
    ) -> str:
        text = text.strip()[:MAX_FEEDBACK]
        if not text:
            raise SurveyError("feedback text is empty")
        feedback_id = f"fb-{secrets.token_urlsafe(9)}"
        self._records.insert(
            Record(
                "feedback",
                feedback_id,
                shopper_id,
                iso(self._clock.now()),
                {"text": text, "channel": channel, "conversation_id": conversation_id},
            )
        )
        return feedback_id

    def feedback(self, *, since: str | None = None) -> list[Record]:
        return self._records.query("feedback", since=since)
