"""Two gunicorn workers on one SQLite state file: every turn answered, none "went wrong"."""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from tests.support.processes import free_port, stop, wait_until_answering

ROOT = Path(__file__).resolve().parents[2]
GUNICORN_CONF = ROOT / "infra" / "docker" / "gunicorn.conf.py"
# Each shopper writes on its first order look-up (demo orders), its cart and its ticket, so the
# two workers keep writing the same file at the same time.
SCRIPT = (
    "where is my order 45712",
    "show me wool sweaters",
    "add the first one to my cart",
    "what's the status of my latest order",
    "talk to a person",
)
SHOPPERS = 48
WRONG = "something went wrong"


def shopper_session(base: str) -> list[str]:
    """One shopper's conversation; the problems it saw (status or apology), if any."""
    problems: list[str] = []
    ids: dict[str, str] = {}
    with requests.Session() as http:
        for text in SCRIPT:
            answer = http.post(f"{base}/chat/api/messages", json={"text": text, **ids}, timeout=60)
            if answer.status_code != 200:
                problems.append(f"{text!r}: HTTP {answer.status_code} {answer.text[:200]}")
                continue
            body = answer.json()
            ids = {"shopper": body["shopper"], "conversation": body["conversation"]}
            if WRONG in body["reply"]["text"].lower():
                problems.append(f"{text!r}: {body['reply']['text']}")
    return problems


def test_two_workers_share_one_sqlite_file_without_locking_errors(tmp_path):
    port = free_port()
    env = os.environ | {
        "PORT": str(port),
        "WEB_CONCURRENCY": "2",
        "GUNICORN_THREADS": "4",
        "AMBIENT_SHOP_DATA_DIR": str(tmp_path / "data"),
        "AMBIENT_SHOP_RATE_PER_ADDRESS": "0",
        "HOME": str(tmp_path),
    }
    for name in ("AMBIENT_SHOP_CATALOG", "AMBIENT_SHOP_STATE", "AMBIENT_SHOP_SIMULATOR"):
        env.pop(name, None)
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen(
        [str(gunicorn), "--config", str(GUNICORN_CONF), "skill.web:create_app()"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_answering(f"{base}/healthz", process, timeout_s=180)
        with ThreadPoolExecutor(max_workers=8) as pool:
            problems = [p for found in pool.map(shopper_session, [base] * SHOPPERS) for p in found]
    finally:
        stop(process)
    assert problems == []
    import sqlite3

    with sqlite3.connect(tmp_path / "data" / "state.db") as db:
        tickets = db.execute("SELECT COUNT(*) FROM desk_tickets").fetchone()[0]
    with sqlite3.connect(tmp_path / "data" / "demo-orders.db") as db:
        seeded = db.execute("SELECT COUNT(DISTINCT shopper_id) FROM orders").fetchone()[0]
    assert tickets == SHOPPERS and seeded == SHOPPERS


def test_connections_writing_one_file_at_once_never_see_a_locked_database(tmp_path):
    """Each connection stands for a worker process: SQLite locks files, not threads."""
    import threading

    from skill.orders.demo import DemoOrderService
    from skill.store.sqlite import SqliteConversationStore, SqliteDatabase, SqliteHitCounter

    path = tmp_path / "state.db"
    failures: list[str] = []

    def worker(index: int) -> None:
        db = SqliteDatabase(path)
        orders, counter = DemoOrderService(db), SqliteHitCounter(db)
        conversations = SqliteConversationStore(db)
        try:
            for turn in range(60):
                shopper = f"shopper-{index}-{turn}"
                orders.get("45712", shopper_id=shopper)
                counter.hit("shared", expires_at=2e9)
                conversations.save(shopper, {"turn": turn})
                orders.cancel("45713", shopper_id=shopper)
        except Exception as e:  # noqa: BLE001 - every failure is reported below
            failures.append(f"{type(e).__name__}: {e}")
        finally:
            db.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert failures == []
    db = SqliteDatabase(path)
    with db.reading() as cur:
        assert cur.execute("SELECT hits FROM rate_counts").fetchone()[0] == 6 * 60
    db.close()
