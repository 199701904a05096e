"""Conversation scripts: YAML turns with expectations, replayed by the CLI and by pytest alike."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from skill.errors import AmbientShopError
from skill.simulator.envelopes import DEVICES, UtteranceResolver, new_shopper_id
from skill.simulator.session import (
    InProcessTransport,
    SimulatorError,
    SimulatorSession,
    StepResult,
    Transport,
)

ACTIONS = ("launch", "user", "intent", "end")
EXPECT_KEYS = frozenset(
    {
        "says",
        "says_any",
        "not_says",
        "reprompt",
        "card",
        "apl",
        "end_session",
        "intent",
        "state",
        "state_has",
        "sent",
        "texted",
    }
)
SCRIPT_KEYS = frozenset({"name", "device", "shopper", "description", "turns"})
TURN_KEYS = frozenset({*ACTIONS, "slots", "expect", "note"})


class _ScriptLoader(yaml.SafeLoader):
    """YAML 1.2 booleans: `user: yes` and `user: no` are words a shopper says, not true/false."""


_ScriptLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_ScriptLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def load_yaml(text: str) -> Any:
    """Read a script document the way its authors mean it (see `_ScriptLoader`)."""
    return yaml.load(text, Loader=_ScriptLoader)  # safe: a SafeLoader subclass


class ScriptError(AmbientShopError):
    """A conversation script is malformed: the message says which file, turn and key."""


@dataclass(frozen=True, slots=True)
class ScriptTurn:
    number: int
    action: str
    value: Any
    slots: Mapping[str, str] = field(default_factory=dict)
    expect: Mapping[str, Any] = field(default_factory=dict)

    def describe(self) -> str:
        if self.action == "launch":
            return "(launch)"
        if self.action == "end":
            return "(session ended)"
        if self.action == "intent":
            slots = f" {dict(self.slots)}" if self.slots else ""
            return f"[{self.value}]{slots}"
        return str(self.value)


@dataclass(frozen=True, slots=True)
class Script:
    name: str
    source: str
    turns: tuple[ScriptTurn, ...]
    # None: whatever the runner was asked for (the CLI's --device, else voice).
    device: str | None = None
    shopper: str | None = None


@dataclass(frozen=True, slots=True)
class Mismatch:
    """One failed expectation, with enough context to fix the script or the skill."""

    script: str
    turn: int
    utterance: str
    check: str
    expected: Any
    actual: Any
    said: str

    def __str__(self) -> str:
        return (
            f"{self.script}: turn {self.turn} ({self.utterance}): {self.check} expected "
            f"{_show(self.expected)}, got {_show(self.actual)}\n"
            f"    alexa said: {json.dumps(self.said, ensure_ascii=False)}"
        )


@dataclass(frozen=True, slots=True)
class TurnReport:
    turn: ScriptTurn
    result: StepResult | None
    mismatches: tuple[Mismatch, ...]


@dataclass(frozen=True, slots=True)
class ScriptReport:
    script: Script
    turns: tuple[TurnReport, ...]
    notes: tuple[str, ...] = ()
    error: str | None = None

    @property
    def mismatches(self) -> list[Mismatch]:
        return [m for t in self.turns for m in t.mismatches]

    @property
    def passed(self) -> bool:
        return self.error is None and not self.mismatches

    def summary(self) -> str:
        status = "PASS" if self.passed else "FAIL"
        lines = [f"{status} {self.script.name} ({len(self.turns)} turns, {self.script.source})"]
        lines += [f"  {m}" for m in self.mismatches]
        if self.error:
            lines.append(f"  {self.script.name}: stopped: {self.error}")
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)


def _show(value: Any) -> str:
    if isinstance(value, str):
        # "(not in the speech)" describes; anything else is a value and is quoted.
        return value if value.startswith("(") and value.endswith(")") else repr(value)
    return json.dumps(value, default=str, ensure_ascii=False)


def _strings(value: Any, *, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
        return tuple(str(v) for v in value)
    raise ScriptError(f"{where}: expected a string or a list of strings, got {value!r}")


def _parse_turn(raw: Any, number: int, where: str) -> ScriptTurn:
    here = f"{where}: turn {number}"
    if not isinstance(raw, Mapping):
        raise ScriptError(f"{here}: a turn is a mapping like {{user: ...}}, got {raw!r}")
    unknown = set(raw) - TURN_KEYS
    if unknown:
        raise ScriptError(f"{here}: unknown keys {sorted(unknown)} (allowed: {sorted(TURN_KEYS)})")
    actions = [a for a in ACTIONS if a in raw]
    if len(actions) != 1:
        raise ScriptError(f"{here}: give exactly one of {', '.join(ACTIONS)}")
    action = actions[0]
    value = raw[action]
    if action == "user" and isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)  # "user: 2" answers a question with a number
    if action in ("launch", "end") and value is not True:
        raise ScriptError(f"{here}: `{action}` takes `true`")
    if action in ("user", "intent") and (not isinstance(value, str) or not value.strip()):
        raise ScriptError(f"{here}: `{action}` needs non-empty text")
    slots = raw.get("slots") or {}
    if slots and action != "intent":
        raise ScriptError(f"{here}: `slots` only go with `intent`")
    if not isinstance(slots, Mapping) or not all(isinstance(k, str) for k in slots):
        raise ScriptError(f"{here}: `slots` must map slot names to values")
    expect = raw.get("expect") or {}
    if not isinstance(expect, Mapping):
        raise ScriptError(f"{here}: `expect` must be a mapping")
    unknown = set(expect) - EXPECT_KEYS
    if unknown:
        raise ScriptError(
            f"{here}: unknown expectations {sorted(unknown)} (allowed: {sorted(EXPECT_KEYS)})"
        )
    for key in ("says", "says_any", "not_says", "reprompt", "state_has", "texted"):
        if key in expect:
            _strings(expect[key], where=f"{here}: expect.{key}")
    for key in ("card", "apl", "end_session"):
        if key in expect and not isinstance(expect[key], bool):
            raise ScriptError(f"{here}: expect.{key} must be true or false")
    if "state" in expect and not isinstance(expect["state"], Mapping):
        raise ScriptError(f"{here}: expect.state must map state keys to values")
    return ScriptTurn(
        number=number,
        action=action,
        value=value.strip() if isinstance(value, str) else value,
        slots={str(k): str(v) for k, v in slots.items() if v is not None},
        expect=dict(expect),
    )


def parse_script(data: Any, *, source: str) -> Script:
    """Validate a loaded YAML document; every problem names the file and the turn."""
    if not isinstance(data, Mapping):
        raise ScriptError(f"{source}: a script is a mapping with `name` and `turns`")
    unknown = set(data) - SCRIPT_KEYS
    if unknown:
        raise ScriptError(
            f"{source}: unknown keys {sorted(unknown)} (allowed: {sorted(SCRIPT_KEYS)})"
        )
    turns = data.get("turns")
    if not isinstance(turns, list) or not turns:
        raise ScriptError(f"{source}: `turns` must be a non-empty list")
    device = data.get("device")
    if device is not None and device not in DEVICES:
        raise ScriptError(f"{source}: device {device!r} is not one of {sorted(DEVICES)}")
    shopper = data.get("shopper")
    if shopper is not None and (not isinstance(shopper, str) or not shopper.strip()):
        raise ScriptError(f"{source}: `shopper` must be a non-empty string")
    name = data.get("name") or Path(source).stem
    return Script(
        name=str(name),
        source=source,
        turns=tuple(_parse_turn(t, i, source) for i, t in enumerate(turns, start=1)),
        device=device,
        shopper=shopper.strip() if shopper else None,
    )


def load_script(path: Path | str) -> Script:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise ScriptError(f"{path}: cannot read: {e.strerror or e}") from e
    try:
        data = load_yaml(text)
    except yaml.YAMLError as e:
        raise ScriptError(f"{path}: not valid YAML: {e}") from e
    return parse_script(data, source=str(path))


def load_scripts(paths: Sequence[Path | str]) -> list[Script]:
    """Files and directories (every *.yaml / *.yml inside, sorted) in the order given."""
    scripts: list[Script] = []
    for entry in paths:
        path = Path(entry)
        if path.is_dir():
            found = sorted([*path.glob("*.yaml"), *path.glob("*.yml")])
            if not found:
                raise ScriptError(f"{path}: no *.yaml scripts in this directory")
            scripts.extend(load_script(p) for p in found)
        else:
            scripts.append(load_script(path))
    return scripts


def _contains(haystack: str, needle: str) -> bool:
    return needle.lower() in haystack.lower()


def check_turn(
    turn: ScriptTurn, result: StepResult, *, script: str, in_process: bool
) -> tuple[list[Mismatch], list[str]]:
    """Compare one result with the turn's expectations; returns mismatches and notes."""
    expect = turn.expect
    misses: list[Mismatch] = []
    notes: list[str] = []

    def miss(check: str, expected: Any, actual: Any) -> None:
        misses.append(
            Mismatch(script, turn.number, turn.describe(), check, expected, actual, result.speech)
        )

    for needle in _strings(expect.get("says", []), where="says"):
        if not _contains(result.speech, needle):
            miss("says", needle, "(not in the speech)")
    if "says_any" in expect:
        options = _strings(expect["says_any"], where="says_any")
        if not any(_contains(result.speech, o) for o in options):
            miss("says_any", list(options), "(none of them in the speech)")
    for needle in _strings(expect.get("not_says", []), where="not_says"):
        if _contains(result.speech, needle):
            miss("not_says", needle, "(found in the speech)")
    for needle in _strings(expect.get("reprompt", []), where="reprompt"):
        if not _contains(result.reprompt, needle):
            miss("reprompt", needle, result.reprompt or "(no reprompt)")
    if "card" in expect and (result.card is not None) != expect["card"]:
        miss("card", expect["card"], result.card is not None)
    if "apl" in expect and result.apl != expect["apl"]:
        miss("apl", expect["apl"], result.apl)
    if "end_session" in expect and result.end_session != expect["end_session"]:
        miss("end_session", expect["end_session"], result.end_session)
    if "sent" in expect and result.sent != expect["sent"]:
        miss("sent", expect["sent"], result.sent)
    if "texted" in expect:
        if in_process:
            texts = " | ".join(result.texts)
            for needle in _strings(expect["texted"], where="texted"):
                if not _contains(texts, needle):
                    miss("texted", needle, texts or "(no text sent)")
        else:
            notes.append(f"turn {turn.number}: `texted` not checked over --url (no outbox there)")
    if "intent" in expect:
        if result.parse is not None:
            if result.parse.intent != expect["intent"]:
                miss("intent", expect["intent"], result.parse.intent)
        elif in_process:
            miss("intent", expect["intent"], "(no parse)")
        else:
            notes.append(f"turn {turn.number}: `intent` not checked over --url (no parse there)")
    state = result.state
    for key, wanted in (expect.get("state") or {}).items():
        if key not in state and wanted is not None:
            miss(f"state.{key}", wanted, "(absent)")
        elif _normal(state.get(key)) != _normal(wanted):
            miss(f"state.{key}", wanted, state.get(key))
    for key in _strings(expect.get("state_has", []), where="state_has"):
        if not state.get(key):
            miss(f"state_has.{key}", "(non-empty)", state.get(key))
    return misses, notes


def _normal(value: Any) -> Any:
    """Compare YAML values with echoed JSON: tuples and lists alike, mappings by content."""
    return json.loads(json.dumps(value, default=str))


def _play(session: SimulatorSession, turn: ScriptTurn) -> StepResult | None:
    if turn.action == "launch":
        return session.launch()
    if turn.action == "end":
        return session.end()
    if turn.action == "intent":
        return session.intent(turn.value, turn.slots)
    return session.say(turn.value)


SessionFactory = Callable[[Script], SimulatorSession]


def run_script(script: Script, session_for: SessionFactory, *, in_process: bool) -> ScriptReport:
    """Replay every turn; keep going after a mismatch so one run shows every problem."""
    session = session_for(script)
    reports: list[TurnReport] = []
    notes: list[str] = []
    for turn in script.turns:
        try:
            result = _play(session, turn)
        except (SimulatorError, ValueError) as e:
            reports.append(TurnReport(turn, None, ()))
            return ScriptReport(
                script, tuple(reports), tuple(notes), error=f"turn {turn.number}: {e}"
            )
        if result is None:
            if turn.expect:
                miss = Mismatch(
                    script.name, turn.number, turn.describe(), "session", "open", "closed", ""
                )
                reports.append(TurnReport(turn, None, (miss,)))
            else:
                reports.append(TurnReport(turn, None, ()))
            continue
        misses, turn_notes = check_turn(turn, result, script=script.name, in_process=in_process)
        notes.extend(turn_notes)
        reports.append(TurnReport(turn, result, tuple(misses)))
    return ScriptReport(script, tuple(reports), tuple(notes))


def default_shopper(script: Script) -> str:
    """The script's own shopper, or a fresh id so scripts never share a history."""
    return script.shopper or new_shopper_id("script")


def run_scripts(
    scripts: Sequence[Script],
    transport: Transport,
    *,
    application_id: str,
    device: str = "voice",
    shopper: str | None = None,
) -> list[ScriptReport]:
    """Replay scripts, each in its own session; a script's own device and shopper come first."""
    resolver = UtteranceResolver()

    def session_for(script: Script) -> SimulatorSession:
        return SimulatorSession(
            transport,
            application_id=application_id,
            device=script.device or device,
            shopper_id=script.shopper or shopper or default_shopper(script),
            resolver=resolver,
        )

    in_process = isinstance(transport, InProcessTransport)
    return [run_script(script, session_for, in_process=in_process) for script in scripts]
