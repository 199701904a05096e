"""`ambient-shop metrics`, `shopper`, `engage` and `events` commands (no parser or catalog load)."""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from skill.errors import AmbientShopError

_SHOPPER_ID = re.compile(r"^[A-Za-z0-9._:@+-]{1,128}$")


# Set by `register_cli`: opens the engagement services over the configured state.
_OPENER: dict[str, Callable[[], AbstractContextManager[tuple[Any, Any]]]] = {}


def opened_engage() -> AbstractContextManager[tuple[Any, Any]]:
    return _OPENER["open"]()


def _shopper_id(value: str) -> str:
    if not _SHOPPER_ID.match(value):
        raise argparse.ArgumentTypeError("a shopper id is 1-128 letters, digits or ._:@+-")
    return value


def _metrics(args: argparse.Namespace) -> int:
    from skill.engage.metrics import compute
    from skill.engage.web import period_from_args

    with opened_engage() as (engage, _state):
        try:
            since, until = period_from_args(
                {"since": args.since, "until": args.until}, engage.clock.now()
            )
        except ValueError as e:
            raise AmbientShopError(str(e)) from e
        figures = compute(engage.records, since=since, until=until, bucket=args.bucket)
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    print(render_metrics(figures))
    return 0


def _pct(rate: float | None) -> str:
    return "–" if rate is None else f"{rate * 100:.1f}%"


def _value(value: Any, suffix: str = "") -> str:
    return "–" if value is None else f"{value}{suffix}"


def render_metrics(f: dict[str, Any]) -> str:
    rows = [
        ("Period", f"{f['since'][:16]} to {f['until'][:16]} UTC"),
        ("NPS", f"{_value(f['nps']['score'])}  ({f['nps']['responses']} answers)"),
        ("CSAT", f"{_value(f['csat']['score'], '%')}  ({f['csat']['responses']} answers)"),
        ("CES", f"{_value(f['ces']['average'])}  ({f['ces']['responses']} answers)"),
        ("Conversations", str(f["conversations"])),
        ("First-level resolution", _pct(f["first_level_resolution"])),
        ("Handoff rate", _pct(f["handoff_rate"])),
        ("Average handle time", _value(f["average_handle_time_s"], " s")),
        (
            "Cart abandonment",
            f"{_pct(f['cart_abandonment_rate'])}  ({f['carts_abandoned']} of "
            f"{f['checkouts_started']} checkouts)",
        ),
        (
            "Recovered after outreach",
            f"{_pct(f['recovery_rate'])}  ({f['carts_recovered']} of {f['outreaches']})",
        ),
        ("Revenue recovered", f"${f['revenue_recovered']}"),
        ("Events flagged", str(f["events_flagged"])),
    ]
    width = max(len(name) for name, _ in rows)
    lines = [f"{name:<{width}}  {value}" for name, value in rows]
    if f["by_channel"]:
        lines.append("")
        lines.append(f"{'By channel':<{width}}  conversations  handoff rate  CSAT  NPS")
        for name, part in f["by_channel"].items():
            lines.append(
                f"  {name:<{width - 2}}  {part['conversations']:>13}  "
                f"{_pct(part['handoff_rate']):>12}  {_value(part['csat']['score']):>4}  "
                f"{_value(part['nps']['score'])}"
            )
    return "\n".join(lines)


def _shopper_export(args: argparse.Namespace) -> int:
    with opened_engage() as (engage, state):
        data = engage.export(args.shopper_id, conversations=state.conversations)
    print(json.dumps(data, indent=2, default=str))
    return 0


def _shopper_erase(args: argparse.Namespace) -> int:
    if not args.yes:
        print(
            f"This removes shopper {args.shopper_id!r} from every store. Re-run with --yes.",
            file=sys.stderr,
        )
        return 1
    with opened_engage() as (engage, _state):
        removed = engage.erase(args.shopper_id)
    if args.json:
        print(json.dumps({"shopper_id": args.shopper_id, "removed": removed}, indent=2))
        return 0
    if not removed:
        print(f"Nothing was held about shopper {args.shopper_id!r}; the erasure is recorded.")
        return 0
    print(f"Erased shopper {args.shopper_id!r}:")
    for where, count in sorted(removed.items()):
        print(f"  {where}: {count} removed")
    print("Later events for this shopper are kept and flagged; no profile is recreated.")
    return 0


def _shopper_show(args: argparse.Namespace) -> int:
    with opened_engage() as (engage, _state):
        print(json.dumps(engage.profile_view(args.shopper_id), indent=2, default=str))
    return 0


def _shopper_set(args: argparse.Namespace) -> int:
    from skill.engage.profiles import ProfileError

    changes: dict[str, Any] = {
        "phone": args.phone,
        "birthday": args.birthday,
        "preferred_store": args.preferred_store,
        "colours": args.colour or None,
        "sms": args.sms,
        "alexa_notifications": args.alexa_notifications,
    }
    if args.size:
        sizes = {}
        for pair in args.size:
            kind, sep, size = pair.rpartition("=")
            sizes[kind if sep else "default"] = size
        changes["sizes"] = sizes
    with opened_engage() as (engage, _state):
        try:
            profile = engage.update_profile(args.shopper_id, changes)
        except ProfileError as e:
            raise AmbientShopError(str(e)) from e
    print(json.dumps(profile, indent=2, default=str))
    return 0


def _sweep(args: argparse.Namespace) -> int:
    with opened_engage() as (engage, _state):
        print(json.dumps(engage.sweep(), indent=2))
    return 0


def _feedback(args: argparse.Namespace) -> int:
    from skill.engage.records import iso
    from skill.engage.web import parse_when

    with opened_engage() as (engage, _state):
        since = parse_when(args.since, engage.clock.now()) if args.since else None
        entries = engage.surveys.feedback(since=iso(since) if since else None)
    if not entries:
        print("No feedback yet.")
    for entry in entries:
        print(f"{entry.at[:16]}  {entry.doc.get('channel', ''):<8}  {entry.doc.get('text', '')}")
    return 0


def _events_list(args: argparse.Namespace) -> int:
    with opened_engage() as (engage, _state):
        events = engage.records.query("event")
    shown = [e for e in events if e.doc.get("flags")] if args.flagged else events
    for event in shown[-args.limit :]:
        flags = ",".join(event.doc.get("flags") or []) or "-"
        print(
            f"{event.at[:19]}  {event.record_id:<24}  {event.doc.get('type'):<20}  "
            f"{event.shopper_id:<20}  {flags}"
        )
    if not shown:
        print("No events." if not args.flagged else "No flagged events.")
    return 0


def _events_sign(args: argparse.Namespace) -> int:
    """Print the headers a shop sends with a body: for trying the API with curl."""
    from skill.engage.events import sign

    body = sys.stdin.buffer.read() if args.file == "-" else Path(args.file).read_bytes()
    with opened_engage() as (engage, _state):
        headers = sign(engage.secret, body, int(args.timestamp or time.time()))
    for name, value in headers.items():
        print(f"{name}: {value}")
    return 0


def register_cli(
    commands: Any, *, open_engage: Callable[[], AbstractContextManager[tuple[Any, Any]]]
) -> None:
    """Add the commands; `open_engage` comes from the composition root."""
    _OPENER["open"] = open_engage
    metrics = commands.add_parser(
        "metrics",
        help="CX metrics: NPS, CSAT, CES, resolution, handle time, abandonment, recovery",
        description="Print the customer-experience figures for a period (default: the last "
        "7 days), overall and by channel. Definitions are in docs/engage.md.",
    )
    metrics.add_argument("--since", help="ISO 8601 time or a span back from now (24h, 7d)")
    metrics.add_argument("--until", help="ISO 8601 time or a span back from now (default: now)")
    metrics.add_argument("--bucket", choices=("hour", "day"), help="trend granularity")
    metrics.add_argument("--json", action="store_true", help="print JSON (with the trend)")
    metrics.set_defaults(run=_metrics)

    shopper = commands.add_parser("shopper", help="shopper profiles and data-protection requests")
    shopper_commands = shopper.add_subparsers(dest="shopper_command", required=True)
    export = shopper_commands.add_parser(
        "export", help="print everything held about a shopper as JSON (access request)"
    )
    export.add_argument("shopper_id", type=_shopper_id)
    export.set_defaults(run=_shopper_export)
    erase = shopper_commands.add_parser(
        "erase",
        help="remove a shopper from every store (profile, cart, conversations, tickets, events, "
        "messages, surveys) and say what was removed",
    )
    erase.add_argument("shopper_id", type=_shopper_id)
    erase.add_argument("--yes", action="store_true", help="really erase")
    erase.add_argument("--json", action="store_true", help="print what was removed as JSON")
    erase.set_defaults(run=_shopper_erase)
    show = shopper_commands.add_parser("show", help="print a profile with its loyalty tier")
    show.add_argument("shopper_id", type=_shopper_id)
    show.set_defaults(run=_shopper_show)
    update = shopper_commands.add_parser("set", help="record a shopper's preferences")
    update.add_argument("shopper_id", type=_shopper_id)
    update.add_argument("--size", action="append", help="SIZE or TYPE=SIZE (e.g. shoes=9)")
    update.add_argument("--colour", action="append", help="a favourite colour (repeatable)")
    update.add_argument("--preferred-store", help="store code")
    update.add_argument("--phone", help="E.164 number, e.g. +15551234567")
    update.add_argument("--birthday", help="MM-DD or YYYY-MM-DD")
    update.add_argument(
        "--sms", action=argparse.BooleanOptionalAction, default=None, help="texts allowed"
    )
    update.add_argument(
        "--alexa-notifications",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="Alexa notifications allowed (the shopper granted the permission)",
    )
    update.set_defaults(run=_shopper_set)

    engage = commands.add_parser("engage", help="engagement jobs: sweep, feedback")
    engage_commands = engage.add_subparsers(dest="engage_command", required=True)
    sweep = engage_commands.add_parser(
        "sweep",
        help="run the scheduled work once: abandonment outreach, birthday rewards, NPS questions",
    )
    sweep.set_defaults(run=_sweep)
    feedback = engage_commands.add_parser(
        "feedback", help="list what shoppers told us (e.g. what we should stock)"
    )
    feedback.add_argument("--since", help="ISO 8601 time or a span back from now (7d)")
    feedback.set_defaults(run=_feedback)

    events = commands.add_parser("events", help="commerce events received on POST /events")
    events_commands = events.add_subparsers(dest="events_command", required=True)
    listing = events_commands.add_parser("list", help="list received events")
    listing.add_argument(
        "--flagged", action="store_true", help="only events for unknown or erased shoppers/carts"
    )
    listing.add_argument("--limit", type=int, default=50)
    listing.set_defaults(run=_events_list)
    signing = events_commands.add_parser(
        "sign", help="print the signature headers for a body (for trying the API with curl)"
    )
    signing.add_argument("file", help="the JSON body file, or - for standard input")
    signing.add_argument("--timestamp", type=int, help="Unix seconds (default: now)")
    signing.set_defaults(run=_events_sign)
