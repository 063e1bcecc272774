"""Registry list: city-wide live persons in id order, index-only (PostgreSQL).

The list's scope rule is `merged_into_id IS NULL AND is_archived IS false`.
`ix_person_list (is_archived, merged_into_id, id)` cannot give id order for it
(an IS NULL condition is not an equality for the planner), so a deep page
(`OFFSET 24975` over the ids) walked the primary key backwards and read the
person heap for the filter.  This partial index holds exactly the visible ids:
page 1,000 reads ~25,000 index entries and no heap.  SQLite already walks
ix_person_list in order; nothing changes there.

Revision ID: b5_person_live_citywide
Revises: b4_search_scope
"""
from alembic import op

revision = "b5_person_live_citywide"
down_revision = "b4_search_scope"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE INDEX IF NOT EXISTS ix_person_scope_live_citywide ON person (id) "
                   "WHERE merged_into_id IS NULL AND is_archived IS false")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_person_scope_live_citywide")
