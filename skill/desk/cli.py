"""`ambient-shop desk ...`: create the people who answer handoffs."""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable
from typing import Any


def _add_agent(args: argparse.Namespace) -> int:
    from skill.desk.passwords import random_password

    generated = False
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    elif sys.stdin.isatty():
        password = getpass.getpass(f"Password for {args.username} (empty: generate one): ")
    else:
        password = ""
    if not password:
        password, generated = random_password(), True
    desk, closers = args.open_desk()
    try:
        agent = desk.add_agent(
            args.username, password, role=args.role, display_name=args.name or ""
        )
    finally:
        for resource in closers:
            resource.close()
    print(f"created {agent.role} {agent.username} ({agent.display_name})")
    if generated:
        print(f"password (shown once): {password}")
    return 0


def register_cli(commands: Any, *, open_desk: Callable[[], tuple[Any, list[Any]]]) -> None:
    """`open_desk` comes from the composition root: the desk on the configured state store."""
    desk = commands.add_parser("desk", help="agent desk tools (create agents)")
    desk_commands = desk.add_subparsers(dest="desk_command", required=True)
    add = desk_commands.add_parser(
        "add-agent",
        help="create a desk agent or supervisor in the configured state store",
        description="Create a person who can sign in at /desk. The password is read from a "
        "prompt or --password-stdin; when none is given a random one is generated and printed "
        "once. Uses the same AMBIENT_SHOP_STATE / AMBIENT_SHOP_DATA_DIR as `serve`.",
    )
    add.add_argument("username", help="letters, digits or dots")
    add.add_argument("--role", choices=("agent", "supervisor"), default="agent")
    add.add_argument("--name", help="display name shown to shoppers (default: the username)")
    add.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    add.set_defaults(run=_add_agent, open_desk=open_desk)
