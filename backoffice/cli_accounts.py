"""`backoffice` commands for customer accounts: purge never-activated accounts, import Personal Cabinet."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from backoffice.security import Actor


@click.command("purge-unactivated")
@with_appcontext
def purge_unactivated():
    """Delete accounts still pending after the activation period (safe from cron on many machines)."""
    from backoffice.services.registration import purge_unactivated as purge

    count = purge(Actor.system("purge-unactivated"))
    click.echo(f"Deleted {count} account(s) not activated in time.")


@click.command("send-news")
@click.option("--subject", required=True, help="Subject line of the news message.")
@click.argument("body_file", type=click.File("r", encoding="utf-8"))
@with_appcontext
def send_news(subject, body_file):
    """Queue a news message (plain text from BODY_FILE) to every subscriber, with one-click unsubscribe."""
    from tqdm import tqdm

    from backoffice.services import ServiceError, news

    with tqdm(unit="mails", file=sys.stderr) as progress:
        try:
            count = news.send_news(subject, body_file.read(), Actor.system("send-news"), progress=progress.update)
        except ServiceError as error:
            raise click.ClickException(error.message) from None
    click.echo(f"Queued the news for {count} subscriber(s).")


COMMANDS = [purge_unactivated, send_news]
