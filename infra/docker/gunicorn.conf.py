"""gunicorn settings for the production image; each value can be overridden from the environment."""

from __future__ import annotations

import os
from typing import Any

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
# Each worker loads its own parser (about 150 MB resident); threads serve concurrent requests.
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# Alexa waits 8 s for an answer; a request still running after 30 s is stuck, not slow.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
# No preload: SQLite connections must be opened in each worker, never shared across a fork.
preload_app = False
# The heartbeat file on tmpfs, so a slow container disk cannot make healthy workers look dead.
worker_tmp_dir = "/dev/shm"
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Trust X-Forwarded-* only from the proxy in front: its address, or "*" behind a load balancer.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
limit_request_line = 8190
limit_request_fields = 100


def on_starting(server: Any) -> None:
    """Prepare shared files once in the master, so workers starting together never race on them."""
    from pathlib import Path

    from skill.channels.tokens import TokenSigner
    from skill.settings import Settings

    settings = Settings.from_env()
    data_dir = Path(settings.data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    TokenSigner.from_data_dir(data_dir, configured=settings.secret_key)
    if settings.catalog_url is None:
        from catalog_adapter.demo import demo_catalog_url

        server.log.info("preparing the demo catalog in %s", data_dir)
        demo_catalog_url(data_dir)
