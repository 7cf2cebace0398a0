"""`backoffice mail-fetch`: read the support mailbox over IMAP (imapclient), TLS or STARTTLS.

Each unseen message is fetched without marking it (BODY.PEEK), handed to the intake's `receive` (stored raw and
recorded, committed), and only then marked \\Seen (and moved to IMAP_DONE_FOLDER when set). A fetcher that dies
between the two leaves the message unseen: the next run fetches it again, and `receive` knows it by its raw hash and
Message-ID, so it is marked and nothing is taken twice. A message over MAIL_INTAKE_MAX_BYTES is not downloaded:
its headers are recorded as refused. Between rounds the fetcher waits in IDLE when the server offers it (new mail
wakes it at once), else it polls every IMAP_POLL_SECONDS.
"""

from __future__ import annotations

import logging
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import Flask
from imapclient import IMAPClient
from imapclient.imapclient import SEEN
from sqlalchemy.exc import OperationalError

from backoffice.models.inbound_mail import InboundSource
from backoffice.services.mail_intake.receive import receive, refuse

log = logging.getLogger("backoffice.mail_fetch")
BATCH = 20  # messages asked for at a time: a huge mailbox is read in steps, each marked as it is stored


@dataclass
class FetchReport:
    stored: list[int] = field(default_factory=list)  # inbound message ids recorded now
    duplicates: list[int] = field(default_factory=list)  # already recorded (a run before died before marking)
    refused: list[int] = field(default_factory=list)


class Fetcher:
    def __init__(self, app: Flask):
        self.app = app
        self.config = app.config

    def connect(self) -> IMAPClient:
        config = self.config
        security = config["IMAP_SECURITY"]
        context = ssl.create_default_context(cafile=config.get("IMAP_CA_FILE"))
        client = IMAPClient(config["IMAP_HOST"], port=config["IMAP_PORT"], ssl=security == "tls",
                            ssl_context=context, timeout=config["IMAP_TIMEOUT_SECONDS"])
        if security == "starttls":
            client.starttls(context)
        client.login(config["IMAP_USER"], config["IMAP_PASSWORD"] or "")
        client.select_folder(config["IMAP_FOLDER"])
        return client

    def fetch_new(self, client: IMAPClient) -> FetchReport:
        """One round: every unseen message in the folder, stored and then marked."""
        report = FetchReport()
        uids = sorted(client.search(["UNSEEN"]))
        limit = self.config["MAIL_INTAKE_MAX_BYTES"]
        for start in range(0, len(uids), BATCH):
            batch = uids[start:start + BATCH]
            sizes = client.fetch(batch, ["RFC822.SIZE"])
            for uid in batch:
                if uid not in sizes:
                    continue  # expunged meanwhile by another client
                size = sizes[uid][b"RFC822.SIZE"]
                if size > limit:
                    headers = client.fetch([uid], ["BODY.PEEK[HEADER]"])[uid][b"BODY[HEADER]"]
                    received = self._in_app(refuse, headers, size, InboundSource.IMAP)
                    report.refused.append(received.inbound_id)
                else:
                    raw = client.fetch([uid], ["BODY.PEEK[]"])[uid][b"BODY[]"]
                    received = self._in_app(receive, raw, InboundSource.IMAP)
                    (report.duplicates if received.duplicate else report.stored).append(received.inbound_id)
                self._mark_done(client, uid)  # after the commit: a crash before this only means a re-fetch
        return report

    def _mark_done(self, client: IMAPClient, uid: int) -> None:
        client.add_flags([uid], [SEEN])
        folder = self.config.get("IMAP_DONE_FOLDER")
        if folder:
            if client.has_capability("MOVE"):
                client.move([uid], folder)
            else:
                client.copy([uid], folder)
                client.delete_messages([uid])
                if client.has_capability("UIDPLUS"):
                    client.uid_expunge([uid])
                else:
                    client.expunge()

    def _in_app(self, function: Callable, *args):
        with self.app.app_context():
            return function(*args)

    def wait_for_mail(self, client: IMAPClient) -> None:
        """Until new mail may be there: IDLE when the server has it (at most a poll interval), else a poll's sleep."""
        seconds = self.config["IMAP_POLL_SECONDS"]
        if client.has_capability("IDLE"):
            client.idle()
            try:
                client.idle_check(timeout=seconds)
            finally:
                client.idle_done()
        else:
            time.sleep(seconds)

    def run(self, once: bool = False, rounds: int | None = None) -> FetchReport:
        """Fetch until stopped (or once); a lost connection (or database) is tried again after a poll interval."""
        total = FetchReport()
        done = 0
        while True:
            try:
                client = self.connect()
                try:
                    while True:
                        report = self.fetch_new(client)
                        for name in ("stored", "duplicates", "refused"):
                            getattr(total, name).extend(getattr(report, name))
                        done += 1
                        if once or (rounds is not None and done >= rounds):
                            return total
                        self.wait_for_mail(client)
                finally:
                    try:
                        client.logout()
                    except Exception:  # the connection is already gone
                        pass
            except (OSError, IMAPClient.Error, IMAPClient.AbortError, OperationalError) as error:
                if once:
                    raise
                log.warning("IMAP: %s; connecting again in %s s", error, self.config["IMAP_POLL_SECONDS"])
                time.sleep(self.config["IMAP_POLL_SECONDS"])
