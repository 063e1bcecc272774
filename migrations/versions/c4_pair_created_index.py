"""identity: index (status, created_at) on candidate_pair for the review queue's date filter

Revision ID: c4_pair_created_index
Revises: c3_match_feature
"""
from alembic import op

revision = "c4_pair_created_index"
down_revision = "c3_match_feature"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_candidate_pair_created", "candidate_pair", ["status", "created_at"])


def downgrade():
    op.drop_index("ix_candidate_pair_created", "candidate_pair")
