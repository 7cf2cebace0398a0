"""The application factory: wires configuration, extensions, blueprints, the console and the CLI."""

from __future__ import annotations

from flask import Flask

from config import load_config


def create_app(config: dict | None = None) -> Flask:
    config = load_config() if config is None else _with_defaults(config)
    # templates/ sits at the project's root beside seeds/ (the layout of DESIGN.md), not inside the package
    app = Flask(__name__, instance_relative_config=False, template_folder=config["TEMPLATES_DIR"])
    app.config.update(config)

    from backoffice import database, web
    from backoffice.extensions import csrf, db, limiter, login_manager, migrate

    database.configure_engine(app)
    web.init_app(app)  # first: its input boundary runs before every other hook, its converters before any route
    db.init_app(app)
    migrate.init_app(app, db, directory=str(database.MIGRATIONS_DIR))
    csrf.init_app(app)
    app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    limiter.init_app(app)
    login_manager.init_app(app)
    import backoffice.security  # noqa: F401  registers the user loader
    from backoffice.portal import portal

    app.register_blueprint(portal)

    from backoffice.console import init_console

    init_console(app)

    from backoffice.api import init_api

    init_api(app)

    from backoffice.cli import register_commands

    register_commands(app)
    return app


def _with_defaults(overrides: dict) -> dict:
    """Tests and tools pass a partial dict; the class defaults fill in the rest."""
    from config import Config

    config = {key: getattr(Config, key) for key in dir(Config) if key.isupper()}
    config.update(overrides)
    if not config.get("SECRET_KEY"):
        raise RuntimeError("SECRET_KEY is required")
    return config
