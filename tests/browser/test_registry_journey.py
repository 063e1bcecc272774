"""Issue 2 §9: the registry journey in a real browser (Debian's chromium).

An operator registers a PPKS with the first encounter, finds them with the list's
search box, sees the timeline and logs out; a pilar sosial of another kecamatan
can neither find nor open that person.
"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ui_logout
from tests.conftest import unique_name

pytestmark = pytest.mark.browser

KELURAHAN = "32.75.01.1001"  # Bekasijaya, Bekasi Timur


def _pick_select2(page, field_id: str, text: str) -> None:
    """Choose an option through the Select2 widget like a user does."""
    page.click(f"#select2-{field_id}-container")
    page.fill(".select2-container--open .select2-search__field", text)
    page.locator(".select2-results__option", has_text=text).first.click()


def _register_through_form(page, name: str, alias: str) -> None:
    page.goto("/personview/add")
    expect(page.locator("body")).to_contain_text("Tambah PPKS")
    page.fill("#nama", name)
    page.fill("#alias_text", alias)
    _pick_select2(page, "jenis_kelamin", "Laki-laki")
    page.fill("#perkiraan_umur", "41")
    _pick_select2(page, "enc_kelurahan_kode", "Bekasijaya")
    assert page.eval_on_selector("#enc_kelurahan_kode", "e => e.value") == KELURAHAN
    page.select_option("#enc_sumber", "patroli", force=True)
    page.fill("#enc_lokasi", "Bawah flyover Bekasi Timur")
    page.screenshot(path=str(_shots / "1-person-add.png"), full_page=True)
    page.click("form button[type=submit], form input[type=submit]")
    page.wait_for_load_state("load")


_shots = None


def test_operator_registers_finds_and_sees_timeline(page, ui_login, tmp_path):
    global _shots
    _shots = tmp_path
    name, alias = unique_name("Journey Budi"), "Budi Gondrong"
    ui_login(page, "operator")
    _register_through_form(page, name, alias)
    expect(page.locator(".alert-danger, .has-error")).to_have_count(0)

    page.goto("/personview/list/")
    page.fill("#quick-q", name)
    page.click("form.quick-search button[type=submit]")
    page.wait_for_load_state("load")
    assert "q=" in page.url
    rows = page.locator("table tbody tr", has_text=name)
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Bekasi Timur")
    expect(rows.first).to_contain_text("Laki-laki")
    expect(page.locator("table thead")).to_contain_text("Kecamatan")
    expect(page.locator("table thead")).not_to_contain_text("Kode")
    page.screenshot(path=str(tmp_path / "2-person-list.png"), full_page=True)

    rows.first.locator("a[href*='/personview/show/']").first.click()
    page.wait_for_load_state("load")
    assert re.search(r"/personview/show/\d+", page.url)
    expect(page.locator("body")).to_contain_text(name)
    timeline = page.locator("#timeline li")
    expect(timeline).to_have_count(1)
    expect(timeline.first).to_contain_text("Bekasijaya")
    expect(timeline.first).to_contain_text("Bawah flyover Bekasi Timur")
    expect(timeline.first).to_contain_text("Patroli Dinsos")
    expect(page.locator("#encounter-counts")).to_contain_text("seluruhnya")
    history = page.locator("#history")
    expect(history).to_contain_text("dibuat")
    expect(history).to_contain_text("Jenis kelamin")
    expect(history).not_to_contain_text("nama_norm")
    expect(history).to_contain_text("Laki-laki")
    expect(history).not_to_contain_text("tidak_diketahui")
    page.screenshot(path=str(tmp_path / "3-person-show.png"), full_page=True)

    ui_logout(page)
    expect(page.locator("body")).to_contain_text(re.compile("Masuk|Login"))
    page.goto("/personview/list/")
    assert "/login" in page.url
    shot = tmp_path / "4-logged-out.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 0
    expect(page.locator("body")).to_contain_text(re.compile("Nama pengguna|Kata sandi|Masuk"))


def test_pilar_of_other_kecamatan_cannot_see_person(page, ui_login, make_person, tmp_path):
    name = unique_name("Journey Tersembunyi")
    person_id = make_person(KELURAHAN, nama=name)
    ui_login(page, "pilar.jatiasih")
    page.goto("/personview/list/")
    page.fill("#quick-q", name)
    page.click("form.quick-search button[type=submit]")
    page.wait_for_load_state("load")
    expect(page.locator("table tbody tr", has_text=name)).to_have_count(0)
    expect(page.locator("body")).not_to_contain_text(name)

    response = page.goto(f"/personview/show/{person_id}")
    assert response.status == 404
    expect(page.locator("body")).to_contain_text("tidak ditemukan")
    expect(page.locator("body")).not_to_contain_text(name)
    page.screenshot(path=str(tmp_path / "404.png"), full_page=True)
