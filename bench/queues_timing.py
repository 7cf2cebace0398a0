"""HTTP timing for bench/queues.py: a signed-in console session (cookies kept) and nearest-rank percentiles."""

from __future__ import annotations

import re
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from http.cookiejar import CookieJar

CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@dataclass(frozen=True)
class Timing:
    p50_ms: float
    p95_ms: float
    requests: int

    @classmethod
    def of(cls, samples: list[float]) -> Timing:
        return cls(percentile(samples, 50), percentile(samples, 95), len(samples))


def percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    rank = max(1, -(-len(ordered) * pct // 100))
    return ordered[int(rank) - 1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


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


class Session:
    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))

    def sign_in(self, email: str, password: str) -> None:
        token = CSRF_FIELD.search(self.get("/console/login"))
        if not token:
            raise RuntimeError("no CSRF token on the console login page")
        form = urllib.parse.urlencode({"csrf_token": token.group(1), "email": email, "password": password})
        with self.opener.open(self.base + "/console/login", data=form.encode(), timeout=30) as response:
            if not response.geturl().rstrip("/").endswith("/console"):
                raise RuntimeError(f"sign-in failed: ended at {response.geturl()}")

    def get(self, path: str, params: dict | None = None) -> str:
        url = self.base + path + ("?" + urllib.parse.urlencode(params) if params else "")
        with self.opener.open(url, timeout=300) as response:
            if response.status != 200 or urllib.parse.urlsplit(response.geturl()).path != path:
                raise RuntimeError(f"{url} answered {response.status} at {response.geturl()}")
            return response.read().decode()

    def warm_up(self, path: str, params: dict, expect: str | None, times: int = 3) -> None:
        for _ in range(times):
            page = self.get(path, params)
            if expect and expect not in page:
                raise RuntimeError(f"{path} {params}: {expect!r} not on the page")

    def timed_get(self, path: str, params: dict) -> float:
        started = time.perf_counter()
        self.get(path, params)
        return (time.perf_counter() - started) * 1000
