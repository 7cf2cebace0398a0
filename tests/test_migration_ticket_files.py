"""0014 on a database that holds ticket files: every file stored before it keeps its row, counts as not scanned
(so risky), and has a check job queued, which hashes, types and scans it like a new one."""

from __future__ import annotations

import hashlib
import io

from flask_migrate import downgrade, upgrade
from sqlalchemy import select

from backoffice.extensions import db
from backoffice.models import Attachment, Job
from backoffice.services.support.attachments import Upload
from backoffice.services.support.correspondence import customer_reply
from backoffice.services.support.file_checks import CHECK_FILE
from backoffice.services.support.file_risk import is_risky
from tests.console.test_ticket_files import EXECUTABLE, run_checks
from tests.support.helpers import customer_actor, make_ticket


def test_files_stored_before_the_checks_get_one_each(app, make):
    ticket = make_ticket(make.customer())
    message = customer_reply(ticket, customer_actor(ticket.customer), "Here it is.",
                             [Upload(io.BytesIO(EXECUTABLE), "tool.exe")])
    attachment_id = message.attachments[0].id
    db.session.remove()
    downgrade(revision="0014")
    db.engine.dispose()
    upgrade(revision="heads")
    db.engine.dispose()

    jobs = db.session.scalars(select(Job).where(Job.kind == CHECK_FILE)).all()
    assert [(job.payload, job.state) for job in jobs] == [({"attachment_id": attachment_id}, "queued")]
    attachment = db.session.get(Attachment, attachment_id)
    assert attachment.check_state == "pending" and attachment.md5 is None and is_risky(attachment)
    assert run_checks() == 1
    db.session.expire_all()
    attachment = db.session.get(Attachment, attachment_id)
    assert attachment.check_state == "scanned" and attachment.risk == "executable"
    assert attachment.md5 == hashlib.md5(EXECUTABLE).hexdigest()
    assert attachment.sha512 == hashlib.sha512(EXECUTABLE).hexdigest()
