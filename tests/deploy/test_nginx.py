"""deploy/nginx/backoffice.conf, run by Debian's nginx on loopback in front of `backoffice serve`: pages come over
TLS, plain HTTP is redirected, stalled uploads wait at nginx (gunicorn never sees them) while the home page
answers, a stalled upload is dropped at nginx's body timeout, and an oversized body is refused before it reaches
the app."""

from __future__ import annotations

import http.client
import shutil
import socket
import ssl
import subprocess
import time
from pathlib import Path

import pytest

from tests.deploy.conftest import STALLED_HEADERS, wait_for_port
from tests.smtp import free_port

SITE = Path(__file__).resolve().parents[2] / "deploy" / "nginx" / "backoffice.conf"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
MAIN_CONF = """worker_processes 1;
user root root;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    include {tmp}/site.conf;
}}
"""


@pytest.fixture
def nginx(served, tmp_path):
    """The shipped site on free loopback ports, in front of the test's gunicorn, with a 2 s body timeout."""
    if not Path(NGINX).exists():
        pytest.skip("nginx is not installed (make test installs Debian's nginx-light)")
    https_port, http_port = free_port(), free_port()
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                    "/CN=127.0.0.1", "-keyout", str(tmp_path / "tls.key"), "-out", str(tmp_path / "tls.pem")],
                   check=True, capture_output=True)
    site = SITE.read_text()
    for shipped, here in (("server 127.0.0.1:5000;", f"server 127.0.0.1:{served};"),
                          ("listen 80;", f"listen 127.0.0.1:{http_port};"),
                          ("listen 443 ssl;", f"listen 127.0.0.1:{https_port} ssl;"),
                          ("/etc/ssl/certs/backoffice.example.com.pem", str(tmp_path / "tls.pem")),
                          ("/etc/ssl/private/backoffice.example.com.key", str(tmp_path / "tls.key")),
                          ("client_body_timeout 15s;", "client_body_timeout 2s;")):
        assert shipped in site, shipped
        site = site.replace(shipped, here)
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(MAIN_CONF.format(tmp=tmp_path))
    server = subprocess.Popen([NGINX, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"), "-e",
                               str(tmp_path / "error.log"), "-g", "daemon off;"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_for_port(https_port)
        yield {"https": https_port, "http": http_port}
    finally:
        server.terminate()
        server.wait(timeout=15)


def tls() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # the test's own self-signed certificate
    return context


def get(port: int, path: str = "/") -> http.client.HTTPResponse:
    connection = http.client.HTTPSConnection("127.0.0.1", port, context=tls(), timeout=5)
    connection.request("GET", path)
    return connection.getresponse()


def stall(port: int) -> ssl.SSLSocket:
    client = tls().wrap_socket(socket.create_connection(("127.0.0.1", port)))
    client.sendall(STALLED_HEADERS)
    return client


def test_pages_come_over_tls_and_plain_http_is_redirected(nginx):
    response = get(nginx["https"])
    assert response.status == 200 and b"My Account" in response.read()
    plain = http.client.HTTPConnection("127.0.0.1", nginx["http"], timeout=5)
    plain.request("GET", "/viruslab")
    redirect = plain.getresponse()
    assert redirect.status == 301 and redirect.getheader("Location").startswith("https://")


def test_the_home_page_answers_through_nginx_while_two_uploads_stall(nginx):
    get(nginx["https"]).read()  # warm
    stalled = [stall(nginx["https"]) for _ in range(2)]
    try:
        started = time.monotonic()
        response = get(nginx["https"])
        assert response.status == 200
        response.read()
        assert time.monotonic() - started < 1.0
    finally:
        for client in stalled:
            client.close()


def test_a_stalled_upload_is_dropped_by_nginx_and_an_oversized_one_refused_with_413(nginx):
    client = stall(nginx["https"])
    client.settimeout(10)
    started = time.monotonic()
    try:
        answer = client.recv(65536)
    finally:
        client.close()
    # nginx ends a request whose body stops arriving (logged as 408) by closing the connection after the timeout
    assert answer == b"" and 1.5 < time.monotonic() - started < 8

    big = socket.create_connection(("127.0.0.1", nginx["https"]))
    big = tls().wrap_socket(big)
    big.sendall(STALLED_HEADERS.replace(b"Content-Length: 1000000", b"Content-Length: 50000000"))
    big.settimeout(10)
    try:
        refused = big.recv(65536).decode(errors="replace")
    finally:
        big.close()
    assert refused.startswith("HTTP/1.1 413")
