"""The app a benchmark runs: its settings, its signed-in staff account, and gunicorn serving it on a free
loopback port, started and stopped around a `with` block."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SECRET_KEY = "bench-secret-key"  # the server's secret: bench.licensing mints session cookies with it
CONSOLE_APP = "bench.console_app:create_bench_app()"
BENCH_STAFF_EMAIL = "bench-admin@example.com"
BENCH_STAFF_PASSWORD = "bench-admin-password"


def seed_app_config(url: str) -> dict:
    """Settings for loading a benchmark database in-process (no storage, no server secret needed)."""
    return {"SECRET_KEY": "bench-seed", "SQLALCHEMY_DATABASE_URI": url, "STORAGE_DIR": "/nonexistent"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def gunicorn(database_url: str, instance_dir: Path, workers: int = 2, app: str = CONSOLE_APP):
    """Serve `app` (a gunicorn app spec) on `database_url`; yields the base URL and stops the server after."""
    port = free_port()
    env = dict(os.environ, BACKOFFICE_DATABASE_URL=database_url, BACKOFFICE_SECRET_KEY=SECRET_KEY,
               BACKOFFICE_INSTANCE_DIR=str(instance_dir), BACKOFFICE_STORAGE_DIR=str(instance_dir / "storage"))
    command = [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
               "--log-level", "warning", app]
    server = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_listening(base, server)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


def wait_until_listening(base: str, server: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode}")
        try:
            urllib.request.urlopen(base + "/console/login", timeout=5).read()
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("gunicorn did not answer in time")
