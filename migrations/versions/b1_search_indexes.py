"""Name-search indexes: pg_trgm GIN on PostgreSQL, FTS5 trigram table on SQLite.

SQLite: `person_name_fts(name, person_id UNINDEXED)` holds one row per person
name (rowid = person.id) and one per alias (rowid = -alias.id), kept in sync
by triggers.  Works on an empty and on a filled database (backfilled here).

Revision ID: b1_search_indexes
Revises: 7ea5bfbed268
"""
from alembic import op

revision = "b1_search_indexes"
down_revision = "7ea5bfbed268"
branch_labels = None
depends_on = None

SQLITE_UP = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS person_name_fts USING fts5("
    "name, person_id UNINDEXED, tokenize='trigram')",
    # Person names: rowid = person.id.
    """CREATE TRIGGER IF NOT EXISTS person_fts_ai AFTER INSERT ON person
       WHEN new.nama_norm IS NOT NULL AND new.nama_norm != '' BEGIN
         INSERT INTO person_name_fts(rowid, name, person_id) VALUES (new.id, new.nama_norm, new.id);
       END""",
    """CREATE TRIGGER IF NOT EXISTS person_fts_ad AFTER DELETE ON person BEGIN
         DELETE FROM person_name_fts WHERE rowid = old.id;
       END""",
    """CREATE TRIGGER IF NOT EXISTS person_fts_au AFTER UPDATE OF nama_norm ON person BEGIN
         DELETE FROM person_name_fts WHERE rowid = old.id;
         INSERT INTO person_name_fts(rowid, name, person_id)
           SELECT new.id, new.nama_norm, new.id
           WHERE new.nama_norm IS NOT NULL AND new.nama_norm != '';
       END""",
    # Aliases: rowid = -alias.id.
    """CREATE TRIGGER IF NOT EXISTS alias_fts_ai AFTER INSERT ON person_alias
       WHEN new.alias_norm IS NOT NULL AND new.alias_norm != '' BEGIN
         INSERT INTO person_name_fts(rowid, name, person_id)
           VALUES (-new.id, new.alias_norm, new.person_id);
       END""",
    """CREATE TRIGGER IF NOT EXISTS alias_fts_ad AFTER DELETE ON person_alias BEGIN
         DELETE FROM person_name_fts WHERE rowid = -old.id;
       END""",
    """CREATE TRIGGER IF NOT EXISTS alias_fts_au AFTER UPDATE OF alias_norm, person_id
       ON person_alias BEGIN
         DELETE FROM person_name_fts WHERE rowid = -old.id;
         INSERT INTO person_name_fts(rowid, name, person_id)
           SELECT -new.id, new.alias_norm, new.person_id
           WHERE new.alias_norm IS NOT NULL AND new.alias_norm != '';
       END""",
    # Backfill rows that existed before this migration.
    "DELETE FROM person_name_fts",
    """INSERT INTO person_name_fts(rowid, name, person_id)
       SELECT id, nama_norm, id FROM person WHERE nama_norm IS NOT NULL AND nama_norm != ''""",
    """INSERT INTO person_name_fts(rowid, name, person_id)
       SELECT -id, alias_norm, person_id FROM person_alias
       WHERE alias_norm IS NOT NULL AND alias_norm != '' ORDER BY id DESC""",  # ascending rowids
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS person_fts_ai", "DROP TRIGGER IF EXISTS person_fts_ad",
    "DROP TRIGGER IF EXISTS person_fts_au", "DROP TRIGGER IF EXISTS alias_fts_ai",
    "DROP TRIGGER IF EXISTS alias_fts_ad", "DROP TRIGGER IF EXISTS alias_fts_au",
    "DROP TABLE IF EXISTS person_name_fts",
]
PG_UP = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS ix_person_nama_norm_trgm ON person "
    "USING gin (nama_norm gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS ix_person_alias_alias_norm_trgm ON person_alias "
    "USING gin (alias_norm gin_trgm_ops)",
    # Starts-with LIKE 'x%' uses a B-tree whatever the database collation is.
    "CREATE INDEX IF NOT EXISTS ix_person_nama_norm_prefix ON person "
    "(nama_norm varchar_pattern_ops)",
    "CREATE INDEX IF NOT EXISTS ix_person_alias_alias_norm_prefix ON person_alias "
    "(alias_norm varchar_pattern_ops)",
    "CREATE INDEX IF NOT EXISTS ix_person_nik_prefix ON person (nik varchar_pattern_ops)",
    "CREATE INDEX IF NOT EXISTS ix_person_no_kk_prefix ON person (no_kk varchar_pattern_ops)",
]
PG_DOWN = [
    "DROP INDEX IF EXISTS ix_person_nama_norm_trgm",
    "DROP INDEX IF EXISTS ix_person_alias_alias_norm_trgm",
    "DROP INDEX IF EXISTS ix_person_nama_norm_prefix",
    "DROP INDEX IF EXISTS ix_person_alias_alias_norm_prefix",
    "DROP INDEX IF EXISTS ix_person_nik_prefix",
    "DROP INDEX IF EXISTS ix_person_no_kk_prefix",
]


def _run(statements):
    for sql in statements:
        op.execute(sql)


def upgrade():
    name = op.get_bind().dialect.name
    if name == "sqlite":
        _run(SQLITE_UP)
    elif name == "postgresql":
        _run(PG_UP)


def downgrade():
    name = op.get_bind().dialect.name
    if name == "sqlite":
        _run(SQLITE_DOWN)
    elif name == "postgresql":
        _run(PG_DOWN)
