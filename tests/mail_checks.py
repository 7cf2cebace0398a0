"""What every outgoing message must be once parsed back as a mail client parses it (email policy.default)."""

from __future__ import annotations

import re
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser


class _Outline(HTMLParser):
    def __init__(self):
        super().__init__()
        self.doctype: str | None = None
        self.tags: list[tuple[str, dict]] = []
        self.title = ""
        self._in_title = False

    def handle_decl(self, decl):
        self.doctype = decl

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_title = tag == "title"

    def handle_endtag(self, tag):
        self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.title += data


def assert_whole_html_document(html: str) -> None:
    """<!doctype html><html lang><head><meta charset><title>…</title></head><body>, in that order."""
    outline = _Outline()
    outline.feed(html)
    assert (outline.doctype or "").lower() == "doctype html"
    names = [tag for tag, _ in outline.tags]
    assert names[:2] == ["html", "head"], names[:4]
    assert outline.tags[0][1].get("lang")
    head = names[2:names.index("body")]
    assert "title" in head and any(tag == "meta" and "charset" in attrs for tag, attrs in outline.tags[2:len(head) + 2])
    assert outline.title.strip()


def assert_well_formed(email: EmailMessage, domain: str) -> None:
    """No defects anywhere, a Message-ID at our domain, a Date with its zone, a text and a whole HTML part."""
    for part in email.walk():
        assert part.defects == [], part.defects
        for name, value in part.items():
            assert getattr(value, "defects", ()) == (), (name, value.defects)
    assert re.fullmatch(rf"<[0-9a-f]{{32}}@{re.escape(domain)}>", email["Message-ID"]), email["Message-ID"]
    assert not email["Date"].endswith("-0000")
    assert parsedate_to_datetime(email["Date"]).tzinfo is not None
    assert email.get_body(("plain",)).get_content().strip()
    assert_whole_html_document(email.get_body(("html",)).get_content())
