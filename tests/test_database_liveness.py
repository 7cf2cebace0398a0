"""PostgreSQL connections are pinged only after sitting idle, and a dead idle one is replaced, not handed out."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from backoffice import database
from backoffice.extensions import db
from tests.factories import PASSWORD


def _backend_pid() -> int:
    pid = db.session.execute(text("SELECT pg_backend_pid()")).scalar()
    db.session.commit()
    db.session.close()  # the connection goes back to the pool, idle from now
    return pid


def _terminate(pid: int) -> None:
    """As a server restart or an idle timeout would: from another connection, outside the app's pool."""
    other = create_engine(db.engine.url, poolclass=NullPool)
    with other.connect() as connection:
        assert connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar()
    other.dispose()


def test_an_idle_connection_the_server_dropped_is_replaced_before_use(postgres_only, app, monkeypatch):
    monkeypatch.setattr(database, "PING_AFTER_IDLE_SECONDS", 0.0)
    first = _backend_pid()
    _terminate(first)
    assert _backend_pid() != first  # the pool connected anew instead of failing this statement


def test_a_connection_used_a_moment_ago_is_handed_out_without_a_round_trip(postgres_only, app, client, make,
                                                                             console, monkeypatch):
    staff = make.staff("support")
    console.login(staff.email, PASSWORD)
    pings = []
    real_ping = database.ping
    monkeypatch.setattr(database, "ping", lambda connection: pings.append(1) or real_ping(connection))
    for _ in range(5):
        db.session.close()  # as at the end of a request in production (the tests' app context outlives them)
        assert client.get("/console/").status_code == 200  # each request checks the session in the database
    assert pings == []
    monkeypatch.setattr(database, "PING_AFTER_IDLE_SECONDS", 0.0)  # now every checkout follows an idle spell
    db.session.close()
    assert client.get("/console/").status_code == 200
    assert len(pings) == 1


def test_sqlite_connections_are_never_pinged(app, client, make, console, backend, monkeypatch):
    if backend != "sqlite":
        pytest.skip("the SQLite case")
    pings = []
    monkeypatch.setattr(database, "PING_AFTER_IDLE_SECONDS", 0.0)
    monkeypatch.setattr(database, "ping", lambda connection: pings.append(1))
    staff = make.staff("support")
    console.login(staff.email, PASSWORD)
    db.session.close()
    assert client.get("/console/").status_code == 200
    assert pings == []
