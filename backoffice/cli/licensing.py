"""`backoffice import-codes` and `backoffice import-blacklist`: CSV files of any size, all or nothing, every
bad line listed, with a progress bar and a dry run."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from backoffice.security import Actor
from backoffice.services import ServiceError
from backoffice.services.licensing.report import BulkReport


def _count_lines(path: str) -> int:
    with open(path, "rb") as handle:
        return max(sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b"")) - 1, 0)


def _finish(report: BulkReport) -> None:
    for error in report.errors:
        click.echo(str(error), err=True)
    click.echo(report.summary(), err=not report.ok)
    if not report.ok:
        sys.exit(1)


@click.command("import-codes")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Check every line and write nothing.")
@with_appcontext
def import_codes_command(path, dry_run):
    """Import activation codes from a CSV file with the header code,product,seats,valid_from,expires_at."""
    from tqdm import tqdm

    from backoffice.services.licensing.bulk import import_codes

    with open(path, encoding="utf-8-sig", newline="") as handle, \
            tqdm(total=_count_lines(path), unit="lines", file=sys.stderr) as progress:
        try:
            report = import_codes(handle, Actor.system("import-codes"), dry_run=dry_run, progress=progress.update)
        except (ServiceError, UnicodeDecodeError) as error:
            raise click.ClickException(getattr(error, "message", "The file is not UTF-8 text.")) from None
    _finish(report)


@click.command("import-blacklist")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Check every line and write nothing.")
@with_appcontext
def import_blacklist_command(path, dry_run):
    """Blacklist the codes of a CSV file with the header code,reason,note."""
    from tqdm import tqdm

    from backoffice.services.licensing.blacklist import blacklist_codes, lines_from_csv

    with open(path, encoding="utf-8-sig", newline="") as handle, \
            tqdm(total=_count_lines(path), unit="lines", file=sys.stderr) as progress:
        def counted():
            for line in lines_from_csv(handle):
                progress.update(1)
                yield line

        try:
            report = blacklist_codes(counted(), Actor.system("import-blacklist"), dry_run=dry_run)
        except (ServiceError, UnicodeDecodeError) as error:
            raise click.ClickException(getattr(error, "message", "The file is not UTF-8 text.")) from None
    _finish(report)


COMMANDS = [import_codes_command, import_blacklist_command]
