"""`backoffice import-legacy`: all or nothing, line-numbered errors; imported owners claim by mailed link."""

from __future__ import annotations

from sqlalchemy import func, select

from backoffice.extensions import db
from backoffice.models import Customer, CustomerStatus, LegacyCode
from tests.portal.mailbox import deliver, link_in, only_message_to

GOOD = """email,name,country,codes
Old.User@Example.com,Olga Old,DE,ABCDE-12345-FGHIJ-67890
second@example.com,,France,KLMNO12345PQRST67890; UVWXY-ABCDE-12345-FGHIJ
third@example.com,Tim Third,,
"""


def write(tmp_path, text):
    path = tmp_path / "legacy.csv"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_import_creates_legacy_accounts_with_their_codes(runner, tmp_path):
    result = runner.invoke(args=["import-legacy", write(tmp_path, GOOD)])
    assert result.exit_code == 0, result.output
    assert "Imported 3 Personal Cabinet account(s)" in result.output
    customers = {c.email: c for c in db.session.scalars(select(Customer))}
    assert set(customers) == {"old.user@example.com", "second@example.com", "third@example.com"}
    assert all(c.status == CustomerStatus.LEGACY and c.password_hash is None for c in customers.values())
    assert customers["second@example.com"].country == "FR" and customers["third@example.com"].country is None
    codes = db.session.scalars(select(LegacyCode.code).order_by(LegacyCode.code)).all()
    assert codes == ["ABCDE-12345-FGHIJ-67890", "KLMNO-12345-PQRST-67890", "UVWXY-ABCDE-12345-FGHIJ"]


def test_any_bad_line_refuses_the_whole_file_naming_each_line(runner, tmp_path, make):
    make.customer(email="taken@example.com")
    bad = GOOD + """not-an-email,X,DE,
taken@example.com,Tom,DE,
second@example.com,Dup,DE,
fourth@example.com,Ann,Atlantis,
fifth@example.com,Bo,DE,SHORT-CODE
"""
    result = runner.invoke(args=["import-legacy", write(tmp_path, bad)])
    assert result.exit_code != 0
    for expected in ["line 5: Enter a valid e-mail address", "line 6: taken@example.com already has an account",
                     "line 7: second@example.com is also on line 3", "line 8: unknown country 'Atlantis'",
                     "line 9: 'SHORT-CODE' is not an activation code"]:
        assert expected in result.output, result.output
    assert db.session.scalar(select(func.count(Customer.id))) == 1  # only the pre-existing one
    assert db.session.scalar(select(func.count(LegacyCode.id))) == 0


def test_wrong_header_is_refused(runner, tmp_path):
    result = runner.invoke(args=["import-legacy", write(tmp_path, "mail;name\nx@example.com;X\n")])
    assert result.exit_code != 0 and "line 1: the header must be email,name,country,codes" in result.output


def test_imported_owner_claims_the_account_by_mailed_link(smtp, runner, client, tmp_path):
    runner.invoke(args=["import-legacy", write(tmp_path, GOOD)])
    unknown = client.post("/claim", data={"email": "nobody@example.com"}, follow_redirects=True)
    known = client.post("/claim", data={"email": "old.user@example.com"}, follow_redirects=True)
    assert known.text.replace("old.user@", "X@") == unknown.text.replace("nobody@", "X@")
    link = link_in(only_message_to(deliver(smtp), "old.user@example.com"), "/claim/")
    assert "Claim the account old.user@example.com" in client.get(link).text
    weak = client.post(link, data={"password": "qwertyuiop", "confirm": "qwertyuiop"})
    assert "one of the most common" in weak.text
    response = client.post(link, data={"password": "harbour pelican 19", "confirm": "harbour pelican 19"})
    assert response.status_code == 302 and response.headers["Location"] == "/account/profile"
    customer = db.session.scalar(select(Customer).where(Customer.email == "old.user@example.com"))
    assert customer.status == CustomerStatus.ACTIVE
    assert client.get(link).status_code == 404  # single use
    client.post("/logout")
    assert client.post("/login", data={"email": "old.user@example.com",
                                       "password": "harbour pelican 19"}).status_code == 302


def test_registering_with_an_imported_address_mails_the_claim_link(smtp, runner, client, tmp_path):
    runner.invoke(args=["import-legacy", write(tmp_path, GOOD)])
    client.post("/register", data={"email": "third@example.com", "password": "harbour pelican 19",
                                   "confirm": "harbour pelican 19", "terms": "y"})
    message = only_message_to(deliver(smtp), "third@example.com")
    assert message["Subject"] == "Claim your account" and link_in(message, "/claim/")
