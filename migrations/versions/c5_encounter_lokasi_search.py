"""identity: a substring index on encounter.lokasi for the encounter search (by place text)

SQLite: `encounter_lokasi_fts(lokasi)`, an FTS5 trigram table, rowid = encounter.id, kept
in sync by triggers (backfilled here). PostgreSQL: a pg_trgm GIN index on lower(lokasi).
Without them a place word that matches nothing read all encounters (3M: 7-11 s).

Revision ID: c5_encounter_lokasi_search
Revises: c4_pair_created_index
"""
from alembic import op

revision = "c5_encounter_lokasi_search"
down_revision = "c4_pair_created_index"
branch_labels = None
depends_on = None

SQLITE_UP = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS encounter_lokasi_fts USING fts5(lokasi, tokenize='trigram')",
    """CREATE TRIGGER IF NOT EXISTS encounter_lokasi_ai AFTER INSERT ON encounter
       WHEN new.lokasi IS NOT NULL AND new.lokasi != '' BEGIN
         INSERT INTO encounter_lokasi_fts(rowid, lokasi) VALUES (new.id, new.lokasi);
       END""",
    """CREATE TRIGGER IF NOT EXISTS encounter_lokasi_ad AFTER DELETE ON encounter BEGIN
         DELETE FROM encounter_lokasi_fts WHERE rowid = old.id;
       END""",
    """CREATE TRIGGER IF NOT EXISTS encounter_lokasi_au AFTER UPDATE OF lokasi ON encounter BEGIN
         DELETE FROM encounter_lokasi_fts WHERE rowid = old.id;
         INSERT INTO encounter_lokasi_fts(rowid, lokasi)
           SELECT new.id, new.lokasi WHERE new.lokasi IS NOT NULL AND new.lokasi != '';
       END""",
    "DELETE FROM encounter_lokasi_fts",
    """INSERT INTO encounter_lokasi_fts(rowid, lokasi)
       SELECT id, lokasi FROM encounter WHERE lokasi IS NOT NULL AND lokasi != ''""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS encounter_lokasi_ai", "DROP TRIGGER IF EXISTS encounter_lokasi_ad",
    "DROP TRIGGER IF EXISTS encounter_lokasi_au", "DROP TABLE IF EXISTS encounter_lokasi_fts",
]
PG_UP = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS ix_encounter_lokasi_trgm ON encounter USING gin (lower(lokasi) gin_trgm_ops)",
]
PG_DOWN = ["DROP INDEX IF EXISTS ix_encounter_lokasi_trgm"]


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
