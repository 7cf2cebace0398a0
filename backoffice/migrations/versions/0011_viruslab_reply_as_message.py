"""The analyst's single answer becomes the first Virus Lab message of the request's conversation.

Each non-empty `public_reply` is copied into a public staff message signed "Virus Lab", dated when the request was
answered (or filed, if that was never recorded); then the column goes, so the conversation is the one place an
answer lives. Downgrade brings the column back holding each request's latest Virus Lab message; the messages stay
(0010's downgrade removes them), and upgrading again copies only answers the conversation does not hold yet.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

COPY_ANSWERS = """
INSERT INTO viruslab_messages (submission_id, kind, author_kind, author_label, body, created_at)
SELECT s.id, 'reply', 'staff', 'Virus Lab', TRIM(s.public_reply), COALESCE(s.answered_at, s.created_at)
FROM viruslab_submissions s
WHERE s.public_reply IS NOT NULL AND TRIM(s.public_reply) <> ''
  AND NOT EXISTS (SELECT 1 FROM viruslab_messages m
                  WHERE m.submission_id = s.id AND m.kind = 'reply' AND m.author_kind = 'staff'
                    AND m.body = TRIM(s.public_reply))
"""

LATEST_ANSWER = """
UPDATE viruslab_submissions SET public_reply = (
    SELECT m.body FROM viruslab_messages m
    WHERE m.submission_id = viruslab_submissions.id AND m.kind = 'reply' AND m.author_kind = 'staff'
    ORDER BY m.id DESC LIMIT 1)
"""


# SQLite drops and adds the column in place (3.35+) rather than copying the table: quicker, and a copy would drop the
# old table, cascading to every message and file row if foreign keys were on (env.py turns them off for migrations).
IN_PLACE = {"recreate": "never"}


def upgrade():
    op.execute(COPY_ANSWERS)
    with op.batch_alter_table('viruslab_submissions', schema=None, **IN_PLACE) as batch_op:
        batch_op.drop_column('public_reply')


def downgrade():
    with op.batch_alter_table('viruslab_submissions', schema=None, **IN_PLACE) as batch_op:
        batch_op.add_column(sa.Column('public_reply', sa.Text(), nullable=True))
    op.execute(LATEST_ANSWER)
