"""E-mail addresses as the services store them: validated, normalised, lower-cased."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email

from backoffice.services import ServiceError


def normalise_email(raw: str, field: str = "email") -> str:
    try:
        # no deliverability check: it would need DNS, and a typo is caught by the confirmation mail anyway
        return validate_email((raw or "").strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as error:
        raise ServiceError(f"Enter a valid e-mail address ({error}).", field) from None


def local_part(address: str) -> str:
    return address.rsplit("@", 1)[0]
