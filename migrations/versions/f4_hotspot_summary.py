"""reports: hotspot counters per day/month and rounded cell (dashboard 90-day hotspots),
filled set-wise from the existing records; geo index per kecamatan (scoped hotspots)

Revision ID: f4_hotspot_summary
Revises: f3_dashboard_summary
"""
from alembic import op
import sqlalchemy as sa

revision = "f4_hotspot_summary"
down_revision = "f3_dashboard_summary"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "summary_hotspot",
        sa.Column("ym", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("day", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("lat", sa.Numeric(precision=10, scale=3), nullable=False),
        sa.Column("lng", sa.Numeric(precision=10, scale=3), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("ym", "day", "lat", "lng"),
    )
    op.create_index("ix_summary_hotspot_month", "summary_hotspot", ["day", "ym", "lat", "lng", "n"])
    op.create_index("ix_encounter_geo_kec", "encounter",
                    ["kecamatan_kode", "waktu", "is_archived", "kelurahan_kode", "latitude",
                     "longitude"],
                    sqlite_where=sa.text("latitude IS NOT NULL"),
                    postgresql_where=sa.text("latitude IS NOT NULL"))
    from app.services.report_summary import rebuild_hotspots

    rebuild_hotspots(op.get_bind())  # the table is new and empty
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ANALYZE summary_hotspot")


def downgrade():
    op.drop_index("ix_encounter_geo_kec", table_name="encounter")
    op.drop_index("ix_summary_hotspot_month", table_name="summary_hotspot")
    op.drop_table("summary_hotspot")
