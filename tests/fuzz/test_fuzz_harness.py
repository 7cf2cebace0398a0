"""The fuzz's own detectors, on routes added for the purpose: a fuzz that cannot see a fault passes for nothing."""

from __future__ import annotations

from flask import abort

from backoffice.extensions import db
from backoffice.security import Actor
from backoffice.services.audit import record
from tests.fuzz.forms import parse_page
from tests.fuzz.hostile import HOSTILE, Field, Part, multipart
from tests.fuzz.ledger import Ledger
from tests.fuzz.probe import Probe, Prober, app_errors_in


def _audit_and(action: str, then):
    def view():
        record(Actor.system("fuzz-harness"), action, object_type="fuzz")
        db.session.commit()
        return then()

    return view


def _probe_routes(app) -> None:
    app.add_url_rule("/_fuzz/refused-write", "fuzz_refused_write", _audit_and("fuzz.written", lambda: abort(400)),
                     methods=["POST"])
    app.add_url_rule("/_fuzz/refused-login", "fuzz_refused_login",
                     _audit_and("customer.login_failed", lambda: abort(400)), methods=["POST"])
    app.add_url_rule("/_fuzz/refused-login-elsewhere", "fuzz_refused_login_elsewhere",
                     _audit_and("customer.login_failed", lambda: abort(400)), methods=["POST"])
    app.add_url_rule("/_fuzz/crash", "fuzz_crash", lambda: 1 / 0)

    def store_label():
        from flask import request

        record(Actor.system(request.form["label"]), "fuzz.stored", object_type="fuzz")
        db.session.commit()
        return "stored"

    app.add_url_rule("/_fuzz/store", "fuzz_store", store_label, methods=["POST"])


def test_a_500_a_refused_write_and_stored_control_text_are_found(app, caplog):
    _probe_routes(app)
    ledger = Ledger()
    prober = Prober(app, app.test_client(), ledger, caplog)
    with app_errors_in(caplog):
        prober.send(Probe("GET", "/_fuzz/crash", hostile="none"))
        prober.send(Probe("POST", "/_fuzz/refused-write", body=[], hostile="none"))
        # a failed sign-in audited by a sign-in page is allowed; by any other page it is not
        prober.send(Probe("POST", "/_fuzz/refused-login", body=[], rule="/login", hostile="none"))
        prober.send(Probe("POST", "/_fuzz/refused-login-elsewhere", body=[], hostile="none"))
        prober.send(Probe("POST", "/_fuzz/store", body=[Part("label", b"a\x07b")], payload=b"a\x07b",
                          hostile="control characters"))
    prober.close()
    ledger.close()
    found = {(finding.kind, finding.rule, finding.detail) for finding in prober.findings}
    assert found == {
        ("5xx", "/_fuzz/crash", "ZeroDivisionError: division by zero"),
        ("write on refusal", "/_fuzz/refused-write", "inserted audit_events(action='fuzz.written')"),
        ("write on refusal", "/_fuzz/refused-login-elsewhere", "inserted audit_events(action='customer.login_failed')"),
        ("hostile text stored", "/_fuzz/store", "audit_events.actor_label"),
    }


def test_forms_are_read_as_a_browser_would_send_them():
    page = parse_page("/page", """
        <form method="post" action="/save?id=3" enctype="multipart/form-data">
          <input name="title" value="Hello"><input type="hidden" name="csrf_token" value="t">
          <input type="checkbox" name="on" checked><input type="checkbox" name="off">
          <select name="kind"><option value="a">A<option value="b" selected>B</select>
          <textarea name="body">Text</textarea><input type="file" name="upload">
          <input name="gone" disabled><button name="go" value="1">Go</button>
          <input type="email" name="mail" required><input type="checkbox" name="terms" value="y" required>
          <input type="radio" name="pick" value="p" required><input type="radio" name="pick" value="q" required>
        </form>
        <a href="/list?page=2&sort=1">next</a><a href="https://elsewhere.example/?x=1">away</a>""")
    (form,) = page.forms
    assert (form.action, form.method, form.is_multipart) == ("/save?id=3", "POST", True)
    sent = [(part.name, part.value, part.filename) for part in form.default_parts()]
    assert sent == [("title", b"Hello", None), ("csrf_token", b"t", None), ("on", b"on", None),
                    ("kind", b"b", None), ("body", b"Text", None),
                    ("upload", b"harmless sample file\n", b"sample.txt"),
                    ("mail", b"fuzz-visitor@example.com", None), ("terms", b"y", None),  # what a person types
                    ("pick", b"p", None), ("go", b"1", None)]
    assert page.links == ["/list?page=2&sort=1"]
    assert [field.alternative for field in form.fields() if field.name == "kind"] == [b"a"]


def test_each_hostile_shape_changes_only_its_field():
    parts = [Part("a", b"1"), Part("b", b"2")]
    by_name = {value.name: value for value in HOSTILE}
    text_field = Field("a", "text", b"9")
    assert by_name["sent twice"].apply(parts, text_field) == [Part("a", b"1"), Part("a", b"9"), Part("b", b"2")]
    assert by_name["sent as list"].apply(parts, text_field) == [Part("a[]", b"1"), Part("b", b"2")]
    assert by_name["missing"].apply(parts, text_field) == [Part("b", b"2")]
    assert by_name["text for file"].apply(parts, text_field) is None
    assert by_name["file for text"].apply(parts, text_field)[0].filename == b"fuzz.txt"
    assert by_name["invalid UTF-8"].apply(parts, text_field)[0] == Part("a", b"ab\xffcd")
    body, content_type = multipart([Part("a", b"\xff"), Part("f", b"data", filename=b"n\xff.txt")])
    assert b'name="a"\r\n\r\n\xff\r\n' in body and b'filename="n\xff.txt"' in body
    assert content_type.startswith("multipart/form-data; boundary=")
