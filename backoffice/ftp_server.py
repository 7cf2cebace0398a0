"""The large-file channel of FAQ §12: an FTP server whose logins are requests.

Login: the request number; password: the request's upload password (shown to its owner on the request page).
Each login sees only its own, initially empty upload folder; every file that arrives completely is stored as an
attachment of that request through the support service and removed from the folder. The console lists it.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from pathlib import Path

from flask import Flask
from pyftpdlib.authorizers import AuthenticationFailed, DummyAuthorizer
from pyftpdlib.handlers import FTPHandler
from pyftpdlib.servers import FTPServer

from backoffice.services import ServiceError
from backoffice.services.support.ftp import add_ftp_file, ftp_ticket

log = logging.getLogger("backoffice.ftp")
UPLOAD_PERMISSIONS = "elw"  # change into the folder, list it, store files: nothing else


class TicketAuthorizer(DummyAuthorizer):
    """Accepts a request number with its upload password; each login is chrooted into its own folder."""

    def __init__(self, app: Flask, spool: Path):
        super().__init__()
        self.app = app
        self.spool = spool
        self.ticket_ids: dict[str, int] = {}

    def validate_authentication(self, username, password, handler):
        with self.app.app_context():
            ticket = ftp_ticket(username, password)
            if ticket is None:
                raise AuthenticationFailed("Wrong request number or upload password.")
            number, ticket_id = ticket.number, ticket.id
        if username != number:  # log in with the canonical number only, so one request has one folder
            raise AuthenticationFailed("Use the request number exactly as shown on the request page.")
        home = self.spool / number
        home.mkdir(parents=True, exist_ok=True)
        self.ticket_ids[number] = ticket_id
        if not self.has_user(number):
            self.add_user(number, "", str(home), perm=UPLOAD_PERMISSIONS,
                          msg_login=f"Upload files for request {number}.", msg_quit="Thank you.")


def make_server(app: Flask, host: str, port: int, spool: Path | None = None,
                auth_failed_timeout: float = 3.0) -> FTPServer:
    """An FTP server for the requests of `app`; a failed login waits `auth_failed_timeout` seconds (guessing
    passwords is slow)."""
    spool = Path(spool or tempfile.mkdtemp(prefix="ftp-spool-"))
    authorizer = TicketAuthorizer(app, spool)

    class TicketFTPHandler(FTPHandler):
        banner = "Technical Support upload channel: log in with your request number."
        permit_foreign_addresses = False

        def on_file_received(self, file):
            path = Path(file)
            try:
                with app.app_context():
                    add_ftp_file(authorizer.ticket_ids[self.username], path, path.name)
            except ServiceError as error:
                log.warning("FTP file %s for %s refused: %s", path.name, self.username, error.message)
            finally:
                path.unlink(missing_ok=True)

        def on_incomplete_file_received(self, file):
            Path(file).unlink(missing_ok=True)

    TicketFTPHandler.authorizer = authorizer
    TicketFTPHandler.auth_failed_timeout = auth_failed_timeout
    server = FTPServer((host, port), TicketFTPHandler)
    server.spool = spool
    return server


def remove_spool(server: FTPServer) -> None:
    if os.path.isdir(server.spool):
        shutil.rmtree(server.spool, ignore_errors=True)
