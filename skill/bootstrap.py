"""The one composition root: settings -> wired services for Flask, Lambda, the simulator and CLI."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from catalog_adapter.ports import Catalog
from skill.channels.rates import RateLimiter
from skill.channels.tokens import TokenSigner
from skill.core.context import Services
from skill.core.conversation import Conversation
from skill.core.ports import ConversationStore, HandoffDesk, Outbox, Parser
from skill.errors import StateStoreError
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
    limiter: RateLimiter | None = None
    closers: list[Closeable] = field(default_factory=list)

    def problems(self) -> list[str]:
        """What keeps the service from answering shoppers; empty when healthy (/healthz)."""
        return list(self.state.problems())

    def close(self) -> None:
        for resource in self.closers:
            resource.close()


def open_default_catalog(settings: Settings) -> Catalog:
    from catalog_adapter.demo import demo_catalog_url
    from catalog_adapter.registry import open_catalog

    url = settings.catalog_url or demo_catalog_url(settings.data_dir)
    return open_catalog(url)


def load_parser(settings: Settings, catalog: Catalog) -> Parser:
    import nlu

    return nlu.load(settings.nlu_model_path, vocabulary=catalog.vocabulary())


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
    state = open_state(
        settings.resolved_state_url,
        data_dir=settings.data_dir,
        open_tickets_per_conversation=settings.open_tickets_per_conversation,
    )
    closers.extend(state.closers)
    # A store that cannot serve fails the start, naming what is missing, rather than every turn.
    problems = state.problems()
    if problems:
        for resource in closers:
            resource.close()
        raise StateStoreError("; ".join(problems))
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
        limiter=None
        if state.counter is None
        else RateLimiter(
            state.counter,
            {"shopper": settings.rate_per_shopper, "address": settings.rate_per_address},
        ),
        closers=closers,
    )
