"""What an API token may be given: read or write per area, within its owner's role (the console's own split:
support works tickets and reads licensing, analysts work the Virus Lab, admins everything, audit is read-only)."""

from __future__ import annotations

from backoffice.models import StaffRole

A, S, V = StaffRole.ADMIN, StaffRole.SUPPORT, StaffRole.ANALYST
# area -> (roles that may read it, roles that may write it)
AREAS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "tickets": ((A, S), (A, S)),
    "customers": ((A, S, V), (A, S)),
    "codes": ((A, S), (A,)),
    "lab": ((A, S, V), (A, V)),
    "audit": ((A,), ()),
}
AREA_LABELS = {"tickets": "Support tickets", "customers": "Customers", "codes": "Activation codes and blacklist",
               "lab": "Virus Lab", "audit": "Audit log"}
ACCESS_LABELS = {"read": "read", "write": "read and write"}


def scope(area: str, access: str) -> str:
    return f"{area}:{access}"


def role_allows(role: str, area: str, access: str) -> bool:
    readers, writers = AREAS.get(area, ((), ()))
    return role in (writers if access == "write" else readers)


def allowed_scopes(role: str) -> list[str]:
    """Every scope a token of someone in `role` may carry, in a stable order."""
    return [scope(area, access) for area in AREAS for access in ("read", "write") if role_allows(role, area, access)]


def grants(scopes: list[str], role: str, area: str, access: str) -> bool:
    """Whether a token with `scopes`, owned by someone now in `role`, may `access` `area`: the scope must be on the
    token (write includes read) and the role must still allow it."""
    if not role_allows(role, area, access):
        return False
    wanted = {scope(area, "write")} if access == "write" else {scope(area, "read"), scope(area, "write")}
    return bool(wanted & set(scopes or ()))
