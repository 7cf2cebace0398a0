"""Per-client limits count once however many processes serve: two `backoffice serve` processes over one Redis,
requests from one client alternating between them, and the limit is reached after the configured number in all."""

from __future__ import annotations

import http.cookiejar
import re
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest
import redis

from tests.deploy.conftest import wait_until_serving
from tests.smtp import free_port

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def two_servers(workers):
    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.RedisError:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    prefix = f"test-{uuid.uuid4().hex}"
    env = workers.env(RATELIMIT_STORAGE_URI=REDIS_URL, RATELIMIT_KEY_PREFIX=prefix,
                      ACCOUNT_MAIL_RATE_LIMIT="3 per minute", CAPTCHA_ENABLED="false")
    ports, servers = [free_port(), free_port()], []
    for port in ports:
        command = [str(Path(sys.executable).with_name("backoffice")), "serve", "--port", str(port), "--workers", "1"]
        servers.append(subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    try:
        for port in ports:
            wait_until_serving(port)
        yield ports
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=15)
        store = redis.Redis.from_url(REDIS_URL)
        for key in store.scan_iter(f"{prefix}*"):
            store.delete(key)


def ask_for_reset(opener, port: int) -> int:
    """One "forgot password" form, fetched for its CSRF token and sent back, as a browser does."""
    page = opener.open(f"http://127.0.0.1:{port}/forgot-password", timeout=10).read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode({"csrf_token": token, "email": "someone@example.com"}).encode()
    try:
        return opener.open(f"http://127.0.0.1:{port}/forgot-password", body, timeout=10).status
    except urllib.error.HTTPError as refused:
        return refused.code


def test_a_per_client_limit_holds_across_two_serving_processes(two_servers):
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    statuses = [ask_for_reset(opener, two_servers[attempt % 2]) for attempt in range(6)]
    assert statuses == [200, 200, 200, 429, 429, 429]  # counted in Redis: 3 per minute in all, not per process
