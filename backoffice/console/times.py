"""How the console shows a time: in the signed-in staff member's time zone, always with the zone's name, and
for due times and ages also relative to now ("in 2 h", "3 h overdue", "5 d") with the absolute time on hover.

Stored times are UTC (models/types.UTCDateTime); only these filters turn them into local text.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Flask, g
from markupsafe import Markup, escape

from backoffice.clock import utcnow
from backoffice.security import current_staff

UTC_ZONE = ZoneInfo("UTC")


def staff_zone() -> ZoneInfo:
    """The signed-in staff member's zone, read once per request; UTC when none is set or it is unknown."""
    if "staff_zone" not in g:
        staff = current_staff()
        try:
            g.staff_zone = ZoneInfo(staff.time_zone) if staff and staff.time_zone else UTC_ZONE
        except (ZoneInfoNotFoundError, ValueError):
            g.staff_zone = UTC_ZONE
    return g.staff_zone


def zone_label(moment: datetime) -> str:
    """"CET", "UTC"; zones without an abbreviation (tzdata writes "+03") as "UTC+03:00"."""
    name = moment.tzname() or ""
    if not name or name[0] in "+-":
        offset = moment.utcoffset() or timedelta(0)
        sign = "-" if offset < timedelta(0) else "+"
        minutes = abs(int(offset.total_seconds())) // 60
        return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"
    return name


def local_time(moment: datetime | None, with_date: bool = True) -> str:
    """2026-12-01 16:04 CET in the staff member's zone; an empty string for no time."""
    if moment is None:
        return ""
    local = moment.astimezone(staff_zone())
    return local.strftime("%Y-%m-%d %H:%M " if with_date else "%H:%M ") + zone_label(local)


def span(delta: timedelta) -> str:
    """A duration in one unit people read at a glance: 12 min, 5 h, 3 d."""
    minutes = int(abs(delta).total_seconds()) // 60
    if minutes < 60:
        return f"{max(minutes, 1)} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h"
    return f"{minutes // (24 * 60)} d"


def _time_tag(moment: datetime, text: str | None = None, css: str = "") -> Markup:
    # an f-string over escaped parts: Markup.format costs a string.Formatter pass per field, and a list page
    # shows a hundred of these
    local = escape(local_time(moment))
    css_attribute = f' class="{escape(css)}"' if css else ""
    shown = local if text is None else escape(text)
    return Markup(f'<time datetime="{escape(moment.isoformat())}" title="{local}"{css_attribute}>{shown}</time>')


def time_tag(moment: datetime | None) -> Markup:
    """The absolute local time in a <time> element."""
    return _time_tag(moment) if moment else Markup("—")


def due_tag(moment: datetime | None, now: datetime | None = None) -> Markup:
    """"in 2 h" or "3 h overdue", the absolute time on hover."""
    if moment is None:
        return Markup("—")
    now = now or utcnow()
    if moment >= now:
        return _time_tag(moment, f"in {span(moment - now)}")
    return _time_tag(moment, f"{span(now - moment)} overdue", "text-danger font-weight-bold")


def age_tag(moment: datetime | None, now: datetime | None = None) -> Markup:
    """How long ago: "5 h", "3 d" (for ages and "waiting since"), the absolute time on hover."""
    if moment is None:
        return Markup("—")
    return _time_tag(moment, span((now or utcnow()) - moment))


def register(app: Flask) -> None:
    app.jinja_env.filters.update(local_time=local_time, time_tag=time_tag, due_tag=due_tag, age_tag=age_tag)


__all__ = ["register", "local_time", "time_tag", "due_tag", "age_tag", "span", "staff_zone"]
