"""A staff member's own profile: their name, the time zone the console shows every time in, and for support
engineers the queues (request types) they work, which their dashboard counts.

`check_zone` is the one rule for a time zone a person may choose; console/times.py reads what it let through.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache, lru_cache
from zoneinfo import ZoneInfo, available_timezones

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from backoffice.extensions import db
from backoffice.models import StaffQueue, StaffRole, StaffUser, SupportRequestType
from backoffice.security import Actor
from backoffice.services import ServiceError
from backoffice.services.audit import record

DEFAULT_ZONE = "UTC"
# the tz database's canonical "Region/City" zones; its other names (US/Eastern, EST5EDT, Etc/GMT+5) are legacy
# aliases of the same clocks, or offsets with an inverted sign, that would only make the list longer and stranger
ZONE_REGIONS = ("Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic", "Australia", "Europe", "Indian",
                "Pacific")
REGION_LABELS = {"America": "Americas", "Indian": "Indian Ocean", "Atlantic": "Atlantic Ocean",
                 "Pacific": "Pacific Ocean", "Arctic": "Arctic Ocean"}


@cache
def zone_names() -> frozenset[str]:
    """Every zone a staff member may choose: UTC and the canonical zones of the installed tz database."""
    return frozenset([DEFAULT_ZONE, *(name for name in available_timezones()
                                      if name.split("/", 1)[0] in ZONE_REGIONS)])


def _spelled(name: str) -> str:
    return name.strip().replace(" ", "_").casefold()


@cache
def _zones_by_spelling() -> dict[str, str]:
    return {_spelled(name): name for name in zone_names()}


def check_zone(name: str | None) -> str:
    """The zone named, if a staff member may choose it, in its canonical spelling ("europe/berlin" and
    "America/New York" are the zones they mean); ServiceError beside the time zone field otherwise."""
    zone = _zones_by_spelling().get(_spelled(name or ""))
    if zone is None:
        raise ServiceError("This is not a time zone we know: choose one from the list, for example Europe/Berlin.",
                           "time_zone")
    return zone


def zone_label(name: str) -> str:
    """"America/Argentina/Buenos_Aires" as people read it: "Americas – Argentina – Buenos Aires"."""
    region, _, rest = name.partition("/")
    parts = [REGION_LABELS.get(region, region), *rest.split("/")] if rest else [region]
    return " – ".join(part.replace("_", " ") for part in parts)


def _offset(zone: str, now: datetime) -> str:
    offset = now.astimezone(ZoneInfo(zone)).utcoffset() or timedelta(0)
    if not offset:
        return "UTC"
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def zone_options(now: datetime) -> list[tuple[str, str]]:
    """Every zone to choose from as (name, label with its offset now), UTC first and then by label, for a
    searchable list: "Europe – Berlin (UTC+01:00)". Worked out once a quarter hour (about 500 zones' offsets took
    most of the profile page's time); clocks change on the hour or the half hour, so the labels stay right."""
    return list(_zone_options_at(now.replace(minute=now.minute - now.minute % 15, second=0, microsecond=0)))


@lru_cache(maxsize=2)
def _zone_options_at(now: datetime) -> tuple[tuple[str, str], ...]:
    others = sorted((zone_label(name), name) for name in zone_names() if name != DEFAULT_ZONE)
    return ((DEFAULT_ZONE, "UTC, Coordinated Universal Time"),
            *((name, f"{label} ({_offset(name, now)})") for label, name in others))


def worked_queues(staff_id: int) -> list[SupportRequestType]:
    """The request types a support engineer works, in the console's queue order."""
    return list(db.session.scalars(
        select(SupportRequestType).join(StaffQueue, StaffQueue.request_type_id == SupportRequestType.id)
        .where(StaffQueue.staff_id == staff_id).order_by(SupportRequestType.position)))


class ProfileRefused(ServiceError):
    """Some fields were refused: `errors` maps each field to its message. Nothing was written."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("Nothing was saved: check the fields marked below.")
        self.errors = errors


def update_profile(staff: StaffUser, name: str | None, time_zone: str | None, queue_codes: list[str],
                   actor: Actor) -> dict:
    """Save what a staff member chose for themself; returns what changed (empty: nothing did).

    Every field is checked before anything is written, so one refusal names all the fields at fault. Queues
    belong to support engineers only; for other roles they are not read.
    """
    errors = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = "Enter your name."
    try:
        time_zone = check_zone(time_zone)
    except ServiceError as error:
        errors[error.field] = error.message
    works_queues = staff.role == StaffRole.SUPPORT
    kinds = {kind.code: kind for kind in db.session.scalars(select(SupportRequestType))} if works_queues else {}
    if works_queues and any(code not in kinds for code in queue_codes):
        errors["queues"] = "Choose queues from the list."
    if errors:
        raise ProfileRefused(errors)

    before, after = {}, {}
    for column, value in (("name", name), ("time_zone", time_zone)):
        if getattr(staff, column) != value:
            before[column], after[column] = getattr(staff, column), value
            setattr(staff, column, value)
    if works_queues:
        old = {kind.code for kind in worked_queues(staff.id)}
        new = set(queue_codes)
        if old != new:
            before["queues"], after["queues"] = ", ".join(sorted(old)), ", ".join(sorted(new))
            db.session.execute(delete(StaffQueue).where(StaffQueue.staff_id == staff.id))
            db.session.add_all(StaffQueue(staff_id=staff.id, request_type_id=kinds[code].id) for code in sorted(new))
    if after:
        record(actor, "staff.profile_updated", staff, before=before, after=after)
        try:
            db.session.commit()
        except IntegrityError:  # the same person saved their queues from another tab at this very moment
            db.session.rollback()
            raise ProfileRefused({"queues": "Your queues were changed at the same time; choose them again."}) from None
    return after
