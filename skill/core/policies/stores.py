"""Stores: opening hours, addresses, "is it open now", and which store has the item."""

from __future__ import annotations

import re

from catalog_adapter.models import Store
from skill.core import speech
from skill.core.context import Outcome, PolicyContext
from skill.core.model import Card, Reply
from skill.core.policies import shopping

_WHERE = re.compile(r"\b(where|address|located|location|directions|get there|find you)\b")
_HOURS = re.compile(r"\b(hours?|open|close[sd]?|closing|opening|when)\b")
_PHONE = re.compile(r"\b(phone|call|number)\b")
_WHICH_HAS = re.compile(r"\b(which|what) stores?\b.*\b(has|have|carr(y|ies)|stock)\b")
_NOW = re.compile(r"\b(now|right now|at the moment|currently|today|tonight|still)\b")


def _store_named(ctx: PolicyContext) -> tuple[Store | None, str | None]:
    entity = ctx.parse.first("STORE")
    if entity is None or not entity.value:
        return None, None
    spoken = str(entity.value)
    return ctx.catalog.store(spoken), spoken


def store_info(ctx: PolicyContext) -> Outcome:
    text = ctx.parse.text.lower()
    if _WHICH_HAS.search(text) and (ctx.state.selected or ctx.state.results):
        return shopping.check_availability(ctx)
    store, spoken = _store_named(ctx)
    stores = ctx.catalog.stores()
    if not stores:
        return ctx.outcome(
            Reply(
                text="I don't have store details here, sorry. You can always shop with me, and "
                "a person on our team can help with anything about our stores.",
                reprompt="What can I find for you?",
            )
        )
    if store is None and spoken:
        names = speech.join([s.name for s in stores[:4]], conjunction="or")
        return ctx.outcome(
            Reply(
                text=f"I don't know a store called {spoken}. We have {names}. Which one?",
                reprompt="Which store?",
            )
        )
    if store is None and len(stores) == 1:
        store = stores[0]
    now = ctx.services.clock()
    if store is None:
        if _WHERE.search(text):
            lines = [f"{s.name} at {s.address}" for s in stores[:4]]
            answer = f"We have {speech.count(len(stores))} stores: {speech.join(lines)}."
        else:
            summaries = [s.spoken_summary(now) for s in stores[:4]]
            answer = " ".join(summaries)
        return ctx.outcome(
            Reply(
                text=f"{answer} Which store would you like to know more about?",
                reprompt="Which store?",
                card=Card(title="Our stores", text="\n".join(_card_line(s, now) for s in stores)),
            )
        )
    return _about_store(ctx, store, text)


def _about_store(ctx: PolicyContext, store: Store, text: str) -> Outcome:
    now = ctx.services.clock()
    facts: list[str] = []
    wants_where = bool(_WHERE.search(text))
    wants_phone = bool(_PHONE.search(text))
    wants_hours = bool(_HOURS.search(text)) or not (wants_where or wants_phone)
    if wants_hours:
        is_open = store.is_open(now)
        summary = store.hours_summary(now)
        if is_open is None:
            facts.append(f"I don't have the opening hours of {store.name}.")
        elif _NOW.search(text) and is_open is False:
            facts.append(f"No, {store.name} is {summary}.")
        elif _NOW.search(text) and is_open:
            facts.append(f"Yes, {store.name} is {summary}.")
        else:
            facts.append(f"{store.name} is {summary}.")
    if wants_where:
        where = ", ".join(part for part in (store.address, store.city) if part)
        facts.append(
            f"{store.name} is at {where}." if where else f"I don't have {store.name}'s address."
        )
    if wants_phone:
        facts.append(
            f"You can call {store.name} at {store.phone}."
            if store.phone
            else f"I don't have a phone number for {store.name}."
        )
    return ctx.outcome(
        Reply(
            text=" ".join(facts) + " Anything else?",
            reprompt="Anything else?",
            card=Card(title=store.name, text=_card_line(store, now)),
        )
    )


def _card_line(store: Store, now: object) -> str:
    parts = [store.name, ", ".join(p for p in (store.address, store.city) if p)]
    if store.phone:
        parts.append(store.phone)
    if store.hours.text:
        parts.append(store.hours.text)
    return " — ".join(p for p in parts if p)
