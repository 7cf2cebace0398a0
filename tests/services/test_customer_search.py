"""Customer search: a substring of the e-mail or the name, case-insensitive, 3+ characters, served by an index.

PostgreSQL answers it from trigram GIN indexes, SQLite from an FTS5 trigram table kept by triggers; both must
give the same answers, and both must be able to use their index (the point of not using Flask-Admin's search).
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from backoffice.extensions import db
from backoffice.models import Customer
from backoffice.services import ServiceError
from backoffice.services.customers import search_condition


def found(term: str) -> set[str]:
    return set(db.session.scalars(select(Customer.email).where(search_condition(term))))


def test_matches_a_fragment_of_the_email_or_of_the_name_in_any_case(make):
    make.customer(email="greta.kowalski.1042@mail.example.com", name="Greta Kowalski")
    make.customer(email="sven.novak@mail.example.com", name="Sven Novak")
    make.customer(email="info@company.example.org", name="Helga Kowalczyk")

    assert found("kowalski.10") == {"greta.kowalski.1042@mail.example.com"}
    assert found("KOWAL") == {"greta.kowalski.1042@mail.example.com", "info@company.example.org"}
    assert found("  novak ") == {"sven.novak@mail.example.com"}  # surrounding blanks are not part of the term
    assert found("example.org") == {"info@company.example.org"}
    assert found("zzz") == set()


def test_terms_shorter_than_three_characters_are_refused(app):
    for term in ("", "ab", "  a  "):
        with pytest.raises(ServiceError, match="at least 3 characters"):
            search_condition(term)


def test_wildcards_and_quotes_in_the_term_are_plain_characters(make):
    make.customer(email="a_b@example.com", name='Jo "JJ" 100% Smith')
    make.customer(email="axb@example.com", name="Jo JJ 1000 Smith")

    assert found("a_b@") == {"a_b@example.com"}
    assert found("100%") == {"a_b@example.com"}
    assert found('"jj"') == {"a_b@example.com"}
    assert found("%%%") == set()


def test_the_search_follows_edits_and_deletions(make):
    customer = make.customer(email="old.address@example.com", name="Before Rename")
    customer.email = "new.address@example.com"
    customer.name = "After Rename"
    db.session.commit()

    assert found("old.addr") == set()
    assert found("before") == set()
    assert found("new.addr") == {"new.address@example.com"}
    assert found("after ren") == {"new.address@example.com"}

    db.session.delete(customer)
    db.session.commit()
    assert found("new.addr") == set()


def test_the_search_can_be_answered_from_an_index(make, backend):
    make.customer(email="indexed@example.com", name="Ida Index")
    compiled = select(Customer.id).where(search_condition("index")).compile(db.engine)
    connection = db.session.connection()
    if backend == "postgresql":
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")  # a tiny table is cheaper to scan; force it
        plan = "\n".join(row[0] for row in connection.exec_driver_sql(f"EXPLAIN {compiled}", compiled.params))
        assert "ix_customers_email_trgm" in plan and "ix_customers_name_trgm" in plan, plan
    else:
        parameters = tuple(compiled.params[name] for name in compiled.positiontup)
        plan = "\n".join(row[-1] for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", parameters))
        assert "customers_fts VIRTUAL TABLE" in plan, plan
    db.session.rollback()
