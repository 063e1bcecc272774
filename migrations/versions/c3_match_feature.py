"""identity: match_feature table (precomputed comparison features per live person)

Filled by `flask dedup rebuild-keys` (rows missing or of another feature engine
are computed on the fly, so the table may start empty).

Revision ID: c3_match_feature
Revises: c2_match_key_covering
"""
import sqlalchemy as sa
from alembic import op

revision = "c3_match_feature"
down_revision = "c2_match_key_covering"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "match_feature",
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("person.id", ondelete="CASCADE"), nullable=False),
        sa.Column("engine", sa.String(16), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("person_id"),
    )


def downgrade():
    op.drop_table("match_feature")
