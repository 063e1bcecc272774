"""Name search for the registry: spelling-insensitive and index-backed.

The query is normalised like stored names (`normalize_name`), so "Soedjono"
finds "Sujono". Starts-with uses the B-tree index on `nama_norm`; contains
uses a trigram index on PostgreSQL and the FTS5 trigram table on SQLite
(created by the migration), falling back to LIKE.
"""
from __future__ import annotations

from sqlalchemy import exists, false, or_, select, true
from sqlalchemy.sql.elements import ColumnElement

from app.models import Person, PersonAlias


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def name_clause(query: str | None, mode: str = "memuat") -> ColumnElement[bool]:
    """WHERE clause for persons whose name or alias matches `query`."""
    from app.services.names import normalize_name

    text = (query or "").strip()
    if not text:
        return true()
    digits = text.replace(" ", "")
    if digits.isdigit() and len(digits) >= 6:
        return Person.nik.startswith(digits, autoescape=True) | Person.no_kk.startswith(digits, autoescape=True)
    norm = normalize_name(text)
    if not norm:
        return false()
    pattern = _escape_like(norm) + "%" if mode == "awal" else "%" + _escape_like(norm) + "%"
    alias_match = exists(select(PersonAlias.id).where(
        PersonAlias.person_id == Person.id, PersonAlias.alias_norm.like(pattern, escape="\\")))
    return or_(Person.nama_norm.like(pattern, escape="\\"), alias_match)
