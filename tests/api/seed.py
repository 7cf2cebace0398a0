"""A little of everything the API serves, so generated requests find real rows as well as missing ones."""

from __future__ import annotations

import hashlib

from backoffice.extensions import db
from backoffice.models import Sample
from tests.support.helpers import make_ticket, product_with_code


def seed(make) -> dict:
    customer = make.customer(email="buyer@example.com", name="Alex Buyer")
    product = product_with_code(customer)
    ticket = make_ticket(customer, "presale", product)
    data = b"not really malware"
    sample = Sample(sha256=hashlib.sha256(data).hexdigest(), md5=hashlib.md5(data).hexdigest(),
                    sha1=hashlib.sha1(data).hexdigest(), sha512=hashlib.sha512(data).hexdigest(), size=len(data))
    db.session.add(sample)
    db.session.commit()
    return {"customer": customer, "product": product, "ticket": ticket, "sample": sample}
