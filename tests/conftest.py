"""Shared fixtures: the real parser, the demo catalog, a test signing authority, app and servers."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import settings as hypothesis_settings
from werkzeug.serving import make_server

TEST_SKILL_ID = "amzn1.ask.skill.00000000-0000-0000-0000-000000000000"

# Property tests: a small, fixed set of examples by default, so every run sees the same inputs;
# the `soak` set asks for 10,000 random ones per endpoint (tests/fuzz).
hypothesis_settings.register_profile(
    "quick", max_examples=25, deadline=None, derandomize=True, database=None
)
hypothesis_settings.register_profile("random", max_examples=200, deadline=None)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "quick"))


@pytest.fixture(scope="session")
def demo_catalog(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The bundled demo catalog, imported once per test run into a private directory."""
    from catalog_adapter.demo import demo_catalog_url
    from catalog_adapter.registry import open_catalog

    catalog = open_catalog(demo_catalog_url(tmp_path_factory.mktemp("demo-catalog")))
    yield catalog
    catalog.close()


@pytest.fixture(scope="session")
def nlp(demo_catalog: Any) -> Any:
    """The trained parser with the demo catalog's gazetteers, loaded once."""
    import nlu

    return nlu.load(vocabulary=demo_catalog.vocabulary())


@pytest.fixture(scope="session")
def alexa_authority() -> Any:
    from tests.support.alexa_signing import TestAlexaAuthority

    return TestAlexaAuthority()


@pytest.fixture
def settings(tmp_path: Path) -> Any:
    from skill.settings import Settings

    return Settings(data_dir=tmp_path, skill_id=TEST_SKILL_ID)


@pytest.fixture
def application(settings: Any, demo_catalog: Any, nlp: Any, alexa_authority: Any) -> Iterator[Any]:
    from skill.bootstrap import build

    wired = build(
        settings,
        catalog=demo_catalog,
        parser=nlp,
        verifier=alexa_authority.verifier(skill_id=TEST_SKILL_ID),
    )
    yield wired
    wired.close()


@pytest.fixture
def app(application: Any) -> Flask:
    from skill.web import create_app

    return create_app(application=application)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


class LiveServer:
    """A real HTTP server on 127.0.0.1 in a background thread."""

    def __init__(self, app: Flask) -> None:
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> LiveServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._thread.join(timeout=5)


@pytest.fixture
def unverified_app(settings: Any, demo_catalog: Any, nlp: Any) -> Iterator[Flask]:
    """The app as `make run` serves it for local clients that cannot sign (virtual-alexa)."""
    from skill.bootstrap import build
    from skill.web import create_app

    wired = build(
        settings.with_overrides(dev_unverified=True, simulator_enabled=True),
        catalog=demo_catalog,
        parser=nlp,
    )
    yield create_app(application=wired)
    wired.close()


@pytest.fixture
def live_server(unverified_app: Flask) -> Iterator[LiveServer]:
    with LiveServer(unverified_app) as server:
        yield server
