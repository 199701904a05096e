"""API Gateway HTTP API (payload 2.0) to WSGI, so Lambda serves the same Flask app as gunicorn.

The Lambda package build copies this module to the package root; the web function's handler is
`lambda_web.handler`. It needs only the standard library and the WSGI app.
"""

from __future__ import annotations

import base64
import io
import sys
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any
from urllib.parse import unquote

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

_TEXT_TYPES = ("text/", "application/json", "application/javascript", "application/xml")
_TEXT_SUFFIXES = ("+json", "+xml")


def _is_text(content_type: str) -> bool:
    kind = content_type.split(";", 1)[0].strip().lower()
    return kind.startswith(_TEXT_TYPES) or kind.endswith(_TEXT_SUFFIXES) or kind == "image/svg+xml"


def _request_body(event: dict[str, Any]) -> bytes:
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        return base64.b64decode(body)
    return body.encode("utf-8")


def wsgi_environ(event: dict[str, Any]) -> dict[str, Any]:
    """The WSGI environ for one HTTP API event; a named stage becomes SCRIPT_NAME."""
    context = event.get("requestContext") or {}
    http = context.get("http") or {}
    headers = {str(k).lower(): str(v) for k, v in (event.get("headers") or {}).items()}
    if event.get("cookies"):
        headers["cookie"] = "; ".join(event["cookies"])
    body = _request_body(event)
    raw_path = event.get("rawPath") or http.get("path") or "/"
    stage = context.get("stage") or "$default"
    script_name = ""
    if stage != "$default" and (raw_path == f"/{stage}" or raw_path.startswith(f"/{stage}/")):
        script_name = f"/{stage}"
        raw_path = raw_path[len(script_name) :] or "/"
    host = headers.get("host") or context.get("domainName") or "localhost"
    forwarded_proto = headers.get("x-forwarded-proto", "https")
    environ: dict[str, Any] = {
        "REQUEST_METHOD": str(http.get("method") or "GET").upper(),
        "SCRIPT_NAME": script_name,
        # WSGI carries the decoded path as latin-1 text (PEP 3333).
        "PATH_INFO": unquote(raw_path).encode("utf-8").decode("latin-1"),
        "QUERY_STRING": event.get("rawQueryString") or "",
        "SERVER_NAME": host.split(":", 1)[0],
        "SERVER_PORT": headers.get("x-forwarded-port", "443"),
        "SERVER_PROTOCOL": str(http.get("protocol") or "HTTP/1.1"),
        "REMOTE_ADDR": str(http.get("sourceIp") or ""),
        "CONTENT_LENGTH": str(len(body)),
        "CONTENT_TYPE": headers.get("content-type", ""),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": forwarded_proto,
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "lambda.event": event,
    }
    for name, value in headers.items():
        if name in ("content-type", "content-length"):
            continue
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    return environ


def call_wsgi(app: WsgiApp, event: dict[str, Any]) -> dict[str, Any]:
    """Run one request through the app and shape the answer as an HTTP API 2.0 response."""
    started: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        if exc_info is not None and started:
            raise exc_info[1].with_traceback(exc_info[2])
        started["status"] = int(status.split(" ", 1)[0])
        started["headers"] = headers
        return lambda data: None

    result = app(wsgi_environ(event), start_response)
    try:
        body = b"".join(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    response_headers: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in started.get("headers", []):
        if name.lower() == "set-cookie":
            cookies.append(value)
        elif name.lower() in response_headers:
            response_headers[name.lower()] += f", {value}"
        else:
            response_headers[name.lower()] = value
    text: str | None = None
    if _is_text(response_headers.get("content-type", "")) or not body:
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            text = None  # declared text in another charset: base64 keeps every byte
    answer: dict[str, Any] = {
        "statusCode": started.get("status", 500),
        "headers": response_headers,
        "body": text if text is not None else base64.b64encode(body).decode("ascii"),
        "isBase64Encoded": text is None,
    }
    if cookies:
        answer["cookies"] = cookies
    return answer


@lru_cache(maxsize=1)
def _app() -> WsgiApp:
    # Built on the first request, not at import, so a failing cold start reports a clear error.
    from skill.web import create_app

    return create_app()


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Lambda entry point for the HTTP API."""
    return call_wsgi(_app(), event)
