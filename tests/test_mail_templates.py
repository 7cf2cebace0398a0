"""Every mail template has a text part and a whole HTML document (through the base it extends), so no client is
left to guess a fragment's encoding or language."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.mail_checks import assert_whole_html_document

TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "email"
MAILS = sorted(path.stem for path in TEMPLATES.glob("*.html") if not path.name.startswith("_"))
EXTENDS = re.compile(r'{%-?\s*extends\s+"email/([^"]+)"\s*-?%}')
JINJA = re.compile(r"{%.*?%}|{{.*?}}|{#.*?#}", re.S)


def _document_of(name: str) -> str:
    """The template's outermost document: the base it extends (and that base's), with the Jinja parts blanked
    to a word so the outline can be read."""
    source = (TEMPLATES / name).read_text()
    base = EXTENDS.search(source)
    return _document_of(base.group(1)) if base else JINJA.sub("x", source)


def test_there_are_mail_templates():
    assert len(MAILS) >= 20 and "ticket_reply" in MAILS and "staff_assigned" in MAILS


@pytest.mark.parametrize("name", MAILS)
def test_each_mail_has_a_text_part_and_a_whole_html_document(name):
    assert (TEMPLATES / f"{name}.txt").is_file()
    assert_whole_html_document(_document_of(f"{name}.html"))
