"""Privacy of group results: scoped coordinators, co-coordinators, join limits, forgettable outboxes.

Coordinator grants get ``all_cities`` (existing grants keep seeing every city, as before) and a
list of granted cities; workshops get co-coordinators; wrong join codes are counted per person;
processed updates remember whose they were, so ``/forget`` deletes them with any reply kept.
A check-in's answers above the stage picked were stored as "not_yet", an answer nobody gave:
they become "open" (open, not asked), which counts the same for every stage.

Revision ID: 0005
Revises: 0003
Create Date: 2026-12-03 09:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN, never a batch "copy and move" (on SQLite that would re-create the tables).
    op.add_column("coordinator", sa.Column("all_cities", sa.Boolean(), nullable=False, server_default=sa.true()))
    op.add_column("processed_update", sa.Column("user_id", AutoString(), nullable=True))
    op.create_index(op.f("ix_processed_update_user_id"), "processed_update", ["user_id"], unique=False)

    op.create_table(
        "coordinator_city",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("coordinator_id", sa.Integer(), nullable=False),
        sa.Column("city_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["coordinator_id"], ["coordinator.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["city_id"], ["city.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("coordinator_id", "city_id"),
    )
    op.create_index(op.f("ix_coordinator_city_coordinator_id"), "coordinator_city", ["coordinator_id"], unique=False)
    op.create_index(op.f("ix_coordinator_city_city_id"), "coordinator_city", ["city_id"], unique=False)

    op.create_table(
        "workshop_coordinator",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column("user_id", AutoString(), nullable=True),
        sa.Column("username", AutoString(), nullable=True),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["workshop_id"], ["workshop.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_workshop_coordinator_workshop_id"), "workshop_coordinator", ["workshop_id"], unique=False)
    op.create_index(op.f("ix_workshop_coordinator_user_id"), "workshop_coordinator", ["user_id"], unique=False)
    op.create_index(op.f("ix_workshop_coordinator_username"), "workshop_coordinator", ["username"], unique=False)

    op.create_table(
        "join_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("tried_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["participant_id"], ["participant.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_join_attempt_participant_id"), "join_attempt", ["participant_id"], unique=False)

    op.execute(
        "UPDATE answer SET value = 'open' WHERE value = 'not_yet' "
        "AND assessment_id IN (SELECT id FROM assessment WHERE kind = 'checkin')"
    )


def downgrade() -> None:
    op.execute(
        "UPDATE answer SET value = 'not_yet' WHERE value = 'open' "
        "AND assessment_id IN (SELECT id FROM assessment WHERE kind = 'checkin')"
    )
    op.drop_table("join_attempt")
    op.drop_table("workshop_coordinator")
    op.drop_table("coordinator_city")
    op.drop_index(op.f("ix_processed_update_user_id"), table_name="processed_update")
    with op.batch_alter_table("processed_update", schema=None) as batch_op:
        batch_op.drop_column("user_id")
    with op.batch_alter_table("coordinator", schema=None) as batch_op:
        batch_op.drop_column("all_cities")
