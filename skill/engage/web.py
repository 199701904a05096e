"""HTTP for engagement: `POST /events` from the shop, survey answers, the CX dashboard."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import wraps
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)

from skill.channels.limits import client_address, refuse_if_limited
from skill.engage.events import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    EventRejected,
    SignatureRejected,
    parse_event,
    verify_signature,
)
from skill.engage.intake import EventAlreadyReceived
from skill.engage.metrics import compute
from skill.engage.records import parse_iso
from skill.engage.service import Engage
from skill.engage.surveys import SCALES, SurveyError
from skill.errors import AmbientShopError
from skill.json_input import JsonInputError, parse_json

log = logging.getLogger(__name__)

HERE = Path(__file__).parent
blueprint = Blueprint(
    "engage",
    __name__,
    static_folder=str(HERE / "static"),
    static_url_path="/engage/static",
    template_folder=str(HERE / "templates"),
)
MAX_EVENT_BYTES = 64 * 1024


def _engage() -> Engage:
    return current_app.extensions["ambient_shop"].engage


def _error(message: str, status: int, **extra: Any) -> tuple[Response, int]:
    return jsonify({"error": message, **extra}), status


@blueprint.post("/events")
def receive_event() -> Any:
    """One commerce event, HMAC-signed by the shop; stored once by its id."""
    engage = _engage()
    if (request.content_length or 0) > MAX_EVENT_BYTES:
        return _error(f"an event is at most {MAX_EVENT_BYTES} bytes", 413)
    body = request.get_data(cache=True)
    try:
        verify_signature(
            engage.secret,
            body=body,
            timestamp=request.headers.get(TIMESTAMP_HEADER),
            signature=request.headers.get(SIGNATURE_HEADER),
            now=engage.clock.now().timestamp(),
            window_s=engage.settings.events_window_s,
        )
    except SignatureRejected as e:
        # The shop's own server signs every event and may send many; only callers that fail the
        # signature count against their address's limit, so guessing is slow and cheap.
        refused = refuse_if_limited("events-rejected", "address", client_address())
        return refused if refused is not None else _error(str(e), 401)
    try:
        payload = parse_json(body)
    except JsonInputError as e:
        return _error(f"body: not acceptable JSON: {e}", 400, field="body")
    try:
        event = parse_event(payload)
    except EventRejected as e:
        return _error(str(e), 400, field=e.field)
    try:
        receipt = engage.intake.receive(event)
    except EventAlreadyReceived as e:
        return _error(str(e), 409, event_id=e.event_id, same_content=e.same_content)
    try:
        engage.maybe_sweep()
    except AmbientShopError:
        log.warning("engagement sweep after an event failed; the event is stored", exc_info=True)
    return jsonify(
        {
            "event_id": receipt.event_id,
            "status": "stored",
            "flags": list(receipt.flags),
            "notes": list(receipt.notes),
            "recovered_cart": receipt.recovered_cart,
        }
    ), 202


@blueprint.route("/surveys/<survey_id>", methods=["GET", "POST"])
def survey(survey_id: str) -> Any:
    """The answer link sent with a CSAT, NPS or CES question: a tiny form, or JSON."""
    engage = _engage()
    found = engage.records.get("survey", survey_id[:80])
    if found is None:
        return _error("no such survey", 404)
    kind = str(found.doc.get("survey"))
    scale = SCALES[kind]
    if request.method == "GET":
        return render_template(
            "survey.html",
            question=found.doc.get("question", ""),
            scores=range(scale.low, scale.high + 1),
            answered=found.doc.get("score") is not None,
        )
    wants_json = request.is_json
    payload = request.get_json(silent=True) if wants_json else request.form
    if not hasattr(payload, "get"):
        return _error("body must be a JSON object with a score", 400)
    try:
        engage.surveys.answer(
            found.record_id, payload.get("score"), comment=payload.get("comment") or ""
        )
    except SurveyError as e:
        if wants_json:
            return _error(str(e), e.status)
        return render_template(
            "survey.html",
            error=str(e),
            question=found.doc.get("question"),
            scores=range(scale.low, scale.high + 1),
            answered=False,
        ), e.status
    if wants_json:
        return jsonify({"survey_id": found.record_id, "status": "answered"})
    return render_template("survey.html", thanks=True, question="", scores=(), answered=True)


def _guarded(view: Callable[..., Any]) -> Callable[..., Any]:
    """The dashboard is part of the desk: the desk's sign-in, the desk's page headers."""
    from skill.desk.sessions import load_session
    from skill.desk.web import SESSION_COOKIE, security_headers

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        desk = current_app.extensions["ambient_shop"].agent_desk
        if load_session(desk, request.cookies.get(SESSION_COOKIE)) is None:
            if request.path.endswith(".json"):
                return _error("sign in to the desk first", 401)
            return redirect(url_for("desk.login", next=request.path))
        return security_headers(make_response(view(*args, **kwargs)))

    return wrapper


def period_from_args(args: Any, now: datetime) -> tuple[datetime, datetime]:
    """`since` / `until` as ISO times or relative spans like 7d, 24h; default the last 7 days."""
    until = parse_when(args.get("until"), now) if args.get("until") else now
    since = parse_when(args.get("since"), now) if args.get("since") else now - timedelta(days=7)
    if since >= until:
        raise ValueError("since must be before until")
    return since, until


def parse_when(text: str, now: datetime) -> datetime:
    text = text.strip()
    units = {"m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
    if text[:-1].isdigit() and text[-1:] in units:
        return now - timedelta(seconds=int(text[:-1]) * units[text[-1]])
    try:
        return parse_iso(text)
    except ValueError:
        raise ValueError(
            f"{text!r} is not a time: use ISO 8601 (2026-12-01T00:00Z) or a span (24h, 7d)"
        ) from None


@blueprint.get("/desk/metrics")
@_guarded
def dashboard() -> Any:
    """CX dashboard: the figures, their trend and their split by channel."""
    return render_template("dashboard.html")


@blueprint.get("/desk/metrics.json")
@_guarded
def dashboard_data() -> Any:
    engage = _engage()
    try:
        since, until = period_from_args(request.args, engage.clock.now())
    except ValueError as e:
        return _error(str(e), 400)
    bucket = request.args.get("bucket")
    if bucket not in (None, "hour", "day"):
        return _error("bucket must be hour or day", 400)
    figures = compute(engage.records, since=since, until=until, bucket=bucket)
    figures["feedback"] = [
        {"at": r.at, "text": r.doc.get("text", ""), "channel": r.doc.get("channel", "")}
        for r in engage.surveys.feedback(since=figures["since"])
    ][-50:]
    return jsonify(figures)


def run_sweeps_in_background(engage: Engage) -> None:
    """`serve` runs the engagement sweep every few seconds; each run is idempotent."""
    import threading

    every = engage.settings.sweep_every_s
    if every <= 0:
        return

    def loop() -> None:
        while True:
            time.sleep(every)
            try:
                engage.maybe_sweep()
            except AmbientShopError:
                log.warning("engagement sweep failed; next try in %s s", every, exc_info=True)

    threading.Thread(target=loop, name="engage-sweep", daemon=True).start()
