"""`ambient-shop nlu train | parse | eval`; also runnable as `python -m nlu.cli`."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

from nlu.contract import ParseContext
from nlu.errors import NluError

# The project's dev sets, as seen from its root (a sibling folder shared by every checkout).
DEFAULT_EVAL_DIR = Path("../shared/eval")
# url (None: the default catalog) -> the catalog's vocabulary and a probe of its search index
Grounding = Callable[[str | None], tuple[dict[str, list[str]], Callable[[str], bool]]]


def register_cli(
    subparsers: argparse._SubParsersAction,  # type: ignore[type-arg]
    *,
    grounding: Grounding | None = None,
) -> None:
    """Adds the `nlu` command group; `grounding` opens a catalog (the caller owns catalogs)."""
    nlu = subparsers.add_parser("nlu", help="train, run and evaluate the shopping-language parser")
    commands = nlu.add_subparsers(dest="nlu_command", required=True)

    train = commands.add_parser("train", help="train the pipeline on nlu/data/ (offline)")
    train.add_argument(
        "--if-stale", action="store_true", help="do nothing when the model already matches the data"
    )
    train.add_argument(
        "--output",
        type=Path,
        default=None,
        help="where to write the pipeline (default: nlu/model/)",
    )
    train.add_argument("--architecture", choices=("bow", "ensemble"), default="bow")
    train.add_argument("--seed", type=int, default=None)
    train.add_argument("--epochs", type=int, default=None)
    train.add_argument(
        "--holdout",
        action="store_true",
        help="keep 15%% of templates out and write them to OUTPUT/heldout.jsonl",
    )
    train.set_defaults(handler=_train, run=run)

    parse = commands.add_parser("parse", help="one utterance a line in, one Parse JSON a line out")
    parse.add_argument("--model", type=Path, default=None)
    parse.add_argument(
        "--vocabulary",
        type=Path,
        default=None,
        help='JSON file of catalog names: {"brands": [...], "people": [...]}',
    )
    parse.add_argument(
        "--context",
        type=Path,
        default=None,
        help="JSON file of a parse context (listed items, selected, last_intent, routing)",
    )
    parse.set_defaults(handler=_parse, run=run)

    evaluate = commands.add_parser(
        "eval",
        help="score the parser on JSONL evaluation files (default: every file in ../shared/eval)",
    )
    evaluate.add_argument("files", nargs="*", type=Path)
    evaluate.add_argument("--model", type=Path, default=None)
    evaluate.add_argument("--json", action="store_true", help="machine-readable output")
    evaluate.add_argument(
        "--errors", type=int, default=0, help="also list this many misclassified rows per file"
    )
    evaluate.add_argument(
        "--ablation",
        action="store_true",
        help="also score with each scope signal switched off (lexicon, catalog, probe, ...)",
    )
    if grounding is not None:
        evaluate.add_argument(
            "--catalog",
            nargs="?",
            const="",
            default=None,
            metavar="URL",
            help="ground the scope decision in a catalog (no URL: the configured or demo one)",
        )
    evaluate.set_defaults(handler=_eval, run=run, grounding=grounding)


def _train(args: argparse.Namespace, out: TextIO) -> int:
    from nlu import training

    output = args.output or training.MODEL_DIR
    if args.if_stale and not training.is_stale(output):
        print(f"nlu model is up to date ({output})", file=out)
        return 0
    training.train(
        output=output,
        architecture=args.architecture,
        seed=args.seed,
        epochs=args.epochs,
        holdout=args.holdout,
        log=lambda line: print(line, file=sys.stderr),
    )
    return 0


def _read_vocabulary(path: Path | None) -> dict[str, list[str]] | None:
    if path is None:
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise NluError(f"cannot read vocabulary {path}: {e}") from e
    if not isinstance(data, dict):
        raise NluError(f"vocabulary {path} must be a JSON object of name lists")
    return {
        str(k): [str(v) for v in values] for k, values in data.items() if isinstance(values, list)
    }


def _read_context(path: Path | None) -> ParseContext | None:
    if path is None:
        return None
    try:
        return ParseContext.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError) as e:
        raise NluError(f"cannot read context {path}: {e}") from e


def _parse(args: argparse.Namespace, out: TextIO) -> int:
    import nlu

    parser = nlu.load(args.model, vocabulary=_read_vocabulary(args.vocabulary))
    context = _read_context(args.context)
    lines = (line.rstrip("\r\n") for line in sys.stdin)
    # one line in, one line out, flushed, so callers can talk to it through a pipe
    batch_size = 1 if sys.stdin.isatty() else 64
    for parse in parser.parse_many(lines, batch_size=batch_size, context=context):
        out.write(json.dumps(parse.to_dict(), ensure_ascii=False) + "\n")
        out.flush()
    return 0


def _eval(args: argparse.Namespace, out: TextIO) -> int:
    import nlu
    from nlu.evaluation import ablation, evaluate, render_ablation, render_summary, render_table

    files = list(args.files) or sorted(DEFAULT_EVAL_DIR.glob("*.jsonl"))
    if not files:
        raise NluError(f"no evaluation files given and none in {DEFAULT_EVAL_DIR}")
    missing = [str(p) for p in files if not p.is_file()]
    if missing:
        raise NluError(f"no such evaluation file: {', '.join(missing)}")
    vocabulary, probe = None, None
    if getattr(args, "catalog", None) is not None and args.grounding is not None:
        vocabulary, probe = args.grounding(args.catalog or None)
    parser = nlu.load(args.model, vocabulary=vocabulary, probe=probe)
    per_file, total = evaluate(parser, files)
    table = ablation(parser, files) if args.ablation else None
    if args.json:
        report = {"files": [s.to_dict() for s in per_file], "total": total.to_dict()}
        if table is not None:
            report["ablation"] = table
        out.write(json.dumps(report, indent=2) + "\n")
        return 0
    blocks = [render_table(s, errors=args.errors) for s in per_file]
    if len(per_file) > 1:
        blocks.append(render_table(total))
    blocks.append(render_summary(per_file))
    if table is not None:
        blocks.append(render_ablation(table))
    out.write("\n\n".join(blocks) + "\n")
    return 0


def run(args: argparse.Namespace, *, out: TextIO | None = None) -> int:
    """Runs a parsed `nlu` command; its NluError reaches the caller, as every command's error."""
    return int(args.handler(args, out or sys.stdout))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ambient-shop")
    register_cli(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["nlu", *(argv if argv is not None else sys.argv[1:])])
    try:
        return run(args)
    except NluError as e:
        print(f"ambient-shop: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
