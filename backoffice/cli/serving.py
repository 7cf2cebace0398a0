"""`backoffice serve` (gunicorn) and `backoffice worker` (the job queue)."""

from __future__ import annotations

import os
import sys
import time

import click
from flask import current_app
from flask.cli import with_appcontext


@click.command("serve")
@click.option("--host", default=None, help="Address to bind (default from BACKOFFICE_SERVE_HOST or 127.0.0.1).")
@click.option("--port", default=None, type=int, help="Port (default 5000).")
@click.option("--workers", default=None, type=int, help="gunicorn worker processes.")
@click.option("--threads", default=None, type=int, help="Threads per worker (gthread).")
@with_appcontext
def serve(host, port, workers, threads):
    """Serve the app with gunicorn: threaded workers, so one slow client holds a thread, not a process; each
    request's body must arrive within BODY_READ_TIMEOUT_SECONDS (backoffice/inputs/body_deadline.py)."""
    config = current_app.config
    bind = f"{host or config['SERVE_HOST']}:{port or config['SERVE_PORT']}"
    args = ["gunicorn", "--worker-class", "gthread", "--workers", str(workers or config["SERVE_WORKERS"]),
            "--threads", str(threads or config["SERVE_THREADS"]), "--bind", bind, "--access-logfile", "-",
            "backoffice.wsgi:app"]
    os.execvp(sys.executable, [sys.executable, "-m", *args])


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


COMMANDS = [serve, worker]
