"""The intent classifier's model: spaCy's bag of words over NORM, plus character n-grams."""

from __future__ import annotations

from functools import lru_cache, partial
from typing import Any

from spacy.attrs import IDS
from spacy.ml.extract_ngrams import extract_ngrams
from spacy.ml.models.textcat import NEG_VALUE, resize_and_set_ref
from spacy.strings import hash_string
from spacy.tokens import Doc
from spacy.util import registry
from thinc.api import (
    Logistic,
    Model,
    SparseLinear_v2,
    chain,
    resizable,
    softmax_activation,
    with_cpu,
)
from thinc.layers.resizable import resize_linear_weighted
from thinc.types import Floats2d


@registry.architectures("ambient_shop.TextCatBOW.v1")
def build_bow_on_attr(
    exclusive_classes: bool,
    ngram_size: int,
    no_output_layer: bool,
    attr: str = "NORM",
    length: int = 65536,
    nO: int | None = None,
) -> Model[list[Doc], Floats2d]:
    """spaCy's TextCatBOW.v3, reading a chosen token attribute (NORM) instead of ORTH."""
    length = 2 ** (length - 1).bit_length()
    fill_defaults = {"b": 0, "W": 0}
    sparse_linear = SparseLinear_v2(nO=nO, length=length)
    with Model.define_operators({">>": chain}):
        output_layer = None
        if not no_output_layer:
            fill_defaults["b"] = NEG_VALUE
            output_layer = softmax_activation() if exclusive_classes else Logistic()
        resizable_layer = resizable(
            sparse_linear,
            resize_layer=partial(resize_linear_weighted, fill_defaults=fill_defaults),
        )
        model = extract_ngrams(ngram_size, attr=IDS[attr.upper()]) >> resizable_layer
        model = with_cpu(model, model.ops)
        if output_layer:
            model = model >> with_cpu(output_layer, output_layer.ops)
    if nO is not None:
        model.set_dim("nO", nO)
    model.set_ref("output_layer", sparse_linear)
    model.attrs["multi_label"] = not exclusive_classes
    model.attrs["resize_output"] = partial(resize_and_set_ref, resizable_layer=resizable_layer)
    return model


@registry.architectures("ambient_shop.TextCatBOW.v2")
def build_bow_with_subwords(
    exclusive_classes: bool,
    ngram_size: int,
    no_output_layer: bool,
    attr: str = "NORM",
    length: int = 65536,
    char_ngrams: list[int] | None = None,
    char_weight: float = 0.5,
    skip_bigrams: bool = False,
    nO: int | None = None,
) -> Model[list[Doc], Floats2d]:
    """TextCatBOW.v1 plus character n-grams of each NORM and skip-bigrams, in one linear layer.

    Character n-grams let a word the training data never had ("reimbursal") share weight with
    its relatives; skip-bigrams tie "cancel … order" together across a filler word.
    """
    length = 2 ** (length - 1).bit_length()
    fill_defaults = {"b": 0, "W": 0}
    sparse_linear = SparseLinear_v2(nO=nO, length=length)
    extractor = Model(
        "extract_shop_features",
        _extract_features_forward,
        attrs={
            "ngram_size": ngram_size,
            "attr": IDS[attr.upper()],
            "char_ngrams": tuple(char_ngrams or ()),
            "char_weight": float(char_weight),
            "skip_bigrams": bool(skip_bigrams),
        },
    )
    with Model.define_operators({">>": chain}):
        output_layer = None
        if not no_output_layer:
            fill_defaults["b"] = NEG_VALUE
            output_layer = softmax_activation() if exclusive_classes else Logistic()
        resizable_layer = resizable(
            sparse_linear,
            resize_layer=partial(resize_linear_weighted, fill_defaults=fill_defaults),
        )
        model = extractor >> resizable_layer
        model = with_cpu(model, model.ops)
        if output_layer:
            model = model >> with_cpu(output_layer, output_layer.ops)
    if nO is not None:
        model.set_dim("nO", nO)
    model.set_ref("output_layer", sparse_linear)
    model.attrs["multi_label"] = not exclusive_classes
    model.attrs["resize_output"] = partial(resize_and_set_ref, resizable_layer=resizable_layer)
    return model


_SKIP_MIX = 0x9E3779B97F4A7C15  # odd multiplier: wraps in uint64, spreads the first word's bits
_SKIP_SALT = 0x5BD1E995


@lru_cache(maxsize=65536)
def _char_keys(word: str, sizes: tuple[int, ...]) -> tuple[int, ...]:
    """Hashed character n-grams of one word, with word boundaries ("<can", "ncel>")."""
    if not word.isalpha() or len(word) < 3:
        return ()
    padded = f"<{word}>"
    return tuple(
        hash_string(f"\x01{padded[i : i + n]}") for n in sizes for i in range(len(padded) - n + 1)
    )


def _extract_features_forward(model: Model, docs: list[Doc], is_train: bool) -> Any:
    ops = model.ops
    xp = ops.xp
    attr = model.attrs["attr"]
    sizes = tuple(model.attrs["char_ngrams"])  # a list after a round trip through disk
    char_weight = model.attrs["char_weight"]
    batch_keys = []
    batch_vals = []
    for doc in docs:
        unigrams = ops.asarray(doc.to_array([attr]))
        ngrams = [unigrams]
        for n in range(2, model.attrs["ngram_size"] + 1):
            ngrams.append(ops.ngrams(n, unigrams))
        if model.attrs["skip_bigrams"] and len(unigrams) > 2:
            # (w1, w3) pairs, hashed apart from the adjacent bigrams
            first = unigrams[:-2].astype("uint64")
            third = unigrams[2:].astype("uint64")
            ngrams.append(first * xp.uint64(_SKIP_MIX) ^ (third + xp.uint64(_SKIP_SALT)))
        keys = xp.concatenate(ngrams)
        keys, vals = xp.unique(keys, return_counts=True)
        vals = vals.astype("f")
        if sizes:
            chars: list[int] = []
            for token in doc:
                chars.extend(_char_keys(token.norm_, sizes))
            if chars:
                ckeys, cvals = xp.unique(xp.asarray(chars, dtype="uint64"), return_counts=True)
                keys = xp.concatenate([keys, ckeys])
                vals = xp.concatenate([vals, cvals.astype("f") * char_weight])
        batch_keys.append(keys)
        batch_vals.append(vals)
    lengths = ops.asarray([arr.shape[0] for arr in batch_keys], dtype="int32")
    keys = xp.concatenate(batch_keys) if batch_keys else xp.zeros((0,), dtype="uint64")
    vals = ops.asarray(xp.concatenate(batch_vals) if batch_vals else xp.zeros((0,)), dtype="f")

    def backprop(dY: Any) -> list[Any]:
        return []

    return (keys, vals, lengths), backprop
