"""Writes one benchmark's section of BENCHMARKS.md, leaving the others as they are."""

from __future__ import annotations

from pathlib import Path
from typing import Any

BENCHMARKS_MD = Path(__file__).resolve().parents[1] / "BENCHMARKS.md"


def write_section(heading: str, text: str, path: Path = BENCHMARKS_MD) -> None:
    """Replace the section whose heading line is `heading` (e.g. "## Catalog") with `text`."""
    current = path.read_text(encoding="utf-8") if path.is_file() else "# Benchmarks\n"
    lines = current.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if line.strip() == heading), None)
    if start is None:
        body = current.rstrip("\n") + "\n\n" + text
    else:
        end = next(
            (i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines)
        )
        tail = "".join(lines[end:])
        body = "".join(lines[:start]) + text + ("\n" + tail if tail else "")
    path.write_text(body, encoding="utf-8")


def latency_table(cases: list[dict[str, Any]]) -> list[str]:
    """Markdown rows for cases with median_ms and p99_ms; the first case is the baseline."""
    baseline = cases[0]["median_ms"] if cases else 0.0
    lines = ["| request | median | p99 | median vs. baseline |", "|---|---:|---:|---:|"]
    for case in cases:
        ratio = case["median_ms"] / baseline if baseline else float("nan")
        lines.append(
            f"| {case['case']} | {case['median_ms']:.2f} ms | {case['p99_ms']:.2f} ms | "
            f"{ratio:.1f}x |"
        )
    return lines
