"""The `backoffice` command: Flask's CLI with the app factory, plus the project's own commands."""

from __future__ import annotations

import logging
import os
import sys
import time

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from backoffice.security import Actor


def main() -> None:
    # The commands' own messages (mail printed by the worker in development, purge counts) go to stderr.
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    cli = FlaskGroup(create_app=_create_app, add_default_commands=True, help="Support back-office commands.")
    cli.main(prog_name="backoffice")


def _create_app(*_args):
    from backoffice import create_app

    return create_app()


def register_commands(app: Flask) -> None:
    for command in (serve, create_staff, seed_demo, seed_scale, worker):
        app.cli.add_command(command)
    from backoffice.cli_licensing import COMMANDS as licensing_commands

    for command in licensing_commands:
        app.cli.add_command(command)
    from backoffice.cli_accounts import COMMANDS as account_commands

    for command in account_commands:
        app.cli.add_command(command)
    from backoffice.cli_support import COMMANDS as support_commands

    for command in support_commands:
        app.cli.add_command(command)


@click.command("serve")
@click.option("--host", default=None, help="Address to bind (default from BACKOFFICE_SERVE_HOST or 127.0.0.1).")
@click.option("--port", default=None, type=int, help="Port (default 5000).")
@click.option("--workers", default=None, type=int, help="gunicorn worker processes.")
@click.option("--threads", default=None, type=int, help="Threads per worker (gthread).")
@with_appcontext
def serve(host, port, workers, threads):
    """Serve the app with gunicorn: threaded workers, so one slow client holds a thread, not a process; each
    request's body must arrive within BODY_READ_TIMEOUT_SECONDS (backoffice/body_deadline.py)."""
    config = current_app.config
    bind = f"{host or config['SERVE_HOST']}:{port or config['SERVE_PORT']}"
    args = ["gunicorn", "--worker-class", "gthread", "--workers", str(workers or config["SERVE_WORKERS"]),
            "--threads", str(threads or config["SERVE_THREADS"]), "--bind", bind, "--access-logfile", "-",
            "backoffice.wsgi:app"]
    os.execvp(sys.executable, [sys.executable, "-m", *args])


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


@click.command("seed-demo")
@with_appcontext
def seed_demo():
    """Load the demo data (idempotent): one staff user per role and a few customers."""
    from backoffice.seeding import seed_demo as seed

    for line in seed():
        click.echo(line)


@click.command("seed-scale")
@click.option("--customers", "customers", type=int, required=True, help="How many customers to add.")
@click.option("--batch", type=int, default=10_000, show_default=True)
@with_appcontext
def seed_scale(customers, batch):
    """Add bulk rows for benchmarks (never for production)."""
    from tqdm import tqdm

    from backoffice.seeding import seed_customers

    with tqdm(total=customers, unit="customers", file=sys.stderr) as progress:
        seed_customers(customers, batch=batch, progress=progress.update)


@click.command("worker")
@click.option("--once", is_flag=True, help="Run what is due now, then exit.")
@click.option("--interval", type=float, default=2.0, show_default=True, help="Seconds between polls when idle.")
@click.option("--batch", type=int, default=20, show_default=True, help="Jobs claimed at a time.")
@click.option("--kind", "kind_names", multiple=True, help="Run only jobs of this kind (repeatable).")
@with_appcontext
def worker(once, interval, batch, kind_names):
    """Run queued jobs (mail, sample analysis, ...); run as many as you like, on as many hosts: no job runs twice
    at once."""
    from sqlalchemy.exc import OperationalError

    from backoffice.extensions import db
    from backoffice.jobs.kinds import load_all
    from backoffice.jobs.worker import run_due

    known = load_all()
    unknown = sorted(set(kind_names) - set(known))
    if unknown:
        raise click.BadParameter(f"unknown job kind {', '.join(unknown)}; known: {', '.join(sorted(known))}",
                                 param_hint="--kind")
    while True:
        try:
            report = run_due(batch, list(kind_names) or None)
        except OperationalError as error:
            # the database restarted or is out of reach: a long-running worker waits and tries again
            db.session.rollback()
            message = f"database unavailable: {error.orig or error}"
            if once:
                raise click.ClickException(message) from None
            click.echo(f"{message}; retrying in {interval:g} s", err=True)
            time.sleep(interval)
            continue
        if report.attempted:
            click.echo(f"done {len(report.done)}, retrying {len(report.retrying)}, failed {len(report.failed)}"
                       + (f", lost {len(report.lost)}" if report.lost else ""))
        if once:
            return
        if report.attempted < batch:
            time.sleep(interval)
