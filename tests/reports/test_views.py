"""Report page, archive, raw export (identifier permission), SPM targets, dashboard via HTTP."""
from __future__ import annotations

import csv
import io

from openpyxl import load_workbook



def test_roles_and_home_redirect(login, client):
    assert client.get("/laporan/").status_code == 302  # anonymous -> login
    for user in ("pimpinan", "operator", "admin"):
        c = login(user)
        r = c.get("/")
        assert r.status_code == 302 and r.headers["Location"].endswith("/dasbor/"), user
        assert c.get("/dasbor/").status_code == 200
        assert c.get("/laporan/").status_code == 200
    for user in ("satpolpp", "peksos"):
        c = login(user)
        assert c.get("/laporan/").status_code == 403
        assert c.get("/dasbor/").status_code == 403
        assert c.get("/").status_code == 200  # the plain home page


def test_download_archive_and_redownload(login, session_ctx, data):
    from app.models import ReportArchive

    c = login("pimpinan")
    r = c.post("/laporan/unduh", data={"kind": "rekap", "fmt": "xlsx", "period": "2011-10",
                                        "kecamatan": "32.75.01"})
    assert r.status_code == 200 and "spreadsheetml" in r.mimetype
    wb = load_workbook(io.BytesIO(r.data))
    assert "Per Jenis PPKS" in wb.sheetnames
    r2 = c.post("/laporan/unduh", data={"kind": "spm", "fmt": "pdf", "period": "2011-10",
                                         "kendala": "Hujan deras", "solusi": "Jadwal ulang"})
    assert r2.status_code == 200 and r2.data[:4] == b"%PDF"
    with session_ctx() as s:
        rec = s.query(ReportArchive).filter_by(kind="spm", period="2011-10").order_by(
            ReportArchive.id.desc()).first()
        assert rec.kendala == "Hujan deras" and rec.created_by_name == "pimpinan"
        pk = rec.id
    page = c.get("/laporan/").get_data(as_text=True)
    assert rec.filename in page
    again = c.get(f"/laporan/arsip/{pk}")
    assert again.status_code == 200 and again.data == r2.data
    assert c.get("/laporan/arsip/99999999").status_code == 302


def test_bad_input_is_refused_without_archive(login, session_ctx):
    from app.models import ReportArchive

    c = login("pimpinan")
    with session_ctx() as s:
        before = s.query(ReportArchive).count()
    for form in ({"kind": "spm", "fmt": "pdf", "period": "2024-13"},
                 {"kind": "x", "fmt": "pdf", "period": "2024-10"},
                 {"kind": "spm", "fmt": "doc", "period": "2024-10"},
                 {"kind": "spm", "fmt": "pdf", "period": "2024-10", "kecamatan": "99.99"}):
        r = c.post("/laporan/unduh", data=form)
        assert r.status_code == 302, form
    with session_ctx() as s:
        assert s.query(ReportArchive).count() == before
    assert c.post("/laporan/ekspor", data={"dataset": "nope", "fmt": "csv",
                                           "period": "2011-10"}).status_code == 302


def _csv(resp):
    return list(csv.reader(io.StringIO(resp.data.decode("utf-8-sig"))))


def test_raw_export_hides_identifiers_without_permission(login, session_ctx, data):
    from app.models import Person

    ids, _ = data
    with session_ctx() as s:
        s.get(Person, ids["A"]).nik = "3275011234560001"
        s.commit()
    form = {"dataset": "persons", "fmt": "csv", "period": "2011-10"}
    pim = _csv(login("pimpinan").post("/laporan/ekspor", data=form))
    op = _csv(login("operator").post("/laporan/ekspor", data=form))
    assert "nik" not in pim[0] and "no_kk" not in pim[0] and "nama" in pim[0]
    assert "nik" in op[0] and "no_kk" in op[0]
    assert "3275011234560001" in {r[op[0].index("nik")] for r in op[1:]}
    assert not any("3275011234560001" in cell for r in pim for cell in r)
    # persons of the scenario: A, B, C, I once each (merged B2/C2 fold into B/C)
    mine = {ids[n] for n in ("A", "B", "C", "I")}
    got = [int(r[0]) for r in pim[1:] if int(r[0]) in set(ids.values())]
    assert sorted(got) == sorted(mine)
    x = login("pimpinan").post("/laporan/ekspor", data={**form, "fmt": "xlsx",
                                                        "dataset": "encounters"})
    ws = load_workbook(io.BytesIO(x.data)).active
    header = [c.value for c in next(ws.iter_rows(max_row=1))]
    assert "waktu" in header and "nik" not in header
    assert login("satpolpp").post("/laporan/ekspor", data=form).status_code == 403


def test_spm_target_editable_by_pimpinan(login, session_ctx):
    from app.models import SpmTarget

    c = login("pimpinan")
    r = c.post("/spmtargetview/add", data={"tahun": "2030", "spm_group": "lansia",
                                           "target_persen": "75"})
    assert r.status_code == 302
    with session_ctx() as s:
        assert s.query(SpmTarget).filter_by(tahun=2030, spm_group="lansia").one().target_persen == 75
    c.post("/spmtargetview/add", data={"tahun": "2030", "spm_group": "lansia", "target_persen": "50"})
    c.post("/spmtargetview/add", data={"tahun": "2031", "spm_group": "lansia", "target_persen": "150"})
    with session_ctx() as s:
        assert s.query(SpmTarget).filter_by(tahun=2030, spm_group="lansia").count() == 1
        assert s.query(SpmTarget).filter_by(tahun=2031).count() == 0
    assert login("operator").post("/spmtargetview/add", data={
        "tahun": "2032", "spm_group": "anak", "target_persen": "60"}).status_code == 403
