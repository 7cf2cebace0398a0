"""The per-ticket reply address: ours round-trips, anything else names no ticket."""

import pytest

from backoffice.services.support.reply_address import mail_domain, reply_address, ticket_id_of


def test_a_reply_address_names_its_ticket(app):
    address = reply_address(4711)
    assert address.startswith("support+4711-") and address.endswith("@example.com")
    assert ticket_id_of(address) == 4711
    assert ticket_id_of(f"Some Customer <{address.upper()}>") == 4711  # clients may fold the case


@pytest.mark.parametrize("mangle", [
    lambda a: a.replace("+4711-", "+4712-"),  # another ticket's number with this one's signature
    lambda a: a[:-len("@example.com") - 1] + ("0" if a[-len("@example.com") - 1] != "0" else "1") + "@example.com",
    lambda a: a.replace("@example.com", "@example.org"),  # another domain
    lambda a: a.replace("support+", "sales+"),  # another mailbox
    lambda a: a.split("+")[0] + "@example.com",  # no token at all
    lambda a: a.replace("+4711-", "+4711-x"),
])
def test_an_altered_address_names_no_ticket(app, mangle):
    assert ticket_id_of(mangle(reply_address(4711))) is None


def test_the_token_depends_on_the_secret_key(app):
    address = reply_address(7)
    app.config["SECRET_KEY"] = "another deployment's key"
    assert ticket_id_of(address) is None


def test_configured_reply_address_and_domain(app):
    app.config["MAIL_REPLY_ADDRESS"] = "help+ignored@support.example.net"
    app.config["MAIL_DOMAIN"] = "mail.example.net"
    assert reply_address(3).startswith("help+3-") and reply_address(3).endswith("@support.example.net")
    assert ticket_id_of(reply_address(3)) == 3
    assert mail_domain() == "mail.example.net"
    app.config["MAIL_DOMAIN"] = None
    assert mail_domain() == "example.com"
