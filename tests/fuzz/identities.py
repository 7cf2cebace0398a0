"""Who the fuzz is: nobody, the world's customer on the portal, or a staff user of each role on the console.

Some probes end the identity's session (a new password, a role, an e-mail or "active" saved on one's own staff
record, a lock, signing out): after each request that touched the account or its sessions, and every few
requests in case a response dropped the cookie, the identity is checked; if it is no longer signed in, its
account is put back as the world had it and it signs in again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from flask.testing import FlaskClient
from sqlalchemy import select, update

from backoffice.extensions import db, limiter
from backoffice.models import Customer, CustomerStatus, LoginSession, SessionKind, StaffUser
from tests.conftest import ConsoleSession
from tests.factories import PASSWORD
from tests.fuzz.ledger import RowChange
from tests.fuzz.world import World

IDENTITIES = ["anonymous", "customer", "admin", "support", "analyst"]
COOKIE_CHECK_EVERY = 25
# what a probe may change on the identity's own account that stops it signing in again
_RESTORED = {"staff": ("email", "role", "is_active", "password_hash"), "customer": ("email", "status", "password_hash")}


@dataclass
class SignedIn:
    name: str  # one of IDENTITIES
    client: FlaskClient
    world: World
    sign_in_customer: Callable  # the conftest fixture's function
    kind: str = "anonymous"  # anonymous, customer, staff
    account_id: int | None = None
    original: dict = field(default_factory=dict)  # the account's _RESTORED columns as the world made them
    session_id: int | None = None  # the login_sessions row of the current sign-in
    user_id: str = ""  # what the session cookie names once signed in
    restored: int = 0  # how often the fuzz signed it out and it signed in again
    checks: int = 0

    @property
    def model(self):
        return StaffUser if self.kind == "staff" else Customer

    def start(self) -> None:
        if self.name == "anonymous":
            return
        if self.name == "customer":
            self.kind, self.account_id = "customer", self.world.customer_id
        else:
            self.kind, self.account_id = "staff", self.world.staff[self.name]
        account = db.session.get(self.model, self.account_id)
        self.original = {name: getattr(account, name) for name in _RESTORED[self.kind]}
        self._sign_in()

    def _sign_in(self) -> None:
        if self.kind == "customer":
            self.sign_in_customer(self.client, db.session.get(Customer, self.account_id))
        else:
            limiter.reset()
            response = ConsoleSession(self.client).login(self.original["email"], PASSWORD)
            assert response.status_code == 302, f"{self.name} could not sign in to the console"
        with self.client.session_transaction() as session:
            self.user_id = session.get("_user_id") or ""
        kind = SessionKind.STAFF if self.kind == "staff" else SessionKind.CUSTOMER
        self.session_id = db.session.scalar(
            select(LoginSession.id).where(LoginSession.kind == kind, LoginSession.account_id == self.account_id)
            .order_by(LoginSession.id.desc()).limit(1))
        db.session.remove()

    def check(self, changes: list[RowChange]) -> None:
        """Sign in again if the last request ended this identity's session."""
        self.checks += 1
        if self.kind == "anonymous":
            return
        if not any(self._touches(change) for change in changes) and self.checks % COOKIE_CHECK_EVERY:
            return
        if self._still_signed_in():
            return
        restore = {**self.original, "failed_logins": 0}
        if self.kind == "customer":
            restore["status"] = CustomerStatus.ACTIVE
        db.session.execute(update(self.model).where(self.model.id == self.account_id).values(**restore))
        db.session.commit()
        self.client.delete_cookie("session")
        self.client.delete_cookie("remember_token")
        self._sign_in()
        self.restored += 1

    def _touches(self, change: RowChange) -> bool:
        row = change.after or change.before
        if change.table == "login_sessions":
            return row["account_id"] == self.account_id
        return change.table == self.model.__tablename__ and row["id"] == self.account_id

    def _still_signed_in(self) -> bool:
        account = db.session.get(self.model, self.account_id)
        session = db.session.get(LoginSession, self.session_id)
        alive = account is not None and session is not None and session.ended_at is None
        if alive and self.kind == "staff":
            alive = account.is_active and account.role == self.original["role"]
        elif alive:
            alive = account.status == CustomerStatus.ACTIVE
        alive = alive and self._cookie_kept(account.session_epoch)
        db.session.remove()
        return alive

    def _cookie_kept(self, epoch: str) -> bool:
        """The cookie still names the session signed in, under the account's current epoch."""
        with self.client.session_transaction() as session:
            user_id = session.get("_user_id") or ""
        parts = user_id.split(":")
        return user_id == self.user_id and len(parts) == 4 and parts[2] == epoch
