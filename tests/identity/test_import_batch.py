"""The batch import (intake.register_many) writes exactly what the row-by-row intake door writes."""
import csv
import datetime as dt
import io
import json

import pytest
from sqlalchemy import func, inspect, select, text

from app.models import Encounter, Person
from app.services import importer, intake, report_summary
from app.services.scope import Scope
from tests.identity.helpers import letters, nik

ALL = Scope.everything()
KEC = Scope(citywide=False, kecamatan_kode="32.75.01")
PERSON_COLS = {"id", "person_id", "pid", "person_a_id", "person_b_id", "merged_into_id"}
NEW_TABLES = ("person", "encounter", "person_alias", "candidate_pair", "audit_log", "kasus_riwayat")
DROP = {"created_at", "updated_at", "at", "state_since", "decided_at"}
SUMMARY = ("summary_person", "summary_person_jenis", "summary_person_month", "summary_person_source",
           "summary_count", "summary_encounter", "summary_assessment", "summary_hotspot")


def _file(tag, existing_nik, bare_nik, scope, demo=True):
    """Demo rows (probable duplicates among them) plus rows that attach to registry persons,
    repeat a NIK and name PPKS types."""
    kel = "32.75.01.1002"
    rows = [r for r in importer.demo_rows(persons=30, seed=5)[1:]
            if demo and (scope.citywide or r[12].startswith("32.75.01."))]
    for r in rows:
        r[0] = f"{tag}-{r[0]}"
    extra = [
        [f"{tag}-x1", "Siapa Saja", "Ujang, ujang, Jang", existing_nik, "", "", "", "", "", "", "", "", kel,
         "Pengemis", "02-11-2026", "Pasar", "razia", "Budi", ""],
        [f"{tag}-x2", "Orang Lain", "", bare_nik, "", "P", "", "", "", "", "", "", kel,
         "Pemulung", "03-11-2026", "", "", "", ""],
        [f"{tag}-x3", f"Kartini {tag}", "Tini", nik(female=True), "3275010101700001", "P", "Garut",
         "01-02-1970", "", "Sarinah", "Garut", "Jl. Mawar", "", "Gelandangan", "", "", "laporan", "", "baru"],
        [f"{tag}-x4", f"Kartini {tag}", "", "", "", "P", "", "", "56", "", "", "", kel,
         "Pengemis", "05-11-2026", "", "", "", ""],
    ]
    if not scope.citywide:
        extra.pop(1)  # the person without an area is outside a kecamatan's scope
    extra[-1][3] = extra[-2][3]  # same NIK as the row before: attached to the person that row creates
    buf = io.StringIO()
    csv.writer(buf).writerows([list(importer.COLUMNS), *rows, *extra])
    return importer.read_rows("a.csv", buf.getvalue().encode())


def _tables(s):
    names = set(inspect(s.connection()).get_table_names())
    return [t for t in ("person", "encounter", "person_alias", "person_ppks", "match_key", "match_feature",
                        "candidate_pair", "audit_log", "kasus", "kasus_riwayat", *SUMMARY) if t in names]


def _base(s):
    return {t: s.scalar(text(f'SELECT coalesce(max(id), 0) FROM "{t}"')) for t in NEW_TABLES}


def _snapshot(s, base, touched):
    """What the import wrote: new rows with ids by rank, touched persons' rows, summary tables whole."""
    maps = {}
    for t in ("person", "encounter", "person_alias"):
        ids = s.scalars(text(f'SELECT id FROM "{t}" WHERE id > :b ORDER BY id'), {"b": base[t]}).all()
        maps[t] = {i: (t, k) for k, i in enumerate(ids)}
    pm = maps["person"]

    def norm(table, row):
        out = {}
        for k, v in row.items():
            if k in DROP or (k == "id" and table not in maps) or (table, k) == ("kasus_riwayat", "waktu"):
                continue
            out[k] = maps[table].get(v, v) if k == "id" else pm.get(v, v) if k in PERSON_COLS else v
        if table == "audit_log":
            out["record_id"] = maps.get(row["table_name"], {}).get(int(row["record_id"]), row["record_id"])
            changes = row["changes"] if isinstance(row["changes"], dict) else json.loads(row["changes"])
            for key in DROP & set(changes):  # times of the writes
                changes[key] = len(changes[key])
            for key, m in (("id", maps.get(row["table_name"], {})), ("person_id", pm)):
                if key in changes:
                    changes[key] = [None, m.get(changes[key][1], changes[key][1])]
            out["changes"] = json.dumps(changes, sort_keys=True)
        return repr(sorted(out.items()))

    snap = {}
    for t in _tables(s):
        cols = s.execute(text(f'SELECT * FROM "{t}" WHERE 1 = 0')).keys()
        if t in base:
            where, args = "id > :b", {"b": base[t]}
        elif "person_id" in cols:
            where, args = "person_id > :b OR person_id IN :ids", {"b": base["person"], "ids": tuple(touched)}
        elif t == "kasus":
            where, args = "person_id IN :ids", {"ids": tuple(touched)}
        else:
            where, args = "1 = 1", {}
        from sqlalchemy import bindparam

        stmt = text(f'SELECT * FROM "{t}" WHERE {where}')
        if "ids" in args:
            stmt = stmt.bindparams(bindparam("ids", expanding=True))
            args["ids"] = list(args["ids"])
        snap[t] = sorted(norm(t, dict(r._mapping)) for r in s.execute(stmt, args))
    return snap


def _import(s, rows, scope, row_by_row):
    plans = importer.plan_import(s, rows, scope)
    assert not [p.errors for p in plans if p.errors]
    counts = importer.commit_import(s, plans, scope, row_by_row=row_by_row)
    s.flush()
    report_summary.apply_pending(s)
    return counts


@pytest.mark.parametrize("scope", [ALL, KEC], ids=["citywide", "kecamatan"])
def test_batch_writes_what_row_by_row_writes(app, session_ctx, make_person, scope):
    tag, existing_nik, bare_nik = letters(), nik(), nik(female=True)
    existing = make_person(kelurahan="32.75.01.1001", nik=existing_nik)
    with session_ctx() as s:  # a registry person without an area yet, and a hilang-kontak case
        from app.services import casework

        bare = intake.register(s, {"nama": f"Tanpa {tag}", "nik": bare_nik, "jenis_kelamin": "P"}, None,
                               scope=ALL).person
        s.flush()
        bare_id = bare.id
        case = casework.open_case(s, existing, None)
        case.state, case.state_before_hilang, case.closed_at = "hilang_kontak", "layanan_berjalan", \
            dt.datetime(2026, 10, 1)
        s.commit()
    rows = _file(tag, existing_nik, bare_nik, scope)
    snaps, counts = [], []
    for row_by_row in (True, False):
        with session_ctx() as s:
            base = _base(s)
            counts.append(_import(s, rows, scope, row_by_row))
            snaps.append(_snapshot(s, base, {existing, bare_id}))
            s.rollback()
    assert counts[0] == counts[1] and counts[0]["tambah"] >= 3 and counts[0]["ganda"] >= 1
    for t in snaps[0]:
        assert snaps[0][t] == snaps[1][t], t
    assert any("buka_kembali" in r for r in snaps[1]["kasus_riwayat"])
    assert len(snaps[1]["audit_log"]) > len(rows)


def test_batch_commit_is_all_or_nothing_and_reimport_creates_nothing(session_ctx):
    tag = letters()
    rows = _file(tag, nik(), nik(female=True), ALL, demo=False)  # committed: no pairs left in the queue
    with session_ctx() as s:
        before = s.scalar(select(func.count()).select_from(Encounter))
        plans = importer.plan_import(s, rows, ALL)
        plans[-1].encounter["kelurahan_kode"] = "99.99"  # an invalid row slipped past the plan
        with pytest.raises(importer.ImportCommitError, match=f"Baris {plans[-1].row}"):
            importer.commit_import(s, plans, ALL)
        s.rollback()
        assert s.scalar(select(func.count()).select_from(Encounter)) == before
        plans = importer.plan_import(s, rows, ALL)
        importer.commit_import(s, plans, ALL)
        s.commit()
        persons = s.scalar(select(func.count()).select_from(Person))
        assert s.scalar(select(func.count()).select_from(Encounter)) == before + len(rows)
    with session_ctx() as s:
        plans = importer.plan_import(s, rows, ALL)
        assert {p.action for p in plans} == {"lewati"}
        importer.commit_import(s, plans, ALL)
        s.commit()
        assert s.scalar(select(func.count()).select_from(Person)) == persons
        assert s.scalar(select(func.count()).select_from(Encounter)) == before + len(rows)


def test_commit_reuses_the_dry_run_plan_only_while_nothing_changed(app, tmp_path, make_person, monkeypatch):
    calls = []
    plan = importer.plan_import
    monkeypatch.setattr(importer, "plan_import", lambda *a, **k: calls.append(1) or plan(*a, **k))
    tag = letters()
    runner = app.test_cli_runner()
    for k, write_between in enumerate((False, True)):
        f = tmp_path / f"lapangan{k}.csv"
        f.write_text("ref,nama,kelurahan\n" + f"{tag}-{k},Wagiman {letters()},32.75.01.1001\n")
        assert runner.invoke(args=["ppks", "import", str(f)]).exit_code == 0
        if write_between:
            make_person()  # any registry write makes the kept plan stale
        r = runner.invoke(args=["ppks", "import", str(f), "--commit"])
        assert r.exit_code == 0, r.output
        assert ("uji coba berkas yang sama dipakai" in r.output) is not write_between
    assert len(calls) == 3


def test_kept_plan_is_signed_and_expires(tmp_path, session_ctx):
    rows = _file(letters(), nik(), nik(female=True), ALL)
    with session_ctx() as s:
        plans = importer.plan_import(s, rows, ALL)
        stamp = importer.plan_stamp(s, b"file", ALL)
        assert stamp != importer.plan_stamp(s, b"other file", ALL)
        assert stamp != importer.plan_stamp(s, b"file", KEC)
        s.rollback()
    importer.keep_plan(tmp_path, stamp, plans, b"key")
    assert importer.kept_plan(tmp_path, stamp, b"other key") is None
    kept = importer.kept_plan(tmp_path, stamp, b"key")
    assert [(p.row, p.action, p.person) for p in kept] == [(p.row, p.action, p.person) for p in plans]
    path = tmp_path / f"{stamp}.plan"
    blob = bytearray(path.read_bytes())
    blob[-1] ^= 1
    path.write_bytes(bytes(blob))
    assert importer.kept_plan(tmp_path, stamp, b"key") is None
    import os

    os.utime(path, (0, 0))
    importer.keep_plan(tmp_path, "other", plans, b"key")  # removes plans older than a day
    assert not path.exists() and importer.kept_plan(tmp_path, "other", b"key", drop=True) is not None
    assert not (tmp_path / "other.plan").exists()


def test_decisive_rule_of_the_plan_is_the_scorers():
    """The dry run ranks by batch scores and takes `decisive` from the NIK rule: it must agree."""
    from app.services import dedup
    from app.services.matching import PersonRecord, features, score_features

    n1, n2 = nik(), nik()
    niks = [n1, n1, n2, n1[:-1] + ("1" if n1[-1] != "1" else "2"), "1234", None]
    recs = [features(PersonRecord(id=i, nama="Budi Santoso", nik=v, jenis_kelamin="L", tahun_lahir=1970))
            for i, v in enumerate(niks)]
    m = dedup.model()
    got = [(i, j, importer._decisive(a, b)) for i, a in enumerate(recs) for j, b in enumerate(recs) if i != j]
    assert got == [(i, j, score_features(a, b, m, explain=False).decisive)
                   for i, a in enumerate(recs) for j, b in enumerate(recs) if i != j]
    assert any(d for *_, d in got) and not all(d for *_, d in got)
