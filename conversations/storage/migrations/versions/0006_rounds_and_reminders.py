"""Reminders that arrive once, people Telegram cannot reach, and workshops that follow earlier ones.

Rounds need no table of their own: a round is a finished assessment, dated by ``finished_at``.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reminder",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", AutoString(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("kind", AutoString(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=True),
        sa.Column("workshop_id", sa.Integer(), nullable=True),
        sa.Column("months", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("off_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("undeliverable_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("replies", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(["participant_id"], ["participant.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["assessment_id"], ["assessment.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["workshop_id"], ["workshop.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("reminder", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reminder_key"), ["key"], unique=True)
        batch_op.create_index(batch_op.f("ix_reminder_participant_id"), ["participant_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_reminder_due_at"), ["due_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_reminder_assessment_id"), ["assessment_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_reminder_workshop_id"), ["workshop_id"], unique=False)
    # A plain ADD COLUMN (never a batch copy: on SQLite that would re-create the table and cascade).
    op.add_column("participant", sa.Column("unreachable_at", sa.DateTime(timezone=True), nullable=True))
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE workshop ADD COLUMN follows_id INTEGER REFERENCES workshop (id) ON DELETE SET NULL")
    else:
        op.add_column(
            "workshop",
            sa.Column("follows_id", sa.Integer(), sa.ForeignKey("workshop.id", ondelete="SET NULL"), nullable=True),
        )


def downgrade() -> None:
    op.drop_table("reminder")
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE participant DROP COLUMN unreachable_at")
        op.execute("ALTER TABLE workshop DROP COLUMN follows_id")
    else:
        op.drop_column("participant", "unreachable_at")
        op.drop_column("workshop", "follows_id")
