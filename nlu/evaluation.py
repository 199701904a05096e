"""Scores the parser on JSONL files in the shared evaluation format, like `rasa test nlu`."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from nlu.contract import INTENTS, Parse
from nlu.errors import NluError


class _Parser(Protocol):
    def parse_many(self, texts: Iterable[str], *, batch_size: int = 256) -> Iterable[Parse]: ...


@dataclass(frozen=True, slots=True)
class GoldRow:
    text: str
    intent: str
    accept: tuple[str, ...]
    source: str
    entities: tuple[tuple[str, int, int], ...]
    has_entity_gold: bool


class EvalFileError(NluError, ValueError):
    """An evaluation file has a line that is not a usable JSON object."""


def read_rows(path: Path) -> list[GoldRow]:
    rows: list[GoldRow] = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
                intent = str(data["intent"])
                accept = tuple(str(a) for a in data.get("accept") or [intent])
                spans = tuple(
                    (str(e["label"]), int(e["start"]), int(e["end"]))
                    for e in data.get("entities") or []
                )
                rows.append(
                    GoldRow(
                        text=str(data["text"]),
                        intent=intent,
                        accept=accept,
                        source=str(data.get("source", "")),
                        entities=spans,
                        has_entity_gold="entities" in data,
                    )
                )
            except (ValueError, KeyError, TypeError) as e:
                raise EvalFileError(f"{path}:{number}: {e}") from e
    return rows


@dataclass
class Scores:
    """Counts for one file (or all of them together)."""

    name: str
    rows: int = 0
    correct: int = 0
    confusion: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    # per-intent counts under "accept" semantics
    tp: Counter[str] = field(default_factory=Counter)
    fp: Counter[str] = field(default_factory=Counter)
    fn: Counter[str] = field(default_factory=Counter)
    oos_rows: int = 0
    oos_false_triggers: int = 0
    entity_tp: Counter[str] = field(default_factory=Counter)
    entity_fp: Counter[str] = field(default_factory=Counter)
    entity_fn: Counter[str] = field(default_factory=Counter)
    errors: list[dict[str, Any]] = field(default_factory=list)

    def add(self, row: GoldRow, parse: Parse) -> None:
        self.rows += 1
        predicted = parse.intent
        ok = predicted in row.accept
        self.confusion[row.intent][predicted] += 1
        if ok:
            self.correct += 1
            self.tp[predicted] += 1
        else:
            self.fn[row.intent] += 1
            self.fp[predicted] += 1
            if len(self.errors) < 200:
                self.errors.append(
                    {
                        "text": row.text,
                        "gold": row.intent,
                        "predicted": predicted,
                        "confidence": round(parse.confidence, 3),
                    }
                )
        if row.intent == "out_of_scope":
            self.oos_rows += 1
            if predicted != "out_of_scope":
                self.oos_false_triggers += 1
        if row.entities:
            gold = set(row.entities)
            labels = {label for label, _, _ in gold}
            found = {(e.label, e.start, e.end) for e in parse.entities if e.label in labels}
            for span in found & gold:
                self.entity_tp[span[0]] += 1
            for span in found - gold:
                self.entity_fp[span[0]] += 1
            for span in gold - found:
                self.entity_fn[span[0]] += 1

    def merge(self, other: Scores) -> None:
        self.rows += other.rows
        self.correct += other.correct
        for gold, row in other.confusion.items():
            self.confusion[gold].update(row)
        for mine, theirs in (
            (self.tp, other.tp),
            (self.fp, other.fp),
            (self.fn, other.fn),
            (self.entity_tp, other.entity_tp),
            (self.entity_fp, other.entity_fp),
            (self.entity_fn, other.entity_fn),
        ):
            mine.update(theirs)
        self.oos_rows += other.oos_rows
        self.oos_false_triggers += other.oos_false_triggers

    def per_intent(self) -> dict[str, dict[str, float]]:
        report: dict[str, dict[str, float]] = {}
        support = Counter({gold: sum(row.values()) for gold, row in self.confusion.items()})
        for intent in INTENTS:
            tp, fp, fn = self.tp[intent], self.fp[intent], self.fn[intent]
            if not (tp or fp or fn or support[intent]):
                continue
            report[intent] = {**_prf(tp, fp, fn), "support": support[intent]}
        return report

    def to_dict(self) -> dict[str, Any]:
        entity = {
            label: {
                **_prf(self.entity_tp[label], self.entity_fp[label], self.entity_fn[label]),
                "support": self.entity_tp[label] + self.entity_fn[label],
            }
            for label in sorted(set(self.entity_tp) | set(self.entity_fn) | set(self.entity_fp))
        }
        return {
            "name": self.name,
            "rows": self.rows,
            "intent_accuracy": _ratio(self.correct, self.rows),
            "per_intent": self.per_intent(),
            "confusion": {g: dict(row) for g, row in sorted(self.confusion.items())},
            "out_of_scope": {
                "rows": self.oos_rows,
                "false_triggers": self.oos_false_triggers,
                "false_trigger_rate": _ratio(self.oos_false_triggers, self.oos_rows),
            },
            "entities": entity,
        }


def _ratio(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


def _prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}


def evaluate(parser: _Parser, paths: Sequence[Path]) -> tuple[list[Scores], Scores]:
    """Scores per file and for all files together."""
    per_file: list[Scores] = []
    total = Scores(name="all")
    for path in paths:
        rows = read_rows(path)
        scores = Scores(name=path.name)
        for row, parse in zip(rows, parser.parse_many(r.text for r in rows), strict=True):
            scores.add(row, parse)
        per_file.append(scores)
        total.merge(scores)
    return per_file, total


def render_table(scores: Scores, *, errors: int = 0) -> str:
    """A terminal report: headline numbers, per-intent table, confusions, entities."""
    data = scores.to_dict()
    lines = [f"== {data['name']}: {data['rows']} rows"]
    lines.append(f"intent accuracy      {_pct(data['intent_accuracy'])}")
    oos = data["out_of_scope"]
    if oos["rows"]:
        lines.append(
            f"out_of_scope false-trigger rate  {_pct(oos['false_trigger_rate'])} "
            f"({oos['false_triggers']}/{oos['rows']})"
        )
    lines.append("")
    lines.append(f"{'intent':<20}{'precision':>10}{'recall':>10}{'f1':>10}{'support':>10}")
    for intent, row in data["per_intent"].items():
        lines.append(
            f"{intent:<20}{row['precision']:>10.3f}{row['recall']:>10.3f}"
            f"{row['f1']:>10.3f}{int(row['support']):>10}"
        )
    confusions = [
        (count, gold, predicted)
        for gold, row in data["confusion"].items()
        for predicted, count in row.items()
        if predicted != gold
    ]
    if confusions:
        lines.append("")
        lines.append("most frequent confusions (gold -> predicted):")
        for count, gold, predicted in sorted(confusions, reverse=True)[:12]:
            lines.append(f"  {count:>5}  {gold} -> {predicted}")
    if data["entities"]:
        lines.append("")
        lines.append(f"{'entity':<20}{'precision':>10}{'recall':>10}{'f1':>10}{'support':>10}")
        for label, row in data["entities"].items():
            lines.append(
                f"{label:<20}{row['precision']:>10.3f}{row['recall']:>10.3f}"
                f"{row['f1']:>10.3f}{int(row['support']):>10}"
            )
    if errors and scores.errors:
        lines.append("")
        lines.append("errors:")
        for err in scores.errors[:errors]:
            lines.append(
                f"  {err['gold']} -> {err['predicted']} ({err['confidence']}): {err['text']}"
            )
    return "\n".join(lines)


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.2f}%"


def render_summary(per_file: Sequence[Scores]) -> str:
    """One line per file, and the out-of-scope rows of every file together."""
    lines = ["== summary", f"{'file':<28}{'rows':>7}{'accuracy':>11}{'OOS false triggers':>21}"]
    oos_rows = oos_false = 0
    for scores in per_file:
        data = scores.to_dict()
        oos = data["out_of_scope"]
        rate = f"{_pct(oos['false_trigger_rate'])} ({oos['false_triggers']}/{oos['rows']})"
        lines.append(
            f"{scores.name:<28}{scores.rows:>7}{_pct(data['intent_accuracy']):>11}"
            f"{rate if oos['rows'] else '':>21}"
        )
        oos_rows += scores.oos_rows
        oos_false += scores.oos_false_triggers
    if oos_rows:
        lines.append(
            f"{'out-of-scope rows, all files':<46}"
            f"{_pct(_ratio(oos_false, oos_rows))} ({oos_false}/{oos_rows})"
        )
    return "\n".join(lines)


class _Ablatable(_Parser, Protocol):
    @property
    def scope(self) -> Any: ...


def ablation(parser: _Ablatable, paths: Sequence[Path]) -> list[dict[str, Any]]:
    """The scope decision's signals switched off one at a time, then all of them."""
    from nlu.components.scope import SIGNALS

    settings: list[tuple[str, frozenset[str]]] = [("all signals", frozenset())]
    settings += [(f"without {signal}", frozenset({signal})) for signal in SIGNALS]
    settings.append(("text classifier alone", frozenset(SIGNALS)))
    scope = parser.scope
    before = scope.disabled
    rows: list[dict[str, Any]] = []
    try:
        for name, disabled in settings:
            scope.disabled = disabled
            per_file, total = evaluate(parser, paths)
            rows.append(
                {
                    "setting": name,
                    "files": {s.name: _ratio(s.correct, s.rows) for s in per_file},
                    "oos_false_trigger_rate": _ratio(total.oos_false_triggers, total.oos_rows),
                }
            )
    finally:
        scope.disabled = before
    return rows


def render_ablation(rows: list[dict[str, Any]]) -> str:
    """A markdown table: each setting's accuracy per file and its out-of-scope false triggers."""
    names = list(rows[0]["files"]) if rows else []
    head = "| setting | " + " | ".join(Path(n).stem for n in names) + " | OOS false triggers |"
    lines = ["== scope ablation", head, "|---" * (len(names) + 2) + "|"]
    for row in rows:
        cells = " | ".join(_pct(row["files"][n]) for n in names)
        lines.append(f"| {row['setting']} | {cells} | {_pct(row['oos_false_trigger_rate'])} |")
    return "\n".join(lines)
