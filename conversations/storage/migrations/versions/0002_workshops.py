"""Workshops and coordinators: grants, workshops, memberships, pseudonyms.

Coordinator grants (also pending ones by @username), workshops and their members, the workshop an
assessment counts for, and each participant's pseudonym and choice to share their name.

Existing participants get a pseudonym each; no answer, assessment or participant is rewritten.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 09:30:00
"""

import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PSEUDONYM_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # as conversations.storage.models.new_pseudonym


def upgrade() -> None:
    op.create_table(
        "coordinator",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", AutoString(), nullable=True),
        sa.Column("username", AutoString(), nullable=True),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("coordinator", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_coordinator_user_id"), ["user_id"], unique=True)
        batch_op.create_index(batch_op.f("ix_coordinator_username"), ["username"], unique=False)

    op.create_table(
        "workshop",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", AutoString(), nullable=False),
        sa.Column("name", AutoString(), nullable=False),
        sa.Column("city_id", sa.Integer(), nullable=True),
        sa.Column("created_by", AutoString(), nullable=True),
        sa.Column("status", AutoString(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["city_id"], ["city.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("workshop", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_workshop_code"), ["code"], unique=True)

    op.create_table(
        "workshop_member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["participant_id"], ["participant.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["workshop_id"], ["workshop.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("workshop_id", "participant_id"),
    )
    with op.batch_alter_table("workshop_member", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_workshop_member_participant_id"), ["participant_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_workshop_member_workshop_id"), ["workshop_id"], unique=False)

    # Plain ALTER TABLE ... ADD COLUMN, never a batch "copy and move": on SQLite that drops and
    # re-creates the table, and with foreign keys on, dropping it would cascade to every answer.
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE assessment ADD COLUMN workshop_id INTEGER REFERENCES workshop (id) ON DELETE SET NULL")
    else:
        op.add_column(
            "assessment",
            sa.Column("workshop_id", sa.Integer(), sa.ForeignKey("workshop.id", ondelete="SET NULL"), nullable=True),
        )
    op.create_index(op.f("ix_assessment_workshop_id"), "assessment", ["workshop_id"], unique=False)

    op.add_column("participant", sa.Column("pseudonym", AutoString(), nullable=True))
    op.add_column("participant", sa.Column("share_name", sa.Boolean(), nullable=False, server_default=sa.false()))
    participant = sa.table("participant", sa.column("id", sa.Integer), sa.column("pseudonym", sa.String))
    connection = op.get_bind()
    taken: set[str] = set()
    for (participant_id,) in connection.execute(sa.select(participant.c.id)).all():
        connection.execute(
            participant.update().where(participant.c.id == participant_id).values(pseudonym=_pseudonym(taken))
        )
    op.create_index(op.f("ix_participant_pseudonym"), "participant", ["pseudonym"], unique=True)


def _pseudonym(taken: set[str]) -> str:
    while True:
        pseudonym = "P-" + "".join(secrets.choice(PSEUDONYM_ALPHABET) for _ in range(6))
        if pseudonym not in taken:
            taken.add(pseudonym)
            return pseudonym


def downgrade() -> None:
    op.drop_index(op.f("ix_participant_pseudonym"), table_name="participant")
    op.drop_index(op.f("ix_assessment_workshop_id"), table_name="assessment")
    with op.batch_alter_table("participant", schema=None) as batch_op:
        batch_op.drop_column("share_name")
        batch_op.drop_column("pseudonym")
    with op.batch_alter_table("assessment", schema=None) as batch_op:
        batch_op.drop_column("workshop_id")
    op.drop_table("workshop_member")
    op.drop_table("workshop")
    op.drop_table("coordinator")
