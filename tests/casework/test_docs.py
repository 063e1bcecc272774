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
