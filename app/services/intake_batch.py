"""The set-wise writes of `intake.register_many` (the batch form of the one intake door).

Rows arrive validated, normalised and placed by `intake`; here new persons, their
aliases and PPKS types and all encounters are inserted with Core executemany, and
what the session listeners do for ORM writes is done explicitly: audit entries
(`audit.record_inserts`), match keys and stored features (`identity_keys.refresh_keys`),
the report summary (`report_summary.note_writes`, applied before the commit) and the
reopening of hilang-kontak cases (`casework.reopen_on_contact`).
"""
from __future__ import annotations

from sqlalchemy import func, insert, select

from app.models import Encounter, JenisPPKS, Person, PersonAlias, Wilayah, person_ppks
from app.services import audit


def load_persons(session, ids) -> dict[int, Person]:
    """The existing persons rows attach to, loaded once and kept referenced."""
    ids, out = sorted(ids), {}
    for lo in range(0, len(ids), 500):
        out.update((p.id, p) for p in session.scalars(select(Person).where(Person.id.in_(ids[lo:lo + 500]))))
    return out


def load_regions(session, rows) -> list:
    """The regions the rows name, loaded once and kept referenced (the identity map is weak)."""
    codes = set()
    for r in rows:
        codes.update((r.encounter.get("kelurahan_kode"), *(
            (r.person.get("asal_wilayah_kode"), r.person.get("domisili_kelurahan_kode")) if r.person else ())))
    codes = sorted(c for c in codes if c)
    out = []
    for lo in range(0, len(codes), 500):
        out += session.scalars(select(Wilayah).where(Wilayah.kode.in_(codes[lo:lo + 500]))).all()
    return out


def write(session, new: list[dict], done: list[tuple]) -> list[int]:
    """Write the new persons (`new`) and every row's encounter (`done`); each row's person id."""
    from app.services import casework, identity_keys, report_summary

    session.flush()  # ORM changes to existing persons (placement, PPKS types) through the listeners
    conn = session.connection()
    actor = audit.acting_user_id(session)
    stamp = {"created_by_id": actor, "updated_by_id": actor}
    defaults = {m: _defaults(m) for m in (Person, PersonAlias, Encounter)}  # "now" once for the batch
    persons = [_full(dict(n["person"], **stamp), defaults[Person]) for n in new]
    ids = _insert(conn, Person, persons)
    names = dict(session.execute(select(JenisPPKS.id, JenisPPKS.nama)).all())
    audit.record_inserts(session, Person, persons, [
        {"jenis_ppks": [[], sorted(str(names[j]) for j in n["jenis"])]} if n["jenis"] else None for n in new])
    aliases = [_full(dict(person_id=pid, alias=a, alias_norm=norm, **stamp), defaults[PersonAlias])
               for pid, n in zip(ids, new) for a, norm in n["aliases"]]
    _insert(conn, PersonAlias, aliases)
    audit.record_inserts(session, PersonAlias, aliases)
    types = [{"person_id": pid, "jenis_ppks_id": j} for pid, n in zip(ids, new) for j in n["jenis"]]
    if types:
        conn.execute(insert(person_ppks), types)
    owner = [ids[key] if kind == "new" else key for kind, key, _ in done]
    encounters = [_full(dict(cleaned, person_id=pid, **stamp), defaults[Encounter])
                  for pid, (_, _, cleaned) in zip(owner, done)]
    _insert(conn, Encounter, encounters)
    audit.record_inserts(session, Encounter, encounters)
    old = sorted({key for kind, key, _ in done if kind == "old"})
    identity_keys.refresh_keys(conn, [*ids, *old])
    report_summary.note_writes(session, [*ids, *old], [
        (e["waktu"], e["kecamatan_kode"], e["kelurahan_kode"], e["latitude"], e["longitude"])
        for e in encounters if not e["is_archived"]])
    for lo in range(0, len(old), 500):
        casework.reopen_on_contact(session, old[lo:lo + 500])
    session.flush()
    return owner


def _full(values: dict, defaults: dict) -> dict:
    """Every column of a row as it will be stored: given values, else the column default."""
    row = dict(defaults)
    row.update((k, v) for k, v in values.items() if k in row)
    return row


_DEFAULTS: dict = {}


def _defaults(model) -> dict:
    """Column -> default value (callables such as `now_local` evaluated now); the key is not included."""
    fixed = _DEFAULTS.get(model)
    if fixed is None:
        fixed = _DEFAULTS[model] = {c.key: c.default for c in model.__table__.columns if not c.primary_key}
    out = {}
    for key, default in fixed.items():
        if default is None:
            out[key] = None
        elif default.is_callable:
            out[key] = default.arg(None)
        else:
            out[key] = default.arg
    return out


def _insert(conn, model, rows: list[dict]) -> list[int]:
    """Insert the rows (one executemany) and set each row's `id` (in row order)."""
    if not rows:
        return []
    t = model.__table__
    if conn.dialect.name == "sqlite":
        # RETURNING in row order would cost one statement per row here.  The transaction holds
        # SQLite's single write lock, and a rowid key is max + 1: the rows got the last ids.
        conn.execute(insert(t), rows)
        last = conn.execute(select(func.max(t.c.id))).scalar()
        ids = list(range(last - len(rows) + 1, last + 1))
    else:
        ids = conn.execute(insert(t).returning(t.c.id, sort_by_parameter_order=True), rows).scalars().all()
    for row, pid in zip(rows, ids):
        row["id"] = pid
    return ids
