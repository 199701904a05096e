"""Canned responses agents insert and edit before sending (the server sends only what they send)."""

from __future__ import annotations

CANNED_RESPONSES: tuple[tuple[str, str], ...] = (
    ("Greeting", "Hi, thanks for waiting! I've read through your conversation so far."),
    ("Checking", "Let me check that for you; it will take a minute."),
    ("Free shipping", "I've waived the shipping on your order, so it ships free."),
    ("Order update", "I've looked up your order and will text you as soon as it ships."),
    ("Anything else", "Is there anything else I can help you with today?"),
    ("Closing", "Thanks for shopping with us. Have a lovely day!"),
)
