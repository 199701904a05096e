"""Expands nlu/data/ into examples and trains the pipeline: fixed seed, offline, reproducible."""

from __future__ import annotations

import hashlib
import json
import random
import re
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import srsly

from nlu.contract import INTENTS
from nlu.errors import TrainingDataError

PACKAGE = Path(__file__).resolve().parent
DATA_DIR = PACKAGE / "data"
CONFIG_PATH = PACKAGE / "config.cfg"
MODEL_DIR = PACKAGE / "model"
HELDOUT_NAME = "heldout.jsonl"
# Bump when the expansion below changes what the same data files produce.
GENERATOR_VERSION = 4
# Share of templates kept out of training to measure generalisation.
HELDOUT_PERCENT = 15
TASK_FRAMES_PER_TASK = 10
TOPIC_FRAMES_PER_TOPIC = 5
# Share of generated requests that get an opener ("hi, quick question") or a closer ("thanks in
# advance", "what should i do") from frames.yml, so long chatty messages read like short ones.
WRAP_PERCENT = 30

ENSEMBLE_MODEL: dict[str, Any] = {
    "@architectures": "spacy.TextCatEnsemble.v2",
    "nO": None,
    "linear_model": {
        "@architectures": "ambient_shop.TextCatBOW.v1",
        "exclusive_classes": True,
        "ngram_size": 2,
        "no_output_layer": False,
        "attr": "NORM",
        "length": 65536,
        "nO": None,
    },
    "tok2vec": {
        "@architectures": "spacy.Tok2Vec.v2",
        "embed": {
            "@architectures": "spacy.MultiHashEmbed.v2",
            "width": 64,
            "attrs": ["NORM", "PREFIX", "SUFFIX", "SHAPE"],
            "rows": [2000, 1000, 1000, 500],
            "include_static_vectors": False,
        },
        "encode": {
            "@architectures": "spacy.MaxoutWindowEncoder.v2",
            "width": 64,
            "window_size": 1,
            "maxout_pieces": 3,
            "depth": 2,
        },
    },
}


@dataclass(frozen=True, slots=True)
class Example:
    """One training or held-out utterance and the template it came from."""

    text: str
    intent: str
    template: str


# ---------------------------------------------------------------- template language


_Node = list[Any]  # sequence of str | ("alt", [seq...]) | ("opt", seq) | ("slot", name)
_TOKEN = re.compile(r"[(){}\[\]|]|[^(){}\[\]|]+")


def _parse_template(template: str) -> _Node:
    tokens = _TOKEN.findall(template)
    pos = 0

    def sequence(stops: str) -> _Node:
        nonlocal pos
        seq: _Node = []
        while pos < len(tokens) and tokens[pos] not in stops:
            tok = tokens[pos]
            pos += 1
            if tok == "(":
                alts = [sequence("|)")]
                while pos < len(tokens) and tokens[pos] == "|":
                    pos += 1
                    alts.append(sequence("|)"))
                _expect(")")
                seq.append(("alt", alts))
            elif tok == "[":
                options = [sequence("|]")]
                while pos < len(tokens) and tokens[pos] == "|":
                    pos += 1
                    options.append(sequence("|]"))
                _expect("]")
                seq.append(("opt", [("alt", options)]))
            elif tok == "{":
                name = tokens[pos] if pos < len(tokens) else ""
                pos += 1
                _expect("}")
                seq.append(("slot", name.strip()))
            elif tok in ")]}|":
                raise TrainingDataError(f"unbalanced {tok!r} in template {template!r}")
            else:
                seq.append(tok)
        return seq

    def _expect(char: str) -> None:
        nonlocal pos
        if pos >= len(tokens) or tokens[pos] != char:
            raise TrainingDataError(f"expected {char!r} in template {template!r}")
        pos += 1

    tree = sequence("")
    if pos != len(tokens):
        raise TrainingDataError(f"unbalanced template {template!r}")
    return tree


class Expander:
    """Renders templates with random slot fillers; one seeded generator for reproducibility."""

    def __init__(self, slots: dict[str, list[str]], rng: random.Random) -> None:
        self.slots = slots
        self.rng = rng
        self._cache: dict[str, _Node] = {}
        self.generated: dict[str, Callable[[random.Random], str]] = {
            "order_id": _order_id,
            "amount": _amount,
            "qty": _quantity,
        }

    def render(self, template: str) -> str:
        text = self._render_seq(self._tree(template), depth=0)
        return " ".join(text.split())

    def _tree(self, template: str) -> _Node:
        tree = self._cache.get(template)
        if tree is None:
            tree = self._cache[template] = _parse_template(template)
        return tree

    def _render_seq(self, seq: _Node, *, depth: int) -> str:
        if depth > 8:
            raise TrainingDataError("slots refer to each other in a loop")
        out: list[str] = []
        for node in seq:
            if isinstance(node, str):
                out.append(node)
            elif node[0] == "alt":
                out.append(self._render_seq(self.rng.choice(node[1]), depth=depth))
            elif node[0] == "opt":
                if self.rng.random() < 0.5:
                    out.append(self._render_seq(node[1], depth=depth))
            else:
                out.append(self._slot(node[1], depth=depth))
        return "".join(out)

    def _slot(self, name: str, *, depth: int) -> str:
        if name in self.generated:
            return self.generated[name](self.rng)
        values = self.slots.get(name)
        if not values:
            raise TrainingDataError(f"unknown slot {{{name}}}")
        return self._render_seq(self._tree(str(self.rng.choice(values))), depth=depth + 1)


_DIGIT_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def _order_id(rng: random.Random) -> str:
    digits = "".join(rng.choice("0123456789") for _ in range(rng.choice((5, 6, 8, 9, 10, 11, 12))))
    style = rng.random()
    if style < 0.5:
        return digits
    if style < 0.7:
        return " ".join(digits[:6])
    if style < 0.85:
        return " ".join(_DIGIT_WORDS[int(d)] for d in digits[:5])
    prefix = rng.choice(("ord", "a", "us", "web", "po"))
    return f"{prefix}-{digits[:7]}" if rng.random() < 0.5 else f"{prefix}{digits[:7]}"


_AMOUNTS = (
    "fifty",
    "a hundred",
    "one hundred",
    "two hundred",
    "two fifty",
    "three hundred",
    "five hundred",
    "eight hundred",
    "a thousand",
    "twelve hundred",
    "two thousand",
    "forty",
    "seventy five",
    "sixty",
    "thirty",
    "twenty",
    "one fifty",
    "nine ninety nine",
    "1.5k",
    "2k",
)


def _amount(rng: random.Random) -> str:
    if rng.random() < 0.5:
        return rng.choice(_AMOUNTS)
    return str(
        rng.choice(
            (
                20,
                25,
                30,
                40,
                50,
                60,
                75,
                80,
                99,
                100,
                120,
                150,
                200,
                250,
                300,
                400,
                500,
                600,
                750,
                800,
                1000,
                1200,
                1500,
                2000,
            )
        )
    )


def _quantity(rng: random.Random) -> str:
    return rng.choice(("two", "three", "four", "2", "3", "5", "a couple of", "six", "ten", "one"))


# ---------------------------------------------------------------- data files


def data_files(data_dir: Path = DATA_DIR) -> list[Path]:
    return sorted(p for p in data_dir.glob("*.yml") if p.is_file())


def data_hash(data_dir: Path = DATA_DIR, config_path: Path = CONFIG_PATH) -> str:
    """Fingerprint of everything that decides the trained model."""
    digest = hashlib.sha256(f"generator={GENERATOR_VERSION}\n".encode())
    for path in [*data_files(data_dir), config_path]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _read(path: Path) -> dict[str, Any]:
    try:
        data = srsly.read_yaml(path)
    except Exception as e:  # ruamel raises many types; all mean "this file is broken"
        raise TrainingDataError(f"{path.name}: cannot read YAML: {e}") from e
    if not isinstance(data, dict):
        raise TrainingDataError(f"{path.name}: expected a mapping at the top level")
    return data


def expand(*, data_dir: Path = DATA_DIR, seed: int = 7) -> list[Example]:
    """Every utterance the data files describe, deterministic for a given seed."""
    rng = random.Random(seed)
    slots: dict[str, list[str]] = {}
    frames: dict[str, list[str]] = {
        "task_frames": [],
        "topic_frames": [],
        "openers": [],
        "closers": [],
    }
    intents: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for path in data_files(data_dir):
        data = _read(path)
        for name, values in (data.get("slots") or {}).items():
            slots.setdefault(str(name), []).extend(str(v) for v in values)
        for key in frames:
            frames[key].extend(str(v) for v in data.get(key) or ())
        for intent, spec in (data.get("intents") or {}).items():
            if intent not in INTENTS:
                raise TrainingDataError(f"{path.name}: unknown intent {intent!r}")
            intents.setdefault(intent, []).append((path.name, spec or {}))
    expander = Expander(slots, rng)
    examples: list[Example] = []
    for intent in sorted(intents):
        for filename, spec in intents[intent]:
            start = len(examples)
            samples = int(spec.get("samples", 3))
            for template in spec.get("examples") or ():
                examples.extend(_many(expander, intent, str(template), str(template), samples))
            per_task = int(spec.get("frames_per_task", TASK_FRAMES_PER_TASK))
            per_topic = int(spec.get("frames_per_topic", TOPIC_FRAMES_PER_TOPIC))
            for task in spec.get("tasks") or ():
                for frame in rng.sample(frames["task_frames"], per_task):
                    examples.extend(
                        _many(expander, intent, frame.replace("{task}", str(task)), str(task), 1)
                    )
            for topic in spec.get("topics") or ():
                for frame in rng.sample(frames["topic_frames"], per_topic):
                    template = frame.replace("{topic}", str(topic))
                    examples.extend(_many(expander, intent, template, str(topic), 1))
            if not any(spec.get(k) for k in ("examples", "tasks", "topics")):
                raise TrainingDataError(f"{filename}: intent {intent!r} has no examples")
            if spec.get("wrap", True):
                examples[start:] = _wrap(examples[start:], frames, expander)
    return _dedupe(examples)


def _wrap(
    examples: list[Example], frames: dict[str, list[str]], expander: Expander
) -> list[Example]:
    """Adds an opener or a closer to some requests; every intent gets the same ones."""
    openers, closers = frames["openers"], frames["closers"]
    if not (openers or closers):
        return examples
    rng = expander.rng
    wrapped: list[Example] = []
    for ex in examples:
        roll = rng.random() * 100
        text = ex.text
        if roll < WRAP_PERCENT / 2 and openers:
            text = f"{expander.render(rng.choice(openers))} {text}"
        elif roll < WRAP_PERCENT and closers:
            text = f"{text.rstrip('?.')} {expander.render(rng.choice(closers))}"
        wrapped.append(Example(text=text, intent=ex.intent, template=ex.template))
    return wrapped


def _many(
    expander: Expander, intent: str, template: str, source: str, samples: int
) -> Iterable[Example]:
    seen: set[str] = set()
    for _ in range(samples * 2):
        if len(seen) >= samples:
            break
        try:
            text = expander.render(template)
        except TrainingDataError as e:
            raise TrainingDataError(f"{intent}: {template!r}: {e}") from e
        text = _punctuate(text, expander.rng)
        if text and text not in seen:
            seen.add(text)
            yield Example(text=text, intent=intent, template=source)


_QUESTION_START = re.compile(
    r"^(what|where|when|how|is|are|can|could|do|does|did|will|would|which|who|why)\b"
)


def _punctuate(text: str, rng: random.Random) -> str:
    """Chat adds punctuation that speech lacks; train on both."""
    roll = rng.random()
    if _QUESTION_START.match(text) and roll < 0.25:
        return text + "?"
    if roll < 0.06:
        return text + "."
    if roll < 0.09 and " " in text:
        head, _, tail = text.partition(" ")
        if head in ("hi", "hello", "hey", "okay", "ok", "so", "well", "yeah", "alexa"):
            return f"{head}, {tail}"
    return text


def _dedupe(examples: list[Example]) -> list[Example]:
    """Drops texts that two intents both claim: the data must not contradict itself."""
    labels: dict[str, set[str]] = {}
    for ex in examples:
        labels.setdefault(ex.text, set()).add(ex.intent)
    kept: list[Example] = []
    seen: set[str] = set()
    for ex in examples:
        if len(labels[ex.text]) > 1 or ex.text in seen:
            continue
        seen.add(ex.text)
        kept.append(ex)
    return kept


def conflicts(examples_before_dedupe: Sequence[Example]) -> dict[str, set[str]]:
    labels: dict[str, set[str]] = {}
    for ex in examples_before_dedupe:
        labels.setdefault(ex.text, set()).add(ex.intent)
    return {text: intents for text, intents in labels.items() if len(intents) > 1}


def split(examples: Sequence[Example]) -> tuple[list[Example], list[Example]]:
    """Held out by template, so the test split holds phrasings training never saw."""
    train: list[Example] = []
    test: list[Example] = []
    for ex in examples:
        key = hashlib.sha1(f"{ex.intent}\0{ex.template}".encode()).digest()
        (test if key[0] * 100 // 256 < HELDOUT_PERCENT else train).append(ex)
    return train, test


# ---------------------------------------------------------------- training


@dataclass(frozen=True, slots=True)
class TrainReport:
    output: Path
    architecture: str
    train_examples: int
    heldout_examples: int
    seconds: float
    per_intent: dict[str, int]


def is_stale(model_dir: Path = MODEL_DIR) -> bool:
    """True when the committed model was not trained on the current data and config."""
    meta_path = model_dir / "meta.json"
    if not meta_path.exists():
        return True
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    info = meta.get("ambient_shop", {})
    return info.get("data_hash") != data_hash() or bool(info.get("holdout"))


def train(
    *,
    output: Path = MODEL_DIR,
    architecture: str = "bow",
    seed: int | None = None,
    epochs: int | None = None,
    holdout: bool = False,
    log: Callable[[str], None] = print,
) -> TrainReport:
    """Trains the textcat and writes the whole pipeline to `output`.

    The shipped model learns from every template; with `holdout` it learns from 85% of them
    and writes the rest to `output/heldout.jsonl`, which is how generalisation is measured.
    """
    import spacy
    from spacy.training import Example as SpacyExample
    from spacy.util import fix_random_seed, load_config, load_model_from_config, minibatch

    started = time.perf_counter()
    config = load_config(CONFIG_PATH, interpolate=True)
    if architecture == "ensemble":
        config["components"]["textcat"]["model"] = ENSEMBLE_MODEL
    elif architecture != "bow":
        raise TrainingDataError(f"unknown architecture {architecture!r} (bow or ensemble)")
    training = config["training"]
    seed = int(training["seed"]) if seed is None else seed
    epochs = int(training["max_epochs"]) if epochs is None else epochs
    fix_random_seed(seed)
    examples = expand(seed=seed)
    train_set, heldout = split(examples) if holdout else (list(examples), [])
    log(f"{len(examples)} examples: {len(train_set)} train, {len(heldout)} held out")

    nlp = load_model_from_config(config, auto_fill=True, validate=True)
    textcat = nlp.get_pipe("textcat")
    for label in INTENTS:
        textcat.add_label(label)

    known = {t.lower_ for ex in train_set for t in nlp.make_doc(ex.text) if t.is_alpha}
    nlp.get_pipe("shop_normalizer").set_known_words(known)  # type: ignore[attr-defined]
    nlp.get_pipe("shop_gazetteer").known_words = frozenset(known)  # type: ignore[attr-defined]
    before_textcat = [proc for name, proc in nlp.pipeline[: nlp.pipe_names.index("textcat")]]

    def to_example(ex: Example) -> SpacyExample:
        # the classifier learns from the same NORMs the rule components write at parse time
        doc = nlp.make_doc(ex.text)
        for proc in before_textcat:
            doc = proc(doc)
        cats = {label: float(label == ex.intent) for label in INTENTS}
        return SpacyExample.from_dict(doc, {"cats": cats})

    gold = [to_example(ex) for ex in train_set]
    optimizer = spacy.registry.resolve({"o": training["optimizer"]})["o"]
    nlp.initialize(lambda: gold[:1000], sgd=optimizer)
    rng = random.Random(seed)
    batch_size = int(training["batch_size"])
    dropout = float(training["dropout"])
    for epoch in range(epochs):
        rng.shuffle(gold)
        losses: dict[str, float] = {}
        for batch in minibatch(gold, size=batch_size):
            # straight to the textcat: nlp.update would deep-copy every doc of every batch
            textcat.update(batch, drop=dropout, sgd=optimizer, losses=losses)
        log(f"epoch {epoch + 1}/{epochs}: loss {losses.get('textcat', 0.0):.3f}")

    per_intent = dict(sorted(Counter(ex.intent for ex in train_set).items()))
    nlp.meta.update(
        {
            "name": "ambient_shop_parser",
            "version": "1.0.0",
            "description": "Ambient Shop shopping-language parser",
            "license": "Apache-2.0",
        }
    )
    nlp.meta["ambient_shop"] = {
        "data_hash": data_hash(),
        "architecture": architecture,
        "holdout": holdout,
        "seed": seed,
        "epochs": epochs,
        "train_examples": len(train_set),
        "heldout_examples": len(heldout),
        "per_intent": per_intent,
    }
    _write(nlp, optimizer, output, heldout)
    seconds = time.perf_counter() - started
    log(f"wrote {output} in {seconds:.1f} s")
    return TrainReport(output, architecture, len(train_set), len(heldout), seconds, per_intent)


def _write(nlp: Any, optimizer: Any, output: Path, heldout: list[Example]) -> None:
    """Writes next to the target and swaps in, so a failed run never leaves half a model."""
    output = output.resolve()
    output.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".model-", dir=output.parent))
    try:
        with nlp.use_params(optimizer.averages):
            nlp.to_disk(staging)
        if heldout:
            _write_heldout(staging / HELDOUT_NAME, heldout)
        if output.exists():
            shutil.rmtree(output)
        staging.chmod(0o755)
        staging.rename(output)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def _write_heldout(path: Path, heldout: list[Example]) -> None:
    """The held-out split in the shared evaluation format, for `ambient-shop nlu eval`."""
    with path.open("w", encoding="utf-8") as handle:
        for ex in heldout:
            row = {
                "text": ex.text,
                "intent": ex.intent,
                "accept": [ex.intent],
                "source": f"heldout:{ex.intent}",
                "entities": [],
            }
            handle.write(json.dumps(row) + "\n")
