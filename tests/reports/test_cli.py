"""`flask report spm|rekap` writes the same figures as the services."""
from __future__ import annotations

from openpyxl import load_workbook

from tests.reports import scenario as sc


def test_cli_rekap_and_spm(app, data, tmp_path):
    _, names = data
    runner = app.test_cli_runner()
    out = tmp_path / "rekap.xlsx"
    r = runner.invoke(args=["report", "rekap", "--period", f"{sc.YEAR}-10", "--kecamatan", sc.K1,
                            "--format", "xlsx", "--out", str(out)])
    assert r.exit_code == 0, r.output
    exp = sc.expected_rekap(sc.YEAR, 10, sc.K1, names)
    rows = list(load_workbook(out)["Per Kecamatan"].iter_rows(min_row=2, values_only=True))
    assert rows[-1][2:6] == tuple(exp["total"][k] for k in "LPUJ")
    pdf = tmp_path / "spm.pdf"
    r = runner.invoke(args=["report", "spm", "--period", f"{sc.YEAR}-10", "--format", "pdf",
                            "--out", str(pdf)])
    assert r.exit_code == 0 and pdf.read_bytes()[:4] == b"%PDF"
    r = runner.invoke(args=["report", "spm", "--period", "2024-13", "--out", str(pdf)])
    assert r.exit_code != 0 and "TTTT-BB" in r.output
    r = runner.invoke(args=["report", "rekap", "--period", "2024-10", "--kecamatan", "1.2",
                            "--out", str(pdf)])
    assert r.exit_code != 0 and "Kecamatan tidak dikenal" in r.output


def test_cli_refresh_dashboard_writes_every_scope(app):
    from sqlalchemy import select

    from tests.conftest import app_session
    from app.models import DashboardCache
    from app.services.report_queries import kecamatan_names

    r = app.test_cli_runner().invoke(args=["report", "refresh-dashboard"])
    assert r.exit_code == 0, r.output
    with app_session(app) as s:
        keys = set(s.scalars(select(DashboardCache.scope_key)))
        expected = {"kota"} | {f"kec:{k}" for k in kecamatan_names(s)}
    assert expected <= keys and f"{len(expected)} cakupan" in r.output
