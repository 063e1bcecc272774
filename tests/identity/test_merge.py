"""Reversible merge: survivor/tombstone, moved rows, exact round trip, concurrency, audit."""
import datetime as dt

import pytest
from sqlalchemy import select

from app.models import AuditLog, Encounter, JenisPPKS, MatchKey, MergeRecord, Person, PersonAlias, person_ppks
from app.services import intake
from app.services.merge import CHILD_TABLES, MergeError, merge_persons, unmerge
from app.services.scope import Scope
from tests.identity.helpers import letters, nik

ALL = Scope.everything()


def _rows(s, pid):
    """Every row belonging to a person (all columns; person.version excluded: it is bumped)."""
    p = dict(s.execute(select(Person.__table__).where(Person.id == pid)).one()._mapping)
    p.pop("version")
    aliases = [dict(r._mapping) for r in s.execute(
        select(PersonAlias.__table__).where(PersonAlias.person_id == pid).order_by(PersonAlias.id))]
    ppks = sorted(s.execute(select(person_ppks.c.jenis_ppks_id).where(person_ppks.c.person_id == pid)).scalars())
    children = {}
    for model, col in CHILD_TABLES:
        t = model.__table__
        children[t.name] = [dict(r._mapping) for r in s.execute(select(t).where(t.c[col] == pid).order_by(t.c.id))]
    keys = sorted(s.scalars(select(MatchKey.key).where(MatchKey.person_id == pid)))
    return {"person": p, "aliases": aliases, "ppks": ppks, "children": children, "keys": keys}


def _pair(make_person, session_ctx):
    tag, n = letters(), nik()
    a = make_person(nama=f"Soedjono {tag}", aliases="Jono", tahun_lahir=1970, jenis_kelamin="L")
    b = make_person(kelurahan="32.75.01.1002", nama=f"Sujono {tag}", aliases="Gondrong, Jon",
                    nik=n, nama_ibu="Sarinah")
    with session_ctx() as s:
        intake.add_encounter(s, s.get(Person, b), {"kelurahan_kode": "32.75.01.1003", "lokasi": "Pasar"},
                             scope=ALL)
        jenis = s.scalars(select(JenisPPKS)).all()
        pa, pb = s.get(Person, a), s.get(Person, b)
        pa.jenis_ppks.append(jenis[0])
        pb.jenis_ppks.extend(jenis[1:3])
        s.commit()
    return a, b


def test_merge_then_unmerge_restores_every_row(make_person, session_ctx):
    a, b = _pair(make_person, session_ctx)
    with session_ctx() as s:
        before = {a: _rows(s, a), b: _rows(s, b)}
        rec = merge_persons(s, a, b, scope=ALL, choices={"nik": "merged", "nama_ibu": "merged"},
                            note="uji")
        s.commit()
        rec_id = rec.id
        surv, gone = s.get(Person, a), s.get(Person, b)
        assert gone.merged_into_id == a and surv.nik == before[b]["person"]["nik"] and gone.nik is None and surv.nama_ibu == "Sarinah"
        assert surv.nama.startswith("Soedjono")
        names = {al.alias for al in surv.aliases}
        assert {"Jono", "Gondrong", "Jon", gone.nama} <= names
        assert s.scalar(select(Encounter.id).where(Encounter.person_id == b)) is None
        assert len(s.scalars(select(Encounter).where(Encounter.person_id == a)).all()) == 3
        assert not s.scalars(select(MatchKey).where(MatchKey.person_id == b)).all()
        assert s.scalars(select(AuditLog).where(AuditLog.action == "merge",
                                                AuditLog.record_id == str(a))).first()
        with pytest.raises(MergeError):
            merge_persons(s, a, b, scope=ALL)  # already merged
    with session_ctx() as s:
        unmerge(s, rec_id, scope=ALL, note="keliru")
        s.commit()
        after = {a: _rows(s, a), b: _rows(s, b)}
        assert after == before
        assert s.get(MergeRecord, rec_id).undone_at is not None
        with pytest.raises(MergeError):
            unmerge(s, rec_id, scope=ALL)


def test_merge_keeps_one_of_equal_aliases_and_a_consistent_birth(make_person, session_ctx):
    tag = letters()
    a = make_person(nama=f"Sutan {tag}", aliases="Mpok, Ucok", perkiraan_umur=30)
    b = make_person(nama=f"SUTAN {tag}", aliases="mpok, Bule", tanggal_lahir=dt.date(2008, 8, 14))
    with session_ctx() as s:
        before = {a: _rows(s, a), b: _rows(s, b)}
        assert s.get(Person, a).tahun_lahir_perkiraan
        # the reviewer takes the exact date from B and keeps A's other fields
        rec = merge_persons(s, a, b, scope=ALL, choices={"tanggal_lahir": "merged", "tahun_lahir": "survivor",
                                                          "tahun_lahir_perkiraan": "survivor"})
        s.commit()
        rec_id, surv = rec.id, s.get(Person, a)
        assert sorted(al.alias.lower() for al in surv.aliases) == ["bule", "mpok", "ucok"]  # no "Mpok, mpok"
        assert surv.tanggal_lahir.isoformat() == "2008-08-14"
        assert (surv.tahun_lahir, surv.tahun_lahir_perkiraan) == (2008, False)
    with session_ctx() as s:
        unmerge(s, rec_id, scope=ALL)
        s.commit()
        assert {a: _rows(s, a), b: _rows(s, b)} == before  # the alias left on the tombstone is B's again


def test_merge_refuses_out_of_area_and_stale_second_session(make_person, session_ctx):
    a, b = _pair(make_person, session_ctx)
    c = make_person(nama=letters())
    pilar = Scope(citywide=False, kecamatan_kode="32.75.09")
    with session_ctx() as s:
        with pytest.raises(MergeError):
            merge_persons(s, a, b, scope=pilar)
    # two sessions: the second one loaded the persons before the first merged them
    with session_ctx() as s1:
        s2 = s1.get_bind()  # same engine
        from sqlalchemy.orm import Session

        with Session(s2) as other:
            other.get(Person, b)  # stale copy, loaded before the merge
            merge_persons(s1, a, b, scope=ALL)
            s1.commit()
            with pytest.raises(MergeError):
                merge_persons(other, c, b, scope=ALL)
            other.rollback()
    with session_ctx() as s:
        assert s.get(Person, b).merged_into_id == a and s.get(Person, c).merged_into_id is None


def test_concurrent_overlapping_merges_cannot_corrupt(app, make_person, session_ctx):
    """Two sessions merge b into a and b into c at the same time: exactly one wins."""
    import threading

    from sqlalchemy.exc import OperationalError
    from sqlalchemy.orm import Session

    from app.extensions import db

    tag = letters()
    a, b, c = (make_person(nama=f"{n} {tag}") for n in ("Sarmin", "Sarmin", "Sarmin"))
    with app.app_context():
        engine = db.engine
    results = {}
    first = Session(engine)
    merge_persons(first, a, b, scope=ALL)  # holds the row locks, not committed yet

    def second():
        with Session(engine) as s:
            try:
                merge_persons(s, c, b, scope=ALL)
                s.commit()
                results["second"] = "merged"
            except (MergeError, OperationalError) as exc:
                s.rollback()
                results["second"] = type(exc).__name__

    t = threading.Thread(target=second)
    t.start()
    t.join(timeout=2)  # PostgreSQL: blocked on FOR UPDATE; SQLite: waits on the database lock
    first.commit()
    first.close()
    t.join(timeout=30)
    assert results["second"] in ("MergeError", "OperationalError")
    with session_ctx() as s:
        assert s.get(Person, b).merged_into_id == a and s.get(Person, c).merged_into_id is None
        assert s.scalar(select(MergeRecord.id).where(MergeRecord.merged_id == b, MergeRecord.survivor_id == c)) is None
