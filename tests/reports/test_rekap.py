"""Rekap PPKS: queries, XLSX cells and PDF text against an independent reference."""
from __future__ import annotations

import io
import subprocess

import pytest
from openpyxl import load_workbook

from app.services import report_builders as rb
from app.services.report_queries import Period, PeriodError, rekap_ppks
from app.services.scope import Scope
from tests.reports import scenario as sc

CONFIG = {"KEPALA_DINAS_NAMA": "Drs. Uji Kepala, M.Si", "KEPALA_DINAS_NIP": "197001012000031001"}


def _rekap(app, period, kec=None):
    from tests.conftest import app_session

    with app_session(app) as s:
        got = rekap_ppks(s, Period.parse(period), Scope.everything(), kec)
        doc = rb.build_document(s, "rekap", Period.parse(period), Scope.everything(), kec, CONFIG)
        return got, doc


@pytest.mark.parametrize("kec", [None, sc.K1, sc.K2])
def test_rekap_figures_match_reference(app, data, kec):
    _, names = data
    got, _ = _rekap(app, f"{sc.YEAR}-10", kec)
    exp = sc.expected_rekap(sc.YEAR, 10, kec, names)
    for key in ("total", "returners", "new", "by_jenis", "by_kecamatan", "matrix", "by_source"):
        assert got[key] == exp[key], key
    if kec is None:
        assert exp["total"]["J"] == 4 and exp["returners"] == 1  # A met twice in Oct + Aug


def test_empty_period(app, data):
    got, doc = _rekap(app, f"{sc.YEAR}-03")
    assert got["total"]["J"] == 0 and got["by_jenis"] == {} and got["by_source"] == {}
    xlsx = load_workbook(io.BytesIO(rb.render(doc, "xlsx", CONFIG)))
    assert xlsx["Per Jenis PPKS"].max_row == 2  # header + total row
    assert b"%PDF" in rb.render(doc, "pdf", CONFIG)[:8]


def test_bad_period():
    for bad in ("2024-13", "abc", "", "24-10"):
        with pytest.raises(PeriodError):
            Period.parse(bad)


def test_xlsx_cells_and_pdf_text(app, data, tmp_path):
    _, names = data
    exp = sc.expected_rekap(sc.YEAR, 10, None, names)
    _, doc = _rekap(app, f"{sc.YEAR}-10")
    wb = load_workbook(io.BytesIO(rb.render(doc, "xlsx", CONFIG)))
    ws = wb["Per Jenis PPKS"]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    body, total = rows[:-1], rows[-1]
    assert {r[1].replace(rb.NO_TYPE, "-"): dict(zip("LPUJ", r[2:6])) for r in body} == exp["by_jenis"]
    assert dict(zip("LPUJ", total[2:6])) == exp["total"]
    ws = wb["Per Kecamatan"]
    kn = {"Bekasi Timur": sc.K1, "Bekasi Barat": sc.K2}
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert {kn[r[1]]: dict(zip("LPUJ", r[2:6])) for r in rows[:-1]} == exp["by_kecamatan"]
    rows = list(wb["Jenis x Kecamatan"].iter_rows(min_row=2, values_only=True))
    assert {(kn[r[1]], r[2].replace(rb.NO_TYPE, "-")): dict(zip("LPUJ", r[3:7])) for r in rows} \
        == exp["matrix"]
    rows = list(wb["Sumber Penjangkauan"].iter_rows(min_row=2, values_only=True))
    src = {k: v for k, v in exp["by_source"].items()}
    label = {v: k for k, v in rb.SOURCE_LABELS.items()}
    for r in rows[:-1]:
        assert (r[2], r[3]) == (src.get(label[r[1]], {}).get("encounters", 0),
                                src.get(label[r[1]], {}).get("persons", 0))
    assert rows[-1][2:] == (sum(v["encounters"] for v in src.values()), exp["total"]["J"])
    rows = list(wb["Baru dan Berulang"].iter_rows(min_row=2, values_only=True))
    assert [r[1] for r in rows] == [exp["new"], exp["returners"], exp["total"]["J"]]

    pdf = tmp_path / "rekap.pdf"
    pdf.write_bytes(rb.render(doc, "pdf", CONFIG))
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "Oktober 2011" in text and CONFIG["KEPALA_DINAS_NAMA"] in text
    lines = [" ".join(line.split()) for line in text.splitlines()]
    for jenis, g in exp["by_jenis"].items():
        name = rb.NO_TYPE if jenis == "-" else jenis
        assert any(name in ln and ln.endswith(f"{g['L']} {g['P']} {g['U']} {g['J']}")
                   for ln in lines), jenis
    t = exp["total"]
    assert any(ln.endswith(f"Jumlah orang (unik) {t['L']} {t['P']} {t['U']} {t['J']}")
               for ln in lines)
    subprocess.run(["pdftoppm", "-png", "-r", "50", str(pdf), str(tmp_path / "page")], check=True)
    assert len(list(tmp_path.glob("page*.png"))) >= 1
