"""The customer's own profile (FAQ §04, §06) and news subscription (FAQ §01)."""

from __future__ import annotations

import phonenumbers
import pycountry

from backoffice.extensions import db
from backoffice.models import Customer
from backoffice.security import Actor
from backoffice.services import ServiceError
from backoffice.services.audit import record, update_audited
from backoffice.services.emails import normalise_email

PROFILE_FIELDS = ["name", "country", "city", "address", "phone", "company", "company_address",
                  "company_admin_email"]
REQUIRED = {"name": "Enter your name or a nickname.", "country": "Choose your country.",
            "city": "Enter your city.", "address": "Enter your address.", "phone": "Enter your telephone number."}
MAX_LENGTHS = {"name": 120, "city": 120, "address": 255, "company": 160, "company_address": 255}


def country_choices() -> list[tuple[str, str]]:
    """ISO 3166-1 countries as (alpha-2, name), sorted by name."""
    return sorted(((c.alpha_2, c.name) for c in pycountry.countries), key=lambda pair: pair[1])


def clean_profile(values: dict, *, complete: bool = True) -> dict:
    """The §04 fields trimmed and checked: country a real ISO 3166 code, telephone stored as E.164. The customer's
    own form must be `complete`; staff may leave fields empty (a legacy record lacks them) but not store a wrong
    one: the same rules, the same messages."""
    cleaned = {name: (values.get(name) or "").strip() or None for name in PROFILE_FIELDS}
    for name, message in REQUIRED.items():
        if complete and not cleaned[name]:
            raise ServiceError(message, name)
    for name, limit in MAX_LENGTHS.items():
        if cleaned[name] and len(cleaned[name]) > limit:
            raise ServiceError(f"Use at most {limit} characters.", name)
    country = (cleaned["country"] or "").upper() or None
    if country and pycountry.countries.get(alpha_2=country) is None:
        raise ServiceError("Choose a country from the list.", "country")
    cleaned["country"] = country
    if cleaned["phone"]:
        cleaned["phone"] = normalise_phone(cleaned["phone"], country)
    if cleaned["company_admin_email"]:
        cleaned["company_admin_email"] = normalise_email(cleaned["company_admin_email"], "company_admin_email")
    return cleaned


def normalise_phone(raw: str, country: str) -> str:
    try:
        number = phonenumbers.parse(raw, country)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise ServiceError("Enter a valid telephone number, with the country code if it is from abroad "
                           "(e.g. +49 30 1234567).", "phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def update_profile(customer: Customer, values: dict, actor: Actor) -> Customer:
    """FAQ §06: the customer edits their own personal data."""
    cleaned = clean_profile(values)
    if update_audited(customer, PROFILE_FIELDS, cleaned, actor, "customer.profile_updated"):
        db.session.commit()
    return customer


def set_news_subscription(customer: Customer, subscribed: bool, actor: Actor) -> Customer:
    if customer.news_subscribed != subscribed:
        customer.news_subscribed = subscribed
        record(actor, "customer.news_subscribed" if subscribed else "customer.news_unsubscribed", customer)
        db.session.commit()
    return customer


def display_phone(e164: str | None) -> str:
    if not e164:
        return ""
    try:
        return phonenumbers.format_number(phonenumbers.parse(e164), phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    except phonenumbers.NumberParseException:
        return e164
