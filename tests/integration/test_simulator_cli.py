"""`ambient-shop simulate` with the real parser and demo catalog: in-process and over --url."""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from skill.simulator.cli import register_cli
from tests.conftest import TEST_SKILL_ID

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / "tests/data/simulator"

FAILING = """
name: expects the wrong things
turns:
  - launch: true
    expect: {says: [goodbye], end_session: true}
  - user: show me wool sweaters
    expect: {intent: order_status, apl: true}
"""


def parse_args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="ambient-shop")
    register_cli(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(["simulate", *argv])


def simulate(application, *argv: str, stdin: str = "") -> tuple[int, str]:
    args = parse_args(*argv)
    out = io.StringIO()
    code = args.run(args, application=application, stdin=io.StringIO(stdin), stdout=out)
    return code, out.getvalue()


def test_scripts_pass_in_process(application):
    code, output = simulate(application, "--script", str(SCRIPTS))
    assert code == 0, output
    assert "3/3 scripts passed (in-process)" in output
    assert output.count("PASS ") == 3


def test_a_mismatch_fails_with_turn_expectation_and_speech(application, tmp_path):
    script = tmp_path / "wrong.yaml"
    script.write_text(FAILING, encoding="utf-8")
    code, output = simulate(application, "--script", str(script))
    assert code == 1
    assert "FAIL expects the wrong things" in output
    assert "turn 1 ((launch)): says expected 'goodbye'" in output
    assert 'alexa said: "Welcome' in output
    assert "turn 2 (show me wool sweaters): intent expected 'order_status', got" in output
    assert "turn 2 (show me wool sweaters): apl expected true, got false" in output
    assert "0/1 scripts passed" in output


def test_malformed_script_exits_2_naming_the_file(application, tmp_path, capsys):
    script = tmp_path / "bad.yaml"
    script.write_text("turns:\n  - say: hello\n", encoding="utf-8")
    code, _ = simulate(application, "--script", str(script))
    assert code == 2
    assert f"{script}: turn 1: unknown keys ['say']" in capsys.readouterr().err


def test_interactive_session_shows_speech_card_parse_and_state(application):
    typed = "\n".join(
        [
            "show me wool sweaters",
            "/state",
            "/device screen",
            "show me wool sweaters",
            "/intent AMAZON.HelpIntent",
            "/parse off",
            "the second one",
            "/outbox",
            "/frobnicate",
            "/end",
            "/quit",
        ]
    )
    code, output = simulate(application, "--shopper", "amzn1.ask.account.tty", stdin=typed)
    assert code == 0
    assert "Welcome to" in output
    assert "  sent     ShopIntent(query='wool sweaters')" in output
    assert "  parse    find_product" in output
    assert '"results": [' in output  # /state prints the whole dialogue state
    assert "  device: Echo Show (with screen) (new session)" in output
    assert "  screen   " in output  # the APL list, only after switching to a screen device
    assert "  card     [" in output
    assert "You can ask me" in output
    # launch, two searches and help; none after /parse off
    assert output.count("  parse    ") == 4
    assert "unknown command /frobnicate" in output
    assert "  sent     SessionEndedRequest" in output


def test_scripts_pass_over_url_through_the_real_command(live_server):
    env = {**os.environ, "AMBIENT_SHOP_SKILL_ID": ""}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "skill.cli",
            "simulate",
            "--url",
            live_server.url,
            "--skill-id",
            TEST_SKILL_ID,
            "--script",
            str(SCRIPTS),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "3/3 scripts passed (http)" in done.stdout
    # The parse is not on the wire: `intent` expectations are noted, not silently passed.
    assert "not checked over --url" in done.stdout


def test_wrong_skill_id_over_url_is_a_clear_failure(live_server, tmp_path):
    args = parse_args(
        "--url",
        live_server.url,
        "--skill-id",
        "amzn1.ask.skill.someone-else",
        "--script",
        str(SCRIPTS / "return_flow.yaml"),
    )
    out = io.StringIO()
    assert args.run(args, stdout=out) == 1
    assert f"{live_server.url}/alexa answered 400" in out.getvalue()


@pytest.mark.parametrize("url", ["ftp://nowhere", "not a url"])
def test_bad_url_is_refused(url):
    from skill.simulator.session import SimulatorError

    args = parse_args("--url", url)
    with pytest.raises(SimulatorError, match="http"):
        args.run(args, stdout=io.StringIO())
