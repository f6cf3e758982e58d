"""The big screen: a workshop's results can be hidden until revealed; secret links to its screen.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 09:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("workshop", schema=None) as batch_op:
        batch_op.add_column(sa.Column("results_hidden", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        "screen_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", AutoString(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["workshop_id"], ["workshop.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("screen_link", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_screen_link_token_hash"), ["token_hash"], unique=True)
        batch_op.create_index(batch_op.f("ix_screen_link_workshop_id"), ["workshop_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("screen_link", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_screen_link_workshop_id"))
        batch_op.drop_index(batch_op.f("ix_screen_link_token_hash"))
    op.drop_table("screen_link")
    with op.batch_alter_table("workshop", schema=None) as batch_op:
        batch_op.drop_column("results_hidden")
