"""The app served by `backoffice serve` (gunicorn) as a real process over the test's database, for the deploy
tests: slow clients directly and through nginx."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.smtp import free_port

STALLED_HEADERS = (b"POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                   b"Content-Length: 1000000\r\n\r\nemail=a")


def wait_for_port(port: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError(f"nothing listens on {port}")


def wait_until_serving(port: int, timeout: float = 90.0) -> None:
    """gunicorn listens before its worker has imported the app: wait for a first answer, however long a busy
    machine takes to boot it, so that the tests' own short timeouts measure serving, not booting."""
    wait_for_port(port)
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=deadline - time.monotonic()):
                return
        except urllib.error.HTTPError:
            return  # any answer means the app is up
        except (OSError, ValueError):
            if time.monotonic() >= deadline:
                raise AssertionError(f"nothing answered on {port} within {timeout:.0f} s") from None
            time.sleep(0.2)


@pytest.fixture
def served(workers, tmp_path):
    """`backoffice serve` on a free loopback port over the test's database, with a 3 s body deadline."""
    port = free_port()
    command = [str(Path(sys.executable).with_name("backoffice")), "serve", "--port", str(port), "--workers", "1",
               "--threads", "4"]
    env = workers.env(BODY_READ_TIMEOUT_SECONDS=3, CAPTCHA_ENABLED="false")
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until_serving(port)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=15)
