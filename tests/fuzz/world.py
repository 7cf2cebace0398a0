"""A small world for the fuzz: one of each thing a page can show, so that real ids make real pages render.

Only plain values (ids, numbers, raw tokens) are kept: the fuzz ends the ORM session after every request, as a
real request does, so objects would be stale.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from sqlalchemy import select

from backoffice.extensions import db
from backoffice.models import (
    Attachment,
    BlacklistEntry,
    CannedResponse,
    CodeRegistration,
    Course,
    CustomerStatus,
    Enrollment,
    Job,
    LegacyCode,
    OutboxMessage,
    StaffRole,
    TokenPurpose,
)
from backoffice.security import Actor
from backoffice.services import news, tokens
from backoffice.services.support import correspondence, ratings, staff_actions, wizard
from backoffice.services.support.attachments import Upload
from backoffice.services.viruslab import analyst_rules
from backoffice.services.viruslab import conversation as lab_conversation
from tests.factories import Factories
from tests.licensing_helpers import make_code
from tests.support.helpers import customer_actor, make_ticket, product_with_code, staff_actor
from tests.viruslab_analysis import submit


@dataclass
class World:
    staff: dict[str, int] = field(default_factory=dict)  # role -> id of the staff user signed in as that role
    customer_id: int = 0  # the portal identity, who owns the tickets, codes and Virus Lab requests
    values: dict[str, str] = field(default_factory=dict)  # path argument (or endpoint:argument) -> real value
    pages: list[str] = field(default_factory=list)  # pages no rule's real arguments reach (later wizard steps)

    def value_for(self, endpoint: str, argument: str) -> str | None:
        return self.values.get(f"{endpoint}:{argument}", self.values.get(argument))


def build_world(make: Factories) -> World:
    world = World()
    # first, so that it heads the staff list: the edit link the fuzz follows is not a signed-in identity's own
    support = staff_actor(make.staff("support", name="Spare Support"))
    for role in StaffRole:
        world.staff[role.value] = make.staff(role.value).id
    owner = make.customer(news_subscribed=True, country="DE", city="Berlin")
    other = make.customer()  # a second account: the target of the links that change an account
    world.customer_id = owner.id
    _licensing(world, owner)
    _support(world, owner, support)
    _viruslab(world, owner, support)
    _accounts(world, make, owner, other)
    _console_rows(world)
    db.session.commit()
    db.session.remove()
    return world


def _licensing(world: World, owner) -> None:
    product = product_with_code(owner)
    registration = db.session.scalar(select(CodeRegistration).where(CodeRegistration.customer_id == owner.id))
    listed = make_code(product, seats=5, blacklisted=True)
    entry = db.session.scalar(select(BlacklistEntry).where(BlacklistEntry.code_id == listed.id))
    world.values.update(registration_id=str(registration.id), code_id=str(registration.code_id),
                        entry_id=str(entry.id), product_id=str(product.id))


def _support(world: World, owner, support: Actor) -> None:
    ticket = make_ticket(owner, subject="Cannot activate", description="The activation code is refused as invalid.")
    correspondence.staff_reply(ticket, support, "Please send a screenshot.",
                               uploads=[Upload(io.BytesIO(b"steps to follow\n"), "steps.txt")])
    correspondence.customer_reply(ticket, customer_actor(owner), "Here it is.",
                                  uploads=[Upload(io.BytesIO(b"\x89PNG fake screenshot"), "screen.png")])
    attachment = db.session.scalar(select(Attachment).where(Attachment.filename == "screen.png"))
    resolved = make_ticket(owner, subject="Invoice copy", description="Please send the invoice again.")
    staff_actions.update_ticket(resolved, support, {"status": "resolved"})
    draft = wizard.open_draft(owner.id, wizard.new_draft_key())  # a request half-way through the wizard
    wizard.save_step(draft, 1, {"type_code": "presale"})
    wizard.save_step(draft, 2, {"product_id": ""})
    wizard.save_step(draft, 3, {"subject": "Renewal", "description": "How do I renew my licence next year?"})
    db.session.add(CannedResponse(title="Send a screenshot", body="Please attach a screenshot."))
    world.values.update({
        "number": ticket.number, "attachment_id": str(attachment.id), "key": draft.draft_key, "step": "1",
        "portal.support_rate_link:token": ratings.rating_token(resolved),
    })
    world.pages += [f"/support/new/{draft.draft_key}/step/{step}" for step in (2, 3, 4)]


def _viruslab(world: World, owner, support: Actor) -> None:
    submission = submit(b"harmless test sample\n", "sample.bin", customer=owner)
    lab_conversation.staff_reply(submission, support, "We are looking at it.")
    analyst_rules.create_rule(Actor.system("fuzz"), "Fuzz_Rule", 'rule Fuzz_Rule { strings: $a = "fuzz" '
                                                                 "condition: $a }")
    world.values.update({"submission_id": str(submission.id), "sample_id": str(submission.sample_id),
                         "portal.viruslab_request:number": submission.number,
                         "portal.viruslab_reply:number": submission.number})


def _accounts(world: World, make: Factories, owner, other) -> None:
    """Live links for every page behind a mailed token; each on an account the fuzz may spend it on."""
    pending = make.customer(status=CustomerStatus.PENDING)
    legacy = make.customer(status=CustomerStatus.LEGACY)
    db.session.add(LegacyCode(customer_id=legacy.id, code="LEGACY-0001"))
    changing = make.customer()
    new_address = "changed-address@example.com"
    changing.pending_email = new_address
    course = Course(title="Phishing basics", summary="Spot a fake page.", is_published=True)
    db.session.add(course)
    db.session.flush()
    db.session.add(Enrollment(customer_id=owner.id, course_id=course.id))
    world.values.update({
        "portal.activate:token": tokens.issue(pending, TokenPurpose.ACTIVATION),
        "portal.reset_password:token": tokens.issue(other, TokenPurpose.PASSWORD_RESET),
        "portal.confirm_email:token": tokens.issue(changing, TokenPurpose.EMAIL_CHANGE, payload=new_address),
        "portal.claim:token": tokens.issue(legacy, TokenPurpose.LEGACY_CLAIM),
        "portal.unsubscribe:token": news.unsubscribe_token(owner),
        "customer_id": str(other.id), "action": "resend-activation", "course_id": str(course.id),
    })


def _console_rows(world: World) -> None:
    """The queued mail and jobs the world's own actions made, for the console's retry buttons."""
    db.session.flush()
    job = db.session.scalar(select(Job).order_by(Job.id))
    message = db.session.scalar(select(OutboxMessage).order_by(OutboxMessage.id))
    world.values.update(job_id=str(job.id), message_id=str(message.id), export_type="csv")
