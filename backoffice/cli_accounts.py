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


COMMANDS = [purge_unactivated]


def _stderr():
    return sys.stderr
