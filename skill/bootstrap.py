"""The one composition root: settings -> wired services for Flask, Lambda, the simulator and CLI."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from catalog_adapter.ports import Catalog
from skill.channels.tokens import TokenSigner
from skill.core.context import Services
from skill.core.conversation import Conversation
from skill.core.ports import ConversationStore, HandoffDesk, Outbox, Parser
from skill.settings import Settings
from skill.store.registry import Closeable, StateBackend, open_state

if TYPE_CHECKING:
    from ask_sdk_core.skill import CustomSkill

    from skill.alexa.verification import AlexaRequestVerifier

log = logging.getLogger(__name__)


@dataclass
class Application:
    """Everything wired; kept in `app.extensions["ambient_shop"]` by the Flask factory."""

    settings: Settings
    conversation: Conversation
    alexa_skill: CustomSkill
    verifier: AlexaRequestVerifier | None
    catalog: Catalog
    state: StateBackend
    outbox: Outbox
    desk: HandoffDesk
    conversations: ConversationStore
    token_signer: TokenSigner
    closers: list[Closeable] = field(default_factory=list)

    def close(self) -> None:
        for resource in self.closers:
            resource.close()


def open_default_catalog(settings: Settings) -> Catalog:
    from catalog_adapter.demo import demo_catalog_url
    from catalog_adapter.registry import open_catalog

    url = settings.catalog_url or demo_catalog_url(settings.data_dir)
    return open_catalog(url)


def load_parser(settings: Settings, catalog: Catalog) -> Parser:
    """The parser grounded in this catalog: its names, and a probe of its search index."""
    import nlu

    return nlu.load(
        settings.nlu_model_path, vocabulary=catalog.vocabulary(), probe=catalog_probe(catalog)
    )


def catalog_probe(catalog: Catalog) -> Callable[[str], bool]:
    """Whether some words find products here: one product must carry every one of them.

    The parser asks only when the answer can change its scope decision, and caches answers.
    """
    from catalog_adapter.models import ProductQuery

    def probe(words: str) -> bool:
        wanted = [_word_root(w) for w in words.lower().split()]
        if not wanted:
            return False
        for product in catalog.search(ProductQuery(text=words, limit=3)):
            said = " ".join(
                (
                    product.title,
                    product.product_type,
                    product.brand,
                    product.color,
                    product.material,
                    product.pattern,
                )
            ).lower()
            if all(root in said for root in wanted):
                return True
        return False

    return probe


def _word_root(word: str) -> str:
    """ "drills" and "drill", "boxes" and "box" share a root for the probe's containment test."""
    for suffix in ("ies", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word


def catalog_grounding(url: str | None) -> tuple[dict[str, list[str]], Callable[[str], bool]]:
    """A catalog's vocabulary and probe for `ambient-shop nlu eval --catalog` (None: the demo)."""
    settings = Settings.from_env()
    if url:
        from catalog_adapter.registry import open_catalog

        catalog = open_catalog(url)
    else:
        catalog = open_default_catalog(settings)
    return catalog.vocabulary(), catalog_probe(catalog)


def build_verifier(settings: Settings) -> AlexaRequestVerifier | None:
    if settings.dev_unverified:
        log.warning(
            "Alexa request verification is OFF (AMBIENT_SHOP_DEV_UNVERIFIED=1): any caller can "
            "talk to this skill. Use only for local development."
        )
        return None
    from skill.alexa.verification import AlexaRequestVerifier

    if not settings.skill_id:
        log.warning("AMBIENT_SHOP_SKILL_ID is not set: requests for any skill id will be accepted")
    return AlexaRequestVerifier(skill_id=settings.skill_id)


def build(
    settings: Settings | None = None,
    *,
    catalog: Catalog | None = None,
    parser: Parser | None = None,
    verifier: AlexaRequestVerifier | None = None,
) -> Application:
    """Wire the application; tests pass their own catalog, parser or verifier."""
    from skill.alexa.skill import build_skill

    settings = settings or Settings.from_env()
    closers: list[Closeable] = []
    if catalog is None:
        catalog = open_default_catalog(settings)
        closers.append(catalog)
    if parser is None:
        parser = load_parser(settings, catalog)
    state = open_state(settings.resolved_state_url, data_dir=settings.data_dir)
    closers.extend(state.closers)
    services = Services(
        parser=parser,
        catalog=catalog,
        orders=state.orders,
        desk=state.desk,
        outbox=state.outbox,
        shoppers=state.shoppers,
        skill_name=settings.skill_name,
    )
    conversation = Conversation(services)
    if verifier is None:
        verifier = build_verifier(settings)
    return Application(
        settings=settings,
        conversation=conversation,
        alexa_skill=build_skill(
            conversation,
            skill_id=settings.skill_id,
            progressive_after_s=settings.progressive_response_after_s,
        ),
        verifier=verifier,
        catalog=catalog,
        state=state,
        outbox=state.outbox,
        desk=state.desk,
        conversations=state.conversations,
        token_signer=TokenSigner.from_data_dir(settings.data_dir, configured=settings.secret_key),
        closers=closers,
    )
