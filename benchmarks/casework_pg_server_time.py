"""PostgreSQL server time of the casework pages: every SELECT a page runs is
re-run under EXPLAIN ANALYZE and plan + execution times are summed (median of 5).

    .venv/bin/python -m benchmarks.casework_pg_server_time \
        postgresql+psycopg2://postgres@127.0.0.1:5432/palu_case_bench peksos \
        /kasus/antrean/saya "/kasus/{case}"

`{case}` is replaced by the newest case in state terjangkau.  Read-only pages only.
"""
import re
import sys
from pathlib import Path

from sqlalchemy import event, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from app import create_app
from app.extensions import db
url, user = sys.argv[1], sys.argv[2]
app = create_app("config", SQLALCHEMY_DATABASE_URI=url, TESTING=True, WTF_CSRF_ENABLED=False,
                 AUTH_RATE_LIMITED=False, RATELIMIT_ENABLED=False)
captured = []
with app.app_context():
    from app.models import Case
    case_id = db.session.scalar(select(Case.id).where(Case.state == "terjangkau").order_by(Case.id.desc()).limit(1))
    @event.listens_for(db.engine, "before_cursor_execute")
    def b(conn, cursor, stmt, params, ctx, many):
        if stmt.lstrip().upper().startswith("SELECT"):
            captured.append((stmt, params))
    db.session.remove()
c = app.test_client()
c.post("/login/", data={"username": user, "password": app.config["DEMO_PASSWORD"]})
for path in sys.argv[3:]:
    path = path.replace("{case}", str(case_id))
    c.get(path)
    totals = []
    for rep in range(5):
        captured.clear(); r = c.get(path)
        stmts = list(captured)
        with app.app_context():
            conn = db.engine.raw_connection()
            cur = conn.cursor()
            tot = 0.0
            for stmt, params in stmts:
                cur.execute("EXPLAIN (ANALYZE, TIMING OFF) " + stmt, params)
                plan = "\n".join(x[0] for x in cur.fetchall())
                tot += float(re.search(r"Execution Time: ([\d.]+)", plan).group(1)) + \
                       float(re.search(r"Planning Time: ([\d.]+)", plan).group(1))
            conn.rollback(); conn.close()
        totals.append(tot)
    totals.sort()
    print(f"{path} [{user}] {r.status_code}: {len(stmts)} statements, PostgreSQL plan+exec median {totals[2]:.1f} ms (min {totals[0]:.1f})")
