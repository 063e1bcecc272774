"""Time the monthly reports (query + PDF + XLSX) and the dashboard aggregates.

    cp benchmarks/results/bench_1m.db /tmp/e2_bench_1m.db
    DATABASE_URL=sqlite:////tmp/e2_bench_1m.db .venv/bin/flask db upgrade heads
    .venv/bin/python -m benchmarks.reports_bench --db sqlite:////tmp/e2_bench_1m.db --load \
        --period 2026-10 --repeat 3

Run it against a COPY of a database loaded by `benchmarks.bulk_load` (migrated to
heads).  `--load` first adds, once, the casework the bulk loader lacks (PPKS types
per person, 1 % merged tombstones, cases with SPM assessments and services in the
year of `--period`, coordinates on the last 90 days' encounters) and rebuilds the report
summary (those bulk writes bypass its listener).  Prints the median and max seconds per
step; the dashboard is timed cold (cache cleared) and warm.  `--only writes` times one
intake registration with and without the report-summary listener; `--statements` prints the
slowest statements of one uncached dashboard.
"""
from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import time


def _time(fn, repeat: int):
    """(median wall s, max wall s, median CPU s of this process: SQLite's work included)."""
    times, cpu = [], []
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return statistics.median(times), max(times), statistics.median(cpu)


def load(s, year: int, n_cases: int, seed: int = 5) -> None:
    """Add realistic casework/SPM data with core bulk inserts (idempotent: skips if cases exist)."""
    from sqlalchemy import func, insert, select, text, update

    from app.models import Encounter, JenisLayanan, JenisPPKS, Person, person_ppks
    from app.models.casework import Assessment, Case, ServiceDelivery, assessment_layanan

    if s.scalar(select(func.count()).select_from(Case)):
        return
    rng = random.Random(seed)
    t0 = time.perf_counter()
    types = list(s.scalars(select(JenisPPKS.id)))
    n_person = s.scalar(select(func.max(Person.id)))
    for lo in range(1, n_person + 1, 50000):
        rows = [dict(person_id=p, jenis_ppks_id=rng.choice(types)) for p in range(lo, min(lo + 50000, n_person + 1))]
        extra = [dict(person_id=r["person_id"], jenis_ppks_id=t) for r in rows[::10]
                 for t in [rng.choice(types)] if t != r["jenis_ppks_id"]]
        s.execute(insert(person_ppks), rows + extra)
    s.commit()
    # 1 % tombstones merged into the next person id
    for lo in range(1, n_person, 100000):
        s.execute(update(Person).where(Person.id >= lo, Person.id < lo + 100000, Person.id % 100 == 7,
                                       Person.id < n_person)
                  .values(merged_into_id=Person.id + 1), execution_options={"synchronize_session": False})
    s.commit()
    since = dt.datetime(year, 10, 31) - dt.timedelta(days=90)
    s.execute(update(Encounter).where(Encounter.waktu >= since).values(
        latitude=-6.24 + (Encounter.id % 97) * 0.001, longitude=106.97 + (Encounter.id % 89) * 0.001),
        execution_options={"synchronize_session": False})
    s.commit()
    layanan: dict[str, list[int]] = {}
    for jid, g in s.execute(select(JenisLayanan.id, JenisLayanan.spm_group)):
        layanan.setdefault(g, []).append(jid)
    persons = s.execute(select(Person.id, Person.kecamatan_kode, Person.kelurahan_kode).where(
        Person.merged_into_id.is_(None), Person.id % 7 == 3).limit(n_cases)).all()
    states = ["asesmen", "rencana_layanan", "layanan_berjalan", "rujukan", "terminasi", "hilang_kontak"]
    for i in range(0, len(persons), 5000):
        chunk = persons[i:i + 5000]
        cases = []
        for pid, kec, kel in chunk:
            st = rng.choice(states)
            opened = dt.datetime(year, rng.randint(1, 10), rng.randint(1, 28), 9)
            closed = opened + dt.timedelta(days=20) if st in ("terminasi", "hilang_kontak") else None
            cases.append(dict(person_id=pid, state=st, state_since=opened, opened_at=opened,
                              closed_at=closed, version=1, created_at=opened, updated_at=opened,
                              alasan_terminasi=rng.choice(["dipulangkan", "reunifikasi", "dirujuk_tuntas"])
                              if st == "terminasi" else None, kecamatan_kode=kec, kelurahan_kode=kel))
        s.execute(insert(Case), cases)
        ids = s.execute(select(Case.id, Case.opened_at).where(
            Case.person_id.in_([r[0] for r in chunk]))).all()
        ases, req, dlv = [], [], []
        for cid, opened in ids:
            g = rng.choice(list(layanan))
            ases.append(dict(case_id=cid, tanggal=opened.date(), spm_group=g, risiko="sedang",
                             urgensi="biasa", butuh_rehab_luar_panti=rng.random() < 0.85,
                             tidak_dapat_menyetujui=False, created_at=opened, updated_at=opened))
        s.execute(insert(Assessment), ases)
        a_ids = s.execute(select(Assessment.id, Assessment.case_id, Assessment.spm_group, Assessment.tanggal)
                          .where(Assessment.case_id.in_([c for c, _ in ids]))).all()
        for aid, cid, g, tgl in a_ids:
            need = rng.sample(layanan[g], k=min(len(layanan[g]), rng.randint(1, 3)))
            req += [dict(asesmen_id=aid, jenis_layanan_id=j) for j in need]
            for j in need:
                if rng.random() < 0.7:
                    d = min(tgl + dt.timedelta(days=rng.randint(0, 40)), dt.date(year, 12, 31))
                    dlv.append(dict(case_id=cid, jenis_layanan_id=j, tanggal=d, jumlah=1,
                                    created_at=dt.datetime.combine(d, dt.time(10)),
                                    updated_at=dt.datetime.combine(d, dt.time(10))))
        s.execute(insert(assessment_layanan), req)
        s.execute(insert(ServiceDelivery), dlv)
        s.commit()
    s.execute(text("ANALYZE"))
    s.commit()
    print(f"loaded casework for {len(persons)} persons in {time.perf_counter() - t0:.0f} s")
    rebuild_summary(s)


def rebuild_summary(s) -> None:
    """The load wrote with bulk SQL (types, tombstones): recompute the report summary."""
    from sqlalchemy import text

    from app.services import report_summary

    t0, c0 = time.perf_counter(), time.process_time()
    counts = report_summary.rebuild(s.connection())
    s.commit()
    s.execute(text("ANALYZE"))
    s.commit()
    print(f"report summary rebuilt in {time.perf_counter() - t0:.1f} s "
          f"(cpu {time.process_time() - c0:.1f} s): {counts}")


def write_overhead(s, n: int = 20) -> None:
    """Median time of one intake.register (person + encounter) + flush: without the
    report-summary listener; with it, the summary brought up to date as a commit does
    (`apply_pending`) after every row; and per row when `n` rows share one commit (the
    importer).  Rolled back: nothing is kept."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    from app.services import intake, report_summary
    from app.services.scope import Scope

    def one(i, apply=False):
        intake.register(s, {"nama": f"Bench Tulis {i}", "jenis_kelamin": "L"},
                        {"waktu": dt.datetime(2026, 10, 20, 9), "kelurahan_kode": "32.75.01.1001"},
                        scope=Scope.everything())
        s.flush()
        if apply:
            report_summary.apply_pending(s)

    def series(apply):
        times = []
        for i in range(n):
            t0 = time.perf_counter()
            one(i, apply)
            times.append(time.perf_counter() - t0)
        s.rollback()
        return statistics.median(times) * 1000

    event.remove(Session, "after_flush", report_summary._after_flush)
    without = series(False)
    event.listen(Session, "after_flush", report_summary._after_flush)
    single = series(True)
    t0 = time.perf_counter()
    for i in range(n):
        one(i)
    report_summary.apply_pending(s)
    batch = (time.perf_counter() - t0) / n * 1000
    s.rollback()
    print(f"intake.register + flush: without summary {without:6.1f} ms; with summary applied per "
          f"row {single:6.1f} ms; {n} rows per commit {batch:6.1f} ms/row")


def statement_log(s, fn, top: int = 12) -> None:
    """Run `fn` once and print its slowest SQL statements (wall ms, first 110 characters)."""
    from sqlalchemy import event

    log, eng = [], s.get_bind()

    def before(conn, _cur, _stmt, _params, _ctx, _many):
        conn.info["t0"] = time.perf_counter()

    def after(conn, _cur, stmt, _params, _ctx, _many):
        log.append(((time.perf_counter() - conn.info["t0"]) * 1000, " ".join(stmt.split())[:110]))

    event.listen(eng, "before_cursor_execute", before)
    event.listen(eng, "after_cursor_execute", after)
    t0 = time.perf_counter()
    try:
        fn()
    finally:
        event.remove(eng, "before_cursor_execute", before)
        event.remove(eng, "after_cursor_execute", after)
    print(f"statements: {len(log)}, {sum(m for m, _ in log):.1f} ms in SQL of "
          f"{(time.perf_counter() - t0) * 1000:.1f} ms")
    for ms, st in sorted(log, reverse=True)[:top]:
        print(f"  {ms:7.1f} ms  {st}")


def dashboard_page(app, repeat: int) -> None:
    """Server time of GET /dasbor/ as pimpinan through the test client: the first request
    (cache row deleted), `repeat` cold ones (TTL 0: every request computes the figures from
    the report summary and stores them) and `repeat` warm ones (cache row at most 60 s old)."""
    import os

    from app.extensions import db
    from app.models import DashboardCache

    app.config.update(TESTING=True, WTF_CSRF_ENABLED=False, AUTH_RATE_LIMITED=False,
                      RATELIMIT_ENABLED=False)
    with app.app_context():
        from app.roles import ROLE_PERMISSIONS
        from app.services.seeding import sync_roles

        sync_roles(app.appbuilder, ROLE_PERMISSIONS)
        db.session.query(DashboardCache).delete()
        db.session.commit()
        db.session.remove()
    c = app.test_client()
    pw = os.environ.get("DEMO_PASSWORD", app.config.get("DEMO_PASSWORD"))
    if c.post("/login/", data={"username": "pimpinan", "password": pw}).status_code != 302:
        print("dashboard page: login as pimpinan failed (flask ppks demo-users?)")
        return
    t0 = time.perf_counter()
    assert c.get("/dasbor/").status_code == 200
    print(f"dashboard page first request     {(time.perf_counter() - t0) * 1000:7.1f} ms")
    app.config["DASHBOARD_CACHE_DETIK"] = 0  # every request a cache miss: computed and stored
    med, mx, cpu = _time(lambda: c.get("/dasbor/"), repeat)
    print(f"dashboard page cold (cache miss) median {med * 1000:7.1f} ms max {mx * 1000:7.1f} ms"
          f"  cpu {cpu * 1000:7.1f} ms")
    app.config["DASHBOARD_CACHE_DETIK"] = 60
    c.get("/dasbor/")
    med, mx, cpu = _time(lambda: c.get("/dasbor/"), repeat)
    print(f"dashboard page warm (cached)     median {med * 1000:7.1f} ms max {mx * 1000:7.1f} ms"
          f"  cpu {cpu * 1000:7.1f} ms")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", required=True)
    ap.add_argument("--period", default="2026-10")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--load", action="store_true", help="add cases/SPM data first (once)")
    ap.add_argument("--cases", type=int, default=60000)
    ap.add_argument("--only", choices=("reports", "dashboard", "writes"), default=None)
    ap.add_argument("--rebuild", action="store_true", help="rebuild the report summary first")
    ap.add_argument("--page-repeat", type=int, default=10, help="warm dashboard page requests")
    ap.add_argument("--statements", action="store_true",
                    help="print the slowest statements of one uncached dashboard()")
    args = ap.parse_args(argv)

    from app import create_app
    from app.extensions import db
    from app.services import report_builders as rb
    from app.services import report_queries as rq
    from app.services.scope import Scope

    app = create_app("config", SQLALCHEMY_DATABASE_URI=args.db, FAB_UPDATE_PERMS=False)
    period = rq.Period.parse(args.period)
    with app.app_context():
        s, scope, cfg = db.session, Scope.everything(), app.config
        if args.load:
            load(s, period.year, args.cases)
        elif args.rebuild:
            rebuild_summary(s)
        persons = s.execute(db.text("SELECT count(*) FROM person")).scalar()
        encs = s.execute(db.text("SELECT count(*) FROM encounter")).scalar()
        cases = s.execute(db.text("SELECT count(*) FROM kasus")).scalar()
        print(f"db={args.db.split('@')[-1]} persons={persons} encounters={encs} cases={cases} "
              f"period={period.code}")
        if args.only == "writes":
            write_overhead(s)
            return
        if args.only != "dashboard":
            for kind in ("rekap", "spm"):
                for fmt in ("pdf", "xlsx"):
                    med, mx, cpu = _time(lambda: rb.render(
                        rb.build_document(s, kind, period, scope, None, cfg), fmt, cfg), args.repeat)
                    s.rollback()
                    print(f"{kind:6s} {fmt:5s} median {med:6.3f} s  max {mx:6.3f} s  cpu {cpu:6.3f} s")
        if args.only != "reports":
            now = dt.datetime(period.year, period.month, 28, 12)
            med, mx, cpu = _time(lambda: rq.dashboard(s, scope, now), args.repeat)
            print(f"dashboard aggregates (uncached) median {med * 1000:7.1f} ms max {mx * 1000:7.1f} ms"
                  f"  cpu {cpu * 1000:7.1f} ms")
            s.rollback()
            if args.statements:
                statement_log(s, lambda: rq.dashboard(s, scope, now))
                s.rollback()
    if args.only != "reports":
        dashboard_page(app, args.page_repeat)  # outside the app context (FAB trap #3)


if __name__ == "__main__":
    main()
