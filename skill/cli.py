"""The `ambient-shop` command: serve the skill, and the parser and catalog tools."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from skill.errors import AmbientShopError

if TYPE_CHECKING:
    from catalog_adapter.config import CatalogConfig


def _serve(args: argparse.Namespace) -> int:
    from skill.settings import Settings
    from skill.web import create_app

    settings = Settings.from_env()
    app = create_app(settings)
    from skill.engage.web import run_sweeps_in_background

    run_sweeps_in_background(app.extensions["ambient_shop"].engage)
    base = f"http://{args.host}:{args.port}"
    wired = app.extensions["ambient_shop"]
    lines = [
        f"Ambient Shop ({settings.skill_name}) is serving on {base}",
        f"  Alexa endpoint  POST {base}/alexa",
        f"  Health          GET  {base}/healthz",
    ]
    lines.append(f"  Commerce events POST {base}/events")
    for rule, label in (
        ("/simulator", "Simulator"),
        ("/desk", "Agent desk"),
        ("/desk/metrics", "CX dashboard"),
    ):
        if any(r.rule == rule for r in app.url_map.iter_rules()):
            lines.append(f"  {label:<15} {base}{rule}")
    if any(r.rule == "/desk" for r in app.url_map.iter_rules()):
        lines.append(f"  {'Web chat':<15} {base}/chat")
        if settings.production:
            lines.append("  Desk agents: create them with `ambient-shop desk add-agent`")
        else:
            password = wired.agent_desk.reset_demo_agent()
            lines.append(
                f"  Demo desk login: demo / {password}  (new each start; not in production)"
            )
    if wired.verifier is None:
        lines.append("  WARNING: Alexa request verification is OFF (AMBIENT_SHOP_DEV_UNVERIFIED=1)")
    print("\n".join(lines), flush=True)
    app.run(host=args.host, port=args.port, threaded=True, use_reloader=False)
    return 0


def _state_init(args: argparse.Namespace) -> int:
    """Create what the configured state store needs; safe to run again."""
    from skill.settings import Settings
    from skill.store.registry import init_state

    settings = Settings.from_env()
    for line in init_state(settings.resolved_state_url, data_dir=settings.data_dir):
        print(line)
    return 0


def _state_check(args: argparse.Namespace) -> int:
    from skill.settings import Settings
    from skill.store.registry import open_state

    settings = Settings.from_env()
    state = open_state(settings.resolved_state_url, data_dir=settings.data_dir)
    try:
        problems = state.problems()
    finally:
        for resource in state.closers:
            resource.close()
    for problem in problems:
        print(problem, file=sys.stderr)
    if not problems:
        print(f"{state.name}: ready")
    return 1 if problems else 0


def _skill_package_build(args: argparse.Namespace) -> int:
    from pathlib import Path

    from skill.alexa.interaction_model import MODEL_PATH, build_model, render_model

    path = Path(args.root) / MODEL_PATH
    fresh = render_model(build_model())
    if args.check:
        current = path.read_text(encoding="utf-8") if path.exists() else ""
        if current != fresh:
            print(f"{path} is stale: run `ambient-shop skill-package build`", file=sys.stderr)
            return 1
        print(f"{path} is up to date")
        return 0
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(fresh, encoding="utf-8")
    print(f"wrote {path}")
    return 0


def _open_desk() -> tuple[Any, list[Any]]:
    from skill.bootstrap import build_state_and_desk
    from skill.settings import Settings

    return build_state_and_desk(Settings.from_env())


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ambient-shop",
        description="Ambient Shop: a voice shopping assistant for retailers.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug details")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser(
        "serve",
        help="serve the skill (Alexa endpoint, health, simulator, agent desk)",
        description="Serve the skill over HTTP. Settings come from AMBIENT_SHOP_* variables: "
        "AMBIENT_SHOP_CATALOG (catalog URL, default: the bundled demo catalog), "
        "AMBIENT_SHOP_STATE (default: sqlite in AMBIENT_SHOP_DATA_DIR, default ./var), "
        "AMBIENT_SHOP_SKILL_ID, AMBIENT_SHOP_DEV_UNVERIFIED=1 (turns request verification "
        "off for local work), AMBIENT_SHOP_PRODUCTION=1 (no demo desk login; secure cookies), "
        "AMBIENT_SHOP_DESK, AMBIENT_SHOP_SMS (see docs/desk.md). Unless in production, a demo "
        "desk login with a fresh random password is printed at start.",
    )
    serve.add_argument(
        "--host", default="127.0.0.1", help="interface to bind (default: %(default)s)"
    )
    serve.add_argument("--port", type=int, default=5000, help="port (default: %(default)s)")
    serve.set_defaults(run=_serve)

    package = commands.add_parser(
        "skill-package", help="Alexa skill package tools (interaction model)"
    )
    package_commands = package.add_subparsers(dest="package_command", required=True)
    package_build = package_commands.add_parser(
        "build",
        help="write the en-US interaction model generated from the parser's vocabulary",
    )
    package_build.add_argument("--root", default=".", help="project root (default: %(default)s)")
    package_build.add_argument(
        "--check", action="store_true", help="exit 1 if the committed model is stale; write nothing"
    )
    package_build.set_defaults(run=_skill_package_build)

    state = commands.add_parser(
        "state",
        help="the state store (AMBIENT_SHOP_STATE): create its tables, check it",
        description="Tools for the state store named by AMBIENT_SHOP_STATE (SQLite by default, "
        "or dynamodb://?table_prefix=...&region=...&endpoint_url=...).",
    )
    state_commands = state.add_subparsers(dest="state_command", required=True)
    state_commands.add_parser(
        "init",
        help="create the store's tables where absent (DynamoDB Local, moto_server, a dev "
        "account); production stacks get them from the SAM template",
    ).set_defaults(run=_state_init)
    state_commands.add_parser(
        "check", help="exit 1 naming what is missing or unreachable, 0 when ready"
    ).set_defaults(run=_state_check)

    from catalog_adapter.cli import register_cli as register_catalog
    from nlu.cli import register_cli as register_nlu
    from skill.bootstrap import catalog_grounding
    from skill.desk.cli import register_cli as register_desk
    from skill.engage.cli import register_cli as register_engage
    from skill.simulator.cli import register_cli as register_simulator

    register_nlu(commands, grounding=catalog_grounding)
    register_catalog(commands, defaults=_catalog_config)
    register_simulator(commands)
    register_desk(commands, open_desk=_open_desk)
    from skill.bootstrap import open_engage

    register_engage(commands, open_engage=open_engage)
    return parser


def _catalog_config() -> CatalogConfig:
    from skill.bootstrap import catalog_config
    from skill.settings import Settings

    return catalog_config(Settings.from_env())


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        return int(args.run(args) or 0)
    except AmbientShopError as e:
        print(f"ambient-shop: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`... | head`): stop quietly, as command-line tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


if __name__ == "__main__":
    sys.exit(main())
