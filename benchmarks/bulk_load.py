"""Bulk-load a synthetic registry (persons, aliases, encounters) for benchmarks.

    .venv/bin/python -m benchmarks.bulk_load --persons 1000000 --encounters 3000000 \
        --db sqlite:////work/main/benchmarks/results/bench_1m.db

The target is migrated with the real migrations (`flask db upgrade heads`) and
seeded (`flask ppks seed`, `flask ppks demo-users`) first.  Names are combined
from Faker id_ID pools generated once; `nama_norm` comes from the real
`normalize_name` (memoised over the pools).  One person (NIK TIMELINE_NIK,
"Soedjono Linimasa") gets TIMELINE_ENCOUNTERS encounters for the show-page test.
SQLite: executemany with WAL/synchronous=OFF; PostgreSQL: COPY.
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import os
import random
import subprocess
import sys
import time
from functools import lru_cache
from pathlib import Path

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
TIMELINE_NIK = "3275019999999999"
TIMELINE_ENCOUNTERS = 60
BATCH = 50_000
PERSON_COLS = ["id", "nik", "nik_status", "nama", "nama_norm", "jenis_kelamin", "tahun_lahir",
               "tahun_lahir_perkiraan", "kecamatan_kode", "kelurahan_kode", "status_dtks",
               "version", "is_archived", "created_at", "updated_at"]
ALIAS_COLS = ["id", "person_id", "alias", "alias_norm", "created_at", "updated_at"]
ENC_COLS = ["id", "person_id", "waktu", "kelurahan_kode", "kecamatan_kode", "lokasi", "sumber",
            "aktivitas", "hasil", "version", "is_archived", "created_at", "updated_at"]
SOURCES = ["patroli"] * 5 + ["razia"] * 3 + ["laporan", "rujukan", "datang_sendiri"]
ACTIVITIES = ["mengemis", "mengamen", "memulung", "tidur_di_jalan", "asongan", "lainnya"]
OUTCOMES = ["rumah_singgah", "pembinaan", "dipulangkan", "dilepas", "lainnya"]
# Street PPKS concentrate around markets/terminals: heavier weights for these kecamatan.
KEC_WEIGHT = {"32.75.01": 14, "32.75.02": 14, "32.75.03": 12, "32.75.04": 9, "32.75.07": 9,
              "32.75.06": 8, "32.75.05": 7, "32.75.08": 7, "32.75.09": 6, "32.75.12": 5,
              "32.75.10": 4, "32.75.11": 5}


def migrate(url: str) -> None:
    env = {**os.environ, "DATABASE_URL": url}
    flask = str(ROOT / ".venv" / "bin" / "flask")
    for cmd in (["db", "upgrade", "heads"], ["ppks", "seed"], ["ppks", "demo-users"]):
        subprocess.run([flask, *cmd], cwd=ROOT, env=env, check=True,
                       stdout=subprocess.DEVNULL)


def name_pools(rng: random.Random):
    from faker import Faker

    fake = Faker("id_ID")
    fake.seed_instance(rng.randint(0, 10**9))
    male = sorted({fake.first_name_male() for _ in range(4000)})
    female = sorted({fake.first_name_female() for _ in range(4000)})
    last = sorted({fake.last_name() for _ in range(4000)})
    old = ["Soedjono", "Soekarno", "Djoko", "Tjahjo", "Oemar", "Soeparman", "Soewarni",
           "Sujono", "Suparman", "Suwarni", "Joko", "Cahyo", "Umar"]
    nick = ["Ucok", "Butet", "Asep", "Ujang", "Neng", "Cecep", "Otong", "Iwan", "Kribo",
            "Gondrong", "Bule", "Item", "Cungkring", "Mbah", "Bang Jago", "Si Kecil"]
    return male + old, female, last, nick


@lru_cache(maxsize=None)
def norm(name: str) -> str:
    from app.services.names import normalize_name

    return normalize_name(name)


def kelurahan_choices(engine) -> tuple[list[str], list[int]]:
    with engine.connect() as conn:
        codes = [r[0] for r in conn.execute(text(
            "SELECT kode FROM wilayah WHERE level = 'kelurahan' AND kode LIKE '32.75.%'"))]
    if not codes:
        sys.exit("Data wilayah kosong: jalankan `flask ppks seed`.")
    weights = [KEC_WEIGHT.get(c[:8], 5) for c in codes]
    return codes, weights


def gen_persons(n, rng, pools, kel, now):
    male, female, last, _ = pools
    codes, weights = kel
    kel_pick = rng.choices(codes, weights=weights, k=n)
    for pid in range(1, n + 1):
        sex = "L" if rng.random() < 0.6 else "P"
        first = rng.choice(male if sex == "L" else female)
        r = rng.random()
        nama = first if r < 0.25 else f"{first} {rng.choice(last)}" if r < 0.9 else \
            f"{first} {rng.choice(male)} {rng.choice(last)}"
        nik = f"3275{pid:012d}" if rng.random() < 0.2 else None
        k = kel_pick[pid - 1]
        yield [pid, nik, "ada" if nik else "tidak_diketahui", nama, norm(nama), sex,
               rng.randint(1945, 2018), rng.random() < 0.7, k[:8], k, "tidak_diketahui", 1,
               False, now, now]


def gen_aliases(n, rng, pools, now):
    nick = pools[3]
    aid = 0
    for pid in range(1, n + 1):
        if rng.random() < 0.1:
            aid += 1
            a = rng.choice(nick)
            yield [aid, pid, a, norm(a), now, now]


def gen_encounters(n_persons, n_enc, rng, kel, start, timeline_pid):
    codes, weights = kel
    extra = max(0, n_enc - n_persons - TIMELINE_ENCOUNTERS)
    counts = [1] * (n_persons + 1)
    counts[0] = 0
    for pid in rng.choices(range(1, n_persons + 1), k=extra):
        counts[pid] += 1
    counts[timeline_pid] = TIMELINE_ENCOUNTERS
    span = 3 * 365 * 86400
    eid = 0
    kel_pool = rng.choices(codes, weights=weights, k=4096)
    for pid in range(1, n_persons + 1):
        for _ in range(counts[pid]):
            eid += 1
            k = kel_pool[eid & 4095]
            w = start + dt.timedelta(seconds=rng.randrange(span))
            yield [eid, pid, w, k, k[:8], None, rng.choice(SOURCES), rng.choice(ACTIVITIES),
                   rng.choice(OUTCOMES), 1, False, w, w]


def batches(rows, size=BATCH):
    buf = []
    for row in rows:
        buf.append(row)
        if len(buf) >= size:
            yield buf
            buf = []
    if buf:
        yield buf


# Same statements as the backfill of migrations/versions/b2_registry_speed.py.
PG_SEARCH_FILL = [
    "DELETE FROM person_search",
    "INSERT INTO person_search (person_id, alias_id, norm) SELECT id, 0, nama_norm "
    "FROM person WHERE coalesce(nama_norm, '') <> ''",
    "INSERT INTO person_search (person_id, alias_id, norm) SELECT person_id, id, alias_norm "
    "FROM person_alias WHERE coalesce(alias_norm, '') <> ''",
]


# Same statements as the backfill of migrations/versions/b1_search_indexes.py.
SQLITE_FTS_FILL = [
    "DELETE FROM person_name_fts",
    "INSERT INTO person_name_fts(rowid, name, person_id) SELECT id, nama_norm, id FROM person "
    "WHERE nama_norm IS NOT NULL AND nama_norm != ''",
    "INSERT INTO person_name_fts(rowid, name, person_id) SELECT -id, alias_norm, person_id "
    "FROM person_alias WHERE alias_norm IS NOT NULL AND alias_norm != '' ORDER BY id DESC",
]  # ascending FTS rowids: out-of-order rowids made 100k aliases take 10 minutes


def sqlite_drop_insert_triggers(engine) -> list[str]:
    """Drop the per-row FTS insert triggers (a 1M load takes hours with them); returns their SQL."""
    with engine.begin() as conn:
        rows = conn.execute(text(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
            "AND tbl_name IN ('person', 'person_alias') AND upper(sql) LIKE '%AFTER INSERT%'")).all()
        for name, _ in rows:
            conn.execute(text(f'DROP TRIGGER "{name}"'))
    return [sql for _, sql in rows]


def sqlite_restore_triggers(engine, trigger_sql: list[str]) -> None:
    """Fill the name index set-wise, then put the insert triggers back."""
    with engine.begin() as conn:
        for sql in SQLITE_FTS_FILL + trigger_sql:
            conn.execute(text(sql))


def load_sqlite(engine, table, cols, rows):
    sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=OFF")
        cur.execute("PRAGMA cache_size=-400000")
        for chunk in batches(rows):
            cur.executemany(sql, chunk)
            raw.commit()
    finally:
        raw.close()


def load_pg(engine, table, cols, rows):
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        # Generated rows are consistent: skip per-row FK triggers (needs a superuser).
        cur.execute("SET session_replication_role = replica")
        for chunk in batches(rows, 200_000):
            buf = io.StringIO()
            writer = csv.writer(buf)
            for row in chunk:
                writer.writerow(["\\N" if v is None else v for v in row])
            buf.seek(0)
            cur.copy_expert(f"COPY {table} ({', '.join(cols)}) FROM STDIN "
                            "WITH (FORMAT csv, NULL '\\N')", buf)
            raw.commit()
        cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))")
        raw.commit()
    finally:
        raw.close()


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--persons", type=int, default=100_000)
    ap.add_argument("--encounters", type=int, default=300_000)
    ap.add_argument("--db", required=True, help="SQLAlchemy URL of the target database")
    ap.add_argument("--seed", type=int, default=2026)
    args = ap.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    t0 = time.perf_counter()
    migrate(args.db)
    engine = create_engine(args.db)
    with engine.connect() as conn:
        if conn.execute(text("SELECT count(*) FROM person")).scalar():
            sys.exit("Tabel person tidak kosong: gunakan basis data baru.")
    rng = random.Random(args.seed)
    pools = name_pools(rng)
    kel = kelurahan_choices(engine)
    now = dt.datetime(2026, 11, 1, 8, 0)
    timeline_pid = args.persons // 2
    load = load_pg if engine.dialect.name == "postgresql" else load_sqlite

    def persons():
        for row in gen_persons(args.persons, rng, pools, kel, now):
            if row[0] == timeline_pid:
                row[1], row[2], row[3], row[4] = TIMELINE_NIK, "ada", "Soedjono Linimasa", \
                    norm("Soedjono Linimasa")
            yield row

    steps = [("person", PERSON_COLS, persons()),
             ("person_alias", ALIAS_COLS, gen_aliases(args.persons, rng, pools, now)),
             ("encounter", ENC_COLS, gen_encounters(args.persons, args.encounters, rng, kel,
                                                    dt.datetime(2023, 11, 1), timeline_pid))]
    paused = [] if engine.dialect.name == "postgresql" else sqlite_drop_insert_triggers(engine)
    for table, cols, rows in steps:
        t = time.perf_counter()
        load(engine, table, cols, rows)
        print(f"{table}: {time.perf_counter() - t:.1f} s", flush=True)
    if engine.dialect.name == "postgresql":
        # COPY ran with triggers off: fill the name-search table (b2) in one go.
        t = time.perf_counter()
        with engine.begin() as conn:
            for sql in PG_SEARCH_FILL:
                conn.execute(text(sql))
        print(f"person_search: {time.perf_counter() - t:.1f} s", flush=True)
    else:
        t = time.perf_counter()
        sqlite_restore_triggers(engine, paused)
        print(f"person_name_fts: {time.perf_counter() - t:.1f} s", flush=True)
    t = time.perf_counter()  # the rows bypassed the ORM listeners: fill the report summary
    subprocess.run([str(ROOT / ".venv" / "bin" / "flask"), "report", "rebuild-summary"], cwd=ROOT,
                   env={**os.environ, "DATABASE_URL": args.db}, check=True)
    print(f"report summary: {time.perf_counter() - t:.1f} s", flush=True)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        # PostgreSQL: VACUUM sets the visibility map (index-only scans) after COPY.
        conn.execute(text("VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE"))
    print(f"total {time.perf_counter() - t0:.1f} s ({args.persons} persons, "
          f"{args.encounters} encounters)")


if __name__ == "__main__":
    main()
