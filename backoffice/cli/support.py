"""Support commands: `close-resolved` (cron), `prune-wizard-drafts` (cron) and `ftp-server` (a daemon)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext


@click.command("close-resolved")
@with_appcontext
def close_resolved():
    """Close requests resolved more than TICKET_AUTOCLOSE_DAYS ago. Safe to run again: it closes nothing twice."""
    from backoffice.services.support.workflow import close_resolved as run

    count = run()
    click.echo(f"closed {count} resolved request(s)")


@click.command("prune-wizard-drafts")
@with_appcontext
def prune_wizard_drafts():
    """Drop unfinished request drafts older than WIZARD_DRAFT_DAYS."""
    from backoffice.services.support.wizard import prune_drafts

    click.echo(f"dropped {prune_drafts()} unfinished draft(s)")


@click.command("ftp-server")
@click.option("--host", default=None, help="Address to bind (default FTP_HOST).")
@click.option("--port", default=None, type=int, help="Port (default FTP_PORT).")
@with_appcontext
def ftp_server(host, port):
    """Serve the large-file channel: one FTP login per request (its number and the password on its page)."""
    from backoffice.ftp_server import make_server

    app = current_app._get_current_object()
    server = make_server(app, host or app.config["FTP_HOST"], port or app.config["FTP_PORT"])
    click.echo(f"FTP upload channel on {server.address[0]}:{server.address[1]}")
    server.serve_forever()


COMMANDS = [close_resolved, prune_wizard_drafts, ftp_server]
