"""A signed-in console session over real HTTP, and nearest-rank percentile timing."""

from __future__ import annotations

import re
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


class ConsoleSession:
    """Cookies kept across requests, like a browser tab signed in to the console."""

    def __init__(self, base: str, timeout: float = 120):
        self.base = base
        self.timeout = timeout
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))

    def sign_in(self, email: str, password: str) -> None:
        page = self.get("/console/login")
        token = CSRF_FIELD.search(page)
        if not token:
            raise RuntimeError("no CSRF token on the console login page")
        form = urllib.parse.urlencode({"csrf_token": token.group(1), "email": email, "password": password})
        with self.opener.open(self.base + "/console/login", data=form.encode(), timeout=30) as response:
            if not response.geturl().rstrip("/").endswith("/console"):
                raise RuntimeError(f"sign-in failed: ended at {response.geturl()}")

    def get(self, path: str, params: dict | None = None) -> str:
        url = self.base + path + ("?" + urllib.parse.urlencode(params) if params else "")
        with self.opener.open(url, timeout=self.timeout) as response:
            if response.status != 200 or urllib.parse.urlsplit(response.geturl()).path != path:
                raise RuntimeError(f"{url} answered {response.status} at {response.geturl()}")
            return response.read().decode()

    def warm_up(self, path: str, params: dict, expect: str | None, times: int = 3) -> None:
        """Unmeasured requests (caches, connection pools); `expect` must be on the page, or the run stops."""
        for _ in range(times):
            page = self.get(path, params)
            if expect and expect not in page:
                raise RuntimeError(f"{path} {params}: {expect!r} not on the page")

    def timed_get(self, path: str, params: dict) -> float:
        """Milliseconds from sending the request to having read the whole page."""
        started = time.perf_counter()
        self.get(path, params)
        return (time.perf_counter() - started) * 1000


def time_interleaved(targets: list[tuple[int, ConsoleSession, list]], rounds: int) -> dict[tuple[int, str], Timing]:
    """Warm up, then time `rounds` rounds of every (size, view); targets are (size, session, views) with views
    (name, path, query, text the page must show).

    Round-robin rather than N requests in a row: the machine is shared, and a burst of load elsewhere then
    slows every view and size alike instead of skewing the one being measured at that moment.
    """
    samples: dict[tuple[int, str], list[float]] = {}
    for size, session, views in targets:
        for name, path, params, expect in views:
            session.warm_up(path, params, expect)
            samples[(size, name)] = []
    for _ in range(rounds):
        for size, session, views in targets:
            for name, path, params, _expect in views:
                samples[(size, name)].append(session.timed_get(path, params))
    return {key: Timing.of(times) for key, times in samples.items()}


def percentile(samples: list[float], pct: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(samples)
    rank = max(1, -(-len(ordered) * pct // 100))
    return ordered[int(rank) - 1]
