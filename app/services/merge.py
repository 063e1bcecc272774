"""Reversible merge of two person records (survivor + tombstone) with a full snapshot.

`merge_persons` locks both rows (SELECT … FOR UPDATE on PostgreSQL), stores a
JSON snapshot of both person rows, their aliases, PPKS types and the ids of
every child row it moves, applies the reviewer's field choices to the
survivor, moves children (see `CHILD_TABLES`) and aliases, adds the loser's
name as an alias and turns the loser into a tombstone (`merged_into_id`).
`unmerge` restores both persons exactly (only `version` is bumped, so stale
edit forms fail) and marks the pair "berbeda" so it is never suggested again.

Other modules extend `CHILD_TABLES` with `register_child_table(Model, "person_id")`
(cases, services, documents …) so their rows move and come back too.
"""
from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import Date, DateTime, delete, insert, select, update

from app.models import CandidatePair, Encounter, MergeRecord, Person, PersonAlias, person_ppks
from app.models.base import now_local
from app.services import audit, report_summary
from app.services.dedup import ordered
from app.services.identity_keys import refresh_keys
from app.services.names import normalize_name
from app.services.scope import Scope, allows_area

# (model, foreign-key column name) of rows that belong to a person and move on merge.
CHILD_TABLES: list[tuple[type, str]] = [(Encounter, "person_id")]

# Person fields the reviewer may take from either record.
MERGE_FIELDS = (
    "nama", "nik", "nik_status", "no_kk", "jenis_kelamin", "tempat_lahir", "tanggal_lahir",
    "tahun_lahir", "tahun_lahir_perkiraan", "nama_ibu", "asal_wilayah_kode", "alamat_ktp",
    "domisili_kelurahan_kode", "kecamatan_kode", "kelurahan_kode", "disabilitas",
    "catatan_kesehatan", "ciri_fisik", "kontak_keluarga", "status_dtks", "photo",
)
_PT = Person.__table__
_AT = PersonAlias.__table__


class MergeError(ValueError):
    """Merge/unmerge refused; the message is Indonesian and shown to the user."""


def register_child_table(model, column: str) -> None:
    """Let another module's rows (cases, services …) move with a merge."""
    if (model, column) not in CHILD_TABLES:
        CHILD_TABLES.append((model, column))


# ----------------------------------------------------------------- (de)serialising

def _enc(v):
    return v.isoformat() if isinstance(v, (dt.date, dt.datetime)) else v


def _row(table, row) -> dict:
    return {c.name: _enc(row._mapping[c.name]) for c in table.columns}


def _dec(table, data: dict) -> dict:
    out = {}
    for c in table.columns:
        if c.name not in data:
            continue
        v = data[c.name]
        if v is not None and isinstance(c.type, DateTime):
            v = dt.datetime.fromisoformat(v)
        elif v is not None and isinstance(c.type, Date):
            v = dt.date.fromisoformat(v)
        out[c.name] = v
    return out


def _snapshot_person(conn, pid: int) -> dict:
    person = conn.execute(select(_PT).where(_PT.c.id == pid)).one()
    aliases = conn.execute(select(_AT).where(_AT.c.person_id == pid).order_by(_AT.c.id)).all()
    ppks = conn.execute(select(person_ppks.c.jenis_ppks_id).where(person_ppks.c.person_id == pid)).scalars()
    children = {}
    for model, col in CHILD_TABLES:
        t = model.__table__
        children[f"{t.name}.{col}"] = sorted(conn.execute(select(t.c.id).where(t.c[col] == pid)).scalars())
    return {"person": _row(_PT, person), "aliases": [_row(_AT, a) for a in aliases],
            "ppks": sorted(ppks), "children": children}


def _lock(session, ids) -> dict[int, Person]:
    rows = session.execute(
        select(Person).where(Person.id.in_(sorted(ids))).order_by(Person.id)
        .with_for_update().execution_options(populate_existing=True)).scalars().all()
    return {p.id: p for p in rows}


# ----------------------------------------------------------------- merge

def merge_persons(session, survivor_id: int, merged_id: int, *, scope: Scope,
                  choices: dict[str, str] | None = None, user_id: int | None = None,
                  note: str | None = None, pair_id: int | None = None) -> MergeRecord:
    """Merge `merged_id` into `survivor_id`. `choices` maps field -> "survivor"/"merged"
    (default: the survivor's value, else the other's when the survivor's is empty)."""
    if survivor_id == merged_id:
        raise MergeError("Tidak dapat menggabungkan data dengan dirinya sendiri.")
    persons = _lock(session, (survivor_id, merged_id))
    if len(persons) != 2:
        raise MergeError("Data tidak ditemukan.")
    for p in persons.values():
        if p.merged_into_id is not None:
            raise MergeError(f"Data #{p.id} sudah digabungkan ke #{p.merged_into_id}; muat ulang halaman.")
        if not allows_area(scope, p.kecamatan_kode, p.kelurahan_kode):
            raise MergeError("Salah satu data di luar wilayah tugas Anda.")
    conn = session.connection()
    snap = {"survivor": _snapshot_person(conn, survivor_id), "merged": _snapshot_person(conn, merged_id)}
    sv, mv = snap["survivor"]["person"], snap["merged"]["person"]

    values = {}
    for f in MERGE_FIELDS:
        pick = (choices or {}).get(f)
        if pick not in ("survivor", "merged"):
            pick = "survivor" if sv[f] not in (None, "", "U", "tidak_diketahui") or mv[f] in (None, "") else "merged"
        values[f] = mv[f] if pick == "merged" else sv[f]
    if values["nik"] and values["nik"] != sv["nik"]:
        values["nik_status"] = "ada"
    values = _dec(_PT, values)
    if values["tanggal_lahir"]:  # the intake's rule: an exact date gives the year, not an estimate
        values["tahun_lahir"], values["tahun_lahir_perkiraan"] = values["tanggal_lahir"].year, False
    values["nama_norm"] = normalize_name(values["nama"]) if values["nama"] else None

    now = now_local()
    if values.get("nik") and values["nik"] == mv["nik"]:
        conn.execute(update(_PT).where(_PT.c.id == merged_id).values(nik=None))
    # version-checked writes: without row locks (SQLite) a concurrent merge is refused here
    _checked(conn, survivor_id, sv["version"],
             dict(values, version=_PT.c.version + 1, updated_at=now, updated_by_id=user_id))
    _checked(conn, merged_id, mv["version"],
             dict(merged_into_id=survivor_id, version=_PT.c.version + 1, updated_at=now, updated_by_id=user_id))
    for model, col in CHILD_TABLES:
        t = model.__table__
        ids = snap["merged"]["children"][f"{t.name}.{col}"]
        if ids:
            _move(conn, t, col, ids, survivor_id)
    # the survivor's own aliases are not repeated: an equal alias stays on the tombstone
    present = {_alias_key(a["alias"]) for a in snap["survivor"]["aliases"]} | {_alias_key(values["nama"])}
    alias_ids = [a["id"] for a in snap["merged"]["aliases"] if _alias_key(a["alias"]) not in present]
    if alias_ids:
        _move(conn, _AT, "person_id", alias_ids, survivor_id)
    snap["added_alias_ids"] = _add_name_aliases(conn, survivor_id, values["nama"],
                                                [sv["nama"], mv["nama"]], now, user_id)
    added_ppks = sorted(set(snap["merged"]["ppks"]) - set(snap["survivor"]["ppks"]))
    if added_ppks:
        conn.execute(insert(person_ppks), [{"person_id": survivor_id, "jenis_ppks_id": j} for j in added_ppks])
    snap["added_ppks"] = added_ppks
    snap["choices"] = dict(choices or {})

    rec = MergeRecord(survivor_id=survivor_id, merged_id=merged_id, pair_id=pair_id,
                      snapshot=json.dumps(snap, ensure_ascii=False), note=note, merged_by_id=user_id,
                      merged_at=now)
    session.add(rec)
    _mark_pair(session, survivor_id, merged_id, "sama", user_id, note)
    session.flush()
    refresh_keys(conn, (survivor_id, merged_id))
    report_summary.refresh_persons(conn, (survivor_id, merged_id))
    moved = {k: v for k, v in snap["merged"]["children"].items() if v}
    audit.record(session, "merge", "person", survivor_id,
                 {"merged_id": [None, merged_id], "moved": [None, moved]}, note=note)
    audit.record(session, "merge", "person", merged_id, {"merged_into_id": [None, survivor_id]}, note=note)
    session.flush()
    session.expire_all()
    return rec


def _checked(conn, pid, version, values) -> None:
    res = conn.execute(update(_PT).where(_PT.c.id == pid, _PT.c.version == version,
                                         _PT.c.merged_into_id.is_(None)).values(**values))
    if res.rowcount != 1:
        raise MergeError(f"Data #{pid} baru saja diubah atau digabungkan oleh pengguna lain; muat ulang halaman.")


def _move(conn, table, col, ids, target) -> None:
    values = {col: target}
    if "updated_at" in table.c:
        values["updated_at"] = table.c.updated_at  # a move is recorded by the merge, not as an edit
    for lo in range(0, len(ids), 500):
        conn.execute(update(table).where(table.c.id.in_(ids[lo:lo + 500])).values(**values))


def _alias_key(name: str | None) -> str:
    return (name or "").strip().lower()


def _add_name_aliases(conn, pid, kept_name, names, now, user_id) -> list[int]:
    """Names not kept become aliases of the survivor (unless already present)."""
    present = {_alias_key(a) for a in conn.execute(select(_AT.c.alias).where(_AT.c.person_id == pid)).scalars()}
    present.add(_alias_key(kept_name))
    added = []
    for name in names:
        if name and _alias_key(name) not in present:
            present.add(_alias_key(name))
            res = conn.execute(insert(_AT).values(
                person_id=pid, alias=name.strip(), alias_norm=normalize_name(name),
                created_at=now, updated_at=now, created_by_id=user_id, updated_by_id=user_id))
            added.append(res.inserted_primary_key[0])
    return added


def _mark_pair(session, a, b, status, user_id, note) -> None:
    a, b = ordered(a, b)
    pair = session.scalar(select(CandidatePair).where(CandidatePair.person_a_id == a,
                                                      CandidatePair.person_b_id == b))
    if pair is None:
        pair = CandidatePair(person_a_id=a, person_b_id=b, score=0.0, status=status, source="merge")
        session.add(pair)
    pair.status, pair.decided_by_id, pair.decided_at = status, user_id, now_local()
    pair.note = note or pair.note


# ----------------------------------------------------------------- unmerge

def unmerge(session, merge_id: int, *, scope: Scope, user_id: int | None = None,
            note: str | None = None) -> MergeRecord:
    """Undo a merge: both persons, their aliases, types and moved rows as they were."""
    rec = session.get(MergeRecord, merge_id, with_for_update=True, populate_existing=True)
    if rec is None:
        raise MergeError("Catatan penggabungan tidak ditemukan.")
    if rec.undone_at is not None:
        raise MergeError("Penggabungan ini sudah dibatalkan.")
    persons = _lock(session, (rec.survivor_id, rec.merged_id))
    surv, gone = persons.get(rec.survivor_id), persons.get(rec.merged_id)
    if surv is None or gone is None or gone.merged_into_id != rec.survivor_id:
        raise MergeError("Data sudah berubah sejak penggabungan; tidak dapat dibatalkan.")
    if surv.merged_into_id is not None:
        raise MergeError(f"Data #{surv.id} telah digabungkan lagi ke #{surv.merged_into_id}; "
                         "batalkan penggabungan itu lebih dulu.")
    for p in (surv, gone):
        if not allows_area(scope, p.kecamatan_kode, p.kelurahan_kode):
            raise MergeError("Salah satu data di luar wilayah tugas Anda.")
    snap = json.loads(rec.snapshot)
    conn = session.connection()
    now = now_local()
    claimed = conn.execute(update(MergeRecord.__table__).where(
        MergeRecord.__table__.c.id == rec.id, MergeRecord.__table__.c.undone_at.is_(None))
        .values(undone_at=now, undone_by_id=user_id))
    if claimed.rowcount != 1:  # a concurrent unmerge won (SQLite has no row locks)
        raise MergeError("Penggabungan ini sudah dibatalkan.")
    if snap["added_alias_ids"]:
        conn.execute(delete(_AT).where(_AT.c.id.in_(snap["added_alias_ids"])))
    alias_ids = [a["id"] for a in snap["merged"]["aliases"]]
    if alias_ids:
        _move(conn, _AT, "person_id", alias_ids, rec.merged_id)
    if snap["added_ppks"]:
        conn.execute(delete(person_ppks).where(person_ppks.c.person_id == rec.survivor_id,
                                               person_ppks.c.jenis_ppks_id.in_(snap["added_ppks"])))
    for model, col in CHILD_TABLES:
        t = model.__table__
        ids = snap["merged"]["children"].get(f"{t.name}.{col}") or []
        if ids:
            _move(conn, t, col, ids, rec.merged_id)
    for key, pid in (("survivor", rec.survivor_id), ("merged", rec.merged_id)):
        values = _dec(_PT, snap[key]["person"])
        values.pop("id"), values.pop("version")
        conn.execute(update(_PT).where(_PT.c.id == pid).values(**values, version=_PT.c.version + 1))
    _mark_pair(session, rec.survivor_id, rec.merged_id, "berbeda", user_id,
               note or "Penggabungan dibatalkan")
    session.flush()
    refresh_keys(conn, (rec.survivor_id, rec.merged_id))
    report_summary.refresh_persons(conn, (rec.survivor_id, rec.merged_id))
    for pid in (rec.survivor_id, rec.merged_id):
        audit.record(session, "unmerge", "person", pid, {"merge_record": [None, rec.id]}, note=note)
    session.flush()
    session.expire_all()
    return rec
