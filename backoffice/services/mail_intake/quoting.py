"""The new part of a reply: quoted text and signatures stripped for the thread (the whole message stays in the
original .eml, which staff can download).

mail-parser-reply rather than talon: it is maintained (talon's last release is from 2017 and pulls in
scikit-learn and lxml for its signature model), pure Python, and knows the quote headers of Outlook, Gmail, Apple
Mail and Thunderbird in many languages ("On … wrote:", "Am … schrieb", "From:/Sent:" blocks, "Sent from my …").
"""

from __future__ import annotations

from mailparser_reply import EmailReplyParser

LANGUAGES = ["en", "de", "fr", "es", "it", "nl", "pl", "sv"]
_parser = EmailReplyParser(languages=LANGUAGES)


def new_text(text: str) -> str:
    """The reply without what it quotes and without its signature; the whole text if nothing new is left (a
    message that is all quote is shown as it came rather than as nothing)."""
    if not text.strip():
        return ""
    try:
        replies = _parser.read(text).replies
    except Exception:  # a pathological body must not stop the intake: keep it whole
        return text.strip()
    latest = replies[0].body.strip() if replies else ""
    return latest or text.strip()
