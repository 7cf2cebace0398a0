"""The licensing console: products, activation codes, the blacklist. Admins write; support reads (and may
grant one more transfer of a code); analysts have no access."""

from backoffice.console.access import ADMIN
from backoffice.models import StaffRole

LICENSING_READ = (StaffRole.ADMIN, StaffRole.SUPPORT)
LICENSING_WRITE = ADMIN
TRANSFER_GRANT = (StaffRole.ADMIN, StaffRole.SUPPORT)


def register(admin, db) -> None:
    from backoffice.console.licensing.blacklist import BlacklistView
    from backoffice.console.licensing.codes import ActivationCodeView
    from backoffice.console.licensing.products import ProductView
    from backoffice.models import ActivationCode, BlacklistEntry, Product

    admin.add_view(ActivationCodeView(ActivationCode, db, name="Activation codes", endpoint="codes",
                                      category="Licensing"))
    admin.add_view(BlacklistView(BlacklistEntry, db, name="Blacklist", endpoint="blacklist", category="Licensing"))
    admin.add_view(ProductView(Product, db, name="Products", endpoint="products", category="Licensing"))
