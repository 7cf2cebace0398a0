"""A refused portal form ties each error to its field: the input is marked aria-invalid and names the error (and
its help) in aria-describedby; required fields carry the one marker, read as "(required)"."""

from __future__ import annotations

import re


def _input(html: str, field_id: str) -> str:
    match = re.search(rf'<(?:input|textarea|select)[^>]*\bid="{field_id}"[^>]*>', html)
    assert match, f"no field #{field_id}"
    return match.group(0)


def test_a_refused_field_names_its_error_and_is_marked_invalid(client):
    response = client.post("/register", data={"email": "", "password": "x", "confirm": "y"})
    html = response.get_data(as_text=True)
    assert response.status_code in (200, 422)
    tag = _input(html, "email")
    assert 'aria-invalid="true"' in tag
    described = re.search(r'aria-describedby="([^"]+)"', tag).group(1).split()
    assert described[0] == "email-error" and 'id="email-error"' in html
    assert all(f'id="{name}"' in html for name in described)


def test_a_field_without_an_error_is_not_marked(client):
    html = client.get("/register").get_data(as_text=True)
    assert "aria-invalid" not in html and "-error" not in _input(html, "email")
    assert '<span class="required-marker" aria-hidden="true">*</span><span class="sr-only"> (required)</span>' in html
