"""Registry speed: a narrow name-search table on PostgreSQL, planner statistics.

PostgreSQL: `person_search(person_id, alias_id, norm)` holds one row per person
name (alias_id 0) and one per alias, with a pg_trgm GIN index.  A contains
search rechecks its matches on this 60 MB table instead of the wide person
table (376 MB with indexes) and needs no UNION of two trigram scans; kept in
sync by triggers on person and person_alias, backfilled here.  A partial index
`ix_person_scope_live` makes a scoped (kecamatan) lookup index-only.  SQLite
already has the FTS5 table of b1_search_indexes; both get ANALYZE.

Revision ID: b2_registry_speed
Revises: b1_search_indexes
"""
from alembic import op

revision = "b2_registry_speed"
down_revision = "b1_search_indexes"
branch_labels = None
depends_on = None

PG_UP = [
    """CREATE TABLE IF NOT EXISTS person_search (
         person_id integer NOT NULL REFERENCES person(id) ON DELETE CASCADE,
         alias_id integer NOT NULL DEFAULT 0,
         norm varchar(200) NOT NULL,
         PRIMARY KEY (person_id, alias_id))""",
    """CREATE OR REPLACE FUNCTION person_search_person() RETURNS trigger AS $$
       BEGIN
         IF TG_OP = 'UPDATE' THEN
           DELETE FROM person_search WHERE person_id = OLD.id AND alias_id = 0;
         END IF;
         IF coalesce(NEW.nama_norm, '') <> '' THEN
           INSERT INTO person_search (person_id, alias_id, norm)
           VALUES (NEW.id, 0, NEW.nama_norm);
         END IF;
         RETURN NULL;
       END $$ LANGUAGE plpgsql""",
    """CREATE OR REPLACE FUNCTION person_search_alias() RETURNS trigger AS $$
       BEGIN
         IF TG_OP IN ('UPDATE', 'DELETE') THEN
           DELETE FROM person_search WHERE person_id = OLD.person_id AND alias_id = OLD.id;
         END IF;
         IF TG_OP IN ('INSERT', 'UPDATE') AND coalesce(NEW.alias_norm, '') <> '' THEN
           INSERT INTO person_search (person_id, alias_id, norm)
           VALUES (NEW.person_id, NEW.id, NEW.alias_norm);
         END IF;
         RETURN NULL;
       END $$ LANGUAGE plpgsql""",
    "DROP TRIGGER IF EXISTS person_search_ai ON person",
    "DROP TRIGGER IF EXISTS person_search_au ON person",
    "DROP TRIGGER IF EXISTS person_search_alias_aiud ON person_alias",
    # Visible persons of a kecamatan, index-only (the scope rule's exact predicate):
    # ix_person_scope lacks merged_into_id, so a scoped search read the person heap.
    "CREATE INDEX IF NOT EXISTS ix_person_scope_live ON person (kecamatan_kode, id) "
    "WHERE merged_into_id IS NULL AND is_archived IS false",
    "CREATE TRIGGER person_search_ai AFTER INSERT ON person "
    "FOR EACH ROW EXECUTE FUNCTION person_search_person()",
    "CREATE TRIGGER person_search_au AFTER UPDATE OF nama_norm ON person "
    "FOR EACH ROW EXECUTE FUNCTION person_search_person()",
    "CREATE TRIGGER person_search_alias_aiud AFTER INSERT OR UPDATE OR DELETE ON person_alias "
    "FOR EACH ROW EXECUTE FUNCTION person_search_alias()",
]
# Backfill (also used after a bulk load that bypassed the triggers).
PG_FILL = [
    "DELETE FROM person_search",
    "INSERT INTO person_search (person_id, alias_id, norm) SELECT id, 0, nama_norm "
    "FROM person WHERE coalesce(nama_norm, '') <> ''",
    "INSERT INTO person_search (person_id, alias_id, norm) SELECT person_id, id, alias_norm "
    "FROM person_alias WHERE coalesce(alias_norm, '') <> ''",
    "CREATE INDEX IF NOT EXISTS ix_person_search_trgm ON person_search "
    "USING gin (norm gin_trgm_ops)",
    "ANALYZE person_search",
    "ANALYZE person",
    "ANALYZE person_alias",
]
PG_DOWN = [
    "DROP INDEX IF EXISTS ix_person_scope_live",
    "DROP TRIGGER IF EXISTS person_search_ai ON person",
    "DROP TRIGGER IF EXISTS person_search_au ON person",
    "DROP TRIGGER IF EXISTS person_search_alias_aiud ON person_alias",
    "DROP FUNCTION IF EXISTS person_search_person()",
    "DROP FUNCTION IF EXISTS person_search_alias()",
    "DROP TABLE IF EXISTS person_search",
]


def upgrade():
    name = op.get_bind().dialect.name
    if name == "postgresql":
        for sql in PG_UP + PG_FILL:
            op.execute(sql)
    elif name == "sqlite":
        op.execute("ANALYZE")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for sql in PG_DOWN:
            op.execute(sql)
