"""Wording helpers: how prices, lists and products sound when read aloud."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from catalog_adapter.models import Money, Product

MAX_SPOKEN_ITEMS = 3

_ORDINAL_WORDS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth")
_NUMBER_WORDS = (
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
)


def price(money: Money | Decimal, currency: str = "USD") -> str:
    """ "$148" for whole amounts, "$79.99" otherwise; Alexa reads both naturally."""
    amount = money.amount if isinstance(money, Money) else money
    code = money.currency if isinstance(money, Money) else currency
    symbol = "$" if code == "USD" else ""
    suffix = "" if symbol else f" {code}"
    if amount == amount.to_integral_value():
        text = f"{int(amount):,}"
    else:
        text = f"{amount:,.2f}"
    return f"{symbol}{text}{suffix}"


def product_price(product: Product) -> str:
    """The price a shopper pays, mentioning the saving when it is on sale."""
    if product.sale_price is not None and product.sale_price.amount < product.price.amount:
        return f"{price(product.sale_price)}, on sale from {price(product.price)}"
    return price(product.price)


def count(n: int) -> str:
    return _NUMBER_WORDS[n] if 0 <= n < len(_NUMBER_WORDS) else str(n)


def ordinal(n: int) -> str:
    return _ORDINAL_WORDS[n - 1] if 1 <= n <= len(_ORDINAL_WORDS) else f"number {n}"


def join(words: Sequence[str], *, conjunction: str = "and") -> str:
    """English list joining: "a", "a and b", "a, b, and c"."""
    items = [w for w in words if w]
    if len(items) <= 1:
        return "".join(items)
    if len(items) == 2:
        return f"{items[0]} {conjunction} {items[1]}"
    return f"{', '.join(items[:-1])}, {conjunction} {items[-1]}"


def spoken_title(title: str) -> str:
    """Feed titles end in " - Colour"; aloud, "Cardigan in Cream" reads better than a dash."""
    name, dash, variant = title.rpartition(" - ")
    return f"{name} in {variant}" if dash and name and variant else title


def brand_title(product: Product) -> str:
    """Spoken title, with the brand when the title does not already say it."""
    title = spoken_title(product.title)
    if product.brand and product.brand.lower() not in title.lower():
        return f"the {title} by {product.brand}"
    return f"the {title}"


def listing(products: Sequence[Product]) -> str:
    """At most three products, numbered the way shoppers then refer to them."""
    shown = products[:MAX_SPOKEN_ITEMS]
    parts = [
        f"{ordinal(i)}, {brand_title(p)} for {product_price(p)}" for i, p in enumerate(shown, 1)
    ]
    return "; ".join(parts) + "."


def sentence_case(text: str) -> str:
    """Upper-case the first letter only; str.capitalize() would lower-case brand names."""
    return text[:1].upper() + text[1:]


def truncate(text: str, limit: int) -> str:
    """Cut at a sentence or word boundary so speech never stops mid-word."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    for mark in (". ", "; ", ", ", " "):
        at = cut.rfind(mark)
        if at > limit // 2:
            # A whole sentence needs no ellipsis; a clipped one does.
            return cut[: at + 1].rstrip() + ("" if mark == ". " else "…")
    return cut + "…"


def plural(noun: str) -> str:
    """Regular English plurals, enough for product types ("dresses", "scarves", "sofas")."""
    if not noun or (noun.endswith("s") and not noun.endswith("ss")):
        return noun
    if noun.endswith("arf"):
        return noun[:-1] + "ves"
    if noun.endswith(("ch", "sh", "x", "ss")):
        return noun + "es"
    return noun + "s"
