"""Join the domain branches (accounts portal, Virus Lab, licensing + support) into one head.

Each domain hung its first migration off the foundation while they were built side by side; from here on
the history is linear again, so `backoffice db upgrade` (head) works as well as `upgrade heads`.

Revision ID: 0006
Revises: 0002, 0004, 0005b
Create Date: 2026-11-25
"""

revision = "0006"
down_revision = ("0002", "0004", "0005b")
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
