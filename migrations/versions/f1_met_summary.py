"""reports: derived summary tables (unique persons per month, encounters per month) and the
hotspot index; filled set-wise from the existing records

Revision ID: f1_met_summary
Revises: e2_report_indexes
"""
from alembic import op
import sqlalchemy as sa

revision = "f1_met_summary"
down_revision = "e2_report_indexes"
branch_labels = None
depends_on = None


def _area_cols():
    return [sa.Column("kec", sa.String(length=13), nullable=False),
            sa.Column("kel", sa.String(length=13), nullable=False)]


def upgrade():
    op.create_table(
        "summary_person",
        sa.Column("pid", sa.Integer(), autoincrement=False, nullable=False),
        *_area_cols(),
        sa.Column("jk", sa.String(length=1), nullable=False),
        sa.PrimaryKeyConstraint("pid"),
    )
    op.create_table(
        "summary_person_jenis",
        sa.Column("pid", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("jenis", sa.Integer(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint("pid", "jenis"),
    )
    op.create_table(
        "summary_person_month",
        sa.Column("pid", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("ym", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("ret", sa.Integer(), nullable=False),
        sa.Column("first", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("pid", "ym"),
    )
    op.create_table(
        "summary_count",
        sa.Column("ym", sa.Integer(), autoincrement=False, nullable=False),
        *_area_cols(),
        sa.Column("jk", sa.String(length=1), nullable=False),
        sa.Column("jenis", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("n_met", sa.Integer(), nullable=False),
        sa.Column("n_ret", sa.Integer(), nullable=False),
        sa.Column("n_first", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("ym", "kec", "kel", "jk", "jenis"),
    )
    op.create_table(
        "summary_encounter",
        sa.Column("ym", sa.Integer(), autoincrement=False, nullable=False),
        *_area_cols(),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("ym", "kec", "kel"),
    )
    op.create_index("ix_encounter_geo", "encounter",
                    ["waktu", "is_archived", "kecamatan_kode", "kelurahan_kode", "latitude",
                     "longitude"],
                    sqlite_where=sa.text("latitude IS NOT NULL"),
                    postgresql_where=sa.text("latitude IS NOT NULL"))
    from app.services.report_summary import rebuild

    rebuild(op.get_bind(), sources=False)  # f2 adds and fills summary_person_source


def downgrade():
    op.drop_index("ix_encounter_geo", table_name="encounter")
    for name in ("summary_encounter", "summary_count", "summary_person_month",
                 "summary_person_jenis", "summary_person"):
        op.drop_table(name)
