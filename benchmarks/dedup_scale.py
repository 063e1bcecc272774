"""Real-time candidate check p50/p95 and `dedup scan --since` time on a bulk-loaded registry.

    cp benchmarks/results/bench_1m.db /tmp/dedup_1m.db
    .venv/bin/python -m benchmarks.dedup_scale --db sqlite:////tmp/dedup_1m.db [--queries 200] [--skip-rebuild]

    .venv/bin/python -m benchmarks.dedup_scale --db URL --skip-rebuild --queries 0 --since-persons 0 --full-scan
    .venv/bin/python -m benchmarks.dedup_scale --db URL --skip-rebuild --queries 0 --since-persons 0 --import-rows 10000

Rebuilds the match_key and match_feature tables set-wise (bulk-loaded databases have
none; --rebuild-features with --skip-rebuild rewrites only the features), then runs
`find_candidates` for --queries noisy variants of existing persons (old
spellings, dropped name part, age ±1) and prints wall, client-CPU and SQL-wait
p50/p95, the load average and how often the true person is in the top 5.  Then adds --since-persons noisy
copies of existing persons through the ORM (so the key listener runs and their
timestamps are now) and times `scan(since=<time before adding>)` (0 = skip).
--full-scan runs `dedup.scan_all` with stage timings (rolled back); --import-rows N
writes the demo field sheet (`importer.demo_rows`) cut to N rows and times the dry run
(`plan_import`) and the commit (`commit_import`, committed).
It writes to the given database: use a copy.
"""
from __future__ import annotations

import argparse
import contextlib
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", required=True)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--since-persons", type=int, default=1000)
    ap.add_argument("--skip-rebuild", action="store_true")
    ap.add_argument("--rebuild-features", action="store_true",
                    help="rewrite only the stored features (match_feature), e.g. on a copy whose keys are built")
    ap.add_argument("--full-scan", action="store_true")
    ap.add_argument("--import-rows", type=int, default=0)
    ap.add_argument("--cap", type=int, default=0, help="real-time candidate cap (default dedup.MAX_CANDIDATES)")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT))
    import os

    os.environ.setdefault("FAB_UPDATE_PERMS", "0")
    from flask_migrate import upgrade
    from sqlalchemy import func, select

    from app import create_app
    from app.extensions import db
    from app.models import Person
    from app.services import dedup
    from app.services.identity_keys import install, rebuild_all, vacuum
    from app.services.scope import Scope

    app = create_app("config", SQLALCHEMY_DATABASE_URI=args.db)
    install()
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"), revision="heads")
        s = db.session
        n = s.scalar(select(func.count()).select_from(Person))
        if not args.skip_rebuild:
            t0 = time.perf_counter()
            rebuild_all(s, batch=5000)
            s.commit()
            vacuum(db.engine)
            print(f"match_key and match_feature rebuilt for {n} persons in {time.perf_counter() - t0:.1f} s")
        elif args.rebuild_features:
            from app.services import feature_store

            t0, c0 = time.perf_counter(), time.process_time()
            feature_store.rebuild_all(s)
            s.commit()
            vacuum(db.engine)
            print(f"match_feature rebuilt for {n} persons in {time.perf_counter() - t0:.1f} s wall, "
                  f"{time.process_time() - c0:.1f} s CPU", flush=True)
        sql = sql_timer(db.engine)
        rng = random.Random(3)
        max_id = s.scalar(select(func.max(Person.id)))
        rows = []
        while len(rows) < args.queries and max_id:
            p = s.get(Person, rng.randint(1, max_id))
            if p is not None and p.nama:
                rows.append(p)
        queries = []
        for p in rows:
            name = p.nama.replace("u", "oe", 1) if rng.random() < 0.5 else p.nama
            parts = name.split()
            if len(parts) > 2 and rng.random() < 0.3:
                parts.pop(rng.randrange(len(parts)))
            queries.append({"nama": " ".join(parts), "jenis_kelamin": p.jenis_kelamin,
                            "tahun_lahir": (p.tahun_lahir or 1980) + rng.choice([-1, 0, 1]),
                            "kelurahan_kode": p.kelurahan_kode})
        everyone = Scope.everything()
        if args.cap:
            dedup.MAX_CANDIDATES = args.cap
            dedup.candidate_ids.__defaults__ = (args.cap,)
            dedup.candidate_ids_many.__defaults__ = (args.cap,)
        times, cpu, in_sql, hits = [], [], [], 0
        for q, p in zip(queries, rows):
            t0, c0, q0 = time.perf_counter(), time.process_time(), sql["s"]
            found = dedup.find_candidates(s, q, everyone, limit=5)
            times.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.process_time() - c0) * 1000)
            in_sql.append((sql["s"] - q0) * 1000)
            hits += any(c.person_id == p.id for c in found)
        if queries:
            print(f"find_candidates over {n} persons (load {load()}): wall {pcts(times)}; client CPU {pcts(cpu)}; "
                  f"waiting for SQL {pcts(in_sql)}; true person in top 5: {hits}/{len(queries)}", flush=True)
        if args.full_scan:
            full_scan(s)
        if args.import_rows:
            import_file(s, args.import_rows)
        if not args.since_persons:
            return
        # --since: add noisy copies of existing persons through the ORM (keys kept by the listener)
        from app.models.base import now_local

        cutoff = now_local()
        for _ in range(args.since_persons):
            p = s.get(Person, rng.randint(1, max_id))
            if p is None or not p.nama:
                continue
            s.add(Person(nama=p.nama.replace("u", "oe", 1), jenis_kelamin=p.jenis_kelamin,
                         tahun_lahir=(p.tahun_lahir or 1980) + rng.choice([-1, 0, 1]), tahun_lahir_perkiraan=True,
                         kecamatan_kode=p.kecamatan_kode, kelurahan_kode=p.kelurahan_kode))
        s.commit()
        t0, c0, q0 = time.perf_counter(), time.process_time(), sql["s"]
        run = dedup.scan(s, since=cutoff)
        s.rollback()
        print(f"scan --since ({run.persons} persons changed since {cutoff}, load {load()}): "
              f"{time.perf_counter() - t0:.1f} s wall, {time.process_time() - c0:.1f} s CPU, "
              f"{sql['s'] - q0:.1f} s waiting for SQL, {run.pairs_new} pairs")


def sql_timer(engine) -> dict:
    """Seconds spent inside cursor.execute (server time plus waiting for it), accumulated in ['s']."""
    from sqlalchemy import event

    acc = {"s": 0.0}

    @event.listens_for(engine, "before_cursor_execute")
    def _start(conn, cursor, statement, params, context, executemany):
        conn.info["rt_t0"] = time.perf_counter()

    @event.listens_for(engine, "after_cursor_execute")
    def _stop(conn, cursor, statement, params, context, executemany):
        acc["s"] += time.perf_counter() - conn.info.pop("rt_t0", time.perf_counter())

    return acc


def pcts(values: list[float]) -> str:
    v = sorted(values)
    return f"p50 {statistics.median(v):.1f} ms, p95 {v[max(int(len(v) * 0.95) - 1, 0)]:.1f} ms"


def load() -> str:
    import os

    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def full_scan(s) -> None:
    """`scan_all` with stage timings; rolled back."""
    from app.services import dedup

    import os
    import resource

    def workers_cpu() -> float:
        r = resource.getrusage(resource.RUSAGE_CHILDREN)  # forked blocking/scoring workers, once joined
        return r.ru_utime + r.ru_stime

    t0, c0, w0 = time.perf_counter(), time.process_time(), workers_cpu()
    run = dedup.scan_all(s, log=lambda m: print(f"  [{time.perf_counter() - t0:.1f} s wall, "
                                                f"{time.process_time() - c0:.1f} s CPU, workers "
                                                f"{workers_cpu() - w0:.1f} s CPU, load {os.getloadavg()[0]:.1f}] {m}",
                                                flush=True))
    s.rollback()
    print(f"full scan of {run.persons} persons: {time.perf_counter() - t0:.1f} s wall, "
          f"{time.process_time() - c0:.1f} s CPU (parent) + {workers_cpu() - w0:.1f} s CPU (workers), "
          f"{run.pairs_new} pairs, load {os.getloadavg()}", flush=True)


def import_file(s, n: int) -> None:
    """Dry run and commit of an n-row demo field sheet (CSV) into this registry, then the same
    file again (everything skipped), then another n-row sheet (other people, other refs).
    As `flask ppks import` does: the dry run keeps its plan, the commit reuses it when nothing
    changed in between (else plans again).  Each step: wall, CPU of this process, CPU of the
    scoring workers it forked, load average."""
    import csv
    import io
    import tempfile

    from app.services import importer
    from app.services.scope import Scope

    def sheet(seed: int, prefix: str):
        rows = importer.demo_rows(persons=n // 2 + 10, seed=seed)[: n + 1]
        for r in rows[1:]:
            r[0] = prefix + r[0]
        buf = io.StringIO()
        csv.writer(buf).writerows(rows)
        content = buf.getvalue().encode("utf-8")
        return content, importer.read_rows("bench.csv", content)

    everyone, folder, key = Scope.everything(), tempfile.mkdtemp(), b"bench"
    first = sheet(11, "")
    for attempt, (content, table) in (("first", first), ("again", first), ("other sheet", sheet(12, "B-"))):
        with _step(f"import {attempt}: dry run of {len(table)} rows"):
            stamp = importer.plan_stamp(s, content, everyone)
            plans = importer.plan_import(s, table, everyone)
            s.rollback()
            importer.keep_plan(folder, stamp, plans, key)
        print(f"  {importer.summary(plans)}")
        with _step(f"import {attempt}: commit (kept plan + write)"):
            plans = importer.kept_plan(folder, importer.plan_stamp(s, content, everyone), key, drop=True)
            assert plans is not None, "the registry changed between dry run and commit"
            importer.commit_import(s, plans, everyone)
            s.commit()


@contextlib.contextmanager
def _step(label: str):
    """Print wall, own CPU, forked workers' CPU and the load average of the block."""
    import os
    import resource

    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0, c0 = time.perf_counter(), time.process_time()
    yield
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    workers = max(0.0, after.ru_utime + after.ru_stime - kids.ru_utime - kids.ru_stime)
    print(f"{label}: {wall:.1f} s wall, {cpu:.1f} s CPU (+ {workers:.1f} s in scoring workers), "
          f"load {os.getloadavg()[0]:.1f}", flush=True)

if __name__ == "__main__":
    main()
