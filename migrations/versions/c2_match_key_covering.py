"""identity: covering key index (key, person_id) so candidate lookups read the index only

Revision ID: c2_match_key_covering
Revises: c1_identity
"""
from alembic import op

revision = "c2_match_key_covering"
down_revision = "c1_identity"
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index("ix_match_key_key", "match_key")
    op.create_index("ix_match_key_key", "match_key", ["key", "person_id"])


def downgrade():
    op.drop_index("ix_match_key_key", "match_key")
    op.create_index("ix_match_key_key", "match_key", ["key"])
