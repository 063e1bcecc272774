"""Registry search: the scope columns on the word index (PostgreSQL).

After b3 a one-word search found its ~2,800 person ids in 1–2 ms, then
probed `person` once per id for the scope rule (area, not merged, not
archived): ~8,400 buffer accesses, most of the query.  The word rows now
carry what the rule needs (`live` = not merged and not archived, kecamatan,
kelurahan) in their primary key's INCLUDE list, so the visible matches are
counted and paged from one index-only range scan.

Kept by the b3 trigger on person_search (reads the person row on insert) and
a new trigger on person for changes of area, archive or merge; backfilled.

Revision ID: b4_search_scope
Revises: b3_search_tokens
"""
from alembic import op

revision = "b4_search_scope"
down_revision = "b3_search_tokens"
branch_labels = None
depends_on = None

PG_UP = [
    "ALTER TABLE person_search_token ADD COLUMN IF NOT EXISTS live boolean NOT NULL DEFAULT true",
    "ALTER TABLE person_search_token ADD COLUMN IF NOT EXISTS kecamatan_kode varchar(13)",
    "ALTER TABLE person_search_token ADD COLUMN IF NOT EXISTS kelurahan_kode varchar(13)",
    """CREATE OR REPLACE FUNCTION person_search_tokens() RETURNS trigger AS $$
       BEGIN
         IF TG_OP IN ('UPDATE', 'DELETE') THEN
           DELETE FROM person_search_token t
           WHERE t.token = ANY (string_to_array(OLD.norm, ' '))
             AND t.person_id = OLD.person_id AND t.alias_id = OLD.alias_id;
         END IF;
         IF TG_OP IN ('INSERT', 'UPDATE') THEN
           INSERT INTO person_search_vocab (token)
           SELECT DISTINCT w FROM unnest(string_to_array(NEW.norm, ' ')) AS w WHERE w <> ''
           ON CONFLICT DO NOTHING;
           INSERT INTO person_search_token
             (token, person_id, alias_id, live, kecamatan_kode, kelurahan_kode)
           SELECT DISTINCT w, NEW.person_id, NEW.alias_id,
                  p.merged_into_id IS NULL AND p.is_archived IS false,
                  p.kecamatan_kode, p.kelurahan_kode
           FROM person p, unnest(string_to_array(NEW.norm, ' ')) AS w
           WHERE p.id = NEW.person_id AND w <> ''
           ON CONFLICT DO NOTHING;
         END IF;
         RETURN NULL;
       END $$ LANGUAGE plpgsql""",
    """CREATE OR REPLACE FUNCTION person_search_scope() RETURNS trigger AS $$
       BEGIN
         UPDATE person_search_token t
         SET live = NEW.merged_into_id IS NULL AND NEW.is_archived IS false,
             kecamatan_kode = NEW.kecamatan_kode, kelurahan_kode = NEW.kelurahan_kode
         FROM person_search s
         WHERE s.person_id = NEW.id AND t.person_id = NEW.id AND t.alias_id = s.alias_id
           AND t.token = ANY (string_to_array(s.norm, ' '));
         RETURN NULL;
       END $$ LANGUAGE plpgsql""",
    "DROP TRIGGER IF EXISTS person_search_scope_au ON person",
    "CREATE TRIGGER person_search_scope_au "
    "AFTER UPDATE OF kecamatan_kode, kelurahan_kode, is_archived, merged_into_id ON person "
    "FOR EACH ROW WHEN (OLD.kecamatan_kode IS DISTINCT FROM NEW.kecamatan_kode "
    "OR OLD.kelurahan_kode IS DISTINCT FROM NEW.kelurahan_kode "
    "OR OLD.is_archived IS DISTINCT FROM NEW.is_archived "
    "OR OLD.merged_into_id IS DISTINCT FROM NEW.merged_into_id) "
    "EXECUTE FUNCTION person_search_scope()",
    # Backfill in one pass (faster than updating 2.7M rows in place), then the key
    # with the scope columns included: the visible matches come from the index alone.
    "CREATE TABLE person_search_token_new AS "
    "SELECT t.token, t.person_id, t.alias_id, "
    "p.merged_into_id IS NULL AND p.is_archived IS false AS live, "
    "p.kecamatan_kode::varchar(13) AS kecamatan_kode, p.kelurahan_kode::varchar(13) AS kelurahan_kode "
    "FROM person_search_token t JOIN person p ON p.id = t.person_id",
    "TRUNCATE person_search_token",
    "ALTER TABLE person_search_token DROP CONSTRAINT person_search_token_pkey",
    "INSERT INTO person_search_token SELECT * FROM person_search_token_new "
    "ORDER BY token, person_id, alias_id",
    "DROP TABLE person_search_token_new",
    "ALTER TABLE person_search_token ADD CONSTRAINT person_search_token_pkey "
    "PRIMARY KEY (token, person_id, alias_id) INCLUDE (live, kecamatan_kode, kelurahan_kode)",
    "ANALYZE person_search_token",
]
PG_DOWN = [
    "DROP TRIGGER IF EXISTS person_search_scope_au ON person",
    "DROP FUNCTION IF EXISTS person_search_scope()",
    "ALTER TABLE person_search_token DROP CONSTRAINT person_search_token_pkey",
    "ALTER TABLE person_search_token ADD CONSTRAINT person_search_token_pkey "
    "PRIMARY KEY (token, person_id, alias_id)",
    "ALTER TABLE person_search_token DROP COLUMN live",
    "ALTER TABLE person_search_token DROP COLUMN kecamatan_kode",
    "ALTER TABLE person_search_token DROP COLUMN kelurahan_kode",
    # b3's trigger function (without the scope columns)
    """CREATE OR REPLACE FUNCTION person_search_tokens() RETURNS trigger AS $$
       BEGIN
         IF TG_OP IN ('UPDATE', 'DELETE') THEN
           DELETE FROM person_search_token t
           WHERE t.token = ANY (string_to_array(OLD.norm, ' '))
             AND t.person_id = OLD.person_id AND t.alias_id = OLD.alias_id;
         END IF;
         IF TG_OP IN ('INSERT', 'UPDATE') THEN
           INSERT INTO person_search_vocab (token)
           SELECT DISTINCT w FROM unnest(string_to_array(NEW.norm, ' ')) AS w WHERE w <> ''
           ON CONFLICT DO NOTHING;
           INSERT INTO person_search_token (token, person_id, alias_id)
           SELECT DISTINCT w, NEW.person_id, NEW.alias_id
           FROM unnest(string_to_array(NEW.norm, ' ')) AS w WHERE w <> ''
           ON CONFLICT DO NOTHING;
         END IF;
         RETURN NULL;
       END $$ LANGUAGE plpgsql""",
]


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        for sql in PG_UP:
            op.execute(sql)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for sql in PG_DOWN:
            op.execute(sql)
