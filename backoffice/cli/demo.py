"""Demo data for `make run` (from the files in seeds/) and bulk rows for benchmarks."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext


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


COMMANDS = [seed_demo, seed_scale]
