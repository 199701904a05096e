"""Cart, links, variants, compare, stores and references in the core, against fakes of its ports."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from catalog_adapter.hours import OpeningHours
from catalog_adapter.models import Store
from nlu.contract import Parse
from skill.core.conversation import Conversation
from skill.core.model import Turn
from skill.core.state import DialogueState
from tests.support.fakes import FakeCatalog, FakeParser, parse_of, product, services

SWEATERS = [
    product(
        "sw-cream",
        "Patchwork Cardigan - Cream",
        "148",
        product_type="Apparel > Sweaters",
        color="Cream",
        size="XS, S, M, L, XL",
        item_group_id="G1",
        link="https://shop.example/sw-cream",
        rating=4.5,
        material="Wool",
    ),
    product(
        "sw-navy",
        "Patchwork Cardigan - Navy",
        "148",
        product_type="Apparel > Sweaters",
        color="Navy",
        size="S, M",
        item_group_id="G1",
        availability="out_of_stock",
    ),
    product(
        "sc-1",
        "Cashmere Scarf - Camel",
        "120",
        product_type="Accessories > Scarves",
        color="Camel",
        size="One Size",
        rating=4.8,
        material="Cashmere",
        link="https://shop.example/sc-1",
    ),
    product(
        "sc-2",
        "Wool Scarf - Grey",
        "60",
        product_type="Accessories > Scarves",
        color="Grey",
        size="One Size",
        rating=4.1,
        material="Wool",
        link="https://shop.example/sc-2",
    ),
]

STORES = [
    Store(
        code="SEA-BL",
        name="Acme Home Ballard",
        address="5301 Ballard Avenue NW",
        city="Seattle",
        neighborhood="Ballard",
        phone="+1 206-555-0100",
        timezone="America/Los_Angeles",
        hours=OpeningHours.parse("Mo-Sa 10:00-20:00; Su 11:00-18:00"),
    )
]

# Thursday 3 December 2026, 20:00 UTC is noon in Seattle; 06:00 UTC is 10 pm the evening before.
NOON_SEATTLE = datetime(2026, 12, 3, 20, 0, tzinfo=UTC)
NIGHT_SEATTLE = datetime(2026, 12, 3, 6, 0, tzinfo=UTC)


def _ref(text: str, intent: str, positions: list[int], span: str) -> Parse:
    return parse_of(text, intent, ("REFERENCE", span, positions))


PARSES = {
    p.text: p
    for p in [
        parse_of("show me sweaters", "find_product", ("PRODUCT_TYPE", "sweaters", "sweater")),
        parse_of("show me scarves", "find_product", ("PRODUCT_TYPE", "scarves", "scarves")),
        parse_of("the first one", "select_item", ("ORDINAL", "first", 1)),
        parse_of("the second one", "select_item", ("ORDINAL", "second", 2)),
        parse_of("what colors does it come in", "product_info", asks=["colors"]),
        parse_of("do you have it in navy", "refine_search", ("COLOR", "navy", "navy")),
        parse_of("do you have it in red", "refine_search", ("COLOR", "red", "red")),
        parse_of("do you have it in a medium", "refine_search", ("SIZE", "medium", "M")),
        parse_of("do you have it in a large", "refine_search", ("SIZE", "large", "L")),
        parse_of("add it to my cart", "add_to_cart"),
        parse_of("add two to my cart", "add_to_cart", ("QUANTITY", "two", 2)),
        parse_of("add zero to my cart", "add_to_cart", ("QUANTITY", "zero", 0)),
        parse_of("add ten thousand", "add_to_cart", ("QUANTITY", "ten thousand", 10000)),
        parse_of("make that three", "add_to_cart", ("QUANTITY", "three", 3)),
        _ref("add both to my cart", "add_to_cart", [1, 2], "both"),
        _ref("add the fifth one", "add_to_cart", [5], "the fifth one"),
        parse_of("medium", "out_of_scope"),
        parse_of("what's in my cart", "view_cart"),
        parse_of("remove it from my cart", "remove_from_cart"),
        parse_of("remove the scarf", "remove_from_cart", ("PRODUCT_TYPE", "scarf", "scarf")),
        parse_of("empty my cart", "remove_from_cart"),
        parse_of("check out", "checkout"),
        parse_of("send me a link", "send_link"),
        parse_of("two oh six five five five oh one four two", "out_of_scope"),
        _ref("compare them", "compare", [1, 2], "them"),
        parse_of("compare", "compare"),
        parse_of("is the ballard store open now", "store_info", ("STORE", "ballard", "Ballard")),
        parse_of("where is the ballard store", "store_info", ("STORE", "ballard", "Ballard")),
        parse_of("hours at the uptown store", "store_info", ("STORE", "uptown", "Uptown")),
        parse_of("sweaters", "out_of_scope"),
        parse_of("set an alarm", "out_of_scope"),
        parse_of("yes", "yes"),
        parse_of("let me talk to a person", "talk_to_agent"),
        parse_of("no", "no"),
    ]
}


@pytest.fixture
def wired() -> tuple[Conversation, FakeCatalog, FakeParser]:
    catalog = FakeCatalog(list(SWEATERS), store_list=list(STORES))
    parser = FakeParser(PARSES)
    wired_services = replace(services(catalog, parser), clock=lambda: NOON_SEATTLE)
    return Conversation(wired_services), catalog, parser


def talk(
    conversation: Conversation,
    *texts: str,
    state: DialogueState | None = None,
    channel: str = "alexa",
    routing: str | None = None,
) -> tuple[list[str], DialogueState]:
    state = state or DialogueState()
    said = []
    for text in texts:
        turn = Turn(
            channel=channel, shopper_id="u1", conversation_id="c1", text=text, routing=routing
        )
        reply, state, _ = conversation.handle(turn, state)
        said.append(reply.text)
    return said, state


def cart_lines(conversation: Conversation) -> list[dict]:
    return conversation.services.shoppers.load("u1").get("cart", {}).get("lines", [])


def test_parser_gets_the_listed_items_selection_and_pending_question(wired):
    conversation, _, parser = wired
    _, state = talk(
        conversation, "show me sweaters", "the first one", "what colors does it come in"
    )
    context = parser.contexts[-1]
    assert [i.product_id for i in context.items] == ["sw-cream", "sw-navy"]
    assert context.items[1].color == "Navy" and context.items[1].price == 148.0
    assert context.selected == 1 and context.last_intent == "select_item"
    talk(conversation, "medium", state=talk(conversation, "add it to my cart", state=state)[1])
    assert parser.contexts[-1].pending == "which_size"


def test_colours_of_the_selected_item_come_from_its_variants(wired):
    conversation, _, _ = wired
    said, _ = talk(conversation, "show me sweaters", "the first one", "what colors does it come in")
    assert "two colours: cream and navy" in said[2] and "navy is sold out" in said[2]


def test_variant_colour_switches_the_selection_and_a_missing_one_is_said(wired):
    conversation, catalog, _ = wired
    said, state = talk(conversation, "show me sweaters", "the first one", "do you have it in navy")
    assert "Navy" in said[2] and state.selected == "sw-navy"
    searches = len(catalog.queries)
    said, state = talk(conversation, "do you have it in red", state=state)
    assert "doesn't come in red" in said[0] and "navy and cream" in said[0]
    assert len(catalog.queries) == searches  # no unrelated search started
    assert state.pending["action"] == "search"


def test_size_of_the_selected_item_and_the_nearest_when_missing(wired):
    conversation, _, _ = wired
    said, state = talk(
        conversation, "show me sweaters", "the second one", "do you have it in a large"
    )
    # The navy one only comes in S and M; the cream one does come in L.
    assert "doesn't come in L" in said[2] and "S or M" in said[2] and "cream one" in said[2]
    said, state = talk(conversation, "yes", state=state)
    assert "Cream" in said[0] and state.selected == "sw-cream"
    said, state = talk(conversation, "do you have it in a medium", state=state)
    assert "comes in M" in said[0] and state.size == "M"
    said, state = talk(conversation, "add it to my cart", state=state)
    assert "size M" in said[0]
    assert cart_lines(conversation) == [{"product_id": "sw-cream", "size": "M", "quantity": 1}]


def test_add_asks_the_size_then_adds_and_speaks_the_total(wired):
    conversation, _, _ = wired
    said, state = talk(conversation, "show me sweaters", "the first one", "add two to my cart")
    assert "What size" in said[2] and "XS, S, M, L, or XL" in said[2]
    said, state = talk(conversation, "medium", state=state)
    assert "Added two of" in said[0] and "$296 in total" in said[0]
    said, state = talk(conversation, "make that three", state=state)
    assert "three of" in said[0] and "$444" in said[0]
    assert cart_lines(conversation) == [{"product_id": "sw-cream", "size": "M", "quantity": 3}]


def test_add_both_adds_each_listed_item(wired):
    conversation, _, _ = wired
    said, state = talk(conversation, "show me scarves", "add both to my cart")
    assert "Cashmere Scarf" in said[1] and "Wool Scarf" in said[1] and "$180" in said[1]
    assert [line["product_id"] for line in cart_lines(conversation)] == ["sc-1", "sc-2"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("add zero to my cart", "How many"), ("add ten thousand", "up to 20")],
)
def test_bad_quantities_leave_the_cart_alone(wired, text, expected):
    conversation, _, _ = wired
    said, _ = talk(conversation, "show me scarves", "the first one", text)
    assert expected in said[2]
    assert cart_lines(conversation) == []


def test_reference_past_the_list_names_the_real_choices(wired):
    conversation, _, _ = wired
    said, state = talk(conversation, "show me scarves", "add the fifth one")
    assert "Cashmere Scarf in Camel" in said[1] and "Wool Scarf in Grey" in said[1]
    assert state.pending["action"] == "which_item"
    said, _ = talk(conversation, "the second one", state=state)
    assert "Added the Wool Scarf" in said[0]


def test_clarification_names_candidates_instead_of_ordinals(wired):
    conversation, _, _ = wired
    said, _ = talk(conversation, "show me scarves", "add it to my cart")
    assert (
        "Which one do you mean: the Cashmere Scarf in Camel or the Wool Scarf in Grey?" in (said[1])
    )


def test_view_remove_and_empty_the_cart(wired):
    conversation, _, _ = wired
    said, state = talk(conversation, "what's in my cart")
    assert "Your cart is empty" in said[0]
    _, state = talk(conversation, "show me scarves", "add both to my cart", state=state)
    said, state = talk(conversation, "what's in my cart", state=state)
    assert "two items, $180 in total" in said[0]
    said, state = talk(conversation, "remove the scarf", state=state)
    assert "removed" in said[0] and "now empty" in said[0]
    _, state = talk(conversation, "show me scarves", "the first one", "add it to my cart")
    said, state = talk(conversation, "empty my cart", state=state)
    assert "Remove all" in said[0]
    said, state = talk(conversation, "yes", state=state)
    assert "your cart is empty" in said[0] and cart_lines(conversation) == []


def test_removing_what_is_not_in_the_cart_says_so(wired):
    conversation, _, _ = wired
    _, state = talk(conversation, "show me scarves", "the first one", "add it to my cart")
    said, state = talk(conversation, "show me scarves", "the second one", "remove it from my cart")
    assert "isn't in your cart" in said[2] and "Cashmere Scarf" in said[2]
    assert len(cart_lines(conversation)) == 1


def test_retired_product_leaves_the_cart_with_a_word(wired):
    conversation, catalog, _ = wired
    talk(conversation, "show me scarves", "add both to my cart")
    catalog.products = [p for p in catalog.products if p.id != "sc-2"]
    said, _ = talk(conversation, "what's in my cart")
    assert "no longer sold" in said[0] and "one item, $120" in said[0]
    assert [line["product_id"] for line in cart_lines(conversation)] == ["sc-1"]


def test_checkout_empty_then_link_with_consent_and_the_profile_phone(wired):
    conversation, _, _ = wired
    said, _ = talk(conversation, "check out")
    assert "nothing to check out" in said[0]
    _, state = talk(conversation, "show me scarves", "the first one", "add it to my cart")
    said, state = talk(conversation, "check out", state=state)
    assert "can't take payment by voice" in said[0] and "mobile number" in said[0]
    said, state = talk(conversation, "two oh six five five five oh one four two", state=state)
    outbox = conversation.services.outbox
    assert "texted a secure checkout link" in said[0]
    (message,) = outbox.sent
    assert message["link"].startswith("https://acmehome.example/checkout/")
    profile = conversation.services.shoppers.load("u1")
    assert profile["checkout"]["token"] in message["link"] and profile["checkout"]["total"] == "120"


def test_send_link_asks_consent_for_a_number_on_file(wired):
    conversation, _, _ = wired
    conversation.services.shoppers.save("u1", {"phone": "+12065550199"})
    _, state = talk(conversation, "show me scarves", "the first one")
    said, state = talk(conversation, "send me a link", state=state)
    assert "Shall I text" in said[0] and "0 1 9 9" in said[0]
    assert conversation.services.outbox.sent == []
    said, state = talk(conversation, "yes", state=state)
    assert "texted the link" in said[0]
    assert conversation.services.outbox.sent[0]["link"] == "https://shop.example/sc-1"
    # Consent is remembered: the next link goes straight away.
    said, _ = talk(conversation, "show me scarves", "the second one", "send me a link")
    assert "texted the link" in said[2] and len(conversation.services.outbox.sent) == 2


def test_send_link_on_web_chat_shows_the_link(wired):
    conversation, _, _ = wired
    said, _ = talk(
        conversation, "show me scarves", "the first one", "send me a link", channel="webchat"
    )
    assert "https://shop.example/sc-1" in said[2]
    assert conversation.services.outbox.sent == []


def test_compare_two_listed_items(wired):
    conversation, _, _ = wired
    said, _ = talk(conversation, "show me scarves", "compare them")
    assert "Wool Scarf in Grey is $60 cheaper" in said[1]
    assert "Cashmere Scarf in Camel is rated higher, 4.8" in said[1]
    assert "cashmere" in said[1]
    said, _ = talk(conversation, "show me scarves", "compare")
    assert "$60 cheaper" in said[1]


def test_store_open_now_address_and_unknown_store(wired):
    conversation, _, _ = wired
    said, _ = talk(conversation, "is the ballard store open now")
    assert said[0].startswith("Yes, Acme Home Ballard is open now until 8")
    said, _ = talk(conversation, "where is the ballard store")
    assert "5301 Ballard Avenue NW" in said[0]
    said, _ = talk(conversation, "hours at the uptown store")
    assert "don't know a store called Uptown" in said[0] and "Acme Home Ballard" in said[0]


def test_store_closed_at_night(wired):
    conversation, _, _ = wired
    night = Conversation(replace(conversation.services, clock=lambda: NIGHT_SEATTLE))
    said, _ = talk(night, "is the ballard store open now")
    assert said[0].startswith("No, Acme Home Ballard is closed")


def test_find_routed_bare_query_is_a_search_even_if_refused(wired):
    conversation, _, _ = wired
    said, _ = talk(conversation, "sweaters", routing="find")
    assert "Patchwork Cardigan" in said[0]
    said, _ = talk(conversation, "set an alarm", routing="find")
    assert "only help with shopping" in said[0]
    said, _ = talk(conversation, "sweaters")
    assert "only help with shopping" in said[0]


def test_a_person_sees_the_cart_lines_at_handoff(wired):
    conversation, _, _ = wired
    talk(conversation, "show me scarves", "add both to my cart", channel="webchat")
    talk(conversation, "let me talk to a person", channel="webchat")
    (request,) = conversation.services.desk.requests
    lines = request.context["cart_lines"]
    assert [(line["product_id"], line["quantity"]) for line in lines] == [("sc-1", 1), ("sc-2", 1)]
