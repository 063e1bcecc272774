"""Server time of the casework screens and of one transition on a loaded database.

    cp benchmarks/results/bench_100k.db /tmp/case_bench.db
    .venv/bin/python -m benchmarks.casework_bench --db sqlite:////tmp/case_bench.db \
        --cases 30000 [--repeat 20]

Migrates the database (`upgrade heads`), adds `--cases` cases (one per person,
states spread over the workflow, 4 history rows each) with core bulk inserts
if fewer exist, then times through the Flask test client (full stack) as
`peksos` and `pimpinan`: each work queue's first page, a case page, and a
transition + its reverse (apply_transition with row lock).  Target ≤ 50 ms.
On a shared machine wall time includes waiting for a CPU; app CPU ms (this
process, the database work of SQLite included) is the work itself.
Use a copy of a bulk-loaded registry (benchmarks.bulk_load), never a live DB.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_MS = 50
STATES = ["terjangkau", "asesmen", "rencana_layanan", "layanan_berjalan", "rujukan",
          "pemulangan", "terminasi", "hilang_kontak"]


def load(app, n_cases: int, seed: int = 7) -> None:
    from sqlalchemy import func, insert, select, text

    from app.extensions import db
    from app.models import Case, CaseTransition, Person

    with app.app_context():
        s = db.session
        have = s.scalar(select(func.count()).select_from(Case))
        if have >= n_cases:
            return
        sm = app.appbuilder.sm
        workers = [u.id for u in (sm.find_user(username="peksos"),) if u]
        rng = random.Random(seed)
        now = dt.datetime.now()
        rows = s.execute(select(Person.id, Person.kecamatan_kode, Person.kelurahan_kode)
                         .where(~select(Case.id).where(Case.person_id == Person.id).exists())
                         .order_by(Person.id).limit(n_cases - have)).all()
        for i in range(0, len(rows), 5000):
            chunk, cases, first = rows[i:i + 5000], [], None
            for pid, kec, kel in chunk:
                st = rng.choice(STATES)
                since = now - dt.timedelta(days=rng.randint(0, 200))
                cases.append(dict(person_id=pid, state=st, state_since=since, opened_at=since,
                                  version=1, created_at=since, updated_at=since,
                                  pending_approval=rng.choice([None] * 9 + ["rencana"]) if
                                  st == "rencana_layanan" else None,
                                  assigned_worker_id=rng.choice(workers + [None]) if workers else None,
                                  kecamatan_kode=kec, kelurahan_kode=kel,
                                  closed_at=since if st in ("terminasi", "hilang_kontak") else None))
            s.execute(insert(Case), cases)
            ids = s.execute(select(Case.id, Case.state_since).where(
                Case.person_id.in_([r[0] for r in chunk]))).all()
            s.execute(insert(CaseTransition), [
                dict(case_id=cid, waktu=since, action=a, from_state=None, to_state="terjangkau",
                     actor_name="bench") for cid, since in ids
                for a in ("buka", "mulai_asesmen", "susun_rencana", "catatan")])
            s.commit()
        if s.get_bind().dialect.name == "postgresql":
            s.execute(text("ANALYZE kasus; ANALYZE kasus_riwayat"))
        else:
            s.execute(text("ANALYZE"))
        s.commit()
        db.session.remove()


def run(url: str, n_cases: int, repeat: int) -> list[tuple]:
    sys.path.insert(0, str(ROOT))
    from flask_migrate import upgrade
    from sqlalchemy import select

    from app import create_app
    from app.extensions import db
    from app.models import Case

    app = create_app("config", SQLALCHEMY_DATABASE_URI=url, TESTING=True, WTF_CSRF_ENABLED=False,
                     AUTH_RATE_LIMITED=False, RATELIMIT_ENABLED=False)
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"), revision="heads")
        from app.roles import ROLE_PERMISSIONS
        from app.services.seeding import sync_roles

        sync_roles(app.appbuilder, ROLE_PERMISSIONS)
        db.session.remove()
    load(app, n_cases)
    with app.app_context():
        case_id = db.session.scalar(select(Case.id).where(Case.state == "terjangkau")
                                    .order_by(Case.id.desc()).limit(1))
        db.session.remove()
    pw = os.environ.get("DEMO_PASSWORD", app.config["DEMO_PASSWORD"])
    clients = {}
    for user in ("peksos", "pimpinan"):
        c = app.test_client()
        if c.post("/login/", data={"username": user, "password": pw}).status_code != 302:
            sys.exit(f"Login gagal untuk {user} (jalankan flask ppks demo-users).")
        clients[user] = c
    cases = [(f"queue {q}", u, "GET", f"/kasus/antrean/{q}")
             for q, u in (("saya", "peksos"), ("belum_ditugaskan", "peksos"),
                          ("terlambat", "peksos"), ("persetujuan", "pimpinan"))]
    cases += [("case page", "peksos", "GET", f"/kasus/{case_id}"),
              ("case list (ModelView)", "peksos", "GET", "/caseview/list/"),
              ("transition + reverse (2 requests)", "peksos", "POST", f"/kasus/{case_id}/transisi")]
    out = []
    for label, user, method, path in cases:
        c, times, cpu = clients[user], [], []
        for i in range(repeat + 2):
            t, tc = time.perf_counter(), time.process_time()
            if method == "GET":
                r = c.get(path)
                ok = r.status_code == 200
            else:  # there and back: asesmen, then hilang_kontak + buka_kembali keeps it cycling
                r1 = c.post(path, data={"action": "hilang_kontak"})
                r2 = c.post(path, data={"action": "buka_kembali"})
                ok = r1.status_code == r2.status_code == 302
            if i >= 2:
                div = 1 if method == "GET" else 2
                times.append((time.perf_counter() - t) * 1000 / div)
                cpu.append((time.process_time() - tc) * 1000 / div)
            assert ok, (label, path, r.status_code)
        times.sort()
        out.append((label, statistics.median(times), times[int(0.95 * (len(times) - 1))],
                    statistics.median(cpu)))
    return out


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", required=True)
    ap.add_argument("--cases", type=int, default=30000)
    ap.add_argument("--repeat", type=int, default=20)
    args = ap.parse_args(argv)
    rows = run(args.db, args.cases, args.repeat)
    print(f"\n{args.db} ({args.repeat} requests each)\n")
    print("| case | median ms | p95 ms | app CPU ms | target ms | ok (wall) |\n"
          "|---|---:|---:|---:|---:|---|")
    for label, med, p95, cpu in rows:
        print(f"| {label} | {med:.1f} | {p95:.1f} | {cpu:.1f} | {TARGET_MS} | "
              f"{'yes' if med <= TARGET_MS else 'NO'} |")


if __name__ == "__main__":
    main()
