"""Alexa ShopIntent carries only the query ("show me {query}" -> "sweaters"); it is a search."""

from __future__ import annotations

import pytest

from tests.integration.test_alexa_endpoint import post_signed, shop, speech_of


@pytest.mark.parametrize("query", ["sweaters", "rugs", "cardigans"])
def test_a_bare_query_through_shop_intent_is_answered_with_products(client, alexa_authority, query):
    speech = speech_of(post_signed(client, alexa_authority, shop(query)))
    assert "$" in speech, speech
    assert "only help with shopping" not in speech.lower()


def test_what_no_shop_does_is_not_searched_even_through_shop_intent(client, alexa_authority):
    speech = speech_of(post_signed(client, alexa_authority, shop("set an alarm for seven")))
    assert "$" not in speech, speech
