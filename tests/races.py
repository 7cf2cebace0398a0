"""Racing: run the same function on several threads at once, as concurrent requests would, and wait for them."""

from __future__ import annotations

import threading
from collections.abc import Callable


def run_together(target: Callable[[], object], count: int, timeout: float = 30) -> None:
    """Start `count` threads running `target` (each usually waits on a shared Barrier first), then join them;
    a thread still running after `timeout` fails the test instead of hanging it."""
    threads = [threading.Thread(target=target) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    stuck = [thread for thread in threads if thread.is_alive()]
    assert not stuck, f"{len(stuck)} of {count} racing threads still running after {timeout} s"
