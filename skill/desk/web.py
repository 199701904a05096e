"""The agent desk at /desk: server-rendered pages, a little JavaScript, server-sent events.

Security on by default: scrypt-hashed passwords, server-side sessions in the state store, a CSRF
token on every form and fetch, cross-site requests refused, and each action re-checked on the
server (ownership, role, autonomy limits) whatever the page sent.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    current_app,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)

from skill.desk.canned import CANNED_RESPONSES
from skill.desk.errors import DeskError, NotAllowed
from skill.desk.service import CLOSED, OWNED, Agent, Desk
from skill.desk.sessions import DeskSession, end_session, load_session, start_session

blueprint = Blueprint(
    "desk",
    __name__,
    url_prefix="/desk",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)

SESSION_COOKIE = "desk_session"
LOGIN_COOKIE = "desk_login"
TICKET_ID = re.compile(r"^T-[0-9A-F]{10}$")
# Each event stream lives this long; EventSource reconnects on its own (with Last-Event-ID), so
# no worker is held for ever and any worker can serve the next stretch.
STREAM_WINDOW_S = 25.0
STREAM_POLL_S = 0.7
MAX_FIELD_CHARS = 2000
ACTIONS = ("claim", "reply", "offer", "transfer", "resolve", "hand-back")


def _desk() -> Desk:
    return current_app.extensions["ambient_shop"].agent_desk


def _secure_cookies() -> bool:
    return bool(current_app.extensions["ambient_shop"].settings.production)


def _wants_json() -> bool:
    return request.headers.get("X-Requested-With") == "fetch" or request.accept_mimetypes.best in (
        "application/json",
    )


def _refuse(status: int, message: str) -> Any:
    if _wants_json() or request.path.startswith("/desk/api") or "/events/" in request.path:
        return jsonify({"error": message}), status
    return render_template("desk/error.html", message=message, status=status), status


def _cross_site() -> bool:
    """A browser says where a request came from; anything not from this origin is refused."""
    if request.headers.get("Sec-Fetch-Site") == "cross-site":
        return True
    origin = request.headers.get("Origin")
    if origin and origin != "null":
        ours = urlsplit(request.host_url)
        theirs = urlsplit(origin)
        return (theirs.scheme, theirs.netloc) != (ours.scheme, ours.netloc)
    return origin == "null"


@blueprint.before_request
def guard() -> Any:
    if request.method not in ("GET", "HEAD", "OPTIONS") and _cross_site():
        return _refuse(403, "cross-site requests to the desk are refused")
    g.desk_session = load_session(_desk(), request.cookies.get(SESSION_COOKIE))
    return None


@blueprint.after_request
def security_headers(response: Response) -> Response:
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    )
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def signed_in(view: Callable[..., Any]) -> Callable[..., Any]:
    """Pages need a session; every state-changing request also needs the session's CSRF token."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        session: DeskSession | None = g.desk_session
        if session is None:
            machine = _wants_json() or "/events/" in request.path or "/api/" in request.path
            if request.method == "GET" and not machine:
                return redirect(url_for("desk.login", next=request.path))
            return _refuse(401, "sign in to the desk first")
        if request.method == "POST":
            sent = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token") or ""
            if not secrets.compare_digest(sent.encode(), session.csrf_token.encode()):
                return _refuse(403, "the form is stale or came from elsewhere (CSRF check failed)")
        return view(*args, **kwargs)

    return wrapper


def _agent() -> Agent:
    return g.desk_session.agent


def _page(template: str, **context: Any) -> str:
    return render_template(
        template,
        agent=_agent() if g.get("desk_session") else None,
        csrf_token=g.desk_session.csrf_token if g.get("desk_session") else "",
        **context,
    )


def _waited(since: str | None) -> str:
    if not since:
        return ""
    try:
        seconds = (datetime.now(UTC) - datetime.fromisoformat(since)).total_seconds()
    except ValueError:
        return ""
    minutes = int(seconds // 60)
    if minutes < 1:
        return "under a minute"
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60} min"


def summary(ticket: dict[str, Any]) -> dict[str, Any]:
    """A queue row: what an agent needs to choose what to pick up next."""
    return {
        "ticket_id": ticket["ticket_id"],
        "status": ticket["status"],
        "reason": ticket.get("reason", ""),
        "priority": ticket.get("priority", 0),
        "sentiment": ticket.get("sentiment", ""),
        "channel": ticket.get("channel", ""),
        "owner": ticket.get("owner_name") or "",
        "cart_value": ticket.get("cart_value", "0"),
        "loyal": bool(ticket.get("loyal")),
        "waiting": _waited(ticket.get("created_at")),
        "created_at": ticket.get("created_at", ""),
        "shopper_notified": bool(ticket.get("shopper_notified")),
    }


# -- signing in ------------------------------------------------------------------------------------


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/desk") and not target.startswith("//"):
        return target
    return url_for("desk.queue")


@blueprint.get("/login")
def login() -> Any:
    if g.desk_session is not None:
        return redirect(_safe_next(request.args.get("next")))
    token = secrets.token_urlsafe(24)
    body = render_template(
        "desk/login.html", agent=None, login_token=token, next=request.args.get("next", "")
    )
    response = current_app.make_response(body)
    response.set_cookie(
        LOGIN_COOKIE,
        token,
        httponly=True,
        samesite="Strict",
        secure=_secure_cookies(),
        path="/desk",
        max_age=3600,
    )
    return response


@blueprint.post("/login")
def login_submit() -> Any:
    sent = request.form.get("login_token", "")
    expected = request.cookies.get(LOGIN_COOKIE, "")
    if not expected or not secrets.compare_digest(sent.encode(), expected.encode()):
        return _refuse(403, "the sign-in form is stale or came from elsewhere; reload it")
    username = request.form.get("username", "")[:64]
    password = request.form.get("password", "")[:256]
    agent = _desk().authenticate(username, password)
    if agent is None:
        locked = _desk().locked_out(username)
        body = render_template(
            "desk/login.html",
            agent=None,
            login_token=expected,
            error="Too many wrong passwords: try again in 15 minutes."
            if locked
            else "Wrong username or password.",
            next=request.form.get("next", ""),
        )
        return body, 429 if locked else 401
    token, _session = start_session(_desk(), agent)
    response = redirect(_safe_next(request.form.get("next")))
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="Strict",
        secure=_secure_cookies(),
        path="/desk",
    )
    response.delete_cookie(LOGIN_COOKIE, path="/desk")
    return response


@blueprint.post("/logout")
@signed_in
def logout() -> Any:
    end_session(_desk(), request.cookies.get(SESSION_COOKIE))
    response = redirect(url_for("desk.login"))
    response.delete_cookie(SESSION_COOKIE, path="/desk")
    return response


# -- pages -----------------------------------------------------------------------------------------


@blueprint.get("")
@blueprint.get("/")
@signed_in
def queue() -> Any:
    rows = [summary(t) for t in _desk().queue(_agent())]
    if _wants_json():
        return jsonify({"tickets": rows})
    return _page("desk/queue.html", tickets=rows)


@blueprint.get("/api/queue")
@signed_in
def queue_json() -> Any:
    return jsonify({"tickets": [summary(t) for t in _desk().queue(_agent())]})


def _ticket_or_refusal(ticket_id: str) -> tuple[dict[str, Any] | None, Any]:
    if not TICKET_ID.match(ticket_id):
        return None, _refuse(404, "no such ticket")
    try:
        return _desk().view(_agent(), ticket_id), None
    except DeskError as e:
        return None, _refuse(e.status, str(e))


@blueprint.get("/tickets/<ticket_id>")
@signed_in
def ticket_page(ticket_id: str) -> Any:
    ticket, refusal = _ticket_or_refusal(ticket_id)
    if ticket is None:
        return refusal
    desk = _desk()
    agent = _agent()
    messages = desk.store.read(f"ticket:{ticket_id}")
    mine = ticket["status"] in OWNED and ticket.get("owner") == agent.username
    limits = desk.autonomy[agent.role]
    shipping = [
        {"name": o.name, "cost": str(o.cost), "allowed": o.cost <= limits.max_shipping_waiver}
        for o in desk.shipping_options()
    ]
    if _wants_json():
        return jsonify({"ticket": ticket, "messages": messages})
    return _page(
        "desk/ticket.html",
        ticket=ticket,
        summary=summary(ticket),
        messages=messages,
        last_seq=messages[-1]["seq"] if messages else 0,
        mine=mine,
        closed=ticket["status"] in CLOSED,
        can_transfer=ticket["status"] not in CLOSED and (agent.is_supervisor or mine),
        agents=[a for a in desk.agents() if a.username != ticket.get("owner")],
        canned=CANNED_RESPONSES,
        limits=limits,
        shipping=shipping,
        parse_json=json.dumps(ticket.get("parse") or {}, indent=2),
        notice=request.args.get("notice", "")[:200],
    )


@blueprint.post("/tickets/<ticket_id>/<action>")
@signed_in
def ticket_action(ticket_id: str, action: str) -> Any:
    if action not in ACTIONS or not TICKET_ID.match(ticket_id):
        return _refuse(404, "no such ticket action")
    desk = _desk()
    agent = _agent()
    form = {k: v[:MAX_FIELD_CHARS] for k, v in request.form.items()}
    try:
        if action == "claim":
            desk.claim(agent, ticket_id)
            notice = "You own this conversation now."
        elif action == "reply":
            desk.reply(agent, ticket_id, form.get("text", ""))
            notice = "Reply sent."
        elif action == "offer":
            offer = desk.offer(
                agent,
                ticket_id,
                kind=form.get("kind", ""),
                value=form.get("value", ""),
                note=form.get("note", ""),
            )
            notice = f"Offer made: {offer['kind'].replace('_', ' ')}."
        elif action == "transfer":
            moved = desk.transfer(agent, ticket_id, form.get("to", ""))
            notice = f"Transferred to {moved['owner_name']}."
        elif action == "resolve":
            desk.resolve(agent, ticket_id)
            notice = "Resolved; the shopper was asked how we did."
        else:
            desk.hand_back(agent, ticket_id)
            notice = "Handed back to the assistant."
    except DeskError as e:
        return _refuse(e.status, str(e))
    if _wants_json():
        return jsonify({"ok": True, "notice": notice})
    if action == "transfer" and not agent.is_supervisor:
        return redirect(url_for("desk.queue"))
    return redirect(url_for("desk.ticket_page", ticket_id=ticket_id, notice=notice))


@blueprint.get("/audit")
@signed_in
def audit() -> Any:
    if not _agent().is_supervisor:
        return _refuse(403, "the audit log is for supervisors")
    return _page("desk/audit.html", entries=_desk().audit_log())


# -- live updates ----------------------------------------------------------------------------------


def event_stream(poll: Callable[[int], tuple[list[tuple[int, str, Any]], int]], start: int) -> Any:
    """Server-sent events from polling the shared store: works the same in every worker."""

    def generate() -> Iterator[str]:
        yield "retry: 1500\n\n"
        cursor = start
        deadline = time.monotonic() + STREAM_WINDOW_S
        quiet_since = time.monotonic()
        while time.monotonic() < deadline:
            events, cursor = poll(cursor)
            for event_id, name, data in events:
                yield f"id: {event_id}\nevent: {name}\ndata: {json.dumps(data, default=str)}\n\n"
                quiet_since = time.monotonic()
            if time.monotonic() - quiet_since > 10:
                yield ": still here\n\n"
                quiet_since = time.monotonic()
            time.sleep(STREAM_POLL_S)

    return Response(
        generate(),
        mimetype="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


def last_event_id() -> int:
    """Where a resumed stream picks up: the browser's Last-Event-ID, or ?after= on first open."""
    raw = request.headers.get("Last-Event-ID") or request.args.get("after") or "0"
    return int(raw) if raw.isdigit() and len(raw) < 12 else 0


@blueprint.get("/events/queue")
@signed_in
def queue_events() -> Any:
    desk, agent = _desk(), _agent()
    state = {"fingerprint": ""}

    def poll(cursor: int) -> tuple[list[tuple[int, str, Any]], int]:
        rows = [summary(t) for t in desk.queue(agent)]
        # Waiting times are part of the mark, so the queue's clock moves without a reload.
        marks = "|".join(
            f"{r['ticket_id']}:{r['status']}:{r['owner']}:{r['waiting']}" for r in rows
        )
        fingerprint = hashlib.sha256(marks.encode()).hexdigest()
        if fingerprint == state["fingerprint"]:
            return [], cursor
        state["fingerprint"] = fingerprint
        return [(cursor + 1, "queue", {"tickets": rows})], cursor + 1

    return event_stream(poll, 0)


@blueprint.get("/events/tickets/<ticket_id>")
@signed_in
def ticket_events(ticket_id: str) -> Any:
    ticket, refusal = _ticket_or_refusal(ticket_id)
    if ticket is None:
        return refusal
    desk, agent = _desk(), _agent()
    seen = {"status": ticket["status"], "owner": ticket.get("owner")}

    def poll(cursor: int) -> tuple[list[tuple[int, str, Any]], int]:
        try:
            current = desk.view(agent, ticket_id)
        except NotAllowed:
            return [(cursor, "gone", {"reason": "transferred"})], cursor
        events: list[tuple[int, str, Any]] = []
        for message in desk.store.read(f"ticket:{ticket_id}", after=cursor):
            events.append((message["seq"], "message", message))
            cursor = message["seq"]
        now = {"status": current["status"], "owner": current.get("owner")}
        if now != seen:
            seen.update(now)
            events.append((cursor, "ticket", summary(current)))
        return events, cursor

    return event_stream(poll, last_event_id())
