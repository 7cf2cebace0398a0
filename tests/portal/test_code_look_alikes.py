"""Codes people can type: generated codes have no look-alike characters (0 O 1 I L), codes made before stay valid,
and an unknown typed code that holds look-alikes gets a message naming them, the same whether or not a code with
the other character exists."""

from __future__ import annotations

from datetime import timedelta

import pytest

from backoffice.clock import utcnow
from backoffice.security import Actor
from backoffice.services.licensing.generate import generate_codes
from backoffice.services.licensing.normalise import GENERATED_ALPHABET, LOOK_ALIKES
from tests.licensing_helpers import active_holders, make_code, make_product


@pytest.fixture
def signed_in(app, make, sign_in_customer):
    return sign_in_customer(app.test_client(), make.customer())


def add(client, raw):
    return client.post("/codes/add", data={"code": raw})


def test_generated_codes_use_no_look_alike_character(app):
    now = utcnow()
    codes = generate_codes(make_product().id, 2_000, 1, now, now + timedelta(days=365), Actor.system("test"))
    used = set("".join(codes).replace("-", ""))
    assert used.isdisjoint(LOOK_ALIKES) and used <= set(GENERATED_ALPHABET)
    assert len(used) == len(GENERATED_ALPHABET) == 31  # every other character is drawn


def test_a_code_made_before_with_look_alikes_is_still_added(signed_in):
    code = make_code(code="O0O0O-1I1L1-ABCDE-00000")
    response = add(signed_in, code.code.lower())
    assert response.status_code == 200 and active_holders(code) == 1


def test_an_unknown_code_with_look_alikes_names_them_and_confirms_no_other_code(signed_in):
    typed = "ABCDE-FGHOJ-KMNPQ-RSTUV"  # O where a real code may have 0: the message must not tell
    without_twin = add(signed_in, typed).get_data(as_text=True)
    make_code(code=typed.replace("O", "0"))
    with_twin = add(signed_in, typed).get_data(as_text=True)
    hint = "It contains characters that are easy to misread: O (the letter) may be 0 (zero)."
    assert f"We do not know the activation code {typed}." in without_twin and hint in without_twin
    assert _message(with_twin) == _message(without_twin)


def test_an_unknown_code_without_look_alikes_gets_no_hint(signed_in):
    html = add(signed_in, "ABCDE-FGHJK-MNPQR-STUVW").get_data(as_text=True)
    assert "We do not know the activation code ABCDE-FGHJK-MNPQR-STUVW." in html
    assert "easy to misread" not in html


def _message(html: str) -> str:
    start = html.index("We do not know")
    return html[start:html.index("<", start)]
