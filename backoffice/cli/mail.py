"""Incoming mail: `mail-fetch` (an IMAP mailbox) and `mail-receive` (an SMTP/LMTP server for the MTA). Both hand
each message to the one intake; `backoffice worker` then runs its `mail.intake` job."""

from __future__ import annotations

import signal
import threading

import click
from flask import current_app
from flask.cli import with_appcontext


@click.command("mail-fetch")
@click.option("--once", is_flag=True, help="Fetch what is there now, then exit.")
@with_appcontext
def mail_fetch(once):
    """Read new mail from the IMAP mailbox (IMAP_HOST, IMAP_USER, ...): IDLE where offered, polling otherwise."""
    from backoffice.mail_fetch import Fetcher

    app = current_app._get_current_object()
    if not app.config.get("IMAP_HOST") or not app.config.get("IMAP_USER"):
        raise click.ClickException("Set BACKOFFICE_IMAP_HOST and BACKOFFICE_IMAP_USER (and _PASSWORD) first.")
    try:
        report = Fetcher(app).run(once=once)
    except Exception as error:  # with --once: the server or the database was out of reach; say so, exit 1
        raise click.ClickException(f"mail-fetch stopped: {type(error).__name__}: {error}") from None
    click.echo(f"stored {len(report.stored)}, already stored {len(report.duplicates)}, "
               f"refused as too large {len(report.refused)}")


@click.command("mail-receive")
@click.option("--host", default=None, help="Address to bind (default MAIL_RECEIVE_HOST).")
@click.option("--port", default=None, type=int, help="Port (default MAIL_RECEIVE_PORT).")
@click.option("--protocol", type=click.Choice(["lmtp", "smtp"]), default=None,
              help="LMTP (from the MTA's local delivery) or SMTP (default MAIL_RECEIVE_PROTOCOL).")
@with_appcontext
def mail_receive(host, port, protocol):
    """Accept mail from the organisation's MTA over SMTP or LMTP and hand each message to the intake."""
    from backoffice.mail_receive import make_controller

    app = current_app._get_current_object()
    config = app.config
    controller = make_controller(app, host or config["MAIL_RECEIVE_HOST"], port or config["MAIL_RECEIVE_PORT"],
                                 protocol or config["MAIL_RECEIVE_PROTOCOL"])
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    controller.start()
    click.echo(f"{(protocol or config['MAIL_RECEIVE_PROTOCOL']).upper()} mail intake on "
               f"{controller.hostname}:{controller.port}", err=True)
    try:
        stop.wait()
    finally:
        controller.stop()


COMMANDS = [mail_fetch, mail_receive]
