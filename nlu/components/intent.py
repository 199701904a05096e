"""`shop_intent`: the intent from the classifier's scores, or out_of_scope on weak evidence."""

from __future__ import annotations

from collections.abc import Mapping

from spacy.language import Language
from spacy.tokens import Doc

from nlu.components.extensions import register_extensions
from nlu.contract import CART_INTENTS, INTENTS, SHOPPING_INTENTS


class IntentDecider:
    """Picks the intent from textcat scores; weak evidence means out of scope, not a guess."""

    def __init__(
        self,
        nlp: Language,
        name: str,
        *,
        threshold: float,
        shopping_threshold: float,
        alternatives: int,
        thresholds: Mapping[str, float] | None = None,
    ) -> None:
        register_extensions()
        self.name = name
        self.threshold = threshold
        self.alternatives = alternatives
        # shopping requests are the shop's own job and carry product words other assistants lack
        self.thresholds = {
            **dict.fromkeys((*SHOPPING_INTENTS, *CART_INTENTS), shopping_threshold),
            **(thresholds or {}),
        }

    def __call__(self, doc: Doc) -> Doc:
        ranked = sorted(doc.cats.items(), key=lambda kv: kv[1], reverse=True)
        short = _short_form(doc)
        if short is not None:
            # one-word turns carry too few features for the classifier; they are fixed phrases
            doc._.intent, doc._.confidence = short, 1.0
            doc._.alternatives = []
            return doc
        if not ranked:
            doc._.intent, doc._.confidence, doc._.alternatives = "out_of_scope", 1.0, []
            return doc
        intent, score = ranked[0]
        if intent != "out_of_scope" and score < self.thresholds.get(intent, self.threshold):
            intent, score = "out_of_scope", max(doc.cats.get("out_of_scope", 0.0), 1.0 - score)
        doc._.intent = intent
        doc._.confidence = float(score)
        doc._.alternatives = [
            (label, float(value)) for label, value in ranked if label != intent and value >= 0.01
        ][: self.alternatives]
        return doc


_SHORT_FORMS: dict[str, str] = {
    **dict.fromkeys(
        "yes yeah yep yup yea ya sure ok okay alright correct right affirmative absolutely "
        "definitely certainly indeed exactly confirm confirmed roger aye yessir approved".split(),
        "yes",
    ),
    **dict.fromkeys(
        [
            "of course",
            "all right",
            "sure thing",
            "yes please",
            "go ahead",
            "sounds good",
            "that's right",
            "uh huh",
            "you bet",
        ],
        "yes",
    ),
    **dict.fromkeys("no nope nah negative never incorrect wrong negatory nay".split(), "no"),
    **dict.fromkeys(
        [
            "no thanks",
            "no thank you",
            "not really",
            "not now",
            "no way",
            "not at all",
            "i'm good",
            "not yet",
        ],
        "no",
    ),
    **dict.fromkeys(
        "stop cancel quit exit end enough bye goodbye nevermind shush farewell goodnight abort "
        "adios ciao".split(),
        "stop",
    ),
    **dict.fromkeys(
        [
            "never mind",
            "forget it",
            "that's all",
            "i'm done",
            "bye bye",
            "good bye",
            "see you",
            "see you later",
            "stop it",
            "cancel that",
            "shut up",
            "be quiet",
            "that's it",
        ],
        "stop",
    ),
    **dict.fromkeys("help menu options".split(), "help"),
    **dict.fromkeys(
        ["help me", "what can you do", "what can i say", "i need help", "what can i ask"], "help"
    ),
    **dict.fromkeys("thanks thank thx cheers ty".split(), "thanks"),
    **dict.fromkeys(
        [
            "thank you",
            "thanks a lot",
            "many thanks",
            "thank you so much",
            "much appreciated",
            "appreciate it",
        ],
        "thanks",
    ),
    **dict.fromkeys("repeat pardon again".split(), "repeat"),
    **dict.fromkeys(
        [
            "say that again",
            "say again",
            "come again",
            "repeat that",
            "one more time",
            "what did you say",
            "say it again",
        ],
        "repeat",
    ),
    **dict.fromkeys(
        "hi hello hey hiya howdy greetings yo morning evening heyo heya sup wassup".split(),
        "greeting",
    ),
    **dict.fromkeys(
        ["good morning", "good afternoon", "good evening", "hi there", "hello there", "hey there"],
        "greeting",
    ),
    **dict.fromkeys(
        [
            "agent",
            "representative",
            "operator",
            "human",
            "real person",
            "customer service",
            "a person",
            "live agent",
        ],
        "talk_to_agent",
    ),
    **dict.fromkeys(["cheaper", "something cheaper", "less expensive"], "refine_search"),
}
_SHORT_TRIM = frozenset({"alexa", "please", "um", "uh", "oh", "well", "so", "hmm", "just"})


def _short_form(doc: Doc) -> str | None:
    """The intent of a fixed short turn ("yes", "no thanks", "bye"), or None."""
    words = [t.lower_ for t in doc if not t.is_punct]
    while words and words[0] in _SHORT_TRIM:
        words.pop(0)
    while words and words[-1] in _SHORT_TRIM:
        words.pop()
    if not words or len(words) > 4:
        return None
    phrase = " ".join(words).replace(" '", "'").replace(" n't", "n't")
    return _SHORT_FORMS.get(phrase)


@Language.factory(
    "shop_intent",
    default_config={
        "threshold": 0.6,
        "shopping_threshold": 0.5,
        "alternatives": 3,
        "thresholds": {},
    },
)
def make_intent(
    nlp: Language,
    name: str,
    threshold: float,
    shopping_threshold: float,
    alternatives: int,
    thresholds: dict[str, float],
) -> IntentDecider:
    unknown = sorted(set(thresholds) - set(INTENTS))
    if unknown:
        raise ValueError(f"shop_intent thresholds name unknown intents: {', '.join(unknown)}")
    return IntentDecider(
        nlp,
        name,
        threshold=threshold,
        shopping_threshold=shopping_threshold,
        alternatives=alternatives,
        thresholds=thresholds,
    )
