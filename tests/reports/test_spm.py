"""SPM report: YTD figures vs an independent Python reference, XLSX cells and PDF text."""
from __future__ import annotations

import datetime as dt
import io
import subprocess

import pytest
from openpyxl import load_workbook

from app.services import report_builders as rb
from app.services.report_queries import Period, spm_report
from app.services.scope import Scope
from tests.reports import scenario as sc
from tests.reports.test_rekap import CONFIG

Y = 2012  # own year: the rekap scenario uses 2011
d = dt.date
# person: (kecamatan, archived, merged_into, [(assessment date, group, butuh, [svc idx], [(svc idx, date)])])
SPM = {
    "A": (sc.K1, False, None, [(d(Y, 10, 2), "gepeng", True, [0, 1], [(0, d(Y, 10, 3)), (1, d(Y, 10, 31))])]),
    "B": (sc.K1, False, None, [(d(Y, 3, 5), "gepeng", True, [0, 1], [(0, d(Y, 3, 5)), (1, d(Y, 11, 1))])]),
    "C": (sc.K2, False, None, [(d(Y, 6, 1), "anak", True, [0], [(0, d(Y, 6, 2))])]),
    "C2": (sc.K2, False, "C", [(d(Y, 7, 1), "anak", True, [0], [(0, d(Y, 7, 1))])]),
    "E": (sc.K2, True, None, [(d(Y, 5, 1), "gepeng", True, [0], [(0, d(Y, 5, 1))])]),
    "I": (sc.K2, False, None, [(d(Y - 1, 12, 31), "lansia", True, [0], [(0, d(Y - 1, 12, 31))]),
                               (d(Y, 11, 1), "lansia", True, [0], [])]),
    "N": (sc.K1, False, None, [(d(Y, 4, 1), "gepeng", False, [0], [(0, d(Y, 4, 1))])]),
}
TARGETS = {"gepeng": 80.0}


@pytest.fixture(scope="module")
def spm_data(app):
    from tests.conftest import app_session
    from app.models import Assessment, Case, JenisLayanan, Person, ServiceDelivery, SpmTarget

    with app_session(app) as s:
        svc = {g: [j for j in s.query(JenisLayanan).filter_by(spm_group=g).order_by(
            JenisLayanan.urutan, JenisLayanan.id)] for g in rb.SPM_GROUP_LABELS}
        ids = {}
        for name, (kec, arch, _m, assessments) in SPM.items():
            p = Person(nama=f"Spm {name}", jenis_kelamin="L", kecamatan_kode=kec,
                       kelurahan_kode=f"{kec}.1001", is_archived=arch)
            s.add(p)
            s.flush()
            ids[name] = p.id
            for tgl, g, butuh, need, given in assessments:
                c = Case(person_id=p.id, opened_at=dt.datetime(tgl.year, tgl.month, tgl.day),
                         kecamatan_kode=kec)
                s.add(c)
                s.flush()
                s.add(Assessment(case_id=c.id, tanggal=tgl, spm_group=g, butuh_rehab_luar_panti=butuh,
                                 layanan=[svc[g][i] for i in need]))
                for i, when in given:
                    s.add(ServiceDelivery(case_id=c.id, jenis_layanan_id=svc[g][i].id, tanggal=when))
        for name, spec in SPM.items():
            if spec[2]:
                s.get(Person, ids[name]).merged_into_id = ids[spec[2]]
        for g, t in TARGETS.items():
            s.add(SpmTarget(tahun=Y, spm_group=g, target_persen=t))
        s.commit()
        return {g: [(j.id, j.nama) for j in v] for g, v in svc.items()}


def expected(month: int, kecamatan=None):
    """Reference: per group harus/terlayani, per kecamatan, per service (Python over SPM)."""
    first, last = d(Y, 1, 1), d(Y + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1)
    groups, per_kec, services = {}, {}, {}
    for name, (kec, arch, merged, assessments) in SPM.items():
        surv = merged or name
        skec, sarch = SPM[surv][0], SPM[surv][1]
        if sarch or (kecamatan and skec != kecamatan):
            continue
        for tgl, g, butuh, need, given in assessments:
            for i, when in given:
                if first <= when <= last:
                    services.setdefault((g, i), set()).add(surv)
            if not butuh or not first <= tgl <= last:
                continue
            done = {i for i, when in given if when <= last}
            for bucket in (groups.setdefault(g, {}), per_kec.setdefault((g, skec), {})):
                bucket.setdefault("harus", set()).add(surv)
                bucket.setdefault("terlayani", set())
                if need and set(need) <= done:
                    bucket["terlayani"].add(surv)
    n = lambda v: {k: len(x) for k, x in v.items()}  # noqa: E731
    return ({g: n(v) for g, v in groups.items()}, {k: n(v) for k, v in per_kec.items()},
            {k: len(v) for k, v in services.items()})


def _run(app, period, kec=None):
    from tests.conftest import app_session

    with app_session(app) as s:
        return (spm_report(s, Period.parse(period), Scope.everything(), kec),
                rb.build_document(s, "spm", Period.parse(period), Scope.everything(), kec, CONFIG,
                                  kendala="Petugas kurang", solusi="Tambah relawan"))


@pytest.mark.parametrize("month,kec", [(10, None), (11, None), (10, sc.K1), (10, sc.K2), (2, None)])
def test_spm_matches_reference(app, spm_data, month, kec):
    got, _ = _run(app, f"{Y}-{month:02d}", kec)
    groups, per_kec, services = expected(month, kec)
    assert got["groups"] == groups
    assert got["per_kecamatan"] == per_kec
    svc_ids = {jid: (g, i) for g, lst in spm_data.items() for i, (jid, _) in enumerate(lst)}
    assert {svc_ids[j]: n for j, n in got["services"].items() if j in svc_ids} == services
    if month == 10 and kec is None:
        assert groups == {"gepeng": {"harus": 2, "terlayani": 1}, "anak": {"harus": 1, "terlayani": 1}}


def test_spm_xlsx_and_pdf(app, spm_data, tmp_path):
    _, doc = _run(app, f"{Y}-10")
    groups, per_kec, services = expected(10)
    wb = load_workbook(io.BytesIO(rb.render(doc, "xlsx", CONFIG)))
    rows = list(wb["Realisasi Pencapaian"].iter_rows(min_row=2, values_only=True))
    order = list(rb.SPM_GROUP_LABELS)
    for g, r in zip(order, rows):
        y, x = groups.get(g, {}).get("harus", 0), groups.get(g, {}).get("terlayani", 0)
        assert r[2:6] == (x, y, y - x, f"{x}/{y}")
        assert r[6] == (pytest.approx(x / y) if y else None)  # stored as a fraction
        assert r[7] == (pytest.approx(x / y * 100 / TARGETS[g] ) if g in TARGETS and y else None)
    tot_x = sum(v["terlayani"] for v in groups.values())
    tot_y = sum(v["harus"] for v in groups.values())
    assert rows[4][2:6] == (tot_x, tot_y, tot_y - tot_x, f"{tot_x}/{tot_y}")
    rows = list(wb["Target Pencapaian"].iter_rows(min_row=2, values_only=True))
    assert rows[order.index("gepeng")][3] == pytest.approx(0.8)
    rows = list(wb["Per Layanan"].iter_rows(min_row=2, values_only=True))
    flat = [(g, i) for g, lst in spm_data.items() for i, _ in enumerate(lst)]
    layanan_rows = {(r[1], r[2]): r[3] for r in rows}
    for g, i in flat:
        assert layanan_rows[(rb.SPM_GROUP_LABELS[g], spm_data[g][i][1])] == services.get((g, i), 0)
    rows = list(wb["Per Kecamatan"].iter_rows(min_row=2, values_only=True))
    kn = {"Bekasi Timur": sc.K1, "Bekasi Barat": sc.K2}
    lab = {v: k for k, v in rb.SPM_GROUP_LABELS.items()}
    assert {(lab[r[1]], kn[r[2]]): {"harus": r[3], "terlayani": r[4]} for r in rows} == per_kec

    pdf = tmp_path / "spm.pdf"
    pdf.write_bytes(rb.render(doc, "pdf", CONFIG))
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    flat_text = " ".join(text.split())
    assert "Petugas kurang" in flat_text and "Tambah relawan" in flat_text
    assert CONFIG["KEPALA_DINAS_NIP"] in flat_text.replace(" ", "")
    assert "1/2" in flat_text and "50,00" in flat_text and "62,50" in flat_text
    subprocess.run(["pdftoppm", "-png", "-r", "50", str(pdf), str(tmp_path / "p")], check=True)
    pages = list(tmp_path.glob("p*.png"))
    assert pages and all(p.stat().st_size > 1000 for p in pages)


@pytest.mark.parametrize("month,kec", [(10, None), (11, None), (10, sc.K1), (10, sc.K2), (2, None),
                                       (12, None)])
def test_dashboard_capaian_from_summary(app, spm_data, month, kec):
    """The dashboard's SPM capaian (summary_assessment) == the SPM report's rule == reference."""
    from tests.conftest import app_session
    from app.services.report_queries import spm_capaian

    scope = Scope(citywide=False, kecamatan_kode=kec) if kec else Scope.everything()
    with app_session(app) as s:
        got = spm_capaian(s, Period(Y, month), scope)
        ref = spm_report(s, Period(Y, month), scope, groups_only=True)
    assert got == ref
    assert got["groups"] == expected(month, kec)[0]
