"""The web app factory and its settings."""

from __future__ import annotations

from skill.settings import Settings


def test_simulator_is_off_unless_explicitly_enabled(settings, demo_catalog, nlp):
    from skill.bootstrap import build
    from skill.web import create_app

    assert Settings.from_env({}).simulator_enabled is False
    assert Settings.from_env({"AMBIENT_SHOP_SIMULATOR": "0"}).simulator_enabled is False
    assert Settings.from_env({"AMBIENT_SHOP_SIMULATOR": "1"}).simulator_enabled is True
    wired = build(
        Settings.from_env({"AMBIENT_SHOP_DATA_DIR": str(settings.data_dir)}),
        catalog=demo_catalog,
        parser=nlp,
    )
    client = create_app(application=wired).test_client()
    try:
        for method, path in (
            ("GET", "/simulator"),
            ("GET", "/simulator/api/meta"),
            ("POST", "/simulator/api/turn"),
            ("POST", "/simulator/api/session"),
            ("GET", "/simulator/api/outbox?shopper=alex"),
        ):
            assert client.open(path, method=method, json={"text": "hi"}).status_code == 404, path
        health = client.get("/healthz").get_json()
        assert health["status"] == "ok" and health["simulator"] is False
    finally:
        wired.close()


def test_make_run_turns_the_simulator_on():
    from pathlib import Path

    makefile = Path(__file__).parents[2].joinpath("Makefile").read_text()
    run_recipe = makefile.split("\nrun:", 1)[1].split("\n\n", 1)[0]
    assert "AMBIENT_SHOP_SIMULATOR=1" in run_recipe


def test_oversized_bodies_are_refused_everywhere(client):
    big = b"{" + b" " * (300 * 1024) + b"}"
    for path in ("/chat/api/messages", "/alexa"):
        response = client.post(path, data=big, content_type="application/json")
        assert response.status_code == 413, path
        assert response.get_json()["error"]


def test_unknown_paths_and_methods_answer_json(client):
    assert client.get("/nope").get_json()["error"]
    assert client.delete("/healthz").status_code == 405


def test_the_image_the_sam_template_and_lambda_leave_the_simulator_off():
    from pathlib import Path

    root = Path(__file__).parents[2]
    template = (root / "infra" / "sam" / "template.yaml").read_text()
    parameter = template.split("  Simulator:\n", 1)[1].split("\n  LogRetentionDays", 1)[0]
    assert 'Default: "0"' in parameter
    assert "AMBIENT_SHOP_SIMULATOR" not in (root / "infra" / "docker" / "Dockerfile").read_text()
    lambda_env = {"AWS_LAMBDA_FUNCTION_NAME": "ambient-shop-alexa"}
    assert Settings.from_env(lambda_env).simulator_enabled is False
