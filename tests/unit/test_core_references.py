"""The parse context the core builds each turn, and the Alexa routing hint that feeds it."""

from __future__ import annotations

import json

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_model import RequestEnvelope

from nlu.contract import Entity, Parse
from skill.alexa.skill import turn_from_request
from skill.core.references import parse_context, reference_positions
from skill.core.state import DialogueState
from skill.errors import CatalogUnavailable
from tests.support.alexa_signing import alexa_envelope
from tests.support.fakes import product

CARDIGAN = product("p1", "Cardigan - Cream", "148", color="Cream", product_type="A > Sweaters")


def test_context_lists_items_with_attributes_and_the_selection():
    state = DialogueState(
        results=("p1", "gone"),
        selected="p1",
        last_intent="find_product",
        pending={"action": "choose_size", "product_id": "p1"},
    )
    context = parse_context(state, {"p1": CARDIGAN}.get, routing="find")
    first, retired = context.items
    assert (first.position, first.color, first.product_type, first.price) == (
        1,
        "Cream",
        "Sweaters",
        148.0,
    )
    # An item no longer in the catalog keeps its place, without attributes to match.
    assert (retired.position, retired.product_id, retired.title) == (2, "gone", "")
    assert context.selected == 1 and context.pending == "which_size"
    assert context.last_intent == "find_product" and context.routing == "find"


def test_selected_item_off_the_list_is_appended_and_an_outage_keeps_ids():
    def down(product_id: str) -> None:
        raise CatalogUnavailable("down")

    context = parse_context(DialogueState(results=("a", "b"), selected="c"), down)
    assert [i.product_id for i in context.items] == ["a", "b", "c"]
    assert context.selected == 3 and context.pending is None


def test_reference_positions_are_read_once_each_and_junk_ignored():
    parse = Parse(
        text="both of them and the first",
        intent="add_to_cart",
        confidence=0.9,
        entities=(
            Entity("REFERENCE", "both of them", 0, 12, [1, 2]),
            Entity("REFERENCE", "the first", 17, 26, [1]),
            Entity("REFERENCE", "x", 0, 1, "nonsense"),
            Entity("REFERENCE", "y", 0, 1, [True, 3.5]),
        ),
    )
    assert reference_positions(parse) == [1, 2]


def test_alexa_shop_intent_carries_the_find_routing_hint():
    def turn_of(intent: str, slots: dict[str, str]):
        envelope = alexa_envelope(intent=intent, slots=slots)
        request = DefaultSerializer().deserialize(json.dumps(envelope), RequestEnvelope)
        return turn_from_request(HandlerInput(request_envelope=request))

    assert turn_of("ShopIntent", {"query": "sweaters"}).routing == "find"
    assert turn_of("PhraseIntent", {"phrase": "cheaper"}).routing is None
