"""Each case PDF is opened again: text extracted (pdftotext) and a page rendered (pdftoppm)."""
from __future__ import annotations

import subprocess

import pytest

from app.services import casework_docs


def _text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "30", "-png", "-f", "1", "-l", "1", str(path),
                    str(tmp_path / "page")], check=True)
    assert list(tmp_path.glob("page*.png"))
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout


@pytest.mark.parametrize("kind,title", [("rujukan", "SURAT RUJUKAN"),
                                        ("berita_acara", "BERITA ACARA SERAH TERIMA"),
                                        ("dossier", "DOSIER KASUS")])
def test_pdf_contains_person_and_title(kind, title, app, build_case, session_ctx, tmp_path):
    from app.models import Case, Person

    case_id, person_id = build_case("rujukan")
    with session_ctx() as s:
        case = s.get(Case, case_id)
        name = s.get(Person, person_id).nama
        if kind == "rujukan":
            pdf = casework_docs.referral_letter(case, case.referrals[0], app.config)
        elif kind == "berita_acara":
            pdf = casework_docs.berita_acara(case, case.pemulangan[0], app.config)
        else:
            pdf = casework_docs.dossier(case, case.person.encounters, [], app.config)
    text = _text(pdf, tmp_path)
    assert title in text and name in text


def test_dossier_includes_encounter_photos(app, login, build_case, session_ctx, tmp_path):
    import io

    from PIL import Image
    from sqlalchemy import select

    from app.models import Encounter, Person
    from app.services.photos import store_photo

    case_id, person_id = build_case("layanan_berjalan")
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buf, "JPEG")
    names = [store_photo(buf.getvalue(), app.config["PHOTO_DIR"], max_bytes=10**6, max_side=800)
             for _ in range(2)]
    with session_ctx() as s:
        enc = s.scalars(select(Encounter).where(Encounter.person_id == person_id)).first()
        enc.photo, enc.lokasi = names[0], "Bawah jembatan Kali Malang"
        s.get(Person, person_id).photo = names[1]
        s.add(Encounter(person_id=person_id, waktu=enc.waktu, photo="../../etc/passwd",
                        kelurahan_kode=enc.kelurahan_kode, kecamatan_kode=enc.kecamatan_kode))
        s.commit()
    def images(pdf: bytes) -> int:
        path = tmp_path / "dossier.pdf"
        path.write_bytes(pdf)
        return len(subprocess.run(["pdfimages", "-list", str(path)], check=True, capture_output=True,
                                  text=True).stdout.strip().splitlines()[2:])

    peksos = login("peksos")
    r = peksos.get(f"/kasus/{case_id}/dokumen/dosier")
    assert r.status_code == 200 and r.data[:4] == b"%PDF"
    plain_case, _ = build_case("layanan_berjalan")
    baseline = images(peksos.get(f"/kasus/{plain_case}/dokumen/dosier").data)
    # person photo + encounter photo; the forged file name is skipped
    assert images(r.data) == baseline + 2
    text = _text(r.data, tmp_path)
    assert "Dokumentasi penjangkauan" in text and "Kali Malang" in text and "Foto PPKS" in text
