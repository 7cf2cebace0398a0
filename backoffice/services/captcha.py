"""Self-hosted image captcha: the text of each picture is known only to the server.

A challenge row holds an HMAC of the expected answer (keyed by the app secret, so a leaked row does not give
the answer away) and an expiry; the browser holds only the challenge id, in its session. Solving deletes the
row with a conditional DELETE, so one picture admits one form submission, even across app servers.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete

from backoffice.clock import utcnow
from backoffice.extensions import db
from backoffice.models import CaptchaChallenge

# No 0/O, 1/I/L, 5/S, 2/Z: characters people confuse in a distorted picture.
ALPHABET = "ABCDEFGHJKMNPQRTUVWXY346789"


def new_challenge() -> tuple[int, str]:
    """A fresh challenge: its id (for the session) and its text (for the picture only)."""
    now = utcnow()
    db.session.execute(delete(CaptchaChallenge).where(CaptchaChallenge.expires_at < now))
    text = "".join(secrets.choice(ALPHABET) for _ in range(current_app.config["CAPTCHA_LENGTH"]))
    challenge = CaptchaChallenge(
        answer_hash=_digest(text),
        expires_at=now + timedelta(seconds=current_app.config["CAPTCHA_TTL_SECONDS"]),
    )
    db.session.add(challenge)
    db.session.commit()
    return challenge.id, text


def solve(challenge_id: int | None, answer: str | None) -> bool:
    """True when `answer` is the picture's text; the challenge is spent either way."""
    if not challenge_id or not answer:
        return False
    result = db.session.execute(
        delete(CaptchaChallenge)
        .where(CaptchaChallenge.id == challenge_id, CaptchaChallenge.expires_at >= utcnow())
        .returning(CaptchaChallenge.answer_hash)
    )
    row = result.first()
    db.session.commit()
    return row is not None and hmac.compare_digest(row[0], _digest(answer))


def _digest(answer: str) -> str:
    normalised = answer.strip().upper().replace(" ", "")
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, normalised.encode(), hashlib.sha256).hexdigest()
