"""Parser speed and accuracy beside a TF-IDF + logistic-regression baseline, in one run.

Usage: python benchmarks/nlu_bench.py [--model DIR] [--eval FILE.jsonl ...] [--json] [--no-write]
Measures single-call latency (median, p99) on a 25-word utterance, `nlp.pipe` throughput,
pipeline load time and peak memory, and intent accuracy of both classifiers on the same files.
Figures go to BENCHMARKS.md, section "NLU", unless --no-write.
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import resource
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_report import write_section  # noqa: E402

SECTION = "## NLU"
TARGET_P99_MS = 3.0
TARGET_PIPE_PER_S = 3000
TARGET_LOAD_S = 0.5

UTTERANCE = (
    "hi there i am looking for a navy wool coat under three hundred dollars and can you "
    "tell me if it is in stock downtown"
)  # 25 words
ROOT = Path(__file__).resolve().parents[1]
# the shared dev sets sit beside the project: ../shared/eval from its root
DEFAULT_EVAL = sorted((ROOT / ".." / "shared" / "eval").glob("*.jsonl"))
# what a shopper just heard: the context every grounded call below carries
LISTED = (
    ("Harbor Velvet Sofa", "sofa", "Navy", 899.0),
    ("Harbor Velvet Sofa", "sofa", "Emerald", 899.0),
    ("Linen Armchair", "armchair", "Oatmeal", 420.0),
    ("Oak Coffee Table", "coffee table", "Brown", 260.0),
    ("Wool Area Rug", "rug", "Grey", 310.0),
)


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _latency(call: Any, *, runs: int) -> dict[str, float]:
    for _ in range(50):
        call()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return {"median_ms": statistics.median(times), "p99_ms": times[int(len(times) * 0.99) - 1]}


def _grounded_latency(shop: Any, texts: list[str]) -> dict[str, float]:
    """Every text once (no cache hits), with listed items in the context and the catalog probe."""
    from nlu.contract import ListedItem, ParseContext

    context = ParseContext(
        items=tuple(
            ListedItem(i, f"p{i}", title, kind, color, price=price)
            for i, (title, kind, color, price) in enumerate(LISTED, start=1)
        ),
        last_intent="find_product",
    )
    times = []
    for text in texts:
        start = time.perf_counter()
        shop.parse(text, context)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return {
        "median_ms": statistics.median(times),
        "p99_ms": times[int(len(times) * 0.99) - 1],
        "calls": len(times),
    }


def _demo_grounding(tmp: Path) -> tuple[dict[str, list[str]], Any]:
    """The demo catalog's vocabulary and search probe, wired as skill.bootstrap wires them."""
    from catalog_adapter.demo import demo_catalog_url
    from catalog_adapter.registry import open_catalog
    from skill.bootstrap import catalog_probe

    catalog = open_catalog(demo_catalog_url(tmp))
    return catalog.vocabulary(), catalog_probe(catalog)


def _throughput(run_batch: Any, texts: list[str]) -> float:
    start = time.perf_counter()
    run_batch(texts)
    return len(texts) / (time.perf_counter() - start)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--eval", type=Path, nargs="*", default=None)
    parser.add_argument("--runs", type=int, default=2000)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--no-write", action="store_true", help="do not update BENCHMARKS.md")
    args = parser.parse_args()
    command = "python " + " ".join(["benchmarks/nlu_bench.py", *sys.argv[1:]])

    import spacy  # noqa: F401  (import cost is not pipeline load time)
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    import nlu
    from nlu import training
    from nlu.evaluation import read_rows

    gc.collect()
    start = time.perf_counter()
    shop = nlu.load(args.model)
    load_s = time.perf_counter() - start
    import tempfile

    vocabulary, probe = _demo_grounding(Path(tempfile.mkdtemp(prefix="nlu-bench-")))
    grounded = nlu.load(args.model, vocabulary=vocabulary, probe=probe)
    eval_paths = [p for p in (args.eval if args.eval is not None else DEFAULT_EVAL) if p.exists()]
    varied = list(dict.fromkeys(r.text for path in eval_paths for r in read_rows(path)[:400]))
    gc.freeze()  # long-lived model objects need no collection passes while measuring
    nlp = shop.nlp

    examples = training.expand()
    texts = [e.text for e in examples]
    labels = [e.intent for e in examples]
    start = time.perf_counter()
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1)
    baseline = LogisticRegression(max_iter=2000, C=10.0)
    baseline.fit(vectorizer.fit_transform(texts), labels)
    baseline_train_s = time.perf_counter() - start

    pipe_texts = [
        UTTERANCE,
        "where is my order 4 5 7 1 2",
        "the second one",
        "cheaper",
        "set an alarm for seven",
        "show me a blue velvet sofa under 800 dollars",
    ] * 1000
    results: dict[str, Any] = {
        "machine": f"{platform.processor() or platform.machine()}, {platform.system()}, "
        f"python {platform.python_version()}",
        "utterance_words": len(UTTERANCE.split()),
        "parser": {
            "load_s": round(load_s, 3),
            "parse": _latency(lambda: shop.parse(UTTERANCE), runs=args.runs),
            "grounded_parse": _grounded_latency(grounded, varied),
            "nlp_call": _latency(lambda: nlp(UTTERANCE), runs=args.runs),
            "pipe_per_s": round(
                _throughput(lambda b: list(nlp.pipe(b, batch_size=256)), pipe_texts)
            ),
            "parse_many_per_s": round(_throughput(lambda b: list(shop.parse_many(b)), pipe_texts)),
        },
        "baseline": {
            "train_s": round(baseline_train_s, 2),
            "predict": _latency(
                lambda: baseline.predict(vectorizer.transform([UTTERANCE])), runs=args.runs
            ),
            "batch_per_s": round(
                _throughput(lambda b: baseline.predict(vectorizer.transform(b)), pipe_texts)
            ),
        },
        "peak_rss_mb": round(_peak_mb(), 1),
        "accuracy": {},
    }
    for path in eval_paths:
        rows = read_rows(path)
        parsed = list(shop.parse_many(r.text for r in rows))
        predicted = baseline.predict(vectorizer.transform([r.text.lower() for r in rows]))
        oos = [i for i, r in enumerate(rows) if r.intent == "out_of_scope"]
        results["accuracy"][path.name] = {
            "rows": len(rows),
            "parser": round(
                sum(p.intent in r.accept for p, r in zip(parsed, rows, strict=True)) / len(rows), 4
            ),
            "baseline": round(
                sum(p in r.accept for p, r in zip(predicted, rows, strict=True)) / len(rows), 4
            ),
            "parser_oos_false_trigger": round(
                sum(parsed[i].intent != "out_of_scope" for i in oos) / len(oos), 4
            )
            if oos
            else None,
            "baseline_oos_false_trigger": round(
                sum(predicted[i] != "out_of_scope" for i in oos) / len(oos), 4
            )
            if oos
            else None,
        }
    if not args.no_write:
        write_section(SECTION, _section(results, command))
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    p, b = results["parser"], results["baseline"]
    print(f"machine: {results['machine']}")
    print(f"utterance: {results['utterance_words']} words; peak RSS {results['peak_rss_mb']} MB")
    print(f"{'':24}{'spaCy parser':>16}{'tfidf+logreg':>16}")
    print(f"{'load / train (s)':24}{p['load_s']:>16.3f}{b['train_s']:>16.2f}")
    print(
        f"{'single call median ms':24}{p['parse']['median_ms']:>16.3f}"
        f"{b['predict']['median_ms']:>16.3f}"
    )
    print(f"{'single call p99 ms':24}{p['parse']['p99_ms']:>16.3f}{b['predict']['p99_ms']:>16.3f}")
    g = p["grounded_parse"]
    print(
        f"{'grounded median/p99 ms':24}{g['median_ms']:>8.3f}/{g['p99_ms']:.3f} "
        f"({g['calls']} dev-set texts, context + demo catalog probe)"
    )
    print(f"{'batch utterances/s':24}{p['pipe_per_s']:>16}{b['batch_per_s']:>16}")
    print(f"{'parse_many utterances/s':24}{p['parse_many_per_s']:>16}")
    for name, acc in results["accuracy"].items():
        line = f"{name:24}{acc['parser']:>16.4f}{acc['baseline']:>16.4f}"
        if acc["parser_oos_false_trigger"] is not None:
            line += (
                f"   oos false trigger {acc['parser_oos_false_trigger']:.4f} vs "
                f"{acc['baseline_oos_false_trigger']:.4f}"
            )
        print(line)
    return 0


def _section(results: dict[str, Any], command: str) -> str:
    """The BENCHMARKS.md section: figures, the baseline from the same run, the targets."""
    p, b = results["parser"], results["baseline"]
    lines = [
        SECTION,
        "",
        f"Measured {time.strftime('%Y-%m-%d')} with `{command}` on {results['machine']} "
        "(run it under `taskset -c 0` for one core). A 25-word utterance; the baseline is "
        "scikit-learn TF-IDF (1-2 grams) + logistic regression trained on the same expanded "
        "training data in the same run. Peak RSS covers both models and scikit-learn.",
        "",
        "| | spaCy parser | TF-IDF + LR baseline |",
        "|---|---:|---:|",
        f"| load / train | {p['load_s']:.2f} s load | {b['train_s']:.1f} s train |",
        f"| single call median / p99 | {p['parse']['median_ms']:.2f} / "
        f"{p['parse']['p99_ms']:.2f} ms | {b['predict']['median_ms']:.2f} / "
        f"{b['predict']['p99_ms']:.2f} ms |",
        f"| grounded call median / p99 ({p['grounded_parse']['calls']:,} dev-set texts once "
        "each, 5 listed items in the context, demo catalog vocabulary and probe) | "
        f"{p['grounded_parse']['median_ms']:.2f} / {p['grounded_parse']['p99_ms']:.2f} ms | |",
        f"| batch throughput | {p['pipe_per_s']:,} utt/s (`nlp.pipe`), "
        f"{p['parse_many_per_s']:,} utt/s (`parse_many`) | {b['batch_per_s']:,} utt/s "
        "(intent only) |",
    ]
    for name, acc in results["accuracy"].items():
        row = f"| {name} accuracy | {acc['parser'] * 100:.1f}% | {acc['baseline'] * 100:.1f}% |"
        if acc["parser_oos_false_trigger"] is not None:
            row = (
                f"| {name} accuracy / OOS false triggers | {acc['parser'] * 100:.1f}% / "
                f"{acc['parser_oos_false_trigger'] * 100:.1f}% | {acc['baseline'] * 100:.1f}% / "
                f"{acc['baseline_oos_false_trigger'] * 100:.1f}% |"
            )
        lines.append(row)
    lines += [
        f"| peak RSS | {results['peak_rss_mb']:.0f} MB | |",
        "",
        "Targets:",
        f"- parse p99 <= {TARGET_P99_MS:g} ms: "
        f"{'met' if p['parse']['p99_ms'] <= TARGET_P99_MS else 'NOT met'} "
        f"({p['parse']['p99_ms']:.2f} ms)",
        f"- grounded parse p99 <= {TARGET_P99_MS:g} ms: "
        f"{'met' if p['grounded_parse']['p99_ms'] <= TARGET_P99_MS else 'NOT met'} "
        f"({p['grounded_parse']['p99_ms']:.2f} ms)",
        f"- >= {TARGET_PIPE_PER_S:,} utt/s through `nlp.pipe`: "
        f"{'met' if p['pipe_per_s'] >= TARGET_PIPE_PER_S else 'NOT met'} "
        f"({p['pipe_per_s']:,} utt/s)",
        f"- load <= {TARGET_LOAD_S:g} s: {'met' if p['load_s'] <= TARGET_LOAD_S else 'NOT met'} "
        f"({p['load_s']:.2f} s)",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
