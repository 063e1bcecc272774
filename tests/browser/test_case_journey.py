"""Issue 4 Tests: one case from Terjangkau to Terminasi in a real browser, with approvals.

`peksos` opens a case for a freshly registered person from the work queue page,
records the assessment, submits the plan; `pimpinan` (a second browser context,
its own login) approves it from the approval queue; peksos records the services,
submits termination, pimpinan approves; the case history shows every step.
"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.conftest import unique_name

pytestmark = pytest.mark.browser

STEPS = ["Kasus dibuka", "Mulai asesmen", "Susun rencana layanan", "Ajukan persetujuan rencana",
         "Setujui rencana layanan", "Ajukan terminasi", "Setujui terminasi"]


def _act(page, label: str) -> None:
    """Click a transition button on the case page and expect the success message."""
    page.get_by_role("button", name=label, exact=True).click()
    page.wait_for_load_state("load")
    expect(page.locator(".alert-danger")).to_have_count(0)
    expect(page.locator("body")).to_contain_text("Tindakan berhasil dicatat")


def _approve(page, ui_login, case_url: str, label: str) -> None:
    """pimpinan finds the case in the approval queue, opens it and approves."""
    page.goto("/kasus/antrean/persetujuan")
    link = page.locator(f"a[href='{case_url}']")
    expect(link).to_have_count(1)
    link.click()
    page.wait_for_load_state("load")
    _act(page, label)


def test_case_terjangkau_to_terminasi_with_approvals(page, browser, browser_context_args, ui_login,
                                                     make_person, session_ctx, tmp_path):
    from app.models import Case, JenisLayanan

    name = unique_name("Kasus Journey")
    person_id = make_person(nama=name, jenis_kelamin="L", tahun_lahir=1968)
    with session_ctx() as s:
        layanan = s.execute(select(JenisLayanan.id, JenisLayanan.nama).where(
            JenisLayanan.spm_group == "gepeng", JenisLayanan.aktif.is_(True))
            .order_by(JenisLayanan.urutan).limit(2)).all()
    assert len(layanan) == 2

    # peksos opens the case from the queue page by the person's number
    ui_login(page, "peksos")
    page.goto("/kasus/antrean/saya")
    page.fill("input[name=person_id]", f"#{person_id}")
    page.get_by_role("button", name="Buka kasus").click()
    page.wait_for_load_state("load")
    assert re.search(r"/kasus/\d+$", page.url), page.url
    case_url = page.url[page.url.index("/kasus/"):]
    expect(page.locator("h3").first).to_contain_text(name)
    expect(page.locator("h3").first).to_contain_text("Terjangkau")

    _act(page, "Mulai asesmen")
    form = page.locator("form[action$='/catat/asesmen']")
    form.locator("input[name=dokumen_identitas]").fill("Tidak ada KTP")
    form.locator("input[name=kesehatan]").fill("Batuk, perlu pemeriksaan")
    form.locator("input[name=tempat_tinggal]").fill("Tidur di emperan pasar")
    form.locator("select[name=risiko]").select_option("tinggi")
    form.locator("select[name=spm_group]").select_option("gepeng")
    form.locator("select[name=layanan_ids]").select_option([str(i) for i, _ in layanan])
    form.get_by_role("button", name="Simpan asesmen").click()
    page.wait_for_load_state("load")
    expect(page.locator("body")).to_contain_text("Data tersimpan")
    expect(page.locator("body")).to_contain_text("SPM belum terpenuhi")
    _act(page, "Susun rencana layanan")
    _act(page, "Ajukan persetujuan rencana")
    expect(page.locator("body")).to_contain_text("Menunggu persetujuan")

    # pimpinan, in a browser context of its own, approves the plan
    other = browser.new_context(**browser_context_args)
    try:
        boss = other.new_page()
        boss.set_default_timeout(15_000)
        ui_login(boss, "pimpinan")
        _approve(boss, ui_login, case_url, "Setujui rencana layanan")
        expect(boss.locator("h3").first).to_contain_text("Layanan Berjalan")

        # peksos records the services of the plan
        page.goto(case_url)
        expect(page.locator("h3").first).to_contain_text("Layanan Berjalan")
        for jid, _ in layanan:
            sform = page.locator("form[action$='/layanan']")
            sform.locator("select[name=jenis_layanan_id]").select_option(str(jid))
            sform.locator("input[name=tanggal]").fill("2026-11-20")
            sform.locator("input[name=catatan]").fill("Diberikan di posko")
            sform.get_by_role("button", name="Catat layanan").click()
            page.wait_for_load_state("load")
            expect(page.locator("body")).to_contain_text("Layanan tercatat")
        expect(page.locator("body")).to_contain_text("SPM terpenuhi")

        tform = page.locator("form:has(input[name=action][value=ajukan_terminasi])")
        tform.locator("select[name=alasan_terminasi]").select_option("tujuan_tercapai")
        tform.locator("input[name=ringkasan_terminasi]").fill("Layanan dasar terpenuhi, kembali ke keluarga.")
        _act(page, "Ajukan terminasi")

        _approve(boss, ui_login, case_url, "Setujui terminasi")
        expect(boss.locator("h3").first).to_contain_text("Terminasi")
    finally:
        other.close()

    # the case history, as peksos sees it, lists every step in order
    page.goto(case_url)
    expect(page.locator("h3").first).to_contain_text("Terminasi")
    rows = page.locator("#history tr")
    expect(rows).to_have_count(len(STEPS))
    for i, label in enumerate(STEPS):
        expect(rows.nth(i)).to_contain_text(label)
    expect(rows.nth(4)).to_contain_text("pimpinan")
    expect(rows.nth(6)).to_contain_text("pimpinan")
    expect(rows.nth(5)).to_contain_text("Layanan dasar terpenuhi")
    page.screenshot(path=str(tmp_path / "case-terminasi.png"), full_page=True)
    with session_ctx() as s:
        case = s.scalar(select(Case).where(Case.person_id == person_id))
        assert case.state == "terminasi" and case.closed_at is not None
        assert case.alasan_terminasi == "tujuan_tercapai"
