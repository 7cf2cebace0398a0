"""Mail as real clients shape it, built by the tests: replies from Gmail, Outlook, Apple Mail and Thunderbird
with their quoting styles, an out-of-office reply, a delivery report, and headers a receiving server adds."""

from __future__ import annotations

import itertools
from email.message import EmailMessage
from email.utils import format_datetime

from backoffice.clock import utcnow

_serial = itertools.count(1)
QUOTED = "Please send us the log file of the scan.\nKind regards, Support"
STAFF = "Support <support@example.com>"


def _base(sender: str, to: str, subject: str, message_id: str, in_reply_to: str | None = None,
          references: list[str] | None = None, auth: str | None = None, cc: str | None = None) -> EmailMessage:
    mail = EmailMessage()
    if auth:
        mail["Authentication-Results"] = auth
    mail["From"] = sender
    mail["To"] = to
    if cc:
        mail["Cc"] = cc
    mail["Subject"] = subject
    mail["Date"] = format_datetime(utcnow())
    mail["Message-ID"] = message_id
    if in_reply_to:
        mail["In-Reply-To"] = in_reply_to
        mail["References"] = " ".join(references or [in_reply_to])
    return mail


def gmail_reply(sender, to, subject, text, in_reply_to=None, **kw) -> EmailMessage:
    n = next(_serial)
    mail = _base(sender, to, subject, f"<CAF{n:06d}x9Zq+Wb=abc@mail.gmail.com>", in_reply_to, **kw)
    quote = "\n".join(f"> {line}" for line in QUOTED.splitlines())
    mail.set_content(f"{text}\n\nOn Tue, Dec 1, 2026 at 10:00 AM {STAFF} wrote:\n\n{quote}\n")
    paragraphs = "".join(f"<div>{line}</div>" for line in text.splitlines())
    mail.add_alternative(f'<div dir="ltr">{paragraphs}</div><br><div class="gmail_quote"><div dir="ltr" '
                         f'class="gmail_attr">On Tue, Dec 1, 2026 at 10:00 AM Support wrote:<br></div><blockquote '
                         f'class="gmail_quote">{QUOTED}</blockquote></div>', subtype="html", cte="quoted-printable")
    return mail


def outlook_reply(sender, to, subject, text, in_reply_to=None, html_only=False, **kw) -> EmailMessage:
    n = next(_serial)
    mail = _base(sender, to, subject, f"<AM0PR{n:04d}MB1234ABCD@AM0PR07MB1234.eurprd07.prod.outlook.com>",
                 in_reply_to, **kw)
    mail["Thread-Index"] = "AQHa1234567890abcdef=="
    mail["X-MS-Has-Attach"] = ""
    body = (f"{text}\n\nBest regards,\nJohn Smith\nACME Corp\n\n________________________________\n"
            f"From: {STAFF}\nSent: Tuesday, December 1, 2026 10:00 AM\nTo: {sender}\nSubject: {subject}\n\n{QUOTED}\n")
    html = (f"<html><head><style>p {{margin:0}}</style></head><body><p>{text}</p><p>Best regards,<br>John Smith</p>"
            f"<hr><div id=\"divRplyFwdMsg\"><b>From:</b> {STAFF.replace('<', '&lt;').replace('>', '&gt;')}<br>"
            f"<b>Sent:</b> Tuesday, December 1, 2026 10:00 AM<br><b>Subject:</b> {subject}</div><p>{QUOTED}</p>"
            "<script>alert(1)</script></body></html>")
    if html_only:
        mail.set_content(html, subtype="html", cte="quoted-printable")
    else:
        mail.set_content(body)
        mail.add_alternative(html, subtype="html", cte="quoted-printable")
    return mail


def apple_reply(sender, to, subject, text, in_reply_to=None, **kw) -> EmailMessage:
    n = next(_serial)
    mail = _base(sender, to, subject, f"<5E1C{n:04d}-9A8B-4C2D-8E7F-0123456789AB@me.com>", in_reply_to, **kw)
    quote = "\n".join(f"> {line}" for line in QUOTED.splitlines())
    mail.set_content(f"{text}\n\nSent from my iPhone\n\n> On 1 Dec 2026, at 10:00, {STAFF} wrote:\n> \n{quote}\n")
    return mail


def thunderbird_reply(sender, to, subject, text, in_reply_to=None, **kw) -> EmailMessage:
    n = next(_serial)
    mail = _base(sender, to, subject, f"<{n:04d}a1b2-c3d4-e5f6-a7b8-c9d0e1f2a3b4@posteo.de>", in_reply_to, **kw)
    mail["User-Agent"] = "Mozilla Thunderbird"
    quote = "\n".join(f"> {line}" for line in QUOTED.splitlines())
    mail.set_content(f"{text}\n\n-- \nAnna Müller\nphone +49 30 1234567\n\nOn 01.12.26 10:00, Support wrote:\n"
                     f"{quote}\n")
    return mail


def new_mail(sender, to, subject, text, files=(), **kw) -> EmailMessage:
    n = next(_serial)
    mail = _base(sender, to, subject, f"<new-{n}@client.example.net>", **kw)
    mail.set_content(text)
    for filename, content_type, data in files:
        maintype, subtype = content_type.split("/")
        mail.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return mail


def out_of_office(sender, to, subject, in_reply_to=None) -> EmailMessage:
    n = next(_serial)
    mail = _base(sender, to, f"Automatic reply: {subject}", f"<oof-{n}@exchange.example.net>", in_reply_to)
    mail["Auto-Submitted"] = "auto-replied"
    mail["X-Auto-Response-Suppress"] = "All"
    mail.set_content("I am out of the office until Monday and will answer your mail then.")
    return mail


def delivery_report(original_message_id: str, recipient: str, action: str = "failed",
                    status: str = "5.1.1") -> bytes:
    """A DSN as Postfix writes it: a human part, the delivery-status part, the returned headers."""
    n = next(_serial)
    return (
        "From: MAILER-DAEMON@mx.example.com (Mail Delivery System)\r\n"
        "To: support@example.com\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "Auto-Submitted: auto-replied\r\n"
        f"Message-ID: <dsn-{n}@mx.example.com>\r\n"
        f"Date: {format_datetime(utcnow())}\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B-1"\r\n'
        "\r\n"
        "--B-1\r\n"
        "Content-Description: Notification\r\n"
        "Content-Type: text/plain; charset=us-ascii\r\n\r\n"
        "This is the mail system at host mx.example.com. Your message could not be delivered.\r\n\r\n"
        "--B-1\r\n"
        "Content-Description: Delivery report\r\n"
        "Content-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.example.com\r\n"
        "Arrival-Date: Tue,  1 Dec 2026 10:00:00 +0000 (UTC)\r\n\r\n"
        f"Final-Recipient: rfc822; {recipient}\r\n"
        f"Original-Recipient: rfc822;{recipient}\r\n"
        f"Action: {action}\r\n"
        f"Status: {status}\r\n"
        f"Diagnostic-Code: smtp; 550 5.1.1 <{recipient}>: Recipient address rejected: User unknown\r\n\r\n"
        "--B-1\r\n"
        "Content-Description: Undelivered Message Headers\r\n"
        "Content-Type: text/rfc822-headers\r\n\r\n"
        f"From: {STAFF}\r\nTo: {recipient}\r\nSubject: Reply to your request\r\n"
        f"Message-ID: {original_message_id}\r\n\r\n"
        "--B-1--\r\n"
    ).encode()


def auth_header(spf="pass", dkim="pass", dmarc="pass", server="mx.example.com") -> str:
    return f"{server}; spf={spf} smtp.mailfrom=client.example.net; dkim={dkim} header.d=client.example.net; " \
           f"dmarc={dmarc} header.from=client.example.net"


def wire(mail: EmailMessage | bytes) -> bytes:
    """The message as it travels: CRLF line ends (SMTP, LMTP and IMAP all carry it so)."""
    if isinstance(mail, bytes):
        return mail
    return mail.as_bytes(policy=mail.policy.clone(linesep="\r\n"))
