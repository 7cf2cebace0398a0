"""Who sent it, as the receiving MTA judged: SPF, DKIM and DMARC from its Authentication-Results header (RFC 8601,
read with authres).

Anyone can write an Authentication-Results header into a message, so only the receiving server's own counts:
the one whose authserv-id is MAIL_AUTHSERV_ID, or, when that is not set, the topmost one (the last server to
handle the message adds its header on top).
"""

from __future__ import annotations

from dataclasses import dataclass

import authres
from flask import current_app

from backoffice.services.mail_intake.parse import ParsedMail, headers

METHODS = ("spf", "dkim", "dmarc")


@dataclass(frozen=True)
class Verdicts:
    spf: str | None = None
    dkim: str | None = None
    dmarc: str | None = None

    @property
    def dmarc_failed(self) -> bool:
        return self.dmarc == "fail"


def verdicts(mail: ParsedMail) -> Verdicts:
    trusted = current_app.config.get("MAIL_AUTHSERV_ID")
    for value in headers(mail.message, "Authentication-Results"):
        try:
            parsed = authres.AuthenticationResultsHeader.parse(f"Authentication-Results: {value}")
        except Exception:  # a malformed header (or a forged one) gives no verdict
            if trusted:
                continue
            return Verdicts()
        if trusted and (parsed.authserv_id or "").lower() != trusted.lower():
            continue
        return _summary(parsed.results)
    return Verdicts()


def _summary(results) -> Verdicts:
    found: dict[str, list[str]] = {method: [] for method in METHODS}
    for result in results:
        method = (getattr(result, "method", "") or "").lower()
        if method in found:
            found[method].append((result.result or "").lower()[:16])
    # several DKIM signatures: one that passes is enough (the others may be a list's or a forwarder's)
    return Verdicts(**{method: ("pass" if "pass" in values else values[0]) if values else None
                       for method, values in found.items()})
