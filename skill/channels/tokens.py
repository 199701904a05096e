"""Signed opaque ids, so a web client cannot pick another shopper's identity or conversation."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from pathlib import Path

_SEPARATOR = "."


class TokenSigner:
    def __init__(self, key: bytes) -> None:
        if len(key) < 16:
            raise ValueError("signing key must be at least 16 bytes")
        self._key = key

    @classmethod
    def from_data_dir(cls, data_dir: Path, *, configured: str | None = None) -> TokenSigner:
        """Use the configured secret, else one generated once and kept beside the state."""
        if configured:
            return cls(configured.encode())
        path = data_dir / "secret.key"
        if not path.exists():
            data_dir.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_hex(32), encoding="ascii")
            path.chmod(0o600)
        return cls(path.read_text(encoding="ascii").strip().encode())

    def _mac(self, value: str) -> str:
        return hmac.new(self._key, value.encode(), hashlib.sha256).hexdigest()[:32]

    def issue(self, prefix: str) -> str:
        value = f"{prefix}-{secrets.token_urlsafe(12)}"
        return f"{value}{_SEPARATOR}{self._mac(value)}"

    def verify(self, token: str) -> str | None:
        """The id inside a token this signer issued, else None."""
        value, sep, mac = token.rpartition(_SEPARATOR)
        if not sep or not value or not hmac.compare_digest(mac, self._mac(value)):
            return None
        return value
