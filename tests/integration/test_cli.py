"""The `ambient-shop` command dispatches every subcommand, whoever registered it."""

from __future__ import annotations

import pytest

from skill.cli import build_parser, main


def test_every_command_has_help(capsys):
    parser = build_parser()
    commands = parser._subparsers._group_actions[0].choices  # noqa: SLF001 - argparse has no API
    assert {"serve", "nlu", "catalog", "simulate", "skill-package"} <= set(commands)
    for name in commands:
        with pytest.raises(SystemExit) as exit_info:
            main([name, "--help"])
        assert exit_info.value.code == 0
    assert "serve" in capsys.readouterr().out


def test_parser_subcommand_dispatches():
    assert main(["nlu", "train", "--if-stale"]) == 0


def test_skill_package_check_passes_on_the_committed_model():
    assert main(["skill-package", "build", "--check"]) == 0
