"""The `backoffice` command: Flask's CLI with the app factory, plus the project's own commands, one module per
domain (serving, accounts and staff, demo data, licensing, support, incoming mail)."""

from __future__ import annotations

import logging

from flask import Flask
from flask.cli import FlaskGroup


def main() -> None:
    # The commands' own messages (mail printed by the worker in development, purge counts) go to stderr.
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    cli = FlaskGroup(create_app=_create_app, add_default_commands=True, help="Support back-office commands.")
    cli.main(prog_name="backoffice")


def _create_app(*_args):
    from backoffice import create_app

    return create_app()


def register_commands(app: Flask) -> None:
    from backoffice.cli import accounts, demo, licensing, mail, serving, support

    for module in (serving, accounts, demo, licensing, support, mail):
        for command in module.COMMANDS:
            app.cli.add_command(command)
