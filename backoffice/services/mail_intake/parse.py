"""A raw message as the intake reads it: the addresses, the references, the text (HTML made safe text) and the
files. Python's email package with policy.default; a header it cannot parse reads as empty, never an error."""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr

import nh3

MESSAGE_ID = re.compile(r"<[^<>\s]{1,250}>")
RECIPIENT_HEADERS = ("To", "Cc", "Delivered-To", "X-Original-To", "Envelope-To")
# block-level tags end a line in the text shown; nh3 then drops every tag (and script/style with their content)
_BLOCK_END = re.compile(r"(?i)<\s*(br\s*/?|/p|/div|/tr|/li|/h[1-6]|/blockquote|/table)\s*>")
_BLOCK_START = re.compile(r"(?i)<\s*(li|blockquote)(\s[^>]*)?>")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SPACE_RUNS = re.compile(r"\n{3,}")


@dataclass
class MailFile:
    filename: str
    content_type: str
    data: bytes


@dataclass
class ParsedMail:
    message: EmailMessage
    message_id: str | None
    from_addr: str  # lower-case address, "" when none
    from_name: str
    recipients: list[str]  # lower-case addresses from every recipient header
    subject: str
    in_reply_to: list[str]
    references: list[str]
    text: str
    files: list[MailFile] = field(default_factory=list)

    def header(self, name: str) -> str:
        return header(self.message, name)


def parse(raw: bytes, headers_only: bool = False) -> ParsedMail:
    """The message read; with `headers_only`, no text and no files (what recording it needs, at a fraction of
    the cost)."""
    if headers_only:
        message = BytesParser(policy=policy.default).parsebytes(raw, headersonly=True)
    else:
        message = message_from_bytes(raw, policy=policy.default)
    name, address = parseaddr(header(message, "From"))
    recipients: list[str] = []
    for name_ in RECIPIENT_HEADERS:
        for _, addr in getaddresses(headers(message, name_)):
            addr = addr.strip().lower()
            if addr and addr not in recipients:
                recipients.append(addr)
    ids = MESSAGE_ID.findall(header(message, "Message-ID"))
    return ParsedMail(
        message=message,
        message_id=ids[0] if ids else None,
        from_addr=address.strip().lower(),
        from_name=printable(name)[:200],
        recipients=recipients,
        subject=printable(header(message, "Subject"))[:255],
        in_reply_to=MESSAGE_ID.findall(header(message, "In-Reply-To")),
        references=MESSAGE_ID.findall(header(message, "References")),
        text="" if headers_only else body_text(message),
        files=[] if headers_only else files_of(message),
    )


def header(message: EmailMessage, name: str) -> str:
    """The header's decoded value; "" when missing or unparseable (a spammer's header must not stop intake)."""
    try:
        value = message.get(name)
        return str(value) if value is not None else ""
    except Exception:  # the policy's header parsers raise on some malformed values
        return ""


def headers(message: EmailMessage, name: str) -> list[str]:
    try:
        return [str(value) for value in message.get_all(name) or []]
    except Exception:
        return []


def printable(text: str) -> str:
    """One line without control characters (folded headers and hostile bytes alike)."""
    text = " ".join(text.split())
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cc")


def clean_text(text: str) -> str:
    """Multi-line text as a thread stores it: no control characters but tab and newline, CRLF as LF."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _SPACE_RUNS.sub("\n\n", _CONTROL.sub("", text)).strip()


def html_to_text(markup: str) -> str:
    """HTML as text: nh3 (the Ammonia sanitiser) keeps no tag at all, so nothing of the sender's markup is ever
    rendered; block ends become line breaks first so paragraphs stay apart."""
    markup = _BLOCK_START.sub(lambda m: "\n> " if m.group(1).lower() == "blockquote" else "\n- ", markup)
    markup = _BLOCK_END.sub("\n", markup)
    text = nh3.clean(markup, tags=set(), attributes={}, strip_comments=True)
    return html.unescape(text)


def body_text(message: EmailMessage) -> str:
    try:
        part = message.get_body(preferencelist=("plain", "html"))
        if part is None:
            return ""
        content = part.get_content()
    except Exception:  # an unknown charset or a broken transfer encoding: take what can be decoded
        part = part if "part" in locals() and part is not None else message
        payload = part.get_payload(decode=True) or b""
        content = payload.decode("utf-8", errors="replace")
    if not isinstance(content, str):
        return ""
    if part.get_content_subtype() == "html":
        content = html_to_text(content)
    return clean_text(content)


def files_of(message: EmailMessage) -> list[MailFile]:
    """The attachments; inline pictures a mail client placed in its HTML (signature logos) are left out."""
    files = []
    try:
        parts = list(message.iter_attachments()) if message.is_multipart() else []
    except Exception:
        return files
    for part in _walk_attachments(parts):
        disposition = (part.get_content_disposition() or "").lower()
        if disposition != "attachment" and header(part, "Content-ID") and part.get_content_maintype() == "image":
            continue
        data = part.get_payload(decode=True)
        if data is None:  # a message/rfc822 part: attach it as the .eml it is
            data = part.as_bytes() if part.get_content_type() != "message/rfc822" else _inner_bytes(part)
        filename = part.get_filename() or ("message.eml" if part.get_content_type() == "message/rfc822"
                                           else "attachment")
        files.append(MailFile(filename=printable(filename), content_type=part.get_content_type(), data=data))
    return files


def _walk_attachments(parts):
    for part in parts:
        if part.is_multipart() and part.get_content_maintype() == "multipart":
            yield from _walk_attachments(part.iter_parts())
        else:
            yield part


def _inner_bytes(part) -> bytes:
    payload = part.get_payload()
    inner = payload[0] if isinstance(payload, list) and payload else None
    return inner.as_bytes() if inner is not None else b""
