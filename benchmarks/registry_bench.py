"""Server time of the registry screens on a bulk-loaded database.

    .venv/bin/python -m benchmarks.registry_bench \
        --db sqlite:////work/main/benchmarks/results/bench_1m.db [--repeat 30]

Requests run through the Flask test client (full stack: login session, FAB
view, templates), logged in as `operator` (citywide) and `pilar.bekasitimur`
(scoped to Bekasi Timur).  After warm-up, each case is timed --repeat times;
the median and p95 wall time, the median CPU time of this (app) process, the
median time spent in SQL (cursor execute, engine events) and the SQL statements
per request are printed as a Markdown table.  On a shared machine the wall
time includes waiting for a CPU; app CPU + SQL ms is the work itself.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGETS = {"list": 30, "search": 50, "show": 30}


def make_app(url: str):
    sys.path.insert(0, str(ROOT))
    from app import create_app

    return create_app("config", SQLALCHEMY_DATABASE_URI=url, TESTING=True,
                      WTF_CSRF_ENABLED=False, AUTH_RATE_LIMITED=False, RATELIMIT_ENABLED=False)


def timeline_person(app) -> int:
    from sqlalchemy import text

    from app.extensions import db
    from benchmarks.bulk_load import TIMELINE_NIK

    with app.app_context():
        pid = db.session.execute(text("SELECT id FROM person WHERE nik = :n"),
                                 {"n": TIMELINE_NIK}).scalar()
        db.session.remove()
    if pid is None:
        sys.exit("Orang linimasa tidak ditemukan: muat data dengan benchmarks.bulk_load.")
    return pid


def cases(pid: int) -> list[tuple[str, str, str, str]]:
    """(label, kind, user, url)."""
    p = "/personview"
    return [
        ("list page 1", "list", "operator", f"{p}/list/"),
        ("list page 1000", "list", "operator", f"{p}/list/?page_PersonView=999"),
        ("list page 1 (Bekasi Timur, pilar)", "list", "pilar.bekasitimur", f"{p}/list/"),
        ("search contains 'sujono'", "search", "operator", f"{p}/list/?q=sujono&cara=memuat"),
        ("search variant 'Soedjono'", "search", "operator", f"{p}/list/?q=Soedjono&cara=memuat"),
        ("search starts-with 'sri'", "search", "operator", f"{p}/list/?q=sri&cara=awal"),
        ("search contains 'wati' (pilar)", "search", "pilar.bekasitimur",
         f"{p}/list/?q=wati&cara=memuat"),
        ("search NIK prefix", "search", "operator", f"{p}/list/?q=32750000012"),
        ("show, 60-encounter timeline", "show", "operator", f"{p}/show/{pid}"),
    ]


def run(url: str, repeat: int, warmup: int, only: str = "", profile: bool = False,
        statements: bool = False) -> list[dict]:
    from sqlalchemy import event

    from app.extensions import db

    app = make_app(url)
    pid = timeline_person(app)
    password = os.environ.get("DEMO_PASSWORD", app.config["DEMO_PASSWORD"])
    clients = {}
    for user in ("operator", "pilar.bekasitimur"):
        c = app.test_client()
        r = c.post("/login/", data={"username": user, "password": password})
        if r.status_code != 302:
            sys.exit(f"Login gagal untuk {user}.")
        clients[user] = c
    with app.app_context():
        engine = db.engine
    counter = {"n": 0, "sql": 0.0, "t": 0.0}

    per_statement: list[tuple[str, float]] = []

    def before(*_a, **_k):
        counter["n"] += 1
        counter["t"] = time.perf_counter()

    def after(_conn, _cursor, statement, *_a, **_k):
        spent = time.perf_counter() - counter["t"]
        counter["sql"] += spent
        if statements:
            per_statement.append((" ".join(statement.split())[:110], spent * 1000))

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    results = []
    for label, kind, user, path in cases(pid):
        if only and only not in label:
            continue
        c = clients[user]
        for _ in range(warmup):
            assert c.get(path).status_code == 200, path
        if profile:  # where the time goes: cProfile over the repeated requests
            import cProfile
            import pstats

            prof = cProfile.Profile()
            prof.runcall(lambda: [c.get(path) for _ in range(repeat)])
            print(f"\n## {label}")
            pstats.Stats(prof).sort_stats(os.environ.get("PROFILE_SORT", "cumulative")).print_stats(int(os.environ.get("PROFILE_LINES", "40")))
            continue
        times, cpu, sql = [], [], []
        by_statement: dict[int, list] = {}
        for _ in range(repeat):
            counter["n"], counter["sql"] = 0, 0.0
            per_statement.clear()
            t, tc = time.perf_counter(), time.process_time()
            r = c.get(path)
            times.append((time.perf_counter() - t) * 1000)
            cpu.append((time.process_time() - tc) * 1000)
            sql.append(counter["sql"] * 1000)
            assert r.status_code == 200, (path, r.status_code)
            for i, (text, ms) in enumerate(per_statement):
                by_statement.setdefault(i, [text, []])[1].append(ms)
        if statements:  # where the SQL time goes: median ms of each statement of the request
            print(f"\n## {label}")
            for text, ms in by_statement.values():
                print(f"{statistics.median(ms):7.2f} ms  {text}")
        times.sort()
        results.append({"label": label, "kind": kind, "median": statistics.median(times),
                        "p95": times[max(0, int(round(0.95 * len(times))) - 1)],
                        "cpu": statistics.median(cpu), "sql_ms": statistics.median(sql),
                        "sql": counter["n"], "target": TARGETS[kind]})
    return results


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", required=True)
    ap.add_argument("--repeat", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--only", default="", help="run only cases whose label contains this")
    ap.add_argument("--profile", action="store_true",
                    help="print a cProfile of each case instead of timings")
    ap.add_argument("--statements", action="store_true",
                    help="also print the median time of each SQL statement of a request")
    args = ap.parse_args(argv)
    load_before = os.getloadavg()[0]
    results = run(args.db, args.repeat, args.warmup, args.only, args.profile, args.statements)
    if args.profile:
        return
    print(f"\n{args.db} ({args.repeat} requests each, after {args.warmup} warm-up; "
          f"1-minute load average {load_before:.2f} before, {os.getloadavg()[0]:.2f} after, "
          f"{time.strftime('%H:%M', time.gmtime())} UTC)\n")
    print("| case | median ms | p95 ms | app CPU ms | SQL ms | SQL/request | target ms | ok |")
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    for r in results:
        ok = "yes" if r["median"] <= r["target"] else "NO"
        print(f"| {r['label']} | {r['median']:.1f} | {r['p95']:.1f} | {r['cpu']:.1f} | "
              f"{r['sql_ms']:.1f} | {r['sql']} | "
              f"{r['target']} | {ok} |")


if __name__ == "__main__":
    main()
