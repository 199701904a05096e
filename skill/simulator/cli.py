"""`ambient-shop simulate`: talk to the skill from a terminal, or replay scripts for CI."""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from collections.abc import Mapping
from typing import IO, TYPE_CHECKING, Any

from skill.simulator.envelopes import DEVICES
from skill.simulator.script import Script, ScriptError, load_scripts, run_scripts
from skill.simulator.session import (
    FALLBACK_APPLICATION_ID,
    HttpTransport,
    InProcessTransport,
    SimulatorError,
    SimulatorSession,
    StepResult,
    Transport,
)

if TYPE_CHECKING:
    from skill.bootstrap import Application

INTERACTIVE_HELP = """\
Type what the shopper says, or a command:
  /launch               open the skill (a new session)
  /end                  end the session (SessionEndedRequest)
  /intent NAME [k=v]    send an intent directly, e.g. /intent AMAZON.YesIntent
  /device voice|screen  switch device (starts a new session)
  /shopper ID           switch shopper (starts a new session)
  /state                show the whole dialogue state
  /parse on|off         show or hide the parse
  /outbox               texts sent to this shopper's phone (in-process only)
  /raw                  the last request and response envelopes
  /help                 this list
  /quit                 leave"""


def register_cli(subparsers: Any) -> None:
    """Add `simulate` to the `ambient-shop` command."""
    simulate = subparsers.add_parser(
        "simulate",
        help="a local Alexa simulator: talk to the skill, or replay conversation scripts",
        description="Build real Alexa request envelopes from what you type and send them to the "
        "skill, in-process (default) or to --url. With --script, replay YAML conversation "
        "scripts and exit 1 on any mismatch. See docs/simulator.md.",
    )
    simulate.add_argument(
        "--url",
        help="a running skill (e.g. http://127.0.0.1:5000, started with "
        "AMBIENT_SHOP_DEV_UNVERIFIED=1); default: in-process, no server needed",
    )
    simulate.add_argument(
        "--device", choices=sorted(DEVICES), default="voice", help="device profile (default: voice)"
    )
    simulate.add_argument("--shopper", help="the Alexa user id (default: a fresh id)")
    simulate.add_argument(
        "--skill-id",
        help="application id put in envelopes (default: AMBIENT_SHOP_SKILL_ID, else a placeholder)",
    )
    simulate.add_argument(
        "--script",
        nargs="+",
        metavar="FILE.yaml",
        help="replay these scripts (files or directories) and exit 1 on any mismatch",
    )
    simulate.add_argument(
        "--show-parse",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="show the parse after each turn (in-process only; default: on)",
    )
    simulate.add_argument(
        "--verbose-scripts",
        action="store_true",
        help="with --script, print every turn's speech, not only mismatches",
    )
    simulate.set_defaults(run=run)


def _transport(
    args: argparse.Namespace, application: Application | None
) -> tuple[Transport, str, Application | None]:
    if args.url:
        from skill.settings import Settings

        skill_id = args.skill_id or Settings.from_env().skill_id or FALLBACK_APPLICATION_ID
        return HttpTransport(args.url), skill_id, None
    if application is None:
        from skill.bootstrap import build
        from skill.settings import Settings

        application = build(Settings.from_env())
    transport = InProcessTransport(application)
    return transport, args.skill_id or transport.application_id, application


def run(
    args: argparse.Namespace,
    *,
    application: Application | None = None,
    stdin: IO[str] | None = None,
    stdout: IO[str] | None = None,
) -> int:
    """Entry point for `ambient-shop simulate`; tests pass a wired application and streams."""
    out = stdout or sys.stdout
    scripts: list[Script] = []
    if args.script:
        try:
            scripts = load_scripts(args.script)
        except ScriptError as e:
            print(f"ambient-shop simulate: {e}", file=sys.stderr)
            return 2
    owned = application is None and not args.url
    transport, application_id, wired = _transport(args, application)
    try:
        if scripts:
            return _run_scripts(args, scripts, transport, application_id, out)
        return _interactive(args, transport, application_id, wired, stdin or sys.stdin, out)
    finally:
        if owned and wired is not None:
            wired.close()


def _run_scripts(
    args: argparse.Namespace,
    scripts: list[Script],
    transport: Transport,
    application_id: str,
    out: IO[str],
) -> int:
    reports = run_scripts(
        scripts,
        transport,
        application_id=application_id,
        device=args.device,
        shopper=args.shopper,
    )
    for report in reports:
        if args.verbose_scripts:
            for turn in report.turns:
                spoken = turn.result.speech if turn.result else "(no response)"
                print(f"  {turn.turn.number}. {turn.turn.describe()}\n     -> {spoken}", file=out)
        print(report.summary(), file=out)
    passed = sum(r.passed for r in reports)
    print(f"{passed}/{len(reports)} scripts passed ({transport.name})", file=out)
    return 0 if passed == len(reports) else 1


def _short(value: Any, limit: int = 80) -> str:
    text = json.dumps(value, default=str, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def format_result(result: StepResult, *, show_parse: bool) -> str:
    """The terminal view of one turn: speech, reprompt, card, screen, parse, state."""
    lines: list[str] = []
    slots = ", ".join(f"{k}={v!r}" for k, v in result.slots.items())
    routed = f"{result.sent}({slots})" if slots else result.sent
    lines.append(f"  sent     {routed}")
    lines.append(f"  alexa    {result.speech or '(silence)'}")
    if result.reprompt:
        lines.append(f"  reprompt {result.reprompt}")
    if result.card:
        lines.append(f"  card     [{result.card.get('title', '')}]")
        for text_line in str(result.card.get("text") or "").splitlines():
            lines.append(f"           {text_line}")
    if result.apl:
        lines.append(f"  screen   {result.apl_title or '(APL document)'}")
        for n, item in enumerate(result.apl_items, start=1):
            lines.append(f"           {n}. {item.get('title', '')} — {item.get('price', '')}")
    for text in result.texts:
        lines.append(f"  texted   {text}")
    if show_parse and result.parse is not None:
        parse = result.parse
        entities = "  ".join(f"{e.label}={_short(e.value, 40)}" for e in parse.entities)
        asks = f"  asks={','.join(parse.asks)}" if parse.asks else ""
        lines.append(f"  parse    {parse.intent} {parse.confidence:.2f}  {entities}{asks}".rstrip())
    state = result.state
    if state:
        summary = {
            "results": len(state.get("results") or []),
            "selected": state.get("selected"),
            "pending": state.get("pending") or {},
        }
        lines.append(f"  state    {_short(summary, 120)}")
    if result.end_session:
        lines.append("  (session ended; type to start a new one)")
    return "\n".join(lines)


def _slots_from(words: list[str]) -> dict[str, str]:
    slots: dict[str, str] = {}
    for word in words:
        name, sep, value = word.partition("=")
        if not sep or not name:
            raise ValueError(f"slots are name=value, got {word!r}")
        slots[name] = value
    return slots


def _command(
    line: str,
    session: SimulatorSession,
    application: Application | None,
    settings: dict[str, Any],
    out: IO[str],
) -> StepResult | None | bool:
    """Run a slash command; False means quit, True means handled with nothing to show."""
    try:
        words = shlex.split(line[1:])
    except ValueError as e:
        raise ValueError(f"cannot read that command: {e}") from e
    name, rest = (words[0].lower(), words[1:]) if words else ("help", [])
    if name in ("quit", "exit", "q"):
        return False
    if name == "help":
        print(INTERACTIVE_HELP, file=out)
        return True
    if name == "launch":
        return session.launch()
    if name == "end":
        result = session.end()
        if result is None:
            print("  (no open session)", file=out)
            return True
        return result
    if name == "intent":
        if not rest:
            raise ValueError("usage: /intent NAME [slot=value ...]")
        return session.intent(rest[0], _slots_from(rest[1:]))
    if name == "device":
        if len(rest) != 1:
            raise ValueError(f"usage: /device {'|'.join(DEVICES)}")
        session.switch_device(rest[0])
        print(f"  device: {session.device.label} (new session)", file=out)
        return True
    if name == "shopper":
        if len(rest) != 1:
            raise ValueError("usage: /shopper ID")
        session.switch_shopper(rest[0])
        print(f"  shopper: {session.shopper_id} (new session)", file=out)
        return True
    if name == "state":
        print(json.dumps(dict(session.state), indent=2, default=str), file=out)
        return True
    if name == "parse":
        settings["show_parse"] = not rest or rest[0].lower() in ("on", "1", "true", "yes")
        print(f"  parse: {'on' if settings['show_parse'] else 'off'}", file=out)
        return True
    if name == "outbox":
        if application is None:
            print("  the outbox is only visible in-process (without --url)", file=out)
            return True
        for message in application.outbox.messages(shopper_id=session.shopper_id, limit=10):
            print(f"  {message['created_at']}  {message['channel']}: {message['body']}", file=out)
        return True
    if name == "raw":
        last = session.last
        if last is None:
            print("  (nothing sent yet)", file=out)
        else:
            raw: Mapping[str, Any] = {"request": last.request, "response": last.response}
            print(json.dumps(raw, indent=2, default=str), file=out)
        return True
    raise ValueError(f"unknown command /{name}; type /help")


def _interactive(
    args: argparse.Namespace,
    transport: Transport,
    application_id: str,
    application: Application | None,
    stdin: IO[str],
    out: IO[str],
) -> int:
    session = SimulatorSession(
        transport,
        application_id=application_id,
        device=args.device,
        shopper_id=args.shopper,
    )
    settings: dict[str, Any] = {"show_parse": bool(args.show_parse)}
    interactive = stdin.isatty()
    if interactive:
        try:
            import readline  # noqa: F401 - line editing and history for input()
        except ImportError:
            pass
    target = getattr(transport, "url", "in-process")
    print(
        f"Ambient Shop simulator: {session.device.label}, shopper {session.shopper_id}, "
        f"skill {target}\nType what the shopper says; /help lists commands.",
        file=out,
    )
    pending: StepResult | None | bool = None
    try:
        pending = session.launch()
    except SimulatorError as e:
        print(f"  error: {e}", file=out)
    if isinstance(pending, StepResult):
        print(format_result(pending, show_parse=settings["show_parse"]), file=out)
    while True:
        if interactive:
            try:
                line = input("you> ")
            except EOFError:
                print(file=out)
                break
        else:
            raw_line = stdin.readline()
            if not raw_line:
                break
            line = raw_line.rstrip("\n")
            print(f"you> {line}", file=out)
        line = line.strip()
        if not line:
            continue
        try:
            if line.startswith("/"):
                outcome = _command(line, session, application, settings, out)
            else:
                outcome = session.say(line)
        except (SimulatorError, ValueError) as e:
            print(f"  error: {e}", file=out)
            continue
        if outcome is False:
            break
        if isinstance(outcome, StepResult):
            print(format_result(outcome, show_parse=settings["show_parse"]), file=out)
    try:
        session.end()
    except SimulatorError as e:
        print(f"  error: {e}", file=out)
    return 0
