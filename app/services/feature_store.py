"""Precomputed comparison features of every live person (`match_feature` table).

`matching.features` of a person needs its name, aliases, facts and the
kelurahan of its live encounters; building it for the ~400 candidates of a
real-time check (or ~200,000 of a `--since` scan) dominated their cost. The
table keeps the finished `Features` of each non-merged person as one JSON row,
rewritten on the same flushes as the match keys (`identity_keys`) and by
`flask dedup rebuild-keys`.

A row is used only when its `engine` equals `ENGINE`, a fingerprint of this
encoding and of what `matching.features` makes of a fixed set of probe
records; rows written by other feature code (or missing rows) are computed
from the registry on the fly, so a stale table is slower, not wrong. The probes
catch the changes made so far; a change to `features` that they would not reveal
must bump `FORMAT` (or add a probe), and an upgrade that changes the matcher runs
`flask dedup rebuild-keys`.
"""
from __future__ import annotations

import datetime as dt
import json
import zlib
from functools import lru_cache

from sqlalchemy import delete, select

from app.models import MatchFeature, Person
from app.services import bulk_rows
from app.services.key_lookup import id_in
from app.services.matching import Features, PersonRecord, features, nik_is_valid

FORMAT = 1  # bump when encode/decode change


def encode(f: Features) -> str:
    """Compact JSON of the features (the derived `nik_valid`/`kecamatan` are not stored)."""
    return json.dumps([
        [list(t) for t in f.names], list(f.raw_names), f.nik, f.kk, f.gender,
        f.birth_date.isoformat() if f.birth_date else None, f.year, f.year_tol, list(f.mother), f.asal,
        sorted(f.kelurahan),
    ], ensure_ascii=False, separators=(",", ":"))


def decode(data: str) -> Features:
    """The `Features` that `encode` wrote (equal to the original)."""
    names, raws, nik, kk, gender, birth, year, tol, mother, asal, kel = json.loads(data)
    kel = frozenset(kel)
    return Features(
        names=tuple(map(tuple, names)), raw_names=tuple(raws), nik=nik, nik_valid=nik_is_valid(nik), kk=kk,
        gender=gender, birth_date=dt.date.fromisoformat(birth) if birth else None, year=year, year_tol=tol,
        mother=tuple(mother), asal=asal, kelurahan=kel, kecamatan=frozenset(k[:6] for k in kel))


_PROBES = (
    PersonRecord(id=1, nama="H. Moehammad Joesoef bin Abdoel", aliases=("Ucup", "Yusuf Dg. Ngalle"),
                 nik="3275 0212 0580 0003", no_kk="3275020101090007", jenis_kelamin="L",
                 tanggal_lahir=dt.date(1980, 5, 12), nama_ibu="Siti Chadidjah", asal_wilayah_kode="32.01",
                 kelurahan_kodes=("32.75.02.1002", "32.75.03.1001")),
    PersonRecord(id=2, nama="Ni Luh Putu Ayu Sukmawati", aliases=("Mbak Ayu",), jenis_kelamin="P",
                 tahun_lahir=1995, tahun_lahir_perkiraan=True, nama_ibu="Nyoman", kelurahan_kodes=("3275011001",)),
    PersonRecord(id=3, nama="", aliases=("Si Botak", "Tjoetjoe"), nik="12345", tahun_lahir=1972),
    PersonRecord(id=4, nama="Dewi Sartika-Nur'aini, S.Pd.", jenis_kelamin="U", no_kk="0", nama_ibu="x"),
    PersonRecord(id=5, nama="Wati", nik="3275015203870002", tahun_lahir=1985, tahun_lahir_perkiraan=True),
)


@lru_cache(maxsize=1)
def engine() -> str:
    """Fingerprint of the feature code: changes when `features` or the encoding would store something else."""
    raw = getattr(features, "__wrapped__", features)
    text = f"{FORMAT}|" + "|".join(encode(raw(p)) for p in _PROBES)
    return f"{FORMAT}-{zlib.crc32(text.encode('utf-8')):08x}"


# ----------------------------------------------------------------- reading

def load(session, person_ids, where=None, chunk_size: int = 5000, among=None) -> dict[int, Features]:
    """Features of these persons (those matching `where`, a clause on Person), by id.

    One statement per `chunk_size` ids (person joined to its stored row), or
    one for the persons of `among` (a subquery with a person_id column);
    persons without a current row are built from the registry.
    """
    ids = sorted({int(i) for i in person_ids})
    out: dict[int, Features] = {}
    current = engine()
    missing: list[int] = []
    mf = MatchFeature.__table__
    for lo in range(0, len(ids), chunk_size) if among is None else (None,):
        q = select(Person.id, mf.c.engine, mf.c.data).outerjoin(mf, mf.c.person_id == Person.id)
        if among is None:
            q = q.where(id_in(session, Person.id, ids[lo:lo + chunk_size]))
        else:
            q = q.join(among, among.c.person_id == Person.id)
        if where is not None:
            q = q.where(where)
        for pid, eng, data in session.execute(q):
            if eng == current:
                out[pid] = decode(data)
            else:
                missing.append(pid)
    if missing:
        out.update(_computed(session, missing))
    return out


def _computed(conn, person_ids, raw: bool = False) -> dict[int, Features]:
    """Features built from persons, aliases and live encounters (no filter beyond the ids)."""
    from app.services.dedup import load_records

    make = getattr(features, "__wrapped__", features) if raw else features
    return {pid: make(rec) for pid, rec in load_records(conn, person_ids, dates=False, chunk_size=5000).items()}


# ----------------------------------------------------------------- writing

def refresh(conn, person_ids) -> None:
    """Rewrite the rows of these persons (merged-away and deleted persons get none)."""
    ids = sorted({int(i) for i in person_ids if i is not None})
    mf = MatchFeature.__table__
    current = engine()
    for lo in range(0, len(ids), 500):
        chunk = ids[lo:lo + 500]
        conn.execute(delete(mf).where(mf.c.person_id.in_(chunk)))
        live = conn.execute(select(Person.id).where(Person.id.in_(chunk), Person.merged_into_id.is_(None))).scalars()
        feats = _computed(conn, list(live), raw=True)
        if feats:
            _write(conn, [(pid, current, encode(f)) for pid, f in feats.items()], conn.dialect.name == "postgresql")


def rebuild_all(session, batch: int = 20000, progress=None) -> int:
    """Rewrite the whole table set-wise: persons, aliases and encounter kelurahan per id range.

    Rows are written with the driver (COPY on PostgreSQL, executemany on SQLite).
    """
    from app.services.dedup import _aliases_and_places, _PERSON_COLS, record_of

    raw = getattr(features, "__wrapped__", features)
    conn = session.connection()
    pg = conn.dialect.name == "postgresql"
    current = engine()
    conn.execute(delete(MatchFeature.__table__))
    done, last = 0, 0
    while True:
        persons = conn.execute(select(*_PERSON_COLS).where(Person.id > last, Person.merged_into_id.is_(None))
                               .order_by(Person.id).limit(batch)).all()
        if not persons:
            break
        lo, hi = persons[0].id, persons[-1].id
        aliases, places = _aliases_and_places(conn, lambda col: col.between(lo, hi), dates=False)
        rows = [(p.id, current, encode(raw(record_of(p, aliases.get(p.id, ()), places.get(p.id, ())))))
                for p in persons]
        _write(conn, rows, pg)
        done += len(rows)
        last = hi
        if progress:
            progress(len(rows))
    if pg:
        conn.exec_driver_sql("ANALYZE match_feature")
    return done


def _write(conn, rows: list[tuple[int, str, str]], pg: bool) -> None:
    cols = ("person_id", "engine", "data")
    if not pg:
        bulk_rows.insert_rows(conn, "match_feature", cols, rows)
        return
    bulk_rows.copy_lines(conn, "match_feature", cols,
                         (f"{pid}\t{eng}\t{bulk_rows.copy_escape(data)}\n" for pid, eng, data in rows))
