"""The web Lambda's HTTP API (payload 2.0) handler, apig-wsgi, with a small app and the real one."""

from __future__ import annotations

import base64
import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from flask import Flask, Response, jsonify, request

from tests.conftest import TEST_SKILL_ID
from tests.support.alexa_signing import alexa_envelope

ADAPTER = Path(__file__).resolve().parents[2] / "infra" / "sam" / "lambda_web.py"


@pytest.fixture(scope="module")
def adapter() -> ModuleType:
    spec = importlib.util.spec_from_file_location("_infra_lambda_web", ADAPTER)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def http_event(
    method: str,
    path: str,
    *,
    query: str = "",
    body: bytes | str | None = None,
    headers: dict[str, str] | None = None,
    cookies: list[str] | None = None,
    stage: str = "$default",
    binary: bool = False,
) -> dict[str, Any]:
    """An event shaped like the ones API Gateway HTTP APIs send with payload format 2.0."""
    raw_body: str | None
    if body is None:
        raw_body = None
    elif binary:
        raw_body = base64.b64encode(body if isinstance(body, bytes) else body.encode()).decode()
    else:
        raw_body = body.decode() if isinstance(body, bytes) else body
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": f"{method} {path}",
        "rawPath": path if stage == "$default" else f"/{stage}{path}",
        "rawQueryString": query,
        "headers": {
            "host": "abc123.execute-api.eu-west-1.amazonaws.com",
            "x-forwarded-proto": "https",
            "x-forwarded-port": "443",
        }
        | (headers or {}),
        "requestContext": {
            "domainName": "abc123.execute-api.eu-west-1.amazonaws.com",
            "stage": stage,
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "203.0.113.9",
                "userAgent": "test",
            },
        },
        "isBase64Encoded": binary,
    }
    if raw_body is not None:
        event["body"] = raw_body
    if cookies:
        event["cookies"] = cookies
    return event


def call(adapter: ModuleType, app: Flask, event: dict[str, Any]) -> dict[str, Any]:
    return adapter.handler_for(app)(event, None)


@pytest.fixture(scope="module")
def echo_app() -> Flask:
    app = Flask("echo")

    @app.route("/echo/<path:rest>", methods=["GET", "POST"])
    def echo(rest: str) -> Any:
        response = jsonify(
            {
                "path": request.path,
                "rest": rest,
                "script_root": request.script_root,
                "args": request.args.to_dict(flat=False),
                "body": request.get_data(as_text=True),
                "json": request.get_json(silent=True),
                "cookie": request.cookies.get("shopper"),
                "remote": request.remote_addr,
                "scheme": request.scheme,
                "header": request.headers.get("X-Shop"),
            }
        )
        response.set_cookie("seen", "1")
        response.set_cookie("again", "2")
        return response

    @app.get("/binary")
    def binary() -> Response:
        return Response(bytes(range(256)), mimetype="application/octet-stream")

    return app


def test_get_with_query_cookies_and_headers(adapter, echo_app):
    event = http_event(
        "GET",
        "/echo/a%20b/c",
        query="q=wool+sweater&q=red&size=M",
        headers={"x-shop": "acme"},
        cookies=["shopper=s-1", "other=x"],
    )
    answer = call(adapter, echo_app, event)
    assert answer["statusCode"] == 200
    assert answer["isBase64Encoded"] is False
    assert answer["headers"]["content-type"] == "application/json"
    data = json.loads(answer["body"])
    assert data["rest"] == "a b/c"
    assert data["args"] == {"q": ["wool sweater", "red"], "size": ["M"]}
    assert data["cookie"] == "s-1"
    assert data["header"] == "acme"
    assert data["remote"] == "203.0.113.9"
    assert data["scheme"] == "https"
    assert sorted(c.split(";")[0] for c in answer["cookies"]) == ["again=2", "seen=1"]


def test_post_json_body(adapter, echo_app):
    body = json.dumps({"text": "a blue sofa — under $800"})
    event = http_event("POST", "/echo/x", body=body, headers={"content-type": "application/json"})
    data = json.loads(call(adapter, echo_app, event)["body"])
    assert data["json"] == {"text": "a blue sofa — under $800"}


def test_base64_request_body_is_decoded(adapter, echo_app):
    event = http_event(
        "POST", "/echo/x", body="plain words", binary=True, headers={"content-type": "text/plain"}
    )
    assert json.loads(call(adapter, echo_app, event)["body"])["body"] == "plain words"


def test_binary_responses_are_base64(adapter, echo_app):
    answer = call(adapter, echo_app, http_event("GET", "/binary"))
    assert answer["isBase64Encoded"] is True
    assert base64.b64decode(answer["body"]) == bytes(range(256))


def test_unknown_route_is_the_apps_404(adapter, echo_app):
    assert call(adapter, echo_app, http_event("GET", "/nowhere"))["statusCode"] == 404


def test_real_app_health_and_signed_alexa_request(adapter, app, alexa_authority):
    health = call(adapter, app, http_event("GET", "/healthz"))
    assert health["statusCode"] == 200
    body = json.loads(health["body"])
    assert body["status"] == "ok" and body["verification"] is True
    assert body["orders"] == "demo.v1"

    body = json.dumps(alexa_envelope(request_type="LaunchRequest", skill_id=TEST_SKILL_ID))
    signed = alexa_authority.sign(body.encode())
    headers = {k.lower(): v for k, v in signed.items()} | {"content-type": "application/json"}
    answer = call(adapter, app, http_event("POST", "/alexa", body=body, headers=headers))
    assert answer["statusCode"] == 200, answer["body"]
    assert json.loads(answer["body"])["response"]["outputSpeech"]["ssml"]

    unsigned = call(adapter, app, http_event("POST", "/alexa", body=body))
    assert unsigned["statusCode"] == 400
