"""reports: how often and when each live person was met, on summary_person (the "sering
terjaring" list reads it instead of aggregating every encounter), filled set-wise

Revision ID: f5_summary_person_met
Revises: f4_hotspot_summary
"""
from alembic import op
import sqlalchemy as sa

revision = "f5_summary_person_met"
down_revision = "f4_hotspot_summary"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("summary_person") as batch:
        batch.add_column(sa.Column("n_enc", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("first_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("last_at", sa.DateTime(), nullable=True))
    op.create_index("ix_summary_person_met", "summary_person", ["n_enc", "pid"])
    from app.services.report_summary import rebuild_met

    rebuild_met(op.get_bind())
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ANALYZE summary_person")


def downgrade():
    op.drop_index("ix_summary_person_met", table_name="summary_person")
    with op.batch_alter_table("summary_person") as batch:
        batch.drop_column("last_at")
        batch.drop_column("first_at")
        batch.drop_column("n_enc")
