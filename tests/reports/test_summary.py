"""The report summary is kept on every write: after each kind of change (encounter added
through the intake door, encounter edited/archived, merge, unmerge, person archived and
restored, PPKS type change, area change) the incrementally kept rows equal a full rebuild,
and the recap's month figures equal an independent plain-SQL count."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from app.services import report_summary as summary
from app.services.report_queries import Period, rekap_ppks
from app.services.scope import Scope

Y = 2007  # a year no other test writes in
K, K2 = "32.75.05", "32.75.06"
KEL, KEL2 = f"{K}.1003", f"{K2}.1003"
D = dt.datetime
EVERY = Scope.everything()


def _snapshot(s, pids) -> dict:
    """Summary rows of these persons, the year's counters and the test kelurahans' registry."""
    pids = sorted(pids)
    out = {}
    for t in (summary.SP, summary.SJ, summary.SM, summary.SS):
        out[t.name] = sorted(tuple(r) for r in s.execute(sa.select(t).where(t.c.pid.in_(pids))))
    sc, se = summary.SC, summary.SE
    out["count"] = sorted(tuple(r) for r in s.execute(sa.select(sc).where(
        sc.c.ym.between(Y * 100 + 1, Y * 100 + 12), (sc.c.n_met != 0) | (sc.c.n_ret != 0)
        | (sc.c.n_first != 0))))
    out["registry"] = sorted(tuple(r) for r in s.execute(sa.select(sc).where(
        sc.c.ym == 0, sc.c.kel.in_([KEL, KEL2]), sc.c.n_met != 0)))
    out["encounters"] = sorted(tuple(r) for r in s.execute(sa.select(se).where(
        se.c.ym.between(Y * 100 + 1, Y * 100 + 12), se.c.n != 0)))
    return out


INDEPENDENT = """
    SELECT s.id, s.kecamatan_kode, s.jenis_kelamin,
           CASE WHEN EXISTS (SELECT 1 FROM encounter e2 JOIN person p2 ON p2.id = e2.person_id
                             WHERE COALESCE(p2.merged_into_id, p2.id) = s.id
                               AND e2.is_archived = :f AND e2.waktu < :start) THEN 1 ELSE 0 END
    FROM person s
    WHERE s.is_archived = :f AND s.merged_into_id IS NULL AND s.id IN (
        SELECT COALESCE(p.merged_into_id, p.id) FROM encounter e JOIN person p ON p.id = e.person_id
        WHERE e.is_archived = :f AND e.waktu >= :start AND e.waktu < :end)"""


BY_SOURCE = """
    SELECT e.sumber, count(*), count(DISTINCT s.id)
    FROM encounter e JOIN person p ON p.id = e.person_id
    JOIN person s ON s.id = COALESCE(p.merged_into_id, p.id)
    WHERE e.is_archived = :f AND e.waktu >= :start AND e.waktu < :end
      AND s.is_archived = :f AND s.merged_into_id IS NULL AND s.kecamatan_kode = :k
    GROUP BY e.sumber"""


def _check(s, pids) -> None:
    """incremental == rebuild, and every month's recap totals == plain SQL."""
    s.commit()
    kept = _snapshot(s, pids)
    summary.rebuild(s.connection())
    s.commit()
    assert _snapshot(s, pids) == kept
    for month in range(1, 13):
        p = Period(Y, month)
        rows = s.execute(sa.text(INDEPENDENT), {"f": False, "start": p.start, "end": p.end}).all()
        for kec in (K, K2):
            got = rekap_ppks(s, p, EVERY, kec)
            mine = [r for r in rows if r[1] == kec]
            assert got["total"]["J"] == len(mine), (month, kec)
            assert got["total"]["L"] == sum(r[2] == "L" for r in mine), (month, kec)
            assert got["returners"] == sum(r[3] for r in mine), (month, kec)
            src = s.execute(sa.text(BY_SOURCE), {"f": False, "start": p.start, "end": p.end,
                                                 "k": kec}).all()
            assert got["by_source"] == {x: {"encounters": e, "persons": n} for x, e, n in src}


@pytest.fixture()
def world(app):
    from tests.conftest import app_session
    from app.models import Encounter, JenisPPKS, Person
    from app.services import intake

    with app_session(app) as s:
        types = {j.nomor: j for j in s.query(JenisPPKS)}
        res = intake.register(s, {"nama": "Ringkas Satu", "jenis_kelamin": "L"},
                              {"waktu": D(Y, 3, 5, 8), "kelurahan_kode": KEL, "sumber": "razia"},
                              scope=EVERY)
        a = res.person
        a.jenis_ppks = [types[21]]
        b = Person(nama="Ringkas Dua", jenis_kelamin="P", kecamatan_kode=K2, kelurahan_kode=KEL2,
                   jenis_ppks=[types[21], types[22]])
        s.add(b)
        s.flush()
        s.add(Encounter(person_id=a.id, waktu=D(Y, 5, 1, 0, 0, 0), kecamatan_kode=K, kelurahan_kode=KEL))
        s.add(Encounter(person_id=b.id, waktu=D(Y, 5, 31, 23, 59, 59), kecamatan_kode=K2,
                        kelurahan_kode=KEL2))
        s.commit()
        yield s, a.id, b.id, types


def test_kept_on_every_write(world):
    from app.models import Encounter, Person
    from app.services import archive, merge

    s, a, b, types = world
    pids = {a, b}
    _check(s, pids)
    assert rekap_ppks(s, Period(Y, 5), EVERY, K)["total"]["J"] == 1
    assert rekap_ppks(s, Period(Y, 5), EVERY, K)["returners"] == 1

    # an earlier encounter of b: May becomes a return, February its first month of the year
    s.add(Encounter(person_id=b, waktu=D(Y, 2, 1, 9), kecamatan_kode=K2, kelurahan_kode=KEL2))
    _check(s, pids)
    assert rekap_ppks(s, Period(Y, 5), EVERY, K2)["returners"] == 1

    # b merged into a: counted once, under a's kecamatan, with b's types added
    rec = merge.merge_persons(s, a, b, scope=EVERY)
    _check(s, pids)
    may = rekap_ppks(s, Period(Y, 5), EVERY, None)
    assert may["total"]["J"] >= 1 and rekap_ppks(s, Period(Y, 5), EVERY, K2)["total"]["J"] == 0
    assert rekap_ppks(s, Period(Y, 2), EVERY, K)["total"]["J"] == 1  # b's February, now a's

    merge.unmerge(s, rec.id, scope=EVERY)
    _check(s, pids)
    assert rekap_ppks(s, Period(Y, 5), EVERY, K2)["total"]["J"] == 1

    archive.archive(s, s.get(Person, a), "uji ringkasan")
    _check(s, pids)
    assert rekap_ppks(s, Period(Y, 3), EVERY, K)["total"]["J"] == 0
    archive.restore(s, s.get(Person, a))
    _check(s, pids)
    assert rekap_ppks(s, Period(Y, 3), EVERY, K)["total"]["J"] == 1

    # PPKS type change
    s.get(Person, b).jenis_ppks = [types[4]]
    _check(s, pids)
    assert set(rekap_ppks(s, Period(Y, 5), EVERY, K2)["by_jenis"]) == {types[4].nama}

    # encounter archived, moved to another month, deleted; person moved to another kecamatan
    enc = s.scalars(sa.select(Encounter).where(Encounter.person_id == a)
                    .order_by(Encounter.waktu)).first()
    archive.archive(s, enc, "salah input")
    _check(s, pids)
    archive.restore(s, enc)
    enc.waktu = D(Y, 7, 31, 23, 59, 59)
    _check(s, pids)
    assert rekap_ppks(s, Period(Y, 7), EVERY, K)["total"]["J"] == 1
    s.delete(enc)
    _check(s, pids)
    p = s.get(Person, a)
    p.kecamatan_kode, p.kelurahan_kode = K2, KEL2
    _check(s, pids)
    assert rekap_ppks(s, Period(Y, 5), EVERY, K)["total"]["J"] == 0


def test_rebuild_counts_tables(app):
    from tests.conftest import app_session

    with app_session(app) as s:
        counts = summary.rebuild(s.connection())
        s.commit()
        live = s.execute(sa.text("SELECT count(*) FROM person WHERE merged_into_id IS NULL "
                                 "AND is_archived = :f"), {"f": False}).scalar()
        assert counts["summary_person"] == live
        registry = s.execute(sa.text("SELECT sum(n_met) FROM summary_count WHERE ym = 0")).scalar()
        assert registry == live
        enc = s.execute(sa.text("SELECT count(*) FROM encounter WHERE is_archived = :f"),
                        {"f": False}).scalar()
        assert s.execute(sa.text("SELECT sum(n) FROM summary_encounter")).scalar() == enc


def _assessments(s, case_ids) -> list:
    t = summary.SA
    return sorted(tuple(r) for r in s.execute(sa.select(t).where(t.c.case_id.in_(case_ids))))


def test_assessment_summary_kept(world):
    """summary_assessment (SPM capaian) after assessment, required-service and delivery
    changes, merge/unmerge, archive/restore and an area change == a rebuild; `done` == the
    rule's date."""
    from app.models import Assessment, Case, JenisLayanan, Person, ServiceDelivery
    from app.services import archive, merge
    from app.services.spm import is_terpenuhi

    s, a, b, _types = world
    svc = s.scalars(sa.select(JenisLayanan).where(JenisLayanan.spm_group == "gepeng")
                    .order_by(JenisLayanan.id)).all()[:2]
    c = Case(person_id=b, opened_at=D(Y, 3, 1), kecamatan_kode=K2)
    s.add(c)
    s.flush()
    asm = Assessment(case_id=c.id, tanggal=dt.date(Y, 3, 2), spm_group="gepeng",
                     butuh_rehab_luar_panti=True, layanan=list(svc))
    s.add(asm)
    s.add(ServiceDelivery(case_id=c.id, jenis_layanan_id=svc[0].id, tanggal=dt.date(Y, 3, 3)))

    def check(done, pid):
        s.commit()
        kept = _assessments(s, [c.id])
        summary.rebuild(s.connection())
        s.commit()
        assert _assessments(s, [c.id]) == kept
        assert [(r[2], r[7]) for r in kept] == ([(pid, done)] if pid else [])
        if done:  # the rule itself: terpenuhi on `done`, not the day before
            assert is_terpenuhi(s, asm, done) and not is_terpenuhi(s, asm, done - dt.timedelta(days=1))

    check(None, b)  # one of two required services delivered
    d2 = ServiceDelivery(case_id=c.id, jenis_layanan_id=svc[1].id, tanggal=dt.date(Y, 4, 9))
    s.add(d2)
    check(dt.date(Y, 4, 9), b)
    s.add(ServiceDelivery(case_id=c.id, jenis_layanan_id=svc[1].id, tanggal=dt.date(Y, 4, 1)))
    check(dt.date(Y, 4, 1), b)  # an earlier delivery of the last service
    asm.layanan = [svc[0]]  # fewer required services
    check(dt.date(Y, 3, 3), b)
    asm.layanan = list(svc)
    d2.tanggal = dt.date(Y, 2, 1)
    check(dt.date(Y, 3, 3), b)  # edited delivery date
    rec = merge.merge_persons(s, a, b, scope=EVERY)
    check(dt.date(Y, 3, 3), a)  # counted under the survivor
    merge.unmerge(s, rec.id, scope=EVERY)
    check(dt.date(Y, 3, 3), b)
    archive.archive(s, s.get(Person, b), "uji ringkasan")
    check(None, None)  # an archived survivor is not counted
    archive.restore(s, s.get(Person, b))
    check(dt.date(Y, 3, 3), b)
    s.get(Person, b).kecamatan_kode, s.get(Person, b).kelurahan_kode = K, KEL  # area change
    s.commit()
    assert [r[3:5] for r in _assessments(s, [c.id])] == [(K, KEL)]
    asm.butuh_rehab_luar_panti = False
    s.commit()
    assert _assessments(s, [c.id]) == []


def test_hotspot_summary_kept(world):
    """summary_hotspot after encounters with coordinates are added, moved, archived, restored
    and deleted == a rebuild, and the city-wide hotspots from it == the raw encounter scan
    for windows starting early and late in a month."""
    from app.models import Encounter
    from app.services import archive
    from app.services.report_queries import hotspots, hotspots_raw

    s, a, b, _types = world
    t = summary.SH

    def check():
        s.commit()
        kept = sorted(tuple(r) for r in s.execute(sa.select(t).where(t.c.n != 0)))
        summary.rebuild_hotspots(s.connection())
        s.commit()
        assert sorted(tuple(r) for r in s.execute(sa.select(t).where(t.c.n != 0))) == kept
        for now in (D(Y, 9, 1, 9), D(Y, 9, 20, 12), D(Y, 10, 30, 23, 59), D(Y + 1, 1, 2, 1)):
            raw = hotspots_raw(s, EVERY, now)
            assert hotspots(s, EVERY, now) == raw, now
            assert hotspots(s, Scope(citywide=False, kecamatan_kode=K), now) == \
                hotspots_raw(s, Scope(citywide=False, kecamatan_kode=K), now)

    e = [Encounter(person_id=a, waktu=w, kecamatan_kode=K, kelurahan_kode=KEL, latitude=la,
                   longitude=-106.9 - la / 100)
         for w, la in [(D(Y, 6, 3, 10), -6.23451), (D(Y, 6, 3, 0, 0, 0), -6.2345),
                       (D(Y, 7, 31, 23, 59, 59), -6.1115), (D(Y, 8, 20, 8), -6.2345),
                       (D(Y, 9, 28, 7), -6.3), (D(Y, 10, 2, 23), -6.2346)]]
    e.append(Encounter(person_id=b, waktu=D(Y, 6, 4, 9), kecamatan_kode=K2, kelurahan_kode=KEL2))
    s.add_all(e)
    check()
    e[-1].latitude, e[-1].longitude = -6.25, 106.95  # coordinates added later
    check()
    e[0].latitude = -6.2999  # moved to another cell, another day
    e[0].waktu = D(Y, 6, 29, 18)
    check()
    archive.archive(s, e[1], "uji hotspot")
    check()
    archive.restore(s, e[1])
    e[2].latitude = None  # coordinates removed
    check()
    s.delete(e[3])
    check()
