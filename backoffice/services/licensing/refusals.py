"""Why a code could not be added, in words for its customer: one text per refusal, for the add form, the codes
page (Personal Cabinet codes refused on claim) and the audit entry staff read."""

from __future__ import annotations

from flask import current_app

from backoffice.services.licensing.codes import AddOutcome, AddResult
from backoffice.services.licensing.normalise import FORMAT_HELP, look_alikes_in


def refusal_message(outcome: AddOutcome) -> str:
    code = outcome.code
    days = current_app.config["CODE_TRANSFER_WINDOW_DAYS"]
    messages = {
        AddResult.MALFORMED: f"This is not an activation code. {FORMAT_HELP}",
        AddResult.UNKNOWN: f"We do not know the activation code {code}. Check it against the code on your box "
                           f"or in your order e-mail.{_look_alike_hint(code)}",
        AddResult.BLACKLISTED: f"The activation code {code} is blacklisted and cannot be added. If you bought it "
                               "from us or a reseller, contact Technical Support.",
        AddResult.NOT_YET_VALID: f"The activation code {code} is not valid yet: you can add it from "
                                 f"{outcome.valid_from:%d %B %Y} (UTC)." if outcome.valid_from else "",
        AddResult.EXPIRED: f"The activation code {code} has expired; expired codes cannot be added.",
        AddResult.ALREADY_YOURS: f"The activation code {code} is already on your account.",
        AddResult.TRANSFER_CAP_REACHED: f"The activation code {code} has already moved to another account "
                                        f"{outcome.transfer_cap} times in the last {days} days, the most we allow. "
                                        "Contact Technical Support if you need to move it again: they can allow "
                                        "one more transfer.",
        AddResult.NO_SEAT_LEFT: f"Every seat of the activation code {code} is taken: it is already on as many "
                                "accounts as the computers it covers. It can be added here once one of those "
                                "accounts removes it.",
    }
    return messages[outcome.result]


def _look_alike_hint(code: str | None) -> str:
    """Which typed characters are easy to misread. Said of the code as typed only: it never tells whether the
    code with another character exists (that would let anyone probe for codes one character away)."""
    hints = look_alikes_in(code or "")
    if not hints:
        return ""
    return f" It contains characters that are easy to misread: {'; '.join(hints)}."
