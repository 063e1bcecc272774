"""Issue 3 "Done means", in a real browser (Debian's chromium).

An operator uploads a field sheet (dry run, then save), finds the probable
duplicate it made in the review queue (filtered by kecamatan), compares the two
records side by side and merges them; the person's page then shows both
encounters and their counts; the merge is undone from the merge history and
both records come back with one encounter each.
"""
from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from tests.identity.helpers import letters

pytestmark = pytest.mark.browser

KECAMATAN = "32.75.07"  # Bantargebang: few other tests put people there


def _sheet(tmp_path, tag: str):
    today = dt.date.today()
    rows = [
        (f"J{tag}-1", f"Soedjono {tag}", "Jono", "L", "45", "Sarinah", (today - dt.timedelta(days=40)),
         "Terminal Bantargebang", "razia"),
        (f"J{tag}-2", f"Sujono {tag}", "Jono", "L", "46", "", today - dt.timedelta(days=3),
         "Pasar Bantargebang", "patroli"),
    ]
    lines = ["ref,nama,alias,jenis_kelamin,perkiraan_umur,nama_ibu,kelurahan,tanggal_penjangkauan,lokasi,sumber"]
    lines += [f"{r},{n},{a},{g},{u},{m},Bantargebang,{d:%d-%m-%Y},{loc},{s}"
              for r, n, a, g, u, m, d, loc, s in rows]
    path = tmp_path / f"lapangan-{tag}.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _upload(page, path, commit: bool) -> None:
    page.goto("/import/")
    page.set_input_files("#import-file", str(path))
    if commit:
        page.check("input[name=commit]")
    page.click("#import-submit")
    page.wait_for_load_state("load")


def _count_people(session_ctx, tag: str) -> int:
    from app.models import Person

    with session_ctx() as s:
        return s.scalar(select(func.count()).select_from(Person).where(
            Person.nama.like(f"%{tag}"), Person.merged_into_id.is_(None)))


def test_import_review_merge_unmerge(page, ui_login, tmp_path, session_ctx):
    tag = letters()
    sheet = _sheet(tmp_path, tag)
    ui_login(page, "operator")

    _upload(page, sheet, commit=False)
    body = page.locator("body")
    expect(body).to_contain_text("Hasil uji coba")
    expect(page.locator("tr.warning")).to_contain_text("kemungkinan ganda")
    assert _count_people(session_ctx, tag) == 0  # a dry run writes nothing

    _upload(page, sheet, commit=True)
    expect(body).to_contain_text("Hasil simpan")
    assert _count_people(session_ctx, tag) == 2  # a probable duplicate is created and queued

    page.goto(f"/review/?kecamatan={KECAMATAN}")
    row = page.locator("tr", has_text=f"Sujono {tag}")
    expect(row).to_contain_text(f"Soedjono {tag}")
    row.get_by_role("link", name="Tinjau").click()
    page.wait_for_load_state("load")
    expect(body).to_contain_text("Apakah ini orang yang sama?")
    expect(body).to_contain_text("pernah terjaring di Bantargebang")  # a place name, not its code
    expect(body).to_contain_text("Nama ibu kandung")  # labels, not column names
    differing = page.locator("tr.warning > td:first-child").all_inner_texts()
    assert "Nama" in differing and "Nama ibu kandung" in differing and "Jenis kelamin" not in differing
    page.screenshot(path=str(tmp_path / "review-pair.png"), full_page=True)
    page.get_by_role("button", name="Sama — gabungkan").click()
    page.wait_for_load_state("load")

    expect(body).to_contain_text("Data digabungkan")
    expect(page.locator("#timeline li")).to_have_count(2)
    expect(page.locator("#timeline")).to_contain_text("Terminal Bantargebang")
    expect(page.locator("#timeline")).to_contain_text("Pasar Bantargebang")
    counts = page.locator("#encounter-counts .badge")
    expect(counts).to_have_text(["1", "2", "2", "2"])  # 30 / 90 / 365 days / all
    expect(page.locator("#history")).to_contain_text("Data yang dipindahkan")
    assert _count_people(session_ctx, tag) == 1

    page.goto("/review/merges/")
    merge_row = page.locator("tr", has_text=f"Soedjono {tag}")
    merge_row.locator("input[name=note]").fill("keliru, bukan orang yang sama")
    merge_row.get_by_role("button", name="Batalkan penggabungan").click()
    page.wait_for_load_state("load")
    expect(page.locator(".alert-danger")).to_have_count(0)
    assert _count_people(session_ctx, tag) == 2

    from app.models import Person

    with session_ctx() as s:
        ids = s.scalars(select(Person.id).where(Person.nama.like(f"%{tag}")).order_by(Person.id)).all()
    for pid in ids:  # each record is back with its own encounter
        page.goto(f"/personview/show/{pid}")
        expect(page.locator("#timeline li")).to_have_count(1)
        expect(page.locator("#history")).to_contain_text("Penggabungan yang dibatalkan")
