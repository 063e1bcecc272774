#!/usr/bin/env bash
# Runs the whole suite on SQLite, then on PostgreSQL (TEST_DATABASE_URL).
# Outside CI a machine without PostgreSQL runs the SQLite pass and says so;
# with CI=true PostgreSQL is required.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
PG_URL="${TEST_DATABASE_URL:-postgresql+psycopg2://postgres@127.0.0.1:5432/palu_kebab_test}"
status=0

echo "== Pass 1/2: SQLite =="
env -u TEST_DATABASE_URL $PY -m pytest -q "$@" || status=1

ensure_postgres() {
  command -v pg_isready >/dev/null 2>&1 || return 1
  if ! pg_isready -h 127.0.0.1 -p 5432 -q; then
    if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
      echo "PostgreSQL is installed but stopped: starting it"
      pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || return 1
      for _ in $(seq 1 20); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 0.5; done
    fi
  fi
  pg_isready -h 127.0.0.1 -p 5432 -q || return 1
  $PY - "$PG_URL" <<'PYEOF' || return 1
import sys, sqlalchemy as sa
url = sa.engine.make_url(sys.argv[1])
admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
with admin.connect() as c:
    if not c.scalar(sa.text("select 1 from pg_database where datname=:n"), {"n": url.database}):
        c.execute(sa.text(f'create database "{url.database}"'))
PYEOF
}

echo "== Pass 2/2: PostgreSQL =="
if ensure_postgres; then
  TEST_DATABASE_URL="$PG_URL" $PY -m pytest -q "$@" || status=1
elif [ "${CI:-}" = "true" ]; then
  echo "FAIL: PostgreSQL is required in CI but is not reachable at 127.0.0.1:5432."
  status=1
else
  echo "NOTE: PostgreSQL is not available on this machine: the PostgreSQL pass did NOT run."
fi
exit $status
