"""The report summary: derived tables that make the reports' and dashboard's unique-person
counts cheap (`models/reporting.py`: summary_person, summary_person_jenis,
summary_person_month, summary_count, summary_encounter).

Kept on every write:
* a session `after_flush` listener notes every ORM write of a person or an encounter (intake
  door, forms, API, import, archive/restore, PPKS type changes, purge); the notes are applied
  once per transaction, before the commit (`apply_pending`, also called by the report
  queries so they see the transaction's own writes) -- an import of many rows is refreshed
  set-wise in chunks;
* `merge.py` writes with Core and calls `refresh_persons` for the two persons it touched.
A person is refreshed by taking its old contribution off the counters (read from the stored
summary rows, so no knowledge of the old state is needed), recomputing its rows from the
live tables and adding the new contribution.  Encounter counters are +1 for a new
encounter and recounted for an edited/archived/deleted one.

`rebuild` recomputes everything set-wise in SQL (bulk loads, migrations, repair); a test
proves incremental == rebuild == the independent queries.  Writes that bypass the ORM and
`refresh_persons` (bulk SQL) must end with `rebuild`.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter

from sqlalchemy import (
    Float, Integer, Numeric, and_, case, cast, delete, event, func, insert, literal, literal_column, or_,
    select, text,
)
from sqlalchemy.orm import Session, aliased

from app.models import Encounter, Person, person_ppks
from app.models.reporting import (
    SummaryAssessment, SummaryCount, SummaryEncounter, SummaryHotspot, SummaryPerson,
    SummaryPersonJenis, SummaryPersonMonth, SummaryPersonSource,
)

NONE = "-"  # stored area code when unknown (report_queries.UNSET)
SP, SJ, SM = SummaryPerson.__table__, SummaryPersonJenis.__table__, SummaryPersonMonth.__table__
SC, SE, SS = SummaryCount.__table__, SummaryEncounter.__table__, SummaryPersonSource.__table__
SA, SH = SummaryAssessment.__table__, SummaryHotspot.__table__
CHUNK = 500
_TOMB = aliased(Person)  # the record an encounter is on (a tombstone or the person itself)


def ym_of(waktu: dt.datetime) -> int:
    return waktu.year * 100 + waktu.month


def ym_sql(col):
    """year * 100 + month of a datetime column, as an integer (both databases)."""
    return (cast(func.extract("year", col), Integer) * 100
            + cast(func.extract("month", col), Integer))


def _chunks(ids):
    ids = sorted(ids)
    for lo in range(0, len(ids), CHUNK):
        yield ids[lo:lo + CHUNK]


def _upsert(conn, table, keys: list[str], rows: list[dict], replace: bool = False) -> None:
    """Add the rows' counter values to existing rows, or set them (`replace`); insert when
    missing."""
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    stmt = dialect_insert(table)
    counters = [c.name for c in table.columns if c.name not in keys]
    stmt = stmt.on_conflict_do_update(
        index_elements=keys, set_={c: stmt.excluded[c] if replace else table.c[c] + stmt.excluded[c]
                                   for c in counters})
    conn.execute(stmt, rows)


# ----------------------------------------------------------------- persons
# A person's state is (people: pid -> (kec, kel, jk), types: pid -> [jenis], months:
# pid -> [(ym, ret, first)]); `_contribution` turns it into counter deltas.

def _contribution(state, sign: int, out: dict) -> None:
    """Add (sign x) the counts of this state to `out` (key -> [met, ret, first])."""
    people, types, months = state
    for pid, (kec, kel, jk) in people.items():
        _bump(out, (0, kec, kel, jk, 0), sign, 0, 0)
        for ym, ret, first in months.get(pid, ()):
            for j in [0, *(types.get(pid) or [-1])]:
                _bump(out, (ym, kec, kel, jk, j), sign, sign * ret, sign * first)


def _bump(out: dict, key, met, ret, first) -> None:
    v = out.get(key) or (0, 0, 0)
    out[key] = (v[0] + met, v[1] + ret, v[2] + first)


def _group(rows) -> dict:
    out: dict = {}
    for pid, *rest in rows:
        out.setdefault(pid, []).append(rest[0] if len(rest) == 1 else tuple(rest))
    return out


def _stored(conn, part):
    """The state of these persons as last counted (the summary rows), and deletes it."""
    people = {pid: (kec, kel, jk) for pid, kec, kel, jk in conn.execute(
        select(SP.c.pid, SP.c.kec, SP.c.kel, SP.c.jk).where(SP.c.pid.in_(part)))}
    if not people:
        return {}, {}, {}
    found = list(people)
    types = _group(conn.execute(select(SJ.c.pid, SJ.c.jenis).where(SJ.c.pid.in_(found))))
    months = _group(conn.execute(select(SM.c.pid, SM.c.ym, SM.c.ret, SM.c.first)
                                 .where(SM.c.pid.in_(found))))
    for t in (SS, SM, SJ, SP):
        conn.execute(delete(t).where(t.c.pid.in_(found)))
    return people, types, months


def _live(conn, part, live_rows):
    """The state of the live persons among `live_rows` from the live tables, and stores it."""
    people = {pid: (kec or NONE, kel or NONE, jk) for pid, merged, archived, kec, kel, jk in live_rows
              if merged is None and not archived}
    if not people:
        return {}, {}, {}
    found = list(people)
    types = _group(conn.execute(select(person_ppks.c.person_id, person_ppks.c.jenis_ppks_id)
                                .where(person_ppks.c.person_id.in_(found))))
    if types:
        conn.execute(insert(SJ), [dict(pid=p, jenis=j) for p, js in types.items() for j in js])
    tomb = _TOMB
    seen: dict[int, set[int]] = {}
    sources: Counter = Counter()
    met: dict[int, list] = {}  # pid -> [count, first, last]
    for pid, waktu, sumber in conn.execute(
            select(func.coalesce(tomb.merged_into_id, tomb.id), Encounter.waktu, Encounter.sumber)
            .select_from(Encounter).join(tomb, tomb.id == Encounter.person_id)
            .where(Encounter.is_archived.is_(False),
                   or_(tomb.id.in_(found), tomb.merged_into_id.in_(found)))):
        if pid in people:
            seen.setdefault(pid, set()).add(ym_of(waktu))
            sources[(ym_of(waktu), pid, sumber)] += 1
            m = met.setdefault(pid, [0, waktu, waktu])
            m[0], m[1], m[2] = m[0] + 1, min(m[1], waktu), max(m[2], waktu)
    never = (0, None, None)
    conn.execute(insert(SP), [dict(pid=p, kec=a, kel=b, jk=g, **dict(zip(("n_enc", "first_at", "last_at"),
                                                                         met.get(p, never))))
                              for p, (a, b, g) in people.items()])
    if sources:
        conn.execute(insert(SS), [dict(ym=ym, pid=p, sumber=src, n=n)
                                  for (ym, p, src), n in sorted(sources.items())])
    months: dict = {}
    for pid, yms in seen.items():
        first_ever = min(yms)
        first_of_year: dict[int, int] = {}
        for ym in yms:
            first_of_year[ym // 100] = min(first_of_year.get(ym // 100, ym), ym)
        months[pid] = [(ym, int(ym > first_ever), int(first_of_year[ym // 100] == ym))
                       for ym in sorted(yms)]
    if months:
        conn.execute(insert(SM), [dict(pid=p, ym=ym, ret=r, first=f) for p, rows in months.items()
                                  for ym, r, f in rows])
    return people, types, months


_present: dict = {}


def _installed_in(conn) -> bool:
    """Whether this database has the summary tables (migrations f1-f4).  A database not yet
    migrated is left alone (its writes still succeed); the migration rebuilds the summary."""
    key = conn.engine.url.render_as_string(hide_password=True)
    if key not in _present:
        from sqlalchemy import inspect

        _present[key] = inspect(conn).has_table(SH.name)
    return _present[key]


def installed(conn) -> bool:
    """Whether this database has the report summary (readers may then use it)."""
    return _installed_in(conn)


def refresh_persons(conn, ids) -> None:
    """Bring the summary of these persons (and the survivors they are merged into) up to date."""
    if not _installed_in(conn):
        return
    ids = {int(i) for i in ids if i}
    delta: dict = {}
    visited: set[int] = set()
    while ids:
        rows = []
        for part in _chunks(ids):
            # PostgreSQL: FOR NO KEY UPDATE serialises two transactions refreshing one person
            # (it does not wait for the KEY SHARE lock of a concurrent encounter insert)
            rows += conn.execute(select(
                Person.id, Person.merged_into_id, Person.is_archived, Person.kecamatan_kode,
                Person.kelurahan_kode, Person.jenis_kelamin).where(Person.id.in_(part))
                .order_by(Person.id).with_for_update(key_share=True)).all()
        for part in _chunks(ids):
            _contribution(_stored(conn, part), -1, delta)
            mine = set(part)
            _contribution(_live(conn, part, [r for r in rows if r[0] in mine]), 1, delta)
        visited |= ids
        done = ids
        ids = {r[1] for r in rows if r[1] is not None} - done  # survivors of touched tombstones
    rows = [dict(ym=k[0], kec=k[1], kel=k[2], jk=k[3], jenis=k[4], n_met=v[0], n_ret=v[1], n_first=v[2])
            for k, v in sorted(delta.items()) if any(v)]
    _upsert(conn, SC, ["ym", "kec", "kel", "jk", "jenis"], rows)
    refresh_cases(conn, _cases_of(conn, visited))  # survivor, liveness or area may have changed


# ----------------------------------------------------------------- encounters

def _enc_key(waktu, kec, kel) -> tuple[int, str, str] | None:
    return (ym_of(waktu), kec or NONE, kel or NONE) if waktu else None


def recount_encounters(conn, keys) -> None:
    """Recount the non-archived encounters of these (ym, kec, kel) buckets."""
    for ym, kec, kel in sorted(set(keys)):
        y, m = divmod(ym, 100)
        start = dt.datetime(y, m, 1)
        end = dt.datetime(y + (m == 12), m % 12 + 1, 1)
        n = conn.execute(select(func.count()).select_from(Encounter).where(
            Encounter.is_archived.is_(False), Encounter.waktu >= start, Encounter.waktu < end,
            Encounter.kecamatan_kode.is_(None) if kec == NONE else Encounter.kecamatan_kode == kec,
            Encounter.kelurahan_kode.is_(None) if kel == NONE else Encounter.kelurahan_kode == kel)
        ).scalar()
        _upsert(conn, SE, ["ym", "kec", "kel"], [dict(ym=ym, kec=kec, kel=kel, n=n)], replace=True)


# ----------------------------------------------------------------- SPM assessments

def _assessment_rows(case_ids=None):
    """select(aid, case_id, pid, kec, kel, grp, tanggal, done) of the SPM assessments (of these
    cases) of live survivors (`summary_person`, which must be current).
    `done` is the first delivery date of the case at which THE rule (`spm.terpenuhi_clause`)
    holds: the rule only changes on delivery dates and never turns false again, so
    `done <= d` iff terpenuhi as of d."""
    from app.models.casework import Assessment as A, Case, ServiceDelivery
    from app.services.spm import terpenuhi_clause

    spm = and_(A.butuh_rehab_luar_panti.is_(True), A.spm_group.isnot(None),
               *([A.case_id.in_(case_ids)] if case_ids is not None else []))
    sd = aliased(ServiceDelivery)
    done = (select(A.id.label("aid"), func.min(sd.tanggal).label("done"))
            .select_from(A).join(sd, sd.case_id == A.case_id)
            .where(spm, terpenuhi_clause(A.id, A.case_id, as_of=sd.tanggal))
            .group_by(A.id).subquery("done"))
    cp = aliased(Person)
    return (select(A.id, A.case_id, SP.c.pid, SP.c.kec, SP.c.kel, A.spm_group, A.tanggal,
                   done.c.done)
            .select_from(A).join(Case, Case.id == A.case_id).join(cp, cp.id == Case.person_id)
            .join(SP, SP.c.pid == func.coalesce(cp.merged_into_id, cp.id))
            .outerjoin(done, done.c.aid == A.id).where(spm))


SA_COLS = ["aid", "case_id", "pid", "kec", "kel", "grp", "tanggal", "done"]


def _cases_of(conn, person_ids) -> set[int]:
    """Cases of these person records, and cases counted under them (merged records)."""
    from app.models.casework import Case

    out: set[int] = set()
    for part in _chunks(person_ids):
        out.update(conn.execute(select(Case.id).where(Case.person_id.in_(part))).scalars())
        out.update(conn.execute(select(SA.c.case_id).where(SA.c.pid.in_(part))).scalars())
    return out


def refresh_cases(conn, case_ids) -> None:
    """Recompute the summary_assessment rows of these cases."""
    for part in _chunks({int(i) for i in case_ids if i}):
        conn.execute(delete(SA).where(SA.c.case_id.in_(part)))
        conn.execute(insert(SA).from_select(SA_COLS, _assessment_rows(part)))


def rebuild_assessments(conn) -> None:
    """summary_assessment from the live tables."""
    conn.execute(delete(SA))
    conn.execute(insert(SA).from_select(SA_COLS, _assessment_rows()))


# ----------------------------------------------------------------- hotspots

def cell_sql(col):
    """A coordinate rounded to the dashboard's hotspot cell (3 decimals), in SQL."""
    return func.round(cast(col, Numeric(10, 6)), literal_column("3"))


def hotspot_keys(conn, items) -> Counter:
    """(waktu, lat, lng) -> delta  ==>  (ym, day, cell lat, cell lng) -> delta, with day rows
    and whole-month rows (day 0); the cells are rounded by the database (`cell_sql`)."""
    items = [(k, v) for k, v in items.items() if v]
    out: Counter = Counter()
    for lo in range(0, len(items), 100):
        part = items[lo:lo + 100]
        cols = [cell_sql(cast(literal(c, Float), Float)) for (_w, la, ln), _v in part for c in (la, ln)]
        cells = conn.execute(select(*cols)).one()
        for i, ((w, _la, _ln), v) in enumerate(part):
            for day in (w.day, 0):
                out[(ym_of(w), day, cells[2 * i], cells[2 * i + 1])] += v
    return out


def _hot(waktu, lat, lng, archived):
    return (waktu, lat, lng) if waktu and lat is not None and lng is not None and not archived else None


def rebuild_hotspots(conn) -> None:
    """summary_hotspot from the live tables."""
    conn.execute(delete(SH))
    lat, lng = cell_sql(Encounter.latitude), cell_sql(Encounter.longitude)
    ym, day = ym_sql(Encounter.waktu), cast(func.extract("day", Encounter.waktu), Integer)
    conn.execute(insert(SH).from_select(["ym", "day", "lat", "lng", "n"], select(
        ym, day, lat, lng, func.count()).where(
        Encounter.is_archived.is_(False), Encounter.latitude.isnot(None),
        Encounter.longitude.isnot(None)).group_by(ym, day, lat, lng)))
    conn.execute(insert(SH).from_select(["ym", "day", "lat", "lng", "n"], select(
        SH.c.ym, literal(0), SH.c.lat, SH.c.lng, func.sum(SH.c.n)).where(SH.c.day > 0)
        .group_by(SH.c.ym, SH.c.lat, SH.c.lng)))


# ----------------------------------------------------------------- listener

def _was(obj, attr):
    """The value before this flush (also when it was None), else the current one."""
    from sqlalchemy.orm.attributes import get_history

    try:
        hist = get_history(obj, attr)
    except Exception:  # noqa: BLE001 - a deleted row whose attribute was never loaded
        return None
    if hist.added or hist.deleted:
        return hist.deleted[0] if hist.deleted else None
    return getattr(obj, attr)


def _hot_old(obj):
    return _hot(_was(obj, "waktu"), _was(obj, "latitude"), _was(obj, "longitude"),
                _was(obj, "is_archived"))


def _hot_new(obj):
    return _hot(obj.waktu, obj.latitude, obj.longitude, obj.is_archived)

def _old(obj, attr):
    """The value before this flush (attribute history), else the current one."""
    from sqlalchemy.orm.attributes import get_history

    try:
        hist = get_history(obj, attr)
        return hist.deleted[0] if hist.deleted else getattr(obj, attr)
    except Exception:  # noqa: BLE001 - a deleted row whose attribute was never loaded
        return None


def _pending(session) -> dict:
    return session.info.setdefault("report_summary", {"persons": set(), "added": Counter(),
                                                      "recount": set(), "cases": set(),
                                                      "hot": Counter()})


def _after_flush(session, _ctx) -> None:
    """Note what this flush changed; applied once per transaction (`apply_pending`)."""
    persons: set[int] = set()
    added: Counter = Counter()
    recount: set = set()
    cases: set = set()
    hot: Counter = Counter()
    for obj in [*session.new, *session.dirty, *session.deleted]:
        if isinstance(obj, Encounter) and (obj not in session.dirty or session.is_modified(obj)):
            old = None if obj in session.new else _hot_old(obj)
            new = None if obj in session.deleted else _hot_new(obj)
            if old != new:
                hot[old] -= 1
                hot[new] += 1
        if isinstance(obj, _case_parts()):
            cases.update((obj.case_id, _old(obj, "case_id")))
    for obj in session.new:
        if isinstance(obj, Person):
            persons.add(obj.id)
        elif isinstance(obj, Encounter):
            persons.add(obj.person_id)
            if not obj.is_archived:
                added[_enc_key(obj.waktu, obj.kecamatan_kode, obj.kelurahan_kode)] += 1
    for obj in session.dirty:
        if isinstance(obj, Person) and session.is_modified(obj):
            persons.update((obj.id, _old(obj, "merged_into_id"), obj.merged_into_id))
        elif isinstance(obj, Encounter) and session.is_modified(obj):
            persons.update((obj.person_id, _old(obj, "person_id")))
            recount.add(_enc_key(obj.waktu, obj.kecamatan_kode, obj.kelurahan_kode))
            recount.add(_enc_key(_old(obj, "waktu"), _old(obj, "kecamatan_kode"),
                                 _old(obj, "kelurahan_kode")))
    for obj in session.deleted:
        if isinstance(obj, Person):
            persons.update((obj.id, _old(obj, "merged_into_id")))
        elif isinstance(obj, Encounter):
            persons.add(_old(obj, "person_id"))
            recount.add(_enc_key(_old(obj, "waktu"), _old(obj, "kecamatan_kode"),
                                 _old(obj, "kelurahan_kode")))
    hot.pop(None, None)
    if persons or added or recount or cases or any(hot.values()):
        pending = _pending(session)
        pending["cases"].update(i for i in cases if i)
        pending["hot"].update(hot)
        pending["persons"].update(i for i in persons if i)
        pending["added"].update(added)
        pending["recount"].update(k for k in recount if k)


def note_writes(session, persons, encounters) -> None:
    """Note persons and new (live) encounters written with Core, as the flush listener notes ORM
    writes; applied with them (`apply_pending`).  `encounters`: (waktu, kec, kel, lat, lng)."""
    added: Counter = Counter()
    hot: Counter = Counter()
    for waktu, kec, kel, lat, lng in encounters:
        added[_enc_key(waktu, kec, kel)] += 1
        if _hot(waktu, lat, lng, False):
            hot[(waktu, lat, lng)] += 1
    pending = _pending(session)
    pending["persons"].update(i for i in persons if i)
    pending["added"].update(added)
    pending["hot"].update(hot)


def _case_parts():
    from app.models.casework import Assessment, ServiceDelivery

    return Assessment, ServiceDelivery


def apply_pending(session) -> None:
    """Bring the summary up to date with this transaction's ORM writes (called before every
    commit and by the report queries before they read it)."""
    pending = session.info.pop("report_summary", None)
    if not pending:
        return
    conn = session.connection()
    if not _installed_in(conn):
        return
    refresh_persons(conn, pending["persons"])
    recount = pending["recount"]
    _upsert(conn, SE, ["ym", "kec", "kel"],
            [dict(ym=k[0], kec=k[1], kel=k[2], n=n) for k, n in sorted(pending["added"].items())
             if k not in recount])
    recount_encounters(conn, recount)
    refresh_cases(conn, pending.get("cases", ()))
    _upsert(conn, SH, ["ym", "day", "lat", "lng"],
            [dict(ym=k[0], day=k[1], lat=k[2], lng=k[3], n=n)
             for k, n in sorted(hotspot_keys(conn, pending.get("hot", {})).items()) if n])


def _before_commit(session) -> None:
    session.flush()
    apply_pending(session)


def _after_rollback(session) -> None:
    session.info.pop("report_summary", None)


_installed = False


def _noop(_target, value, _old, _initiator):
    return value


def install(session_class=Session) -> None:
    """Attach the listeners once (idempotent); called from the reports view register()."""
    global _installed
    if not _installed:
        event.listen(session_class, "after_flush", _after_flush)
        event.listen(session_class, "before_commit", _before_commit)
        event.listen(session_class, "after_rollback", _after_rollback)
        # load the old value when one of these is set on an expired object (e.g. after a
        # commit), so the flush listener sees what to take off the counters
        for attr in ("waktu", "latitude", "longitude", "is_archived", "kecamatan_kode",
                     "kelurahan_kode", "person_id"):
            event.listen(getattr(Encounter, attr), "set", _noop, active_history=True)
        _installed = True


# ----------------------------------------------------------------- rebuild

def rebuild(conn, sources: bool = True) -> dict[str, int]:
    """Recompute every summary table set-wise from the live tables; returns row counts.
    (`sources=False`: all but summary_person_source, summary_assessment, summary_hotspot and
    summary_person's meeting counts, for migration f1 that predates them.)"""
    tables = (SP, SJ, SM, *([SS, SA, SH] if sources else []), SC, SE)
    for t in reversed(tables):
        conn.execute(delete(t))
    live = and_(Person.merged_into_id.is_(None), Person.is_archived.is_(False))
    conn.execute(insert(SP).from_select(["pid", "kec", "kel", "jk"], select(
        Person.id, func.coalesce(Person.kecamatan_kode, literal(NONE)),
        func.coalesce(Person.kelurahan_kode, literal(NONE)), Person.jenis_kelamin).where(live),
        include_defaults=False))  # n_enc has a server default (and no column yet at migration f1)
    if sources:
        rebuild_met(conn)
    conn.execute(insert(SJ).from_select(["pid", "jenis"], select(
        person_ppks.c.person_id, person_ppks.c.jenis_ppks_id)
        .join(SP, SP.c.pid == person_ppks.c.person_id)))
    p = aliased(Person)
    pm = (select(func.coalesce(p.merged_into_id, p.id).label("pid"), ym_sql(Encounter.waktu).label("ym"))
          .select_from(Encounter).join(p, p.id == Encounter.person_id)
          .where(Encounter.is_archived.is_(False)).distinct().subquery("pm"))
    first_ever = func.min(pm.c.ym).over(partition_by=pm.c.pid)
    first_year = func.min(pm.c.ym).over(partition_by=[pm.c.pid, pm.c.ym // 100])
    conn.execute(insert(SM).from_select(["pid", "ym", "ret", "first"], select(
        pm.c.pid, pm.c.ym, case((pm.c.ym > first_ever, 1), else_=0),
        case((pm.c.ym == first_year, 1), else_=0))
        .join(SP, SP.c.pid == pm.c.pid)))
    cols = ["ym", "kec", "kel", "jk", "jenis", "n_met", "n_ret", "n_first"]
    conn.execute(insert(SC).from_select(cols, select(
        literal(0), SP.c.kec, SP.c.kel, SP.c.jk, literal(0), func.count(), literal(0), literal(0))
        .group_by(SP.c.kec, SP.c.kel, SP.c.jk)))
    conn.execute(insert(SC).from_select(cols, select(
        SM.c.ym, SP.c.kec, SP.c.kel, SP.c.jk, literal(0), func.count(), func.sum(SM.c.ret),
        func.sum(SM.c.first)).join(SP, SP.c.pid == SM.c.pid)
        .group_by(SM.c.ym, SP.c.kec, SP.c.kel, SP.c.jk)))
    jenis = func.coalesce(SJ.c.jenis, literal(-1))
    conn.execute(insert(SC).from_select(cols, select(
        SM.c.ym, SP.c.kec, SP.c.kel, SP.c.jk, jenis, func.count(), func.sum(SM.c.ret),
        func.sum(SM.c.first)).select_from(SM).join(SP, SP.c.pid == SM.c.pid)
        .outerjoin(SJ, SJ.c.pid == SM.c.pid)
        .group_by(SM.c.ym, SP.c.kec, SP.c.kel, SP.c.jk, jenis)))
    if sources:
        rebuild_sources(conn)
        rebuild_assessments(conn)
        rebuild_hotspots(conn)
    eym = ym_sql(Encounter.waktu)
    ekec = func.coalesce(Encounter.kecamatan_kode, literal(NONE))
    ekel = func.coalesce(Encounter.kelurahan_kode, literal(NONE))
    conn.execute(insert(SE).from_select(["ym", "kec", "kel", "n"], select(
        eym, ekec, ekel, func.count()).where(Encounter.is_archived.is_(False))
        .group_by(eym, ekec, ekel)))
    if conn.dialect.name == "postgresql":
        for t in tables:
            conn.execute(text(f"ANALYZE {t.name}"))
    return {t.name: conn.execute(select(func.count()).select_from(t)).scalar() for t in tables}


def rebuild_met(conn) -> None:
    """summary_person's encounter count, first and last meeting, set-wise (needs its rows)."""
    p = aliased(Person)
    pid = func.coalesce(p.merged_into_id, p.id)
    met = (select(pid.label("pid"), func.count().label("n"), func.min(Encounter.waktu).label("first"),
                  func.max(Encounter.waktu).label("last"))
           .select_from(Encounter).join(p, p.id == Encounter.person_id)
           .where(Encounter.is_archived.is_(False)).group_by(pid).subquery("met"))
    conn.execute(SP.update().where(SP.c.pid == met.c.pid)
                 .values(n_enc=met.c.n, first_at=met.c.first, last_at=met.c.last))


def rebuild_sources(conn) -> None:
    """summary_person_source from the live tables (needs summary_person filled)."""
    p = aliased(Person)
    pid, ym = func.coalesce(p.merged_into_id, p.id), ym_sql(Encounter.waktu)
    src = (select(ym.label("ym"), pid.label("pid"), Encounter.sumber, func.count().label("n"))
           .select_from(Encounter).join(p, p.id == Encounter.person_id)
           .where(Encounter.is_archived.is_(False)).group_by(ym, pid, Encounter.sumber).subquery())
    conn.execute(insert(SS).from_select(["ym", "pid", "sumber", "n"], select(
        src.c.ym, src.c.pid, src.c.sumber, src.c.n).join(SP, SP.c.pid == src.c.pid)))
