"""reports: summary of SPM assessments (survivor, group, date, date terpenuhi) for the
dashboard's SPM capaian (needs summary_person, filled by f1); filled set-wise from the existing records

Revision ID: f3_dashboard_summary
Revises: f2_summary_source
"""
from alembic import op
import sqlalchemy as sa

revision = "f3_dashboard_summary"
down_revision = "f2_summary_source"
branch_labels = None
depends_on = "d1_casework"  # reads the casework tables


def upgrade():
    op.create_table(
        "summary_assessment",
        sa.Column("aid", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("kec", sa.String(length=13), nullable=False),
        sa.Column("kel", sa.String(length=13), nullable=False),
        sa.Column("grp", sa.String(length=20), nullable=False),
        sa.Column("tanggal", sa.Date(), nullable=False),
        sa.Column("done", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("aid"),
    )
    op.create_index("ix_summary_assessment_case_id", "summary_assessment", ["case_id"])
    op.create_index("ix_summary_assessment_pid", "summary_assessment", ["pid"])
    op.create_index("ix_summary_assessment_tanggal", "summary_assessment",
                    ["tanggal", "grp", "pid", "done", "kec", "kel"])
    from app.services.report_summary import rebuild_assessments

    rebuild_assessments(op.get_bind())  # the table is new and empty
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ANALYZE summary_assessment")


def downgrade():
    op.drop_index("ix_summary_assessment_tanggal", table_name="summary_assessment")
    op.drop_index("ix_summary_assessment_pid", table_name="summary_assessment")
    op.drop_index("ix_summary_assessment_case_id", table_name="summary_assessment")
    op.drop_table("summary_assessment")
