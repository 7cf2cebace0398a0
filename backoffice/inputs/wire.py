"""The request as it comes off the wire: invalid UTF-8 kept recognisable, and an address no page accepts refused.

Werkzeug decodes query arguments and form fields leniently: invalid bytes become `%FF` text or U+FFFD, which then
look like something the person typed. `BoundaryRequest` decodes them with `surrogateescape` instead, so
`text.text_problem` can name the problem beside the field. Query arguments are plain text everywhere (searches,
filters, return addresses), so `address_problem` checks them once for every page (web.py asks it first); form
fields are checked by the forms, with each field's own message.
"""

from __future__ import annotations

import codecs
from urllib.parse import parse_qsl

from flask import Request, request
from werkzeug.formparser import FormDataParser, MultiPartParser
from werkzeug.utils import cached_property

from backoffice.inputs.text import text_problem

QUERY_VALUE_LENGTH = 4_000  # a search, a filter or a return address; browsers and proxies stop near 8 KB anyway
_MARKING_CODEC = "backoffice-utf-8-marking-invalid"


def _marking_codec(name: str):
    """UTF-8 whose decoder always keeps invalid bytes as lone surrogates, whatever `errors` the caller asks for
    (werkzeug's multipart parser asks for "replace")."""
    if name.replace("_", "-") != _MARKING_CODEC:
        return None
    utf8 = codecs.lookup("utf-8")
    return codecs.CodecInfo(name=_MARKING_CODEC, encode=utf8.encode,
                            decode=lambda data, errors="strict": utf8.decode(data, "surrogateescape"))


codecs.register(_marking_codec)


class _MarkingMultiPartParser(MultiPartParser):
    def get_part_charset(self, headers) -> str:
        charset = super().get_part_charset(headers)
        return _MARKING_CODEC if codecs.lookup(charset).name == "utf-8" else charset


class _MarkingFormParser(FormDataParser):
    def _parse_urlencoded(self, stream, mimetype, content_length, options):
        items = parse_qsl(stream.read().decode("utf-8", "surrogateescape"), keep_blank_values=True,
                          errors="surrogateescape")
        return stream, self.cls(items), self.cls()

    def _parse_multipart(self, stream, mimetype, content_length, options):
        boundary = options.get("boundary", "").encode("ascii")
        if not boundary:
            raise ValueError("Missing boundary")
        parser = _MarkingMultiPartParser(stream_factory=self.stream_factory, cls=self.cls,
                                         max_form_memory_size=self.max_form_memory_size,
                                         max_form_parts=self.max_form_parts)
        form, files = parser.parse(stream, boundary, content_length)
        return stream, form, files


class BoundaryRequest(Request):
    form_data_parser_class = _MarkingFormParser

    @cached_property
    def args(self):
        pairs = parse_qsl(self.query_string.decode("utf-8", "surrogateescape"), keep_blank_values=True,
                          errors="surrogateescape")
        return self.parameter_storage_class(pairs)


def address_problem() -> tuple[int, str] | None:
    """Why no page can answer this request's path or query (a status and a sentence), or None."""
    try:
        path = request.environ.get("PATH_INFO", "").encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return 404, None
    if "\ufffd" in path or text_problem(path, max_length=QUERY_VALUE_LENGTH):  # no route names a broken byte
        return 404, None
    # Flask-Admin also posts its return address as a form field `url` (its small urlencoded forms): it becomes a
    # Location header just the same. Multipart bodies are left to the endpoint's body limit and its form.
    urlencoded = request.method == "POST" and request.mimetype == "application/x-www-form-urlencoded"
    return_address = [("url", value) for value in request.form.getlist("url")] if urlencoded else []
    for name, value in [*request.args.items(multi=True), *return_address]:
        if text_problem(name, max_length=200) or text_problem(value, max_length=QUERY_VALUE_LENGTH):
            status = 414 if len(value) > QUERY_VALUE_LENGTH else 400
            return status, ("This address carries a value no page accepts (a control character, bytes that are "
                            "not text, or a value far too long). Check the link, or go back and try again.")
    return None

