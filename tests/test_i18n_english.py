"""The English catalog: msgids are Indonesian, /lang/en switches the UI to English."""
from __future__ import annotations

from pathlib import Path

from babel.messages.pofile import read_po

from tests.conftest import unique_name

ROOT = Path(__file__).resolve().parents[1]


def test_every_extracted_string_has_an_english_translation():
    template = read_po((ROOT / "babel/messages.pot").open("rb"))
    english = read_po((ROOT / "app/translations/en/LC_MESSAGES/messages.po").open("rb"))
    untranslated = sorted(str(m.id) for m in template
                          if m.id and not (english.get(m.id) and english.get(m.id).string))
    assert not untranslated, f"run `make babel-extract` and translate: {untranslated[:20]}"


def test_person_list_in_english_then_back_to_indonesian(login, make_person):
    name = unique_name("Budi Inggris")
    make_person(nama=name, jenis_kelamin="L")
    client = login("operator")
    assert client.get("/lang/en").status_code in (302, 303)
    page = client.get(f"/personview/list/?q={name}").get_data(as_text=True)
    for english in ("PPKS Persons", "Name", "Gender", "Search name, alias or NIK",
                    "PPKS Registry", "Male"):
        assert english in page, english
    assert name in page
    assert "Bekasi Timur" in page and "Kecamatan Kode" not in page
    assert "Daftar PPKS" not in page and "Jenis kelamin" not in page

    assert client.get("/lang/id").status_code in (302, 303)
    page = client.get(f"/personview/list/?q={name}").get_data(as_text=True)
    assert "Daftar PPKS" in page and "Jenis kelamin" in page and "Laki-laki" in page
    assert "PPKS Persons" not in page


def test_english_error_page(login):
    client = login("operator")
    client.get("/lang/en")
    response = client.get("/personview/show/999999999")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "Back to home" in page and "Record or page not found" in page
    assert "tidak ditemukan" not in page
