"""reports: covering index for monthly encounter aggregates, dashboard cache table

Revision ID: e2_report_indexes
Revises: e1_reporting
"""
from alembic import op
import sqlalchemy as sa

revision = "e2_report_indexes"
down_revision = "e1_reporting"
branch_labels = None
depends_on = None


def upgrade():
    # Month-range scans of the reports read only these columns: no table lookups.
    op.create_index("ix_encounter_report", "encounter",
                    ["waktu", "is_archived", "person_id", "sumber", "kecamatan_kode",
                     "kelurahan_kode"])
    op.create_table(
        "dashboard_cache",
        sa.Column("scope_key", sa.String(length=40), nullable=False),
        sa.Column("computed_at", sa.DateTime(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("scope_key"),
    )


def downgrade():
    op.drop_table("dashboard_cache")
    op.drop_index("ix_encounter_report", table_name="encounter")
