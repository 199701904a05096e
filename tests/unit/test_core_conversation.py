"""The conversation core against in-memory fakes of its ports."""

from __future__ import annotations

import pytest

from catalog_adapter.models import Appearance, StoreAvailability
from skill.core.conversation import Conversation
from skill.core.model import Turn
from skill.core.state import DialogueState
from tests.support.fakes import (
    FakeCatalog,
    FakeParser,
    RecordingDesk,
    RecordingOutbox,
    parse_of,
    product,
    services,
)

MISSION = (
    "find out where harry styles got the sweater he wore on his npr tiny desk concert "
    "and how much it would cost me"
)

PRODUCTS = [
    product(
        "s1",
        "Marlow Patchwork Cardigan",
        "148",
        brand="Kestrel & Co",
        product_type="sweater",
        color="cream",
        link="https://shop.example/s1",
        image_link="https://img.example/s1.jpg",
    ),
    product(
        "s2", "Harbor Wool Crewneck", "89", brand="Northfold", product_type="sweater", color="navy"
    ),
    product(
        "s3", "Dune Cotton Jumper", "59", brand="Northfold", product_type="sweater", color="red"
    ),
    product(
        "f1",
        "Velvet Chesterfield Sofa",
        "749",
        brand="Linden",
        product_type="sofa",
        color="blue",
        material="velvet",
    ),
    product("f2", "Oak Dining Chair", "129", brand="Linden", product_type="chair"),
]

APPEARANCES = [
    Appearance("Harry Styles", "NPR Tiny Desk", "s1", "exact", product_type="sweater"),
    Appearance("Jane Doe", "Evening Show", "s2", "similar", product_type="sweater"),
]

PARSES = {
    p.text: p
    for p in [
        parse_of(
            MISSION,
            "find_seen_on",
            ("PERSON", "harry styles", "Harry Styles"),
            ("MEDIA", "npr tiny desk concert", "NPR Tiny Desk"),
            ("PRODUCT_TYPE", "sweater", "sweater"),
            asks=["price"],
        ),
        parse_of(
            "what did jane doe wear on evening show",
            "find_seen_on",
            ("PERSON", "jane doe", "Jane Doe"),
            ("MEDIA", "evening show", "Evening Show"),
        ),
        parse_of("show me sweaters", "find_product", ("PRODUCT_TYPE", "sweaters", "sweater")),
        parse_of("cheaper", "refine_search"),
        parse_of("in red", "refine_search", ("COLOR", "red", "red")),
        parse_of("the second one", "select_item", ("ORDINAL", "second", 2)),
        parse_of("the fifth one", "select_item", ("ORDINAL", "fifth", 5)),
        parse_of("add two to my cart", "add_to_cart", ("QUANTITY", "two", 2)),
        parse_of(
            "is it in stock downtown", "check_availability", ("STORE", "downtown", "downtown")
        ),
        parse_of("cancel order 45713", "cancel_order", ("ORDER_ID", "45713", "45713")),
        parse_of("cancel order 45712", "cancel_order", ("ORDER_ID", "45712", "45712")),
        parse_of("where is my order 45712", "order_status", ("ORDER_ID", "45712", "45712")),
        parse_of("let me talk to a person", "talk_to_agent"),
        parse_of("this is terrible service", "complaint"),
    ]
}


@pytest.fixture
def wired() -> tuple[Conversation, FakeCatalog]:
    catalog = FakeCatalog(
        list(PRODUCTS),
        APPEARANCES,
        [StoreAvailability("DT", "the downtown store", "s2", 4, "in_stock", pickup_sla="same day")],
    )
    return Conversation(services(catalog, FakeParser(PARSES))), catalog


def talk(
    conversation: Conversation,
    *texts: str,
    state: DialogueState | None = None,
    intent: str | None = None,
) -> tuple[list[str], DialogueState]:
    state = state or DialogueState()
    said = []
    for text in texts:
        turn = Turn(channel="test", shopper_id="u1", conversation_id="c1", text=text, intent=intent)
        reply, state, _ = conversation.handle(turn, state)
        said.append(reply.text)
    return said, state


def test_mission_example_names_exact_item_and_price(wired):
    conversation, _ = wired
    (said,), state = talk(conversation, MISSION)
    assert "Marlow Patchwork Cardigan" in said
    assert "$148" in said
    assert "exact" in said
    assert state.selected == "s1"


def test_similar_items_are_never_called_exact(wired):
    conversation, _ = wired
    (said,), _ = talk(conversation, "what did jane doe wear on evening show")
    assert "don't carry the exact" in said
    assert "similar" in said


def test_find_refine_select_add_and_send(wired):
    conversation, _ = wired
    said, state = talk(conversation, "show me sweaters", "cheaper", "the second one")
    assert "Marlow" in said[0] and said[0].count("$") >= 3
    # Nothing is cheaper than the cheapest one shown: say so rather than repeat the list.
    assert "already the lowest-priced sweaters" in said[1]
    said, state = talk(conversation, "show me sweaters", "the second one", state=state)
    assert "Harbor Wool Crewneck" in said[1]
    said, state = talk(conversation, "add two to my cart", state=state)
    assert "Added two of" in said[0] and "$178" in said[0]
    conv_services = conversation.services
    said, state = talk(conversation, "yes", state=state, intent="yes")
    # Consent given; the number is asked for once, then kept on the profile.
    assert "What mobile number" in said[0] and "$178" in said[0]
    said, state = talk(conversation, "two oh six 555 0142", state=state)
    assert "texted a secure checkout link" in said[0] and "0 1 4 2" in said[0]
    assert isinstance(conv_services.outbox, RecordingOutbox)
    assert conv_services.outbox.sent[0]["link"].startswith("https://acmehome.example/checkout/")
    assert conv_services.shoppers.load("u1")["phone"] == "+12065550142"


def test_ordinal_past_end_of_list_is_explained(wired):
    conversation, _ = wired
    said, _ = talk(conversation, "show me sweaters", "the fifth one")
    # The clarification names the real choices.
    assert "only have three" in said[1]
    assert "Marlow Patchwork Cardigan" in said[1] and "Dune Cotton Jumper" in said[1]


def test_availability_at_a_named_store(wired):
    conversation, _ = wired
    said, _ = talk(conversation, "show me sweaters", "the second one", "is it in stock downtown")
    assert "downtown store has four" in said[2]
    assert "pickup today" in said[2]


def test_cancel_asks_first_and_no_leaves_order(wired):
    conversation, _ = wired
    said, state = talk(conversation, "cancel order 45713")
    assert "can't be undone" in said[0]
    said, state = talk(conversation, "no", state=state, intent="no")
    assert "left the order" in said[0]
    order = conversation.services.orders.get("45713", shopper_id="u1")
    assert order is not None and order.status == "processing"


def test_cancel_confirmed(wired):
    conversation, _ = wired
    _, state = talk(conversation, "cancel order 45713")
    said, _ = talk(conversation, "yes", state=state, intent="yes")
    assert "is cancelled" in said[0]
    order = conversation.services.orders.get("45713", shopper_id="u1")
    assert order is not None and order.status == "cancelled"


def test_shipped_order_cannot_be_cancelled(wired):
    conversation, _ = wired
    said, _ = talk(conversation, "cancel order 45712")
    assert "can't be cancelled" in said[0]


def test_handoff_carries_transcript_and_context(wired):
    conversation, _ = wired
    said, state = talk(conversation, MISSION, "let me talk to a person")
    assert "won't need to repeat yourself" in said[1]
    desk = conversation.services.desk
    assert isinstance(desk, RecordingDesk)
    request = desk.requests[0]
    assert request.transcript[0]["shopper"] == MISSION
    assert request.context["selected"] == "s1"
    assert state.handed_off == "T-1"


def test_two_misunderstandings_offer_a_person(wired):
    conversation, _ = wired
    said, state = talk(conversation, "set an alarm", "play some jazz")
    assert "person" not in said[0]
    assert "connect you with a person" in said[1]
    said, _ = talk(conversation, "yes", state=state, intent="yes")
    assert "connecting you" in said[0]


def test_complaint_offers_a_person(wired):
    conversation, _ = wired
    said, state = talk(conversation, "this is terrible service")
    assert "connect you with a person" in said[0]
    assert state.pending["action"] == "handoff"


def test_catalog_outage_is_an_apology_with_offer(wired):
    conversation, catalog = wired
    catalog.down = True
    said, _ = talk(conversation, "show me sweaters")
    assert "can't reach our product catalog" in said[0]


def test_repeat_says_the_last_answer_again(wired):
    conversation, _ = wired
    said, state = talk(conversation, "where is my order 45712")
    again, _ = talk(conversation, "again", state=state, intent="repeat")
    assert again[0] == said[0]


@pytest.mark.parametrize(
    "echoed",
    [
        None,
        "garbage",
        {"version": 99, "results": ["x"]},
        {"version": 1, "results": "s1"},
        {"version": 1, "pending": {"action": "cancel_order", "order_id": ["x"]}},
        {"version": 1, "misunderstandings": True, "transcript": [1, 2]},
    ],
)
def test_tampered_or_old_state_is_survivable(wired, echoed):
    conversation, _ = wired
    state = DialogueState.from_dict(echoed)
    said, _ = talk(conversation, "the second one", state=state)
    assert said[0]


def test_empty_text_gets_help(wired):
    conversation, _ = wired
    said, _ = talk(conversation, "   ")
    assert "You can ask me" in said[0]


def test_broad_status_route_is_corrected_by_a_confident_parse():
    refund = parse_of("my refund for order 45714", "return_refund", ("ORDER_ID", "45714", "45714"))
    conversation = Conversation(services(FakeCatalog([]), FakeParser({refund.text: refund})))
    turn = Turn(
        channel="alexa",
        shopper_id="u1",
        conversation_id="c1",
        text=refund.text,
        intent="order_status",
    )
    assert conversation.understand(turn).intent == "return_refund"


def test_a_route_that_named_its_action_is_never_overridden():
    status = parse_of("my order 45713", "order_status", ("ORDER_ID", "45713", "45713"))
    conversation = Conversation(services(FakeCatalog([]), FakeParser({status.text: status})))
    turn = Turn(
        channel="alexa",
        shopper_id="u1",
        conversation_id="c1",
        text=status.text,
        intent="cancel_order",
    )
    understood = conversation.understand(turn)
    assert understood.intent == "cancel_order"
    assert understood.first("ORDER_ID").value == "45713"
