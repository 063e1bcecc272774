"""Blocking keys of every live person in the `match_key` table, kept current on every flush.

A session `after_flush` listener collects the persons whose names, aliases,
NIK, KK, mother's name, gender, birth date/year or merge state changed and rewrites their keys in the
same transaction, so the form, API, import, demo generator and merge all keep
the index current without calling anything.  The same listener keeps the
precomputed features (`feature_store`, table `match_feature`) current: they
also change with the other facts and with the person's live encounters.
Core (bulk) updates that bypass the ORM must call `refresh_keys` themselves
(merge.py does); it rewrites both.
"""
from __future__ import annotations

from sqlalchemy import delete, event, select
from sqlalchemy.orm import Session

from app.models import Encounter, MatchFeature, MatchKey, Person, PersonAlias
from app.services import bulk_rows, feature_store
from app.services.matching import Features, PersonRecord, compound_key, features, raw_blocking_keys
from app.services.names import WEAK_TOKENS

KEY_FIELDS = {"nama", "nik", "no_kk", "nama_ibu", "merged_into_id", "jenis_kelamin",
              "tanggal_lahir", "tahun_lahir"}
FEATURE_FIELDS = {"tahun_lahir_perkiraan", "asal_wilayah_kode", "kelurahan_kode"}  # besides KEY_FIELDS
ENCOUNTER_FIELDS = {"person_id", "kelurahan_kode", "is_archived"}


def keys_for(rec: PersonRecord | Features) -> set[str]:
    """The stored keys of a record: its raw blocking keys and its generation keys (`generation_keys`)."""
    f = rec if isinstance(rec, Features) else features(rec)
    return {k[:160] for k in raw_blocking_keys(f) | generation_keys(f)}


def generation_keys(f: Features) -> set[str]:
    """`c:token|gender|decade` for each name part, when the birth year is known.

    A common name ("Budi") is a giant block in a big registry: the real-time check
    takes the smallest blocks first, and of a giant block it can read only the first
    `MAX_CANDIDATES` persons, who may all be of another generation. The generation
    block of the same part (`c:budi|L|197`) holds only the persons of the same gender
    and birth decade, so it is read whole. Stored and looked up only (the scan
    compounds its common keys itself, `candidates.py`); a record without a birth year
    gets none (it would need all eleven decades).
    """
    if f.year is None:
        return set()
    out: set[str] = set()
    for toks in f.names:
        for t in toks:
            if len(t) >= 2 and t not in WEAK_TOKENS:  # weak parts already have their w: keys
                out |= compound_key("c:" + t, f)
    return out


_KEY_COLS_PERSON = (Person.id, Person.nama, Person.nik, Person.no_kk, Person.nama_ibu, Person.jenis_kelamin,
                    Person.tanggal_lahir, Person.tahun_lahir)


def _key_person_record(r, aliases) -> PersonRecord:
    """The PersonRecord of a person row (`_KEY_COLS_PERSON`): everything the keys depend on.

    Gender and birth count: weak name parts (`w:`) are compounded with gender and
    birth decade, and a stated birth date gives the `dob:` key.
    """
    return PersonRecord(id=r.id, nama=r.nama or "", aliases=tuple(aliases), nik=r.nik, no_kk=r.no_kk,
                        nama_ibu=r.nama_ibu, jenis_kelamin=r.jenis_kelamin or "U",
                        tanggal_lahir=r.tanggal_lahir, tahun_lahir=r.tahun_lahir)


def key_record(session_or_conn, person_ids) -> dict[int, PersonRecord]:
    """PersonRecords with what the keys depend on (names, NIK, KK, mother, gender, birth) of live persons."""
    ids = list(person_ids)
    out: dict[int, PersonRecord] = {}
    if not ids:
        return out
    rows = session_or_conn.execute(
        select(*_KEY_COLS_PERSON, Person.merged_into_id).where(Person.id.in_(ids))).all()
    aliases: dict[int, list[str]] = {}
    for pid, alias in session_or_conn.execute(
            select(PersonAlias.person_id, PersonAlias.alias).where(PersonAlias.person_id.in_(ids))
            .order_by(PersonAlias.id)):
        aliases.setdefault(pid, []).append(alias)
    for r in rows:
        if r.merged_into_id is None:
            out[r.id] = _key_person_record(r, aliases.get(r.id, ()))
    return out


def refresh_keys(conn, person_ids) -> None:
    """Rewrite the keys and stored features of these persons (tombstones and deleted persons get none)."""
    ids = sorted({int(i) for i in person_ids if i is not None})
    for lo in range(0, len(ids), 500):
        chunk = ids[lo:lo + 500]
        conn.execute(delete(MatchKey.__table__).where(MatchKey.__table__.c.person_id.in_(chunk)))
        recs = key_record(conn, chunk)
        rows = [(pid, k) for pid, rec in recs.items() for k in keys_for(rec)]
        if rows:
            _write_keys(conn, rows, conn.dialect.name == "postgresql")
    feature_store.refresh(conn, ids)


def _changed_person_ids(session: Session) -> tuple[set[int], set[int], set[int]]:
    """(persons whose keys changed, persons whose other features changed, deleted persons)."""
    touched, featured, deleted = set(), set(), set()
    for obj in list(session.new) + list(session.dirty):
        if isinstance(obj, Person):
            if obj in session.new or _fields_changed(obj, KEY_FIELDS):
                touched.add(obj.id)
            elif _fields_changed(obj, FEATURE_FIELDS):
                featured.add(obj.id)
        elif isinstance(obj, PersonAlias):
            touched.add(obj.person_id or (obj.person.id if obj.person else None))
            hist = _history(obj, "person_id")
            touched.update(v for v in hist if v)
        elif isinstance(obj, Encounter) and (obj in session.new or _fields_changed(obj, ENCOUNTER_FIELDS)):
            featured.add(obj.person_id or (obj.person.id if obj.person else None))
            featured.update(v for v in _history(obj, "person_id") if v)
    for obj in session.deleted:
        if isinstance(obj, Person):
            deleted.add(obj.id)
        elif isinstance(obj, PersonAlias):
            touched.add(obj.person_id)
        elif isinstance(obj, Encounter):
            featured.add(obj.person_id)
    touched.discard(None)
    featured.discard(None)
    return touched - deleted, featured - touched - deleted, deleted


def _history(obj, attr) -> list:
    from sqlalchemy import inspect

    h = inspect(obj).attrs[attr].history
    return list(h.deleted or ())


def _fields_changed(obj, fields) -> bool:
    from sqlalchemy import inspect

    state = inspect(obj)
    return any(state.attrs[f].history.has_changes() for f in fields)


def _after_flush(session: Session, flush_context) -> None:
    touched, featured, deleted = _changed_person_ids(session)
    if not (touched or featured or deleted):
        return
    conn = session.connection()
    if deleted:
        conn.execute(delete(MatchKey.__table__).where(MatchKey.__table__.c.person_id.in_(deleted)))
        conn.execute(delete(MatchFeature.__table__).where(MatchFeature.__table__.c.person_id.in_(deleted)))
    if touched:
        refresh_keys(conn, touched)
    if featured:
        feature_store.refresh(conn, featured)


_installed = False


def install(session_class=Session) -> None:
    """Attach the listener once (idempotent); called from the identity view/CLI register()."""
    global _installed
    if not _installed:
        event.listen(session_class, "after_flush", _after_flush)
        _installed = True


def rebuild_all(session, batch: int = 20000, progress=None) -> int:
    """Rebuild the whole key table set-wise (after installing on an existing registry).

    Persons and aliases are read in id-range chunks (two queries per chunk);
    keys are written with the driver directly (COPY on PostgreSQL, one
    executemany of tuples on SQLite); the covering key index is dropped during
    the load and built once at the end. Then the stored features
    (`feature_store.rebuild_all`) are rewritten the same way.
    """
    from collections import defaultdict

    from sqlalchemy import text

    from app.services.matching import features

    raw_features = getattr(features, "__wrapped__", features)  # each person once: skip the cache
    conn = session.connection()
    pg = conn.dialect.name == "postgresql"
    t = MatchKey.__table__
    if not pg:
        conn.exec_driver_sql("PRAGMA cache_size = -400000")  # 400 MB page cache for the index build
    conn.execute(delete(t))
    conn.execute(text("DROP INDEX IF EXISTS ix_match_key_key"))
    done, last = 0, 0
    while True:
        rows = conn.execute(
            select(*_KEY_COLS_PERSON)
            .where(Person.id > last, Person.merged_into_id.is_(None)).order_by(Person.id).limit(batch)).all()
        if not rows:
            break
        lo, hi = rows[0].id, rows[-1].id
        aliases: dict[int, list[str]] = defaultdict(list)
        for pid, alias in conn.execute(select(PersonAlias.person_id, PersonAlias.alias)
                                       .where(PersonAlias.person_id.between(lo, hi)).order_by(PersonAlias.id)):
            aliases[pid].append(alias)
        out = []
        for r in rows:
            rec = _key_person_record(r, aliases.get(r.id, ()))
            out.extend((r.id, k) for k in keys_for(raw_features(rec)))
        if out:
            _write_keys(conn, out, pg)
        done += len(rows)
        last = hi
        if progress:
            progress(len(rows))
    conn.execute(text("CREATE INDEX ix_match_key_key ON match_key (key, person_id)"))
    if pg:
        conn.execute(text("ANALYZE match_key"))  # fresh statistics for the key lookups' plans
    feature_store.rebuild_all(session, batch=batch)
    return done


_KEY_COLS = ("person_id", "key")


def _write_keys(conn, rows: list[tuple[int, str]], pg: bool) -> None:
    """Append (person_id, key) rows with the driver (no per-row SQLAlchemy work)."""
    if not pg:
        bulk_rows.insert_rows(conn, "match_key", _KEY_COLS, rows)
        return
    bulk_rows.copy_lines(conn, "match_key", _KEY_COLS,
                         (f"{pid}\t{bulk_rows.copy_escape(key)}\n" for pid, key in rows))


def vacuum(engine) -> None:
    """Fresh planner statistics (and, on PostgreSQL, a visibility map) after a rebuild.

    Without VACUUM a freshly written key table cannot serve index-only scans:
    every block count and member lookup reads the heap (measured 13.6 ms
    instead of 1.8 ms for one check's counts on 100k persons). Needs its own
    connection outside a transaction; call after the rebuild is committed.
    """
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        verb = "VACUUM ANALYZE" if conn.dialect.name == "postgresql" else "ANALYZE"
        for table in ("match_key", "match_feature"):
            conn.exec_driver_sql(f"{verb} {table}")
