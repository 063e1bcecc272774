"""Time the monthly reports (query + PDF + XLSX) and the dashboard aggregates.

    .venv/bin/python -m benchmarks.reports_bench --db sqlite:////tmp/bench_copy.db \
        --period 2026-10 --repeat 3

Run it against a database loaded by `benchmarks.bulk_load` (migrated to heads).
Prints the median and max seconds per step; read-only.
"""
from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time


def _time(fn, repeat: int):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), max(times)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", required=True)
    ap.add_argument("--period", default="2026-10")
    ap.add_argument("--repeat", type=int, default=3)
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
        persons = s.execute(db.text("SELECT count(*) FROM person")).scalar()
        encs = s.execute(db.text("SELECT count(*) FROM encounter")).scalar()
        print(f"db={args.db} persons={persons} encounters={encs} period={period.code}")
        for kind in ("rekap", "spm"):
            for fmt in ("pdf", "xlsx"):
                med, mx = _time(lambda: rb.render(
                    rb.build_document(s, kind, period, scope, None, cfg), fmt, cfg), args.repeat)
                print(f"{kind:6s} {fmt:5s} median {med:6.3f} s  max {mx:6.3f} s")
        now = dt.datetime(period.year, period.month, 28, 12)
        med, mx = _time(lambda: rq.dashboard(s, scope, now), args.repeat)
        print(f"dashboard    median {med * 1000:7.1f} ms max {mx * 1000:7.1f} ms")


if __name__ == "__main__":
    main()
