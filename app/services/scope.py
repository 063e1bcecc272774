"""The one scope rule: which persons and encounters a user may see and change.

Every list, show, edit, action, API, export, photo route and report builds its
query condition here.  Pure: takes plain values, returns SQLAlchemy clauses.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import false, true
from sqlalchemy.sql.elements import ColumnElement

# Roles that see the whole city. Every other role (built-in Pilar Sosial and
# Satpol PP, and custom roles an administrator creates) is limited to its area.
CITYWIDE_ROLES = frozenset({"Admin", "Operator", "Pekerja Sosial", "Pimpinan"})


@dataclass(frozen=True)
class Scope:
    citywide: bool
    kecamatan_kode: str | None = None
    kelurahan_kode: str | None = None

    @classmethod
    def everything(cls) -> "Scope":
        return cls(citywide=True)

    @classmethod
    def nothing(cls) -> "Scope":
        return cls(citywide=False)


def scope_for(role_names: set[str] | frozenset[str], kecamatan_kode: str | None,
              kelurahan_kode: str | None) -> Scope:
    """Turn a user's roles and assigned area into a Scope."""
    if role_names & CITYWIDE_ROLES:
        return Scope.everything()
    return Scope(citywide=False, kecamatan_kode=kecamatan_kode, kelurahan_kode=kelurahan_kode)


def area_clause(scope: Scope, kecamatan_col, kelurahan_col) -> ColumnElement[bool]:
    """Area part of the rule, for any table with kecamatan/kelurahan columns."""
    if scope.citywide:
        return true()
    if scope.kelurahan_kode:
        return kelurahan_col == scope.kelurahan_kode
    if scope.kecamatan_kode:
        return kecamatan_col == scope.kecamatan_kode
    return false()  # an area-limited user without an area sees nothing


def person_clause(scope: Scope, *, archived: bool = False) -> ColumnElement[bool]:
    """Visible persons: in area, not merged away, archived or not as asked."""
    from app.models import Person

    return (
        area_clause(scope, Person.kecamatan_kode, Person.kelurahan_kode)
        & Person.merged_into_id.is_(None)
        & (Person.is_archived.is_(archived))
    )


def encounter_clause(scope: Scope, *, archived: bool = False) -> ColumnElement[bool]:
    """Visible encounters: in area (where they happened) and archived or not as asked."""
    from app.models import Encounter

    return (
        area_clause(scope, Encounter.kecamatan_kode, Encounter.kelurahan_kode)
        & (Encounter.is_archived.is_(archived))
    )


def allows_area(scope: Scope, kecamatan_kode: str | None, kelurahan_kode: str | None) -> bool:
    """Whether a record placed in this area may be written by the user."""
    if scope.citywide:
        return True
    if scope.kelurahan_kode:
        return kelurahan_kode == scope.kelurahan_kode
    if scope.kecamatan_kode:
        return kecamatan_kode == scope.kecamatan_kode
    return False
