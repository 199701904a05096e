"""The one composition root: settings -> wired services for Flask, Lambda, the simulator and CLI."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from catalog_adapter.config import CatalogConfig
from catalog_adapter.ports import Catalog
from skill.channels.rates import RateLimiter
from skill.channels.tokens import TokenSigner
from skill.core.context import Services
from skill.core.conversation import Conversation
from skill.core.ports import ConversationStore, HandoffDesk, OrderService, Outbox, Parser
from skill.desk.outbox import ShopperOutbox, SmsSender
from skill.desk.service import Desk
from skill.desk.wiring import DESK_ADAPTERS, DeskWiring, parse_autonomy
from skill.errors import SettingsError, StateStoreError
from skill.orders.registry import open_orders, orders_source
from skill.settings import Settings
from skill.store.registry import Closeable, StateBackend, open_state

if TYPE_CHECKING:
    from ask_sdk_core.skill import CustomSkill

    from skill.alexa.verification import AlexaRequestVerifier
    from skill.engage.service import Engage

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
    orders: OrderService
    # The registered name of the order service in use ("demo.v1", "rest.v1"), for /healthz.
    orders_source: str
    token_signer: TokenSigner
    # The embedded desk (tickets, agents, /desk pages); Chatwoot's adapter when that is selected.
    agent_desk: Desk
    engage: Engage
    chatwoot: Any = None
    limiter: RateLimiter | None = None
    closers: list[Closeable] = field(default_factory=list)

    def problems(self) -> list[str]:
        """What keeps the service from answering shoppers; empty when healthy (/healthz)."""
        problems = list(self.state.problems())
        try:
            catalog = self.catalog.health()
        except Exception as e:  # noqa: BLE001 - a health check reports, it never raises
            problems.append(f"catalog health check failed: {type(e).__name__}")
        else:
            if not catalog.ok:
                problems.append(f"catalog: {catalog.detail or 'unavailable'}")
        return problems

    def close(self) -> None:
        for resource in self.closers:
            resource.close()


def mapping_options(setting: str | None, *, name: str) -> dict[str, Any]:
    """A mapping setting (a JSON file path, or the JSON text itself) as a REST adapter's options."""
    if setting is None:
        return {}
    if not setting.lstrip().startswith("{"):
        return {"mapping_file": setting}
    try:
        return {"mapping": json.loads(setting)}
    except json.JSONDecodeError as e:
        raise SettingsError(f"{name} is not valid JSON: {e}") from e


def catalog_config(settings: Settings) -> CatalogConfig:
    """The catalog part of the settings, for opening catalogs and the catalog commands."""
    return CatalogConfig(
        catalog_url=settings.catalog_url,
        data_dir=settings.data_dir,
        rest_mapping=settings.catalog_mapping,
        env=settings.environment,
    )


def open_default_catalog(settings: Settings) -> Catalog:
    return catalog_config(settings).open()


def open_order_service(settings: Settings) -> tuple[OrderService, str]:
    """The order service AMBIENT_SHOP_ORDERS names, and its registered name."""
    source = orders_source(settings.orders_url)
    if source == "demo.v1" and settings.looks_deployed:
        log.warning(
            "Orders come from the DEMO order service (AMBIENT_SHOP_ORDERS=%s) on what looks like a "
            "production deployment: shoppers will hear about seeded demo orders, not theirs. "
            "Set AMBIENT_SHOP_ORDERS=rest+https://... and AMBIENT_SHOP_ORDERS_MAPPING for the "
            "retailer's order API (docs/orders.md).",
            settings.orders_url,
        )
    service = open_orders(
        settings.orders_url,
        data_dir=settings.data_dir,
        env=settings.environment,
        **mapping_options(settings.orders_mapping, name="AMBIENT_SHOP_ORDERS_MAPPING"),
    )
    return service, source


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


def build_sms(settings: Settings) -> SmsSender | None:
    """`sns://?region=us-east-1&endpoint_url=...&sender_id=ACME`; None keeps texts in the outbox."""
    if not settings.sms_url:
        return None
    from urllib.parse import parse_qs, urlsplit

    from skill.desk.outbox import SnsSms

    parts = urlsplit(settings.sms_url)
    if parts.scheme != "sns":
        raise SettingsError(f"AMBIENT_SHOP_SMS must be an sns:// URL, not {settings.sms_url!r}")
    options = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    unknown = set(options) - {"region", "endpoint_url", "sender_id"}
    if unknown:
        raise SettingsError(f"unknown AMBIENT_SHOP_SMS options: {', '.join(sorted(unknown))}")
    try:
        import boto3
    except ImportError as e:
        raise SettingsError("SMS through SNS needs boto3: pip install 'ambient-shop[aws]'") from e
    client = boto3.client(
        "sns",
        region_name=options.get("region", "us-east-1"),
        endpoint_url=options.get("endpoint_url"),
    )
    return SnsSms(client, sender_id=options.get("sender_id", ""))


def build_desk(
    settings: Settings, state: StateBackend, *, orders: OrderService | None = None
) -> DeskWiring:
    """The embedded desk always keeps tickets' streams and agents; Chatwoot may be the port.

    Without `orders`, the order service the settings name is opened (tests, one-off commands).
    """
    if orders is None:
        orders, _ = open_order_service(settings)
    if settings.desk not in DESK_ADAPTERS:
        raise SettingsError(
            f"AMBIENT_SHOP_DESK={settings.desk!r}: choose one of {', '.join(DESK_ADAPTERS)}"
        )
    outbox = ShopperOutbox(
        table=state.outbox, store=state.desk_store, shoppers=state.shoppers, sms=build_sms(settings)
    )
    desk = Desk(
        state.desk_store,
        delivery=outbox,
        shoppers=state.shoppers,
        orders=orders,
        skill_name=settings.skill_name,
        autonomy=parse_autonomy(settings.desk_autonomy),
    )
    if settings.desk == "chatwoot":
        import requests

        from skill.desk.chatwoot import ChatwootDesk, ChatwootOptions

        chatwoot = ChatwootDesk(
            ChatwootOptions.from_values(
                url=settings.chatwoot_url,
                account_id=settings.chatwoot_account_id,
                inbox_id=settings.chatwoot_inbox_id,
                token=settings.chatwoot_token,
                webhook_secret=settings.chatwoot_webhook_secret,
            ),
            session=requests.Session(),
            store=state.desk_store,
            delivery=outbox,
        )
        return DeskWiring(desk=desk, port=chatwoot, outbox=outbox, chatwoot=chatwoot)
    return DeskWiring(desk=desk, port=desk, outbox=outbox)


def build_state_and_desk(settings: Settings) -> tuple[Desk, list[Closeable]]:
    """Only the state store and the desk (for desk commands): no catalog or parser loaded."""
    state = open_state(settings.resolved_state_url, data_dir=settings.data_dir)
    orders, _ = open_order_service(settings)
    return build_desk(settings, state, orders=orders).desk, [*state.closers, orders]


def build(
    settings: Settings | None = None,
    *,
    catalog: Catalog | None = None,
    parser: Parser | None = None,
    verifier: AlexaRequestVerifier | None = None,
    clock: Any = None,
) -> Application:
    """Wire the application; tests pass their own catalog, parser, verifier or clock."""
    from skill.alexa.skill import build_skill
    from skill.engage.personal import EngagedConversation
    from skill.engage.service import engage_for_state

    settings = settings or Settings.from_env()
    closers: list[Closeable] = []
    if catalog is None:
        catalog = open_default_catalog(settings)
        closers.append(catalog)
    if parser is None:
        parser = load_parser(settings, catalog)
    state = open_state(settings.resolved_state_url, data_dir=settings.data_dir)
    closers.extend(state.closers)
    # A store that cannot serve fails the start, naming what is missing, rather than every turn.
    problems = state.problems()
    if problems:
        for resource in closers:
            resource.close()
        raise StateStoreError("; ".join(problems))
    orders, source = open_order_service(settings)
    closers.append(orders)
    wired_desk = build_desk(settings, state, orders=orders)
    services = Services(
        parser=parser,
        catalog=catalog,
        orders=orders,
        desk=wired_desk.port,
        outbox=wired_desk.outbox,
        shoppers=state.shoppers,
        skill_name=settings.skill_name,
        checkout_url=settings.checkout_url,
    )
    engage = engage_for_state(
        settings, state, desk=wired_desk.port, outbox=wired_desk.outbox, clock=clock
    )
    connect_engage_to_desk(engage, wired_desk.desk)
    conversation: Any = EngagedConversation(Conversation(services), engage)
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
        outbox=wired_desk.outbox,
        desk=wired_desk.port,
        agent_desk=wired_desk.desk,
        chatwoot=wired_desk.chatwoot,
        conversations=state.conversations,
        orders=orders,
        orders_source=source,
        token_signer=TokenSigner.from_data_dir(settings.data_dir, configured=settings.secret_key),
        limiter=None
        if state.counter is None
        else RateLimiter(
            state.counter,
            {"shopper": settings.rate_per_shopper, "address": settings.rate_per_address},
        ),
        engage=engage,
        closers=closers,
    )


def connect_engage_to_desk(engage: Engage, desk: Desk) -> None:
    """The desk reports claims, closings and CSAT answers to the CX numbers."""
    desk.hooks.on_claimed.append(engage.desk_ticket_claimed)
    desk.hooks.on_resolved.append(engage.desk_ticket_closed)
    desk.hooks.on_csat.append(engage.desk_csat)


@contextmanager
def open_engage(settings: Settings | None = None) -> Iterator[tuple[Engage, StateBackend]]:
    """Engagement services over the configured state, without loading the parser or catalog."""
    from skill.engage.service import engage_for_state

    settings = settings or Settings.from_env()
    state = open_state(settings.resolved_state_url, data_dir=settings.data_dir)
    orders, _ = open_order_service(settings)
    try:
        wired_desk = build_desk(settings, state, orders=orders)
        engage = engage_for_state(settings, state, desk=wired_desk.port, outbox=wired_desk.outbox)
        connect_engage_to_desk(engage, wired_desk.desk)
        yield engage, state
    finally:
        for resource in (*state.closers, orders):
            resource.close()
