"""`backoffice` commands for accounts: create a staff user, purge never-activated customer accounts, send news,
import Personal Cabinet."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from backoffice.security import Actor


@click.command("create-staff")
@click.option("--email", required=True)
@click.option("--name", default=None, help="Display name (defaults to the e-mail's local part).")
@click.option("--role", required=True, type=click.Choice(["admin", "support", "analyst"]))
@with_appcontext
def create_staff(email, name, role):
    """Create a staff user; the password is prompted for, never taken from the command line."""
    from backoffice.services import ServiceError
    from backoffice.services.staff import create_staff as create
    from backoffice.services.staff import staff_email_taken

    try:
        if staff_email_taken(email):  # say so before anyone types a password
            raise click.ClickException("A staff user with this e-mail already exists.")
    except ServiceError as error:
        raise click.ClickException(error.message) from None
    # click reads a hidden answer from the terminal (getpass), or from stdin when it is piped
    password = click.prompt("Password", hide_input=True)
    if click.prompt("Repeat password", hide_input=True) != password:
        raise click.ClickException("The passwords differ.")
    try:
        staff = create(email, name or email.split("@")[0], role, password, Actor.system("cli"))
    except ServiceError as error:
        raise click.ClickException(error.message) from None
    click.echo(f"Created {staff.role} {staff.email} (id {staff.id}).")


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


@click.command("import-legacy")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def import_legacy(csv_file):
    """Import Personal Cabinet accounts from CSV_FILE (email,name,country,codes): all lines or none."""
    from sqlalchemy.exc import IntegrityError
    from tqdm import tqdm

    from backoffice.services.legacy_import import ImportRefused, import_accounts, parse

    with open(csv_file, encoding="utf-8-sig", newline="") as rows:
        try:
            accounts = parse(rows)
        except ImportRefused as refusal:
            raise click.ClickException(refusal.message) from None
    with tqdm(total=len(accounts), unit="accounts", file=sys.stderr) as progress:
        try:
            count = import_accounts(accounts, Actor.system("import-legacy"), progress=progress.update)
        except IntegrityError:
            raise click.ClickException("Nothing was imported: an address in the file was registered while "
                                       "importing. Run the import again to see which.") from None
    click.echo(f"Imported {count} Personal Cabinet account(s). Their owners claim them at /claim.")


COMMANDS = [create_staff, purge_unactivated, send_news, import_legacy]
