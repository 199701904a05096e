"""`shop_gazetteer`: built-in retail words and the catalog's names, exact and fuzzy."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path

from rapidfuzz import fuzz, process
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc
from spacy.util import ensure_path

from nlu import lexicon
from nlu.components.extensions import Candidate, register_extensions
from nlu.lexicon import STOP_WORDS


class Gazetteer:
    """Exact and fuzzy look-up of catalog names; vocabulary can be extended while running."""

    def __init__(self, nlp: Language, name: str, *, fuzzy_threshold: float) -> None:
        self.nlp = nlp
        register_extensions()
        self.name = name
        self.fuzzy_threshold = fuzzy_threshold
        self.vocabulary: dict[str, list[str]] = {}
        self.known_words: frozenset[str] = frozenset()
        self._rebuild()

    def _rebuild(self) -> None:
        tables = lexicon.default_entries()
        sizes = {form: value for form, value in lexicon.LETTER_SIZES.items()}
        tables["SIZE"] = sizes
        catalog = lexicon.vocabulary_entries(self.vocabulary)
        for label, table in catalog.items():
            tables.setdefault(label, {}).update(table)
        # which forms the retailer's catalog named, as scope evidence apart from built-in words
        self.catalog_forms = {
            (label, " ".join(t.lower_ for t in self.nlp.make_doc(form)))
            for label, table in catalog.items()
            for form in table
        }
        self.values: dict[tuple[str, str], str] = {}
        self.matcher = PhraseMatcher(self.nlp.vocab, attr="LOWER")
        for label, table in tables.items():
            patterns = []
            for form, value in table.items():
                doc = self.nlp.make_doc(form)
                self.values[(label, " ".join(t.lower_ for t in doc))] = value
                patterns.append(doc)
            if patterns:
                self.matcher.add(label, patterns)
        # fuzzy matching covers names a speech recogniser garbles ("harry stiles")
        self.fuzzy_names: dict[str, tuple[str, str]] = {}
        self.name_words: dict[str, set[str]] = {}
        for label in ("PERSON", "MEDIA", "BRAND", "STORE"):
            for form, value in tables.get(label, {}).items():
                if label == "MEDIA" and form in _PLATFORM_FORMS:
                    continue
                self.fuzzy_names[form] = (label, value)
                for word in form.split():
                    self.name_words.setdefault(word, set()).add(form)
        self._word_list = [w for w in self.name_words if len(w) >= 4]

    def update(self, vocabulary: Mapping[str, Iterable[str]]) -> None:
        for key, names in vocabulary.items():
            if key not in lexicon.VOCABULARY_KEYS or isinstance(names, str):
                continue
            merged = dict.fromkeys([*self.vocabulary.get(key, []), *map(str, names)])
            self.vocabulary[key] = list(merged)
        self._rebuild()

    def __call__(self, doc: Doc) -> Doc:
        found: list[Candidate] = []
        for match_id, start, end in self.matcher(doc):
            label = self.nlp.vocab.strings[match_id]
            key = " ".join(t.lower_ for t in doc[start:end])
            value = self.values.get((label, key))
            if value is None:
                continue
            group = 1 if label in ("PERSON", "MEDIA", "BRAND", "STORE") else 2
            source = "catalog" if (label, key) in self.catalog_forms else "lexicon"
            found.append(Candidate(start, end, label, value, group, source))
        found.extend(self._fuzzy(doc, found))
        doc._.gazetteer = found
        return doc

    def _fuzzy(self, doc: Doc, exact: list[Candidate]) -> list[Candidate]:
        if not self.fuzzy_names:
            return []
        covered = {i for c in exact if c.group == 1 for i in range(c.start, c.end)}
        options: list[set[str]] = []
        for token in doc:
            word = token.lower_
            names = set(self.name_words.get(word, ()))
            if (
                not names
                and token.is_alpha
                and len(word) >= 4
                and word not in self.known_words
                and word not in STOP_WORDS
            ):
                best = process.extractOne(word, self._word_list, scorer=fuzz.ratio, score_cutoff=75)
                if best is not None:
                    names = set(self.name_words[best[0]])
            options.append(names)
        results: list[Candidate] = []
        n = len(doc)
        for start in range(n):
            if not options[start] or start in covered or doc[start].lower_ in STOP_WORDS:
                continue
            shared = set(options[start])
            for end in range(start + 1, min(start + 6, n) + 1):
                if end > start + 1:
                    if not options[end - 1] or (end - 1) in covered:
                        break
                    shared &= options[end - 1]
                    if not shared:
                        break
                if doc[end - 1].lower_ in STOP_WORDS:
                    continue
                text = doc[start:end].text.lower()
                if end - start == 1 and len(text) < 5:
                    continue
                best = process.extractOne(
                    text, list(shared), scorer=fuzz.ratio, score_cutoff=self.fuzzy_threshold
                )
                if best is not None and best[1] < 100:
                    label, value = self.fuzzy_names[best[0]]
                    results.append(Candidate(start, end, label, value, 1, "catalog"))
        return results

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        path = ensure_path(path)
        path.mkdir(parents=True, exist_ok=True)
        data = {"vocabulary": self.vocabulary, "known_words": sorted(self.known_words)}
        (path / "gazetteer.json").write_text(json.dumps(data), encoding="utf-8")

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> Gazetteer:
        data = json.loads((ensure_path(path) / "gazetteer.json").read_text(encoding="utf-8"))
        self.vocabulary = {k: list(v) for k, v in data.get("vocabulary", {}).items()}
        self.known_words = frozenset(data.get("known_words", ()))
        self._rebuild()
        return self


_PLATFORM_FORMS = frozenset(f for forms in lexicon.PLATFORMS.values() for f in forms)


@Language.factory("shop_gazetteer", default_config={"fuzzy_threshold": 85.0})
def make_gazetteer(nlp: Language, name: str, fuzzy_threshold: float) -> Gazetteer:
    return Gazetteer(nlp, name, fuzzy_threshold=fuzzy_threshold)
