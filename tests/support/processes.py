"""Servers started as real processes on 127.0.0.1 for tests, and stopped afterwards."""

from __future__ import annotations

import socket
import subprocess
import time

import requests


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_answering(
    url: str, process: subprocess.Popen[str] | subprocess.Popen[bytes], *, timeout_s: float
) -> None:
    """Poll `url` until anything answers; fail early if the process died.

    Any connection or read error counts as "not yet": a worker still loading on a busy machine
    accepts the connection and then answers late.
    """
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            requests.get(url, timeout=5)
            return
        except requests.RequestException:
            if process.poll() is not None or time.monotonic() > deadline:
                output = process.stdout.read() if process.stdout else ""
                raise RuntimeError(f"{url} did not start answering:\n{output!r}") from None
            time.sleep(0.1)


def stop(process: subprocess.Popen[str] | subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
