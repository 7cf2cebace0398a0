"""A deadline for reading a request's body, so one slow or stalled client cannot hold a worker thread for long.

gunicorn hands the client's socket to the app (`gunicorn.socket`); before every read of the body the socket's
timeout is set to what is left of the deadline, so a client trickling a byte every few seconds runs out as surely
as one that stops. Past the deadline the read raises werkzeug's RequestTimeout: the client gets a 408 page and the
thread is free. (In production nginx buffers whole bodies first — deploy/nginx — so this guards the direct path.)
"""

from __future__ import annotations

import socket
import time

from werkzeug.exceptions import RequestTimeout


class BodyDeadline:
    """WSGI middleware: at most `seconds` to receive the whole body of a request."""

    def __init__(self, app, seconds: float):
        self.app = app
        self.seconds = seconds

    def __call__(self, environ, start_response):
        client = environ.get("gunicorn.socket")
        if client is not None and self.seconds > 0:
            environ["wsgi.input"] = _DeadlineInput(environ["wsgi.input"], client, time.monotonic() + self.seconds)
        return self.app(environ, start_response)


class _DeadlineInput:
    def __init__(self, stream, client: socket.socket, deadline: float):
        self._stream = stream
        self._client = client
        self._deadline = deadline

    def _call(self, method, *args):
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise RequestTimeout("The request body did not arrive in time.")
        previous = self._client.gettimeout()
        self._client.settimeout(left)
        try:
            return getattr(self._stream, method)(*args)
        except TimeoutError:
            raise RequestTimeout("The request body did not arrive in time.") from None
        finally:
            self._client.settimeout(previous)

    def read(self, *args):
        return self._call("read", *args)

    def readline(self, *args):
        return self._call("readline", *args)

    def readlines(self, *args):
        return self._call("readlines", *args)

    def __iter__(self):
        while line := self.readline():
            yield line
