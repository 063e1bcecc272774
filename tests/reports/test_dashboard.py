"""Dashboard figures (SQL aggregates) against independent plain SQL on the same database."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from app.services.casework import DEFAULT_STATE_LIMITS
from app.services.report_queries import dashboard
from app.services.scope import Scope

K = "32.75.12"
NOW = dt.datetime(2013, 6, 15, 12, 0)
D = dt.datetime


@pytest.fixture(scope="module")
def dash_data(app):
    from tests.conftest import app_session
    from app.models import Case, Encounter, JenisPPKS, Person

    with app_session(app) as s:
        jenis = s.query(JenisPPKS).filter_by(nomor=21).one()
        spec = [  # (gender, archived, merged_into index, encounters, case state/state_since)
            ("L", False, None, [D(2013, 6, 1), D(2013, 6, 30, 23, 59, 59), D(2013, 2, 1)], ("asesmen", D(2013, 1, 1))),
            ("P", False, None, [D(2013, 6, 10)], ("terminasi", D(2013, 6, 10))),
            ("P", False, 1, [D(2013, 6, 11)], None),
            ("L", True, None, [D(2013, 6, 12)], ("asesmen", D(2013, 6, 12))),
            ("L", False, None, [D(2013, 7, 1), D(2012, 5, 31)], ("layanan_berjalan", D(2013, 6, 14))),
        ]
        ids = []
        for g, arch, _m, encs, case in spec:
            p = Person(nama="Dash", jenis_kelamin=g, kecamatan_kode=K, kelurahan_kode=f"{K}.1001",
                       is_archived=arch, jenis_ppks=[jenis])
            s.add(p)
            s.flush()
            ids.append(p.id)
            for w in encs:
                s.add(Encounter(person_id=p.id, waktu=w, kecamatan_kode=K, kelurahan_kode=f"{K}.1001",
                                latitude=-6.3, longitude=107.01, sumber="patroli"))
            if case:
                s.add(Case(person_id=p.id, state=case[0], state_since=case[1], opened_at=case[1],
                           kecamatan_kode=K))
        for (g, arch, m, *_), pid in zip(spec, ids):
            if m is not None:
                s.get(Person, pid).merged_into_id = ids[m]
        s.commit()
    return ids


SURV = """FROM encounter e JOIN person p ON p.id = e.person_id
          JOIN person s ON s.id = COALESCE(p.merged_into_id, p.id)
          WHERE e.is_archived = :f AND s.is_archived = :f AND s.merged_into_id IS NULL
            AND s.kecamatan_kode = :k"""


def test_dashboard_matches_plain_sql(app, dash_data):
    from tests.conftest import app_session

    scope = Scope(citywide=False, kecamatan_kode=K)
    m0, m1 = D(2013, 6, 1), D(2013, 7, 1)
    with app_session(app) as s:
        got = dashboard(s, scope, NOW)
        got_cfg = dashboard(s, scope, NOW, {"asesmen": 2})
        q = lambda sql, **kw: s.execute(sa.text(sql), {"f": False, "k": K, **kw}).scalar()  # noqa: E731
        persons = q("SELECT count(*) FROM person WHERE kecamatan_kode = :k AND is_archived = :f "
                    "AND merged_into_id IS NULL")
        enc = q("SELECT count(*) FROM encounter WHERE kecamatan_kode = :k AND is_archived = :f "
                "AND waktu >= :a AND waktu < :b", a=m0, b=m1)
        met = q(f"SELECT count(DISTINCT s.id) {SURV} AND e.waktu >= :a AND e.waktu < :b", a=m0, b=m1)
        ret = q(f"""SELECT count(DISTINCT s.id) {SURV} AND e.waktu >= :a AND e.waktu < :b
                    AND s.id IN (SELECT COALESCE(p2.merged_into_id, p2.id) FROM encounter e2
                                 JOIN person p2 ON p2.id = e2.person_id
                                 WHERE e2.is_archived = :f AND e2.waktu < :a)""", a=m0, b=m1)
        open_rows = s.execute(sa.text(
            "SELECT state, state_since FROM kasus WHERE kecamatan_kode = :k "
            "AND state NOT IN ('terminasi', 'hilang_kontak')").columns(state_since=sa.DateTime),
            {"k": K}).all()
        open_cases = len(open_rows)

        def late(limits):  # the casework queue's rule, applied in Python to the raw rows
            lim = DEFAULT_STATE_LIMITS | limits
            return sum(1 for st, since in open_rows if st in lim and since < NOW - dt.timedelta(days=lim[st]))
        overdue, overdue_cfg = late({}), late({"asesmen": 2})
        months = s.execute(sa.text(
            "SELECT waktu FROM encounter WHERE kecamatan_kode = :k AND is_archived = :f "
            "AND waktu >= :a AND waktu < :b").columns(waktu=sa.DateTime), {"k": K, "f": False, "a": D(2012, 6, 1), "b": m1}).scalars()
        per_month: dict = {}
        for w in months:
            per_month[(w.year, w.month)] = per_month.get((w.year, w.month), 0) + 1
        hot = q("SELECT count(*) FROM encounter WHERE kecamatan_kode = :k AND is_archived = :f "
                "AND latitude IS NOT NULL AND waktu >= :a", a=NOW - dt.timedelta(days=90))
        year_met = q(f"SELECT count(DISTINCT s.id) {SURV} AND e.waktu >= :a AND e.waktu < :b",
                     a=D(2013, 1, 1), b=m1)
    assert (got["persons"], got["encounters_month"], got["met_month"], got["returners_month"]) == \
        (persons, enc, met, ret)
    assert (got["open_cases"], got["overdue_cases"], got_cfg["overdue_cases"]) == \
        (open_cases, overdue, overdue_cfg)
    assert {(y, m): n for y, m, n in got["per_month"]} == per_month
    assert sum(n for *_, n in got["hotspots"]) == hot
    assert sum(n for _, n in got["per_kecamatan"]) == year_met
    # the scenario itself: 2 persons met in June (merged pair once), 1 returner; 3 open cases
    # (the casework queues count the archived person's case too), 1 overdue (asesmen > 14 days),
    # 2 when KASUS_BATAS_HARI lowers asesmen to 2 days
    assert (met, ret, open_cases, overdue, overdue_cfg) == (2, 1, 3, 1, 2)


def test_dashboard_cache_ttl(app, dash_data):
    """The cached row is served within the TTL (even if data changed) and recomputed after."""
    from tests.conftest import app_session
    from app.models import Encounter
    from app.services import dashboard_cache

    scope = Scope(citywide=False, kecamatan_kode=K)
    with app_session(app) as s:
        first = dashboard_cache.compute(s, scope, NOW)
        s.add(Encounter(person_id=dash_data[0], waktu=D(2013, 6, 20), kecamatan_kode=K,
                        kelurahan_kode=f"{K}.1001", sumber="razia"))
        s.commit()
        fresh = dashboard(s, scope, NOW + dt.timedelta(seconds=30))
        cached = dashboard_cache.get(s, scope, NOW + dt.timedelta(seconds=30), ttl=60)
        later = dashboard_cache.get(s, scope, NOW + dt.timedelta(seconds=61), ttl=60)
    assert fresh["encounters_month"] == first["encounters_month"] + 1
    assert cached["encounters_month"] == first["encounters_month"]
    assert cached["computed_at"] == NOW and cached["month"].month == 6
    assert cached["spm"]["groups"] == first["spm"]["groups"]
    assert [list(r) for r in cached["per_month"]] == [list(r) for r in first["per_month"]]
    assert later["encounters_month"] == fresh["encounters_month"]
    assert later["computed_at"] == NOW + dt.timedelta(seconds=61)


def test_dashboard_page_renders_local_assets(login):
    html = login("pimpinan").get("/dasbor/").get_data(as_text=True)
    assert "vendor/chartjs/chart.umd.min.js" in html and "vendor/leaflet/leaflet.js" in html
    assert "cdn" not in html.lower() and 'id="stat-persons"' in html
    assert login("pimpinan").get("/static/vendor/leaflet/leaflet.js").status_code == 200


def test_dashboard_all_equals_each_scope(app, dash_data):
    """The one-pass refresh gives, for the city and every kecamatan, exactly `dashboard(scope)`."""
    from tests.conftest import app_session
    from app.services.report_queries import dashboard_all, kecamatan_names

    limits = {"asesmen": 2}
    with app_session(app) as s:
        every = dashboard_all(s, NOW, limits)
        kecs = sorted(kecamatan_names(s))
        assert set(every) == {None, *kecs}
        for kode in [None, *kecs]:
            scope = Scope.everything() if kode is None else Scope(citywide=False, kecamatan_kode=kode)
            one, got = dashboard(s, scope, NOW, limits), every[kode]
            for key in ("persons", "encounters_month", "met_month", "returners_month", "open_cases",
                        "overdue_cases", "per_month", "per_kecamatan"):
                assert [tuple(r) for r in got[key]] == [tuple(r) for r in one[key]] \
                    if isinstance(got[key], list) else got[key] == one[key], (kode, key)
            assert sorted(got["per_jenis"]) == sorted(tuple(r) for r in one["per_jenis"]), kode
            assert got["spm"]["groups"] == one["spm"]["groups"], kode
            if len(one["hotspots"]) < 300:
                assert sorted(got["hotspots"]) == sorted(one["hotspots"]), kode
        assert every[K]["met_month"] == 2 and every[K]["overdue_cases"] == 2
