"""Proof of repeats: who is met most often ("sering terjaring"), who came back to the street
(returners), and the search of encounters by place and date.

Pure: session + plain values. The place-word search reads the substring index of migration
`c5_encounter_lokasi_search` (FTS5 trigram on SQLite, pg_trgm on PostgreSQL).
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy import text as text_sql

from app.models import Encounter, Person, Wilayah
from app.services.scope import Scope, person_clause

def frequent_persons(session, scope: Scope, since: dt.date | None = None, until: dt.date | None = None,
                     kecamatan: str | None = None, limit: int = 50, *, from_summary: bool | None = None) -> list:
    """Most frequently met persons ("sering terjaring"), visible only, most often met first (among
    equals the newest record): (Person, count, first, last, returner reason).

    Without filters a city-wide user's list comes from the report summary's per-person counts
    (`summary_person.n_enc`, kept on every write; at 3M encounters the aggregate took 1-2.5 s);
    a date range, a kecamatan (where the encounters happened) or an area-limited user aggregates
    the encounters. ``from_summary`` forces either way (tests compare them).
    """
    from app.services import report_summary

    if from_summary is None:
        from_summary = scope.citywide and not (since or until or kecamatan) \
            and report_summary.installed(session.connection())
    if from_summary:
        sp = report_summary.SP
        q = (select(sp.c.pid.label("person_id"), sp.c.n_enc.label("n"), sp.c.first_at.label("first"),
                    sp.c.last_at.label("last"))
             .where(sp.c.n_enc > 1).order_by(sp.c.n_enc.desc(), sp.c.pid.desc()))
    else:
        q = _aggregate(scope, since, until, kecamatan)
    rows = session.execute(q.limit(limit)).all()
    persons = {p.id: p for p in session.scalars(select(Person).where(Person.id.in_([r.person_id for r in rows])))}
    back = returners(session, [r.person_id for r in rows])
    return [(persons[r.person_id], r.n, r.first, r.last, back.get(r.person_id)) for r in rows
            if r.person_id in persons]


def _aggregate(scope: Scope, since, until, kecamatan):
    """The visible encounters per person; an encounter still on a merged-away record counts for
    the person it was merged into (as in the report summary)."""
    from sqlalchemy.orm import aliased

    from app.services.scope import encounter_clause

    record = aliased(Person)
    pid = func.coalesce(record.merged_into_id, record.id)
    q = (select(pid.label("person_id"), func.count().label("n"), func.min(Encounter.waktu).label("first"),
                func.max(Encounter.waktu).label("last"))
         .select_from(Encounter).join(record, record.id == Encounter.person_id).join(Person, Person.id == pid)
         .where(encounter_clause(scope), person_clause(scope)))
    if since:
        q = q.where(Encounter.waktu >= dt.datetime.combine(since, dt.time()))
    if until:
        q = q.where(Encounter.waktu < dt.datetime.combine(until + dt.timedelta(days=1), dt.time()))
    if kecamatan:
        q = q.where(Encounter.kecamatan_kode == kecamatan)
    return q.group_by(pid).having(func.count() > 1).order_by(func.count().desc(), pid.desc())


def returners(session, person_ids) -> dict[int, str]:
    """Why each person counts as a returner: met again after a service, or after the first month."""
    ids = list(person_ids)
    out: dict[int, str] = {}
    if not ids:
        return out
    for pid, first, last in session.execute(
            select(Encounter.person_id, func.min(Encounter.waktu), func.max(Encounter.waktu))
            .where(Encounter.person_id.in_(ids), Encounter.is_archived.is_(False))
            .group_by(Encounter.person_id)):
        if first and last and last - first > dt.timedelta(days=30):
            out[pid] = "terjaring lagi setelah bulan pertama"
    try:
        from app.models.casework import Case, ServiceDelivery
    except ImportError:  # casework not installed
        return out
    served = session.execute(
        select(Case.person_id, func.min(ServiceDelivery.tanggal))
        .join(ServiceDelivery, ServiceDelivery.case_id == Case.id)
        .where(Case.person_id.in_(ids)).group_by(Case.person_id)).all()
    for pid, first_service in served:
        later = session.scalar(select(func.count()).select_from(Encounter).where(
            Encounter.person_id == pid, Encounter.is_archived.is_(False),
            Encounter.waktu > dt.datetime.combine(first_service, dt.time(23, 59))))
        if later:
            out[pid] = "terjaring lagi setelah mendapat layanan"
    return out


def search_encounters(session, scope: Scope, *, kelurahan: str | None = None, kecamatan: str | None = None,
                      lokasi: str | None = None, since: dt.date | None = None, until: dt.date | None = None,
                      limit: int = 200) -> list:
    """Encounters by place and date range (visible only), newest first: (Encounter, kelurahan name)."""
    from app.services.scope import encounter_clause

    q = (select(Encounter, Wilayah.nama).outerjoin(Wilayah, Wilayah.kode == Encounter.kelurahan_kode)
         .join(Person, Person.id == Encounter.person_id)
         .where(encounter_clause(scope), Person.merged_into_id.is_(None)))
    if kelurahan:
        q = q.where(Encounter.kelurahan_kode == kelurahan)
    if kecamatan:
        q = q.where(Encounter.kecamatan_kode == kecamatan)
    if lokasi:
        ids = lokasi_matches(session, lokasi, LOKASI_PROBE)
        if ids is not None and len(ids) < LOKASI_PROBE:
            q = q.where(Encounter.id.in_(ids))  # few: fetch them and sort them
        else:  # many (or too short for the index): read the newest first until the page is full;
            # coalesce keeps the substring index out (PostgreSQL guessed "few" and sorted 750k rows)
            q = q.where(func.lower(func.coalesce(Encounter.lokasi, "")).contains(lokasi.strip().lower(),
                                                                                 autoescape=True))
    if since:
        q = q.where(Encounter.waktu >= dt.datetime.combine(since, dt.time()))
    if until:
        q = q.where(Encounter.waktu < dt.datetime.combine(until + dt.timedelta(days=1), dt.time()))
    return session.execute(q.order_by(Encounter.waktu.desc(), Encounter.id.desc()).limit(limit)).all()


LOKASI_PROBE = 5000  # encounters: below this a place word is looked up through its index


def lokasi_matches(session, text: str, limit: int) -> list[int] | None:
    """Ids of encounters whose place text contains ``text`` (case-insensitive), at most ``limit``,
    through the substring index of migration c5 (FTS5 trigram on SQLite, pg_trgm on PostgreSQL).
    None when the index cannot answer: under 3 characters, or LIKE wildcards in the text."""
    word = text.strip().lower()
    if len(word) < 3 or "%" in word or "_" in word:
        return None
    pattern = f"%{word}%"
    if session.get_bind().dialect.name == "sqlite":
        stmt = text_sql("SELECT rowid FROM encounter_lokasi_fts WHERE lokasi LIKE :p LIMIT :n")
        return list(session.scalars(stmt, {"p": pattern, "n": limit}))
    return list(session.scalars(select(Encounter.id).where(func.lower(Encounter.lokasi).like(pattern)).limit(limit)))
