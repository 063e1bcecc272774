"""Registry search: whole-word tokens of the name-search table (PostgreSQL).

A contains search of one word ("suyono") matched `person_search.norm` with the
pg_trgm GIN index, and every match was rechecked on the heap (~2,300 random
blocks for 2,800 matches at 1M persons).  A word is contained in a name
exactly when it is contained in one of the name's words, so:

* `person_search_vocab(token)`: every distinct word of names and aliases (a
  few ten thousand rows) with a pg_trgm GIN index: the substring match runs
  on this small table;
* `person_search_token(token, person_id, alias_id)`: which name / alias has
  the word; its primary key (token, person_id, …) turns the matched words
  into person ids by an index-only range scan.

Both are kept by a trigger on `person_search` (itself kept by the b2
triggers on person and person_alias), backfilled here.  Words are never
removed from the vocabulary (a stale word maps to no person).  Multi-word
queries still use the trigram index of `person_search`.  SQLite keeps its
FTS5 table (b1).

Revision ID: b3_search_tokens
Revises: b2_registry_speed
"""
from alembic import op

revision = "b3_search_tokens"
down_revision = "b2_registry_speed"
branch_labels = None
depends_on = None

PG_UP = [
    "CREATE TABLE IF NOT EXISTS person_search_vocab (token varchar(200) PRIMARY KEY)",
    """CREATE TABLE IF NOT EXISTS person_search_token (
         token varchar(200) NOT NULL,
         person_id integer NOT NULL,
         alias_id integer NOT NULL,
         PRIMARY KEY (token, person_id, alias_id))""",
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
    "DROP TRIGGER IF EXISTS person_search_token_aiud ON person_search",
    "CREATE TRIGGER person_search_token_aiud AFTER INSERT OR UPDATE OR DELETE ON person_search "
    "FOR EACH ROW EXECUTE FUNCTION person_search_tokens()",
]
# Backfill from person_search (also usable after a bulk load that filled it).
PG_FILL = [
    "DELETE FROM person_search_token",
    "INSERT INTO person_search_vocab (token) SELECT DISTINCT w FROM person_search, "
    "unnest(string_to_array(norm, ' ')) AS w WHERE w <> '' ON CONFLICT DO NOTHING",
    "INSERT INTO person_search_token (token, person_id, alias_id) "
    "SELECT DISTINCT w, person_id, alias_id FROM person_search, "
    "unnest(string_to_array(norm, ' ')) AS w WHERE w <> ''",
    "CREATE INDEX IF NOT EXISTS ix_person_search_vocab_trgm ON person_search_vocab "
    "USING gin (token gin_trgm_ops)",
    "ANALYZE person_search_vocab",
    "ANALYZE person_search_token",
]
PG_DOWN = [
    "DROP TRIGGER IF EXISTS person_search_token_aiud ON person_search",
    "DROP FUNCTION IF EXISTS person_search_tokens()",
    "DROP TABLE IF EXISTS person_search_token",
    "DROP TABLE IF EXISTS person_search_vocab",
]


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        for sql in PG_UP + PG_FILL:
            op.execute(sql)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for sql in PG_DOWN:
            op.execute(sql)
