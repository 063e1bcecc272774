"""Import of field data: dry run per row, all-or-nothing commit, re-import idempotent, bad files."""
import io

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from app.models import CandidatePair, Encounter, Person
from app.services import importer
from app.services.scope import Scope
from tests.identity.helpers import letters, nik

ALL = Scope.everything()
HEAD = "ref,nama,alias,nik,jenis_kelamin,tanggal_lahir,perkiraan_umur,kelurahan,tanggal_penjangkauan,lokasi,sumber\n"


def _csv(text):
    return importer.read_rows("data.csv", (HEAD + text).encode())


def _counts(s):
    return (s.scalar(select(func.count()).select_from(Person)),
            s.scalar(select(func.count()).select_from(Encounter)))


def test_dry_run_commit_and_reimport(make_person, session_ctx, app):
    t, n = letters(), nik()
    existing = make_person(nama=f"Rohimah {t}", nik=n)
    tag = letters()
    body = (f"{tag}-1,Soedjono {t},Jono,,L,,45,32.75.01.1001,01-11-2026,Pasar,patroli\n"
            f"{tag}-2,Sujono {t},,,L,,46,32.75.01.1002,15/11/2026,Terminal,razia\n"
            f"{tag}-3,Siapa {t},,{n},P,,,Durenjaya,2026-11-20,Jembatan,laporan\n"
            f"{tag}-4,Orang {letters()},,,,,30,,,,\n")
    rows = _csv(body)
    with session_ctx() as s:
        before = _counts(s)
        plans = importer.plan_import(s, rows, ALL)
        assert [p.action for p in plans] == ["baru", "ganda", "tambah", "baru"], [p.errors for p in plans]
        assert plans[2].person_id == existing and plans[1].pair_row == plans[0].row
        assert _counts(s) == before  # dry run writes nothing
        importer.commit_import(s, plans, ALL)
        s.commit()
        assert _counts(s) == (before[0] + 3, before[1] + 4)
        p1 = s.scalar(select(Encounter.person_id).where(Encounter.import_ref == f"{tag}-1"))
        p2 = s.scalar(select(Encounter.person_id).where(Encounter.import_ref == f"{tag}-2"))
        assert s.scalar(select(CandidatePair.status).where(
            CandidatePair.person_a_id == min(p1, p2), CandidatePair.person_b_id == max(p1, p2))) == "baru"
        assert dict(importer.export_refs(s))[f"{tag}-3"] == existing
    with session_ctx() as s:  # same file again: nothing new
        plans = importer.plan_import(s, rows, ALL)
        assert {p.action for p in plans} == {"lewati"}
        importer.commit_import(s, plans, ALL)
        s.commit()
        assert _counts(s) == (before[0] + 3, before[1] + 4)


def test_nik_of_a_person_outside_the_area_is_a_row_error_in_the_dry_run(make_person, session_ctx):
    """A pilar's row whose NIK belongs to a Jatiasih person can attach to nobody: the dry run says so
    (before, it passed the dry run and the commit failed)."""
    t, n = letters(), nik()
    make_person("32.75.09.1002", nama=f"Rohimah {t}", nik=n)  # Jatiasih
    timur = Scope(citywide=False, kecamatan_kode="32.75.01")
    rows = _csv(f"{t}-1,Rohimah {t},,{n},P,,,32.75.01.1001,2026-11-20,Pasar,patroli\n")
    with session_ctx() as s:
        before = _counts(s)
        [plan] = importer.plan_import(s, rows, timur)
        assert plan.action == "galat"
        assert any(col == "nik" and "di luar wilayah tugas" in msg for col, msg in plan.errors)
        assert importer.plan_import(s, rows, ALL)[0].action == "tambah"  # city-wide: attaches
        with pytest.raises(importer.ImportCommitError):
            importer.commit_import(s, [plan], timur)
        assert _counts(s) == before


def test_row_errors_are_reported_and_nothing_written(session_ctx):
    body = ("e1,,,,,,,,,,\n"
            "e2,Budi,,32750ABC01700001,L,,,,,,\n"
            "e3,Budi,,,X,31-02-2026,,,,,\n"
            "e4,Budi,,,,2026/01/01,abc,Antah,,,\n"
            "e5,Budi,,,,,,,01-01-2099,,kapal\n")
    with session_ctx() as s:
        before = _counts(s)
        plans = importer.plan_import(s, _csv(body), ALL)
        errors = {(p.row, col) for p in plans for col, _ in p.errors}
        assert {(2, "nama"), (3, "nik"), (4, "jenis_kelamin"), (4, "tanggal_lahir"), (5, "tanggal_lahir"),
                (5, "perkiraan_umur"), (5, "kelurahan"), (6, "tanggal_penjangkauan"), (6, "sumber")} <= errors
        assert all(p.action == "galat" for p in plans)
        with pytest.raises(importer.ImportCommitError):
            importer.commit_import(s, plans, ALL)
        s.rollback()
        assert _counts(s) == before


def _xlsx(rows):
    wb = Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@pytest.mark.parametrize("name,content,message", [
    ("data.pdf", b"%PDF-1.4", "tidak didukung"),
    ("data.csv", b"", "kosong"),
    ("data.csv", b"nama,umur\nBudi,3\n", "tidak dikenal"),
    ("data.csv", b"ref,lokasi\n1,Pasar\n", "wajib"),
    ("data.csv", ("," * 100_000 + "\n").encode(), "Terlalu banyak kolom"),
    ("data.xlsx", b"PK\x03\x04garbage", "rusak"),
    ("data.csv", b"nama,catatan\nBudi,=HYPERLINK(\"x\")\n", "rumus"),
    ("data.csv", b"nama\n\n\n", "tidak berisi"),
])
def test_bad_files(name, content, message):
    with pytest.raises(importer.ImportFileError, match=message):
        importer.read_rows(name, content)


def test_xlsx_dates_formulas_and_wide_sheets():
    rows = importer.read_rows("a.xlsx", _xlsx([["nama", "tanggal_lahir"], ["Budi", "02-03-1980"]]))
    assert rows[0][1]["nama"] == "Budi"
    with pytest.raises(importer.ImportFileError, match="rumus"):
        importer.read_rows("a.xlsx", _xlsx([["nama", "catatan"], ["Budi", "=1+1"]]))
    with pytest.raises(importer.ImportFileError, match="Terlalu banyak kolom"):
        importer.read_rows("a.xlsx", _xlsx([["nama"] + [f"k{i}" for i in range(100)]]))
    assert importer.parse_date("2026-11-28").day == 28
    assert importer.parse_date("28-11-2026") == importer.parse_date("28/11/2026")
    with pytest.raises(importer.DateParseError):
        importer.parse_date("30/02/2026")


def test_cli_import_dry_run_then_commit(app, tmp_path, session_ctx):
    tag = letters()
    f = tmp_path / "lapangan.csv"
    f.write_text(HEAD + f"{tag}-1,Wagiman {tag},,,L,,60,32.75.01.1001,01-11-2026,Pasar,patroli\n")
    runner = app.test_cli_runner()
    r = runner.invoke(args=["ppks", "import", str(f)])
    assert r.exit_code == 0 and "tidak ada yang disimpan" in r.output
    with session_ctx() as s:
        assert s.scalar(select(Encounter.id).where(Encounter.import_ref == f"{tag}-1")) is None
    r = runner.invoke(args=["ppks", "import", str(f), "--commit"])
    assert r.exit_code == 0, r.output
    out = tmp_path / "refs.csv"
    assert runner.invoke(args=["ppks", "export-refs", "--out", str(out)]).exit_code == 0
    assert f"{tag}-1," in out.read_text()
    bad = tmp_path / "x.txt"
    bad.write_text("nama\nBudi\n")
    r = runner.invoke(args=["ppks", "import", str(bad), "--commit"])
    assert r.exit_code != 0 and "tidak didukung" in r.output


def test_upload_screen_dry_run_commit_and_roles(login, session_ctx):
    tag = letters()
    data = (HEAD + f"{tag}-1,Karsiman {tag},,,L,,50,32.75.01.1001,02-11-2026,Pasar,patroli\n").encode()
    op = login("operator")
    assert op.get("/import/template").status_code == 200
    page = op.get("/import/").get_data(as_text=True)  # processing state shown while the upload runs
    assert 'id="import-progress"' in page and "Sedang memproses" in page
    r = op.post("/import/", data={"berkas": (io.BytesIO(data), "a.csv")}, content_type="multipart/form-data")
    assert r.status_code == 200 and "Hasil uji coba" in r.get_data(as_text=True)
    with session_ctx() as s:
        assert s.scalar(select(Encounter.id).where(Encounter.import_ref == f"{tag}-1")) is None
    r = op.post("/import/", data={"berkas": (io.BytesIO(data), "a.csv"), "commit": "1"},
                content_type="multipart/form-data")
    assert r.status_code == 200 and "Hasil simpan" in r.get_data(as_text=True)
    with session_ctx() as s:
        assert s.scalar(select(Encounter.id).where(Encounter.import_ref == f"{tag}-1"))
    r = op.post("/import/", data={"berkas": (io.BytesIO(b"%PDF"), "a.pdf")}, content_type="multipart/form-data")
    assert r.status_code == 200 and "tidak didukung" in r.get_data(as_text=True)
    assert login("pimpinan").get("/import/").status_code == 403
    assert login("satpolpp").get("/import/").status_code == 403


def test_demo_field_sheet_has_repeats_and_no_errors(session_ctx):
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "seeds" / "demo_field_sheet.xlsx"
    rows = importer.read_rows(path.name, path.read_bytes())
    with session_ctx() as s:
        plans = importer.plan_import(s, rows, ALL)
        s.rollback()
    counts = importer.summary(plans)
    assert counts["galat"] == 0, [(p.row, p.errors) for p in plans if p.errors][:3]
    assert counts["tambah"] + counts["ganda"] + counts["lewati"] >= 10


def test_in_file_duplicate_reasons_name_the_kelurahan(session_ctx):
    t, tag = letters(), letters()
    rows = _csv(f"{tag}-1,Soedjono {t},Jono,,L,,45,32.75.01.1001,01-11-2026,Pasar,patroli\n"
                f"{tag}-2,Sujono {t},Jono,,L,,46,Bekasijaya,15/11/2026,Terminal,razia\n")
    with session_ctx() as s:
        plans = importer.plan_import(s, rows, ALL)
    assert plans[1].action == "ganda" and plans[1].pair_row == plans[0].row
    reasons = next(c for c in plans[1].candidates if not c.person_id).reasons  # the earlier row
    assert "pernah terjaring di Bekasijaya" in reasons, reasons
