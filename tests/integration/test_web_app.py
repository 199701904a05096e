"""The web app factory and its settings."""

from __future__ import annotations

from skill.settings import Settings


def test_simulator_page_can_be_switched_off(settings, demo_catalog, nlp):
    from skill.bootstrap import build
    from skill.web import create_app

    wired = build(
        settings.with_overrides(simulator_enabled=False, dev_unverified=True),
        catalog=demo_catalog,
        parser=nlp,
    )
    client = create_app(application=wired).test_client()
    assert client.get("/simulator").status_code == 404
    assert client.get("/healthz").status_code == 200
    wired.close()
    assert Settings.from_env({"AMBIENT_SHOP_SIMULATOR": "0"}).simulator_enabled is False


def test_oversized_bodies_are_refused_everywhere(client):
    big = b"{" + b" " * (300 * 1024) + b"}"
    for path in ("/chat/api/messages", "/simulator/api/turn", "/alexa"):
        response = client.post(path, data=big, content_type="application/json")
        assert response.status_code == 413, path
        assert response.get_json()["error"]


def test_unknown_paths_and_methods_answer_json(client):
    assert client.get("/nope").get_json()["error"]
    assert client.delete("/healthz").status_code == 405
