"""Slow clients never delay others: `backoffice serve` (gunicorn, threaded workers) answers the home page at once
while two uploads stall, and a stalled upload ends with a 408 once the body deadline passes."""

from __future__ import annotations

import socket
import time
import urllib.request

from tests.deploy.conftest import STALLED_HEADERS


def stall(port: int) -> socket.socket:
    client = socket.create_connection(("127.0.0.1", port))
    client.sendall(STALLED_HEADERS)  # a few bytes of a body announced as a megabyte, then nothing
    return client


def home_page(port: int) -> int:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
        return response.status


def test_the_home_page_answers_while_two_uploads_stall(served):
    assert home_page(served) == 200  # warm: the worker's first request compiles templates and connects
    stalled = [stall(served) for _ in range(2)]
    try:
        started = time.monotonic()
        assert home_page(served) == 200
        assert time.monotonic() - started < 1.0
    finally:
        for client in stalled:
            client.close()


def test_a_stalled_upload_is_answered_408_after_the_deadline(served):
    client = stall(served)
    client.settimeout(10)
    received = b""
    try:
        while chunk := client.recv(65536):  # the server closes the connection after the 408
            received += chunk
    finally:
        client.close()
    answer = received.decode(errors="replace")
    assert answer.startswith("HTTP/1.1 408")
    assert "did not arrive within 3 seconds" in answer
