"""Dashboard figures (SQL aggregates) against independent plain SQL on the same database."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

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
        got = dashboard(s, scope, NOW, overdue_days=30)
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
        open_sql = """SELECT count(*) FROM kasus c JOIN person p ON p.id = c.person_id
                      JOIN person s ON s.id = COALESCE(p.merged_into_id, p.id)
                      WHERE s.is_archived = :f AND s.merged_into_id IS NULL AND s.kecamatan_kode = :k
                        AND c.state NOT IN ('terminasi', 'hilang_kontak')"""
        open_cases = q(open_sql)
        overdue = q(open_sql + " AND c.state_since < :t", t=NOW - dt.timedelta(days=30))
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
    assert (got["open_cases"], got["overdue_cases"]) == (open_cases, overdue)
    assert {(y, m): n for y, m, n in got["per_month"]} == per_month
    assert sum(n for *_, n in got["hotspots"]) == hot
    assert sum(n for _, n in got["per_kecamatan"]) == year_met
    # the scenario itself: 2 persons met in June (merged pair once), 1 returner, 2 open, 1 overdue
    assert (met, ret, open_cases, overdue) == (2, 1, 2, 1)


def test_dashboard_page_renders_local_assets(login):
    html = login("pimpinan").get("/dasbor/").get_data(as_text=True)
    assert "vendor/chartjs/chart.umd.min.js" in html and "vendor/leaflet/leaflet.js" in html
    assert "cdn" not in html.lower() and 'id="stat-persons"' in html
    assert login("pimpinan").get("/static/vendor/leaflet/leaflet.js").status_code == 200
