"""reports: summary of encounters per live person, month and source (rekap by source);
filled set-wise from the existing records

Revision ID: f2_summary_source
Revises: f1_met_summary
"""
from alembic import op
import sqlalchemy as sa

revision = "f2_summary_source"
down_revision = "f1_met_summary"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "summary_person_source",
        sa.Column("ym", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("pid", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("sumber", sa.String(length=20), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("ym", "pid", "sumber"),
    )
    op.create_index("ix_summary_person_source_pid", "summary_person_source", ["pid"])
    from app.services.report_summary import rebuild_sources

    rebuild_sources(op.get_bind())  # the table is new and empty


def downgrade():
    op.drop_index("ix_summary_person_source_pid", table_name="summary_person_source")
    op.drop_table("summary_person_source")
