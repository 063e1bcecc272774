"""identity: match keys, candidate pairs, merge records, dedup scans

Revision ID: c1_identity
Revises: 7ea5bfbed268
"""
import sqlalchemy as sa
from alembic import op

revision = "c1_identity"
down_revision = "7ea5bfbed268"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "match_key",
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("person.id", ondelete="CASCADE"), nullable=False),
        sa.Column("key", sa.String(160), nullable=False),
        sa.PrimaryKeyConstraint("person_id", "key"),
    )
    op.create_index("ix_match_key_key", "match_key", ["key"])
    op.create_table(
        "candidate_pair",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("person_a_id", sa.Integer(), sa.ForeignKey("person.id", ondelete="CASCADE"), nullable=False),
        sa.Column("person_b_id", sa.Integer(), sa.ForeignKey("person.id", ondelete="CASCADE"), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("probability", sa.Float()),
        sa.Column("reasons", sa.Text()),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("source", sa.String(20)),
        sa.Column("decided_by_id", sa.Integer(), sa.ForeignKey("ab_user.id")),
        sa.Column("decided_at", sa.DateTime()),
        sa.Column("note", sa.Text()),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("person_a_id", "person_b_id", name="uq_candidate_pair"),
    )
    op.create_index("ix_candidate_pair_queue", "candidate_pair", ["status", "score"])
    op.create_index("ix_candidate_pair_b", "candidate_pair", ["person_b_id"])
    op.create_table(
        "merge_record",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("survivor_id", sa.Integer(), sa.ForeignKey("person.id"), nullable=False),
        sa.Column("merged_id", sa.Integer(), sa.ForeignKey("person.id"), nullable=False),
        sa.Column("pair_id", sa.Integer(), sa.ForeignKey("candidate_pair.id", ondelete="SET NULL")),
        sa.Column("snapshot", sa.Text(), nullable=False),
        sa.Column("note", sa.Text()),
        sa.Column("merged_by_id", sa.Integer(), sa.ForeignKey("ab_user.id")),
        sa.Column("merged_at", sa.DateTime(), nullable=False),
        sa.Column("undone_by_id", sa.Integer(), sa.ForeignKey("ab_user.id")),
        sa.Column("undone_at", sa.DateTime()),
    )
    op.create_index("ix_merge_record_survivor_id", "merge_record", ["survivor_id"])
    op.create_index("ix_merge_record_merged_id", "merge_record", ["merged_id"])
    op.create_table(
        "dedup_scan",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime()),
        sa.Column("persons", sa.Integer(), nullable=False),
        sa.Column("pairs_new", sa.Integer(), nullable=False),
        sa.Column("since", sa.DateTime()),
    )


def downgrade():
    op.drop_table("dedup_scan")
    op.drop_index("ix_merge_record_merged_id", "merge_record")
    op.drop_index("ix_merge_record_survivor_id", "merge_record")
    op.drop_table("merge_record")
    op.drop_index("ix_candidate_pair_b", "candidate_pair")
    op.drop_index("ix_candidate_pair_queue", "candidate_pair")
    op.drop_table("candidate_pair")
    op.drop_index("ix_match_key_key", "match_key")
    op.drop_table("match_key")
