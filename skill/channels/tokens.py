"""Signed, expiring web-chat tokens, so a client can neither pick nor reuse another identity.

Tokens are `itsdangerous` timed signatures salted per kind: a shopper token can never stand in
for a conversation token or the other way round. A conversation token names the shopper it
belongs to, so shopper B cannot continue shopper A's conversation. Keys rotate: the first
configured key signs, every configured key verifies, so an old key can stay listed until the
tokens it signed have expired.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from itsdangerous import BadData, SignatureExpired, URLSafeTimedSerializer

from skill.errors import AmbientShopError

TokenKind = Literal["shopper", "conversation"]
SALT_PREFIX = "ambient-shop.token."
MAX_TOKEN_CHARS = 512
MIN_KEY_CHARS = 16
# A shopper is remembered for half a year of silence; a conversation for a day of silence.
# Every answer carries fresh tokens, so these are idle times, not lifetimes.
MAX_AGE_S: dict[TokenKind, int] = {"shopper": 180 * 24 * 3600, "conversation": 24 * 3600}
ID_PREFIX: dict[TokenKind, str] = {"shopper": "web", "conversation": "chat"}


class TokenRefused(AmbientShopError):
    """A token that was not issued by this service for this use, or has expired."""

    def __init__(self, message: str, *, expired: bool = False) -> None:
        super().__init__(message)
        self.expired = expired


@dataclass(frozen=True, slots=True)
class Issued:
    token: str
    id: str


def split_keys(configured: str) -> list[str]:
    """`AMBIENT_SHOP_SECRET_KEY` holds one key, or several separated by commas (newest first)."""
    keys = [key.strip() for key in configured.split(",") if key.strip()]
    if not keys:
        raise ValueError("no signing key configured")
    for key in keys:
        if len(key) < MIN_KEY_CHARS:
            raise ValueError(f"each signing key must be at least {MIN_KEY_CHARS} characters")
    return keys


class TokenSigner:
    """Issues and checks the web channel's shopper and conversation tokens."""

    def __init__(self, keys: Sequence[str | bytes]) -> None:
        normalized = [key.encode() if isinstance(key, str) else key for key in keys]
        if not normalized or any(len(key) < MIN_KEY_CHARS for key in normalized):
            raise ValueError(f"each signing key must be at least {MIN_KEY_CHARS} bytes")
        # itsdangerous signs with the last key and verifies with all: newest goes last there.
        ordered = list(reversed(normalized))
        self._serializers: dict[TokenKind, URLSafeTimedSerializer] = {
            kind: URLSafeTimedSerializer(ordered, salt=SALT_PREFIX + kind)
            for kind in ("shopper", "conversation")
        }

    @classmethod
    def from_data_dir(cls, data_dir: Path, *, configured: str | None = None) -> TokenSigner:
        """Use the configured keys, else one generated once and kept beside the state."""
        if configured:
            return cls(split_keys(configured))
        path = data_dir / "secret.key"
        if not path.exists():
            data_dir.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_hex(32), encoding="ascii")
            path.chmod(0o600)
        return cls(split_keys(path.read_text(encoding="ascii")))

    def issue_shopper(self, shopper_id: str | None = None) -> Issued:
        """A token for a new shopper, or a fresh one (new expiry) for a known shopper id."""
        shopper_id = shopper_id or _new_id("shopper")
        return Issued(self._serializers["shopper"].dumps({"id": shopper_id}), shopper_id)

    def issue_conversation(self, shopper_id: str, conversation_id: str | None = None) -> Issued:
        """A token binding a (new or continued) conversation to the shopper who holds it."""
        conversation_id = conversation_id or _new_id("conversation")
        token = self._serializers["conversation"].dumps({"id": conversation_id, "of": shopper_id})
        return Issued(token, conversation_id)

    def shopper(self, token: Any) -> str:
        """The shopper id inside a shopper token; raises TokenRefused otherwise."""
        return str(self._load("shopper", token)["id"])

    def conversation(self, token: Any, *, shopper_id: str) -> str:
        """The conversation id inside a token that belongs to this shopper; else TokenRefused."""
        data = self._load("conversation", token)
        if data.get("of") != shopper_id:
            raise TokenRefused("the conversation token belongs to another shopper")
        return str(data["id"])

    def _load(self, kind: TokenKind, token: Any) -> dict[str, Any]:
        if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_CHARS:
            raise TokenRefused(f"not a {kind} token issued by this service")
        if not token.isascii():
            raise TokenRefused(f"not a {kind} token issued by this service")
        try:
            data = self._serializers[kind].loads(token, max_age=MAX_AGE_S[kind])
        except SignatureExpired as e:
            raise TokenRefused(f"the {kind} token has expired", expired=True) from e
        except BadData as e:
            raise TokenRefused(f"not a {kind} token issued by this service") from e
        if not isinstance(data, dict) or not isinstance(data.get("id"), str):
            raise TokenRefused(f"not a {kind} token issued by this service")
        return data


def _new_id(kind: TokenKind) -> str:
    return f"{ID_PREFIX[kind]}-{secrets.token_urlsafe(12)}"
