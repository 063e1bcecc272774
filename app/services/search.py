"""Name search for the registry: spelling-insensitive and index-backed.

The query is normalised like stored names (`normalize_name`), so "Soedjono"
finds "Sujono".  Every branch hits an index (migration b1_search_indexes):

* starts-with ("awal"): B-tree on `nama_norm`/`alias_norm` — a range on
  SQLite (its LIKE cannot use a B-tree), `LIKE 'x%'` on PostgreSQL
  (varchar_pattern_ops index);
* contains ("memuat"), 3+ characters: the FTS5 trigram table
  `person_name_fts` on SQLite (b1; shorter queries fall back to LIKE).
  PostgreSQL: a one-word query matches the vocabulary of name words
  (`person_search_vocab`, pg_trgm GIN) and maps the words to persons through
  `person_search_token` (B-tree, index-only; b3); a query of several words
  uses the trigram index of the narrow `person_search` table (b2: names and
  aliases in one scan);
* 6+ digits: NIK / No. KK prefix.

The dialect-specific SQL is chosen at compile time, so `name_clause` needs no
session and works in any query on Person.
"""
from __future__ import annotations

from sqlalchemy import column, false, literal, literal_column, or_, select, table, true, union, union_all
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import NullType

from app.models import Person, PersonAlias
from app.services.names import normalize_name
from app.services.scope import Scope, area_clause

CONTAINS, STARTS_WITH = "memuat", "awal"
MIN_TRIGRAM = 3
_fts = table("person_name_fts", column("name"), column("person_id"))
_pg_search = table("person_search", column("person_id"), column("norm"))
_pg_vocab = table("person_search_vocab", column("token"))
_pg_token = table("person_search_token", column("token"), column("person_id"), column("live"),
                  column("kecamatan_kode"), column("kelurahan_kode"))


def escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _next_prefix(prefix: str) -> str:
    """Smallest string greater than every string starting with `prefix`."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def _prefix_sql(col, value: str, dialect: str | None) -> ColumnElement[bool]:
    """`col starts with value`: a B-tree range on SQLite (its LIKE cannot use a B-tree),
    LIKE elsewhere."""
    if dialect == "sqlite":
        return (col >= value) & (col < _next_prefix(value))
    return col.like(escape_like(value) + "%", escape="\\")


def _contains_sql(norm: str, dialect: str | None) -> ColumnElement[bool]:
    """`Person.id IN (persons whose name or alias contains norm)` for a dialect."""
    pattern = "%" + escape_like(norm) + "%"
    if dialect == "postgresql":
        if " " in norm:  # spans words: trigram match of whole names (b2)
            ids = select(_pg_search.c.person_id).where(_pg_search.c.norm.like(pattern, escape="\\"))
        else:  # one word is in a name iff it is in one of its words (b3): match the small
            # vocabulary, then its words' persons by an index-only scan, no heap recheck
            words = select(_pg_vocab.c.token).where(_pg_vocab.c.token.like(pattern, escape="\\"))
            ids = select(_pg_token.c.person_id).where(_pg_token.c.token.in_(words))
        return Person.id.in_(ids)
    if dialect == "sqlite" and len(norm) >= MIN_TRIGRAM:  # the trigram index needs 3 characters
        phrase = '"' + norm.replace('"', '""') + '"'
        # `<table> MATCH` (not `name MATCH`): only the table form reaches the FTS index;
        # the column form is evaluated row by row.  Person rows carry rowid = person.id
        # and alias rows rowid = -alias.id: reading rowids avoids the FTS content table.
        match = literal_column(_fts.name).op("MATCH")(literal(phrase))
        rowid = literal_column("rowid")
        return Person.id.in_(union_all(
            select(rowid).select_from(_fts).where(match, rowid > 0),
            select(PersonAlias.person_id).where(PersonAlias.id.in_(
                select(-rowid).select_from(_fts).where(match, rowid < 0))),
        ))
    return Person.id.in_(union(
        select(Person.id).where(Person.nama_norm.like(pattern, escape="\\")),
        select(PersonAlias.person_id).where(PersonAlias.alias_norm.like(pattern, escape="\\")),
    ))


class _Prefix(ColumnElement):
    """`_prefix_sql` for a dialect known only at compile time (not cacheable)."""

    type = NullType()  # Boolean would render "(...) = 1" on SQLite and defeat the index
    inherit_cache = False

    def __init__(self, col, value: str):
        self.col, self.value = col, value


@compiles(_Prefix)
def _compile_prefix(element, compiler, **kw):
    return compiler.process(_prefix_sql(element.col, element.value, compiler.dialect.name), **kw)


class _Contains(ColumnElement):
    """`_contains_sql` for a dialect known only at compile time (not cacheable)."""

    type = NullType()
    inherit_cache = False

    def __init__(self, norm: str):
        self.norm = norm


@compiles(_Contains)
def _compile_contains(element, compiler, **kw):
    return compiler.process(_contains_sql(element.norm, compiler.dialect.name), **kw)


def starts_with_clause(norm: str, dialect: str | None = None) -> ColumnElement[bool]:
    prefix = (lambda col: _prefix_sql(col, norm, dialect)) if dialect else \
        (lambda col: _Prefix(col, norm))
    ids = union(
        select(Person.id).where(prefix(Person.nama_norm)),
        select(PersonAlias.person_id).where(prefix(PersonAlias.alias_norm)),
    )
    return Person.id.in_(ids)


def name_clause(query: str | None, mode: str = CONTAINS, dialect: str | None = None) -> ColumnElement[bool]:
    """WHERE clause for persons whose name or alias matches `query`.

    `mode` is "memuat" (contains, default) or "awal" (starts with); a query
    of 6+ digits is a NIK / No. KK prefix.  Nothing usable matches nothing.
    Given the `dialect` name, the clause is plain SQL with bound values, so
    SQLAlchemy caches its compiled form (~5 ms of CPU a search request);
    without it the SQL is chosen when the statement is compiled.
    """
    text = (query or "").strip()[:150]
    if not text:
        return true()
    digits = text.replace(" ", "")
    if digits.isdigit() and len(digits) >= 6:
        if dialect:
            return or_(_prefix_sql(Person.nik, digits, dialect), _prefix_sql(Person.no_kk, digits, dialect))
        return or_(_Prefix(Person.nik, digits), _Prefix(Person.no_kk, digits))
    norm = normalize_name(text)
    if not norm:
        return false()
    if mode == STARTS_WITH:
        return starts_with_clause(norm, dialect)
    return _contains_sql(norm, dialect) if dialect else _Contains(norm)


def visible_match_ids(query: str | None, mode: str, scope: Scope, dialect: str):
    """SELECT of the distinct ids of visible persons matching `query`, or None.

    Only where the word index carries the scope rule (PostgreSQL, one-word
    contains; b4): the rule's columns (`live` = not merged, not archived; area)
    are in the index, so the match set needs no probe of `person`.  None means
    "use `name_clause` with the scope rule on person".
    """
    text = (query or "").strip()[:150]
    if dialect != "postgresql" or mode == STARTS_WITH or not text:
        return None
    if text.replace(" ", "").isdigit() and len(text.replace(" ", "")) >= 6:
        return None
    norm = normalize_name(text)
    if not norm or " " in norm:
        return None
    pattern = "%" + escape_like(norm) + "%"
    words = select(_pg_vocab.c.token).where(_pg_vocab.c.token.like(pattern, escape="\\"))
    t = _pg_token.c
    return (select(t.person_id.label("id"))
            .where(t.token.in_(words), t.live.is_(true()),
                   area_clause(scope, t.kecamatan_kode, t.kelurahan_kode))
            .distinct())
