"""The production app with a verifier that trusts the benchmark's test certificate authority.

Everything else is what `skill.web:create_app()` builds from the AMBIENT_SHOP_* settings; only the
trust root and the certificate download differ, since Amazon's real chain needs the network and
Amazon's signing key. `TURN_BENCH_TRUST_DIR` holds `root.pem` and `chain.pem` written by the
benchmark; the chain is served for `TURN_BENCH_CHAIN_URL` only, like a download from S3.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any


def _verifier(settings: Any) -> Any:
    from cryptography import x509

    from skill.alexa.verification import AlexaRequestVerifier

    trust = Path(os.environ["TURN_BENCH_TRUST_DIR"])
    chain = (trust / "chain.pem").read_bytes()
    chain_url = os.environ["TURN_BENCH_CHAIN_URL"]

    def fetch(url: str) -> bytes:
        if url != chain_url:
            raise OSError(f"no certificate chain at {url}")
        return chain

    root = x509.load_pem_x509_certificate((trust / "root.pem").read_bytes())
    return AlexaRequestVerifier(skill_id=settings.skill_id, trusted_roots=[root], fetch_chain=fetch)


def create_app() -> Any:
    """What gunicorn loads: `signed_app:create_app()`."""
    from skill.bootstrap import build
    from skill.settings import Settings
    from skill.web import create_app as create_web_app

    settings = Settings.from_env()
    return create_web_app(application=build(settings, verifier=_verifier(settings)))


def serve(host: str, port: int) -> None:
    """As `ambient-shop serve` runs the app: werkzeug, a thread per request."""
    create_app().run(host=host, port=port, threaded=True, use_reloader=False)


if __name__ == "__main__":
    serve(sys.argv[1], int(sys.argv[2]))
