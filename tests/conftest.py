"""Fixtures: an app over a freshly migrated database per test, on SQLite always and on PostgreSQL when
BACKOFFICE_TEST_DATABASE_URL is set; a test client; factories; a real SMTP server on loopback."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from backoffice import create_app
from backoffice.clock import set_now
from backoffice.extensions import db
from tests.factories import Factories
from tests.smtp import SmtpSink

PG_URL = os.environ.get("BACKOFFICE_TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


def migrate(url: str, revision: str = "heads") -> None:
    from flask_migrate import upgrade

    app = create_app(base_config(url, storage_dir="/nonexistent"))
    with app.app_context():
        upgrade(revision=revision)
        db.engine.dispose()


def base_config(url: str, storage_dir: str) -> dict:
    return {
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": url,
        "STORAGE_DIR": storage_dir,
        "PUBLIC_URL": "http://portal.example.com",
        "CAPTCHA_ENABLED": False,
        "WTF_CSRF_ENABLED": False,  # tests/test_csrf.py proves the protection with it on
        "RATELIMIT_STORAGE_URI": "memory://",
        "MAIL_RETRY_BASE_SECONDS": 1,
        "TESTING": True,
    }


class Database:
    """A migrated database for one backend, reset to empty before each test."""

    def __init__(self, backend: str, workdir: Path):
        self.backend = backend
        if backend == "sqlite":
            self.template = workdir / "template.db"
            migrate(f"sqlite:///{self.template}")
            self.workdir = workdir
        else:
            # one database per xdist worker (and per BACKOFFICE_TEST_DB_SUFFIX, for parallel runs by hand)
            worker = os.environ.get("PYTEST_XDIST_WORKER", "main") + os.environ.get("BACKOFFICE_TEST_DB_SUFFIX", "")
            admin_url = make_url(PG_URL)
            name = f"{admin_url.database}_{worker}"
            self.url = admin_url.set(database=name).render_as_string(hide_password=False)
            admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                connection.execute(text(f'CREATE DATABASE "{name}"'))
            admin.dispose()
            migrate(self.url)
            self.engine = create_engine(self.url)
            with self.engine.connect() as connection:
                self.tables = [
                    row[0] for row in connection.execute(text(
                        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                        "AND tablename NOT IN ('alembic_version', 'support_request_types')"))  # seeded by 0005
                ]

    def fresh_url(self) -> str:
        if self.backend == "sqlite":
            path = self.workdir / f"test-{uuid.uuid4().hex}.db"
            shutil.copyfile(self.template, path)
            return f"sqlite:///{path}"
        with self.engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {', '.join(self.tables)} RESTART IDENTITY CASCADE"))
        return self.url


@pytest.fixture(scope="session", params=BACKENDS)
def database(request, tmp_path_factory) -> Database:
    return Database(request.param, tmp_path_factory.mktemp(f"db-{request.param}"))


@pytest.fixture
def app_config(database, tmp_path) -> dict:
    """Override entries in a test before `app` is built: `app_config["X"] = ...`."""
    return base_config(database.fresh_url(), storage_dir=str(tmp_path / "storage"))


@pytest.fixture
def app(app_config):
    app = create_app(app_config)
    app.before_request_funcs.setdefault(None, []).insert(0, _fresh_request_globals)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()
    set_now(None)


def _fresh_request_globals() -> None:
    """Test requests run inside the fixture's app context, so they would share `g`: the signed-in user cached
    by Flask-Login, the CSRF token, the CSP nonce. In production each request has a fresh `g`; so here too."""
    from flask import g

    for name in list(g):
        g.pop(name)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make(app) -> Factories:
    return Factories()


@pytest.fixture
def backend(database) -> str:
    return database.backend


@pytest.fixture
def postgres_only(database):
    if database.backend != "postgresql":
        pytest.skip("needs PostgreSQL: set BACKOFFICE_TEST_DATABASE_URL")


@pytest.fixture
def smtp(app_config):
    """A real SMTP server on loopback; the app under test is pointed at it."""
    sink = SmtpSink()
    sink.start()
    app_config.update({"SMTP_HOST": sink.host, "SMTP_PORT": sink.port})
    yield sink
    sink.stop()


class Workers:
    """`backoffice worker` as real processes over the test's database and blob store, ended after the test."""

    def __init__(self, app_config: dict):
        self.app_config = app_config
        self.processes: list[subprocess.Popen] = []

    def env(self, **settings) -> dict:
        config = self.app_config
        env = {**os.environ, "BACKOFFICE_DATABASE_URL": config["SQLALCHEMY_DATABASE_URI"],
               "BACKOFFICE_STORAGE_DIR": config["STORAGE_DIR"], "BACKOFFICE_SECRET_KEY": config["SECRET_KEY"],
               "BACKOFFICE_PUBLIC_URL": config["PUBLIC_URL"]}
        for key in ("SMTP_HOST", "SMTP_PORT", "YARA_RULES_DIR"):
            if config.get(key) is not None:
                env[f"BACKOFFICE_{key}"] = str(config[key])
        env.update({f"BACKOFFICE_{key}": str(value) for key, value in settings.items()})
        return env

    def start(self, *args: str, **settings) -> subprocess.Popen:
        """Start a worker polling every 0.1 s; `settings` become BACKOFFICE_* variables (e.g. lease seconds)."""
        command = [str(Path(sys.executable).with_name("backoffice")), "worker", "--interval", "0.1", *args]
        process = subprocess.Popen(command, env=self.env(**settings), stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, text=True)
        self.processes.append(process)
        return process

    def stop_all(self) -> None:
        while self.processes:
            process = self.processes.pop()
            if process.poll() is None:
                process.kill()
            process.wait(timeout=10)
            if process.stdout:
                output = process.stdout.read()
                process.stdout.close()
                if output:  # shown with a failing test's captured output
                    print(f"--- worker {process.pid} ---\n{output[-4000:]}")


@pytest.fixture
def workers(app_config, app):
    """Start real worker processes with `workers.start()`; all are killed at the end of the test."""
    pool = Workers(app_config)
    yield pool
    pool.stop_all()


def wait_until(condition, timeout: float = 20.0, interval: float = 0.05, message: str = "condition"):
    """Poll `condition` (with a fresh view of the database each time) until it returns something truthy."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        db.session.expire_all()
        db.session.rollback()  # end the read transaction, so the next poll sees other processes' commits
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {message}")


class ConsoleSession:
    """Signs a staff user in and out of the console through the real login form."""

    def __init__(self, client):
        self.client = client

    def login(self, email: str, password: str):
        return self.client.post("/console/login", data={"email": email, "password": password})

    def logout(self):
        return self.client.post("/console/logout")


@pytest.fixture
def console(client) -> ConsoleSession:
    return ConsoleSession(client)


@pytest.fixture
def sign_in_customer(app):
    """Put a customer's login into a test client's session (for tests of pages behind the portal login;
    the portal's own sign-in flow has its tests in tests/portal)."""
    from backoffice.security import CustomerIdentity, start_session

    def sign_in(client, customer):
        with app.test_request_context():
            session_id = start_session(CustomerIdentity(customer)).get_id()  # recorded, as a real sign-in is
        with client.session_transaction() as session:
            session["_user_id"] = session_id
            session["_fresh"] = True
        return client

    return sign_in


def form_token(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)
