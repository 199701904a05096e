"""A scripted day of synthetic traffic; the CLI and the dashboard show what the raw actions say."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from skill.cli import main
from tests.support.synthetic_day import expected_figures


@pytest.fixture(scope="module")
def played(tmp_path_factory, demo_catalog, nlp):
    from tests.support.synthetic_day import play_day

    with play_day(tmp_path_factory.mktemp("day"), demo_catalog, nlp) as result:
        yield result


def test_metrics_cli_matches_the_figures_computed_from_raw_actions(played, capsys, monkeypatch):
    day, application, _client = played
    want = expected_figures(day)
    monkeypatch.setenv("AMBIENT_SHOP_DATA_DIR", str(application.settings.data_dir))
    assert (
        main(["metrics", "--json", "--since", "2026-11-20T00:00Z", "--until", "2026-11-21T00:00Z"])
        == 0
    )
    got = json.loads(capsys.readouterr().out)
    check(got, want)


def test_dashboard_data_matches_too(played):
    day, _application, client = played
    got = client.get("/desk/metrics.json?since=2026-11-20T00:00Z&until=2026-11-21T00:00Z").json
    check(got, expected_figures(day))
    assert got["bucket"] == "hour"


def check(got, want):
    assert got["conversations"] == want["conversations"]
    assert got["handoffs"] == want["handoffs"]
    assert got["first_level_resolution"] == pytest.approx(want["first_level_resolution"], abs=1e-4)
    assert got["handoff_rate"] == pytest.approx(want["handoff_rate"], abs=1e-4)
    assert got["average_handle_time_s"] == pytest.approx(want["average_handle_time_s"], abs=0.1)
    assert got["nps"]["score"] == pytest.approx(want["nps"], abs=0.05)
    assert got["csat"]["score"] == pytest.approx(want["csat"], abs=0.05)
    assert got["csat"]["responses"] == want["csat_responses"]
    assert got["ces"]["average"] == pytest.approx(want["ces"], abs=0.005)
    assert got["checkouts_started"] == want["checkouts_started"]
    assert got["cart_abandonment_rate"] == pytest.approx(want["cart_abandonment_rate"], abs=1e-4)
    assert got["outreaches"] == want["outreaches"]
    assert got["carts_recovered"] == want["carts_recovered"]
    assert got["recovery_rate"] == pytest.approx(want["recovery_rate"], abs=1e-4)
    assert Decimal(got["revenue_recovered"]) == want["revenue_recovered"]
    for channel, figures in want["channels"].items():
        assert got["by_channel"][channel]["conversations"] == figures["conversations"]
        assert got["by_channel"][channel]["handoffs"] == figures["handoffs"]
    by_hour = {int(row["at"][11:13]): row["conversations"] for row in got["trend"]}
    assert {h: n for h, n in by_hour.items() if n} == want["conversations_by_hour"]
    # The day is not trivial: every figure has something behind it.
    assert want["handoffs"] and want["outreaches"] and want["carts_recovered"]
    assert 0 < want["cart_abandonment_rate"] < 1


def test_every_stalled_cart_got_one_nudge_and_one_desk_task(played):
    day, application, _client = played
    tasks = [
        t for t in application.agent_desk.tickets(limit=1000) if t["reason"] == "cart abandonment"
    ]
    assert len(tasks) == expected_figures(day)["outreaches"]
    assert len({t["conversation_id"] for t in tasks}) == len(tasks)
    assert all(t["cart_lines"] and t["status"] == "waiting" for t in tasks)
