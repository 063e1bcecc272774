"""reporting: report archive and SPM targets

Revision ID: e1_reporting
Revises: 7ea5bfbed268
"""
from alembic import op
import sqlalchemy as sa

revision = "e1_reporting"
down_revision = "7ea5bfbed268"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "report_archive",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("fmt", sa.String(length=5), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("kecamatan_kode", sa.String(length=13), nullable=True),
        sa.Column("parameters", sa.Text(), nullable=True),
        sa.Column("kendala", sa.Text(), nullable=True),
        sa.Column("solusi", sa.Text(), nullable=True),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_by_name", sa.String(length=150), nullable=True),
        sa.ForeignKeyConstraint(["created_by_id"], ["ab_user.id"]),
        sa.ForeignKeyConstraint(["kecamatan_kode"], ["wilayah.kode"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_report_archive_period", "report_archive", ["period"])
    op.create_index("ix_report_archive_created_at", "report_archive", ["created_at"])
    op.create_table(
        "spm_target",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tahun", sa.Integer(), nullable=False),
        sa.Column("spm_group", sa.String(length=20), nullable=False),
        sa.Column("target_persen", sa.Float(), nullable=False),
        sa.Column("target_jumlah", sa.Integer(), nullable=True),
        sa.Column("catatan", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["created_by_id"], ["ab_user.id"]),
        sa.ForeignKeyConstraint(["updated_by_id"], ["ab_user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tahun", "spm_group", name="uq_spm_target_tahun_group"),
    )


def downgrade():
    op.drop_table("spm_target")
    op.drop_index("ix_report_archive_created_at", table_name="report_archive")
    op.drop_index("ix_report_archive_period", table_name="report_archive")
    op.drop_table("report_archive")
