"""Web and API journey: peksos takes a case to termination, pimpinan approves; scope and roles."""
from __future__ import annotations

import re

from sqlalchemy import select


def _case_id(session_ctx, person_id):
    from app.models import Case

    with session_ctx() as s:
        return s.scalar(select(Case.id).where(Case.person_id == person_id))


def _do(client, case_id, action, **data):
    r = client.post(f"/kasus/{case_id}/transisi", data={"action": action, **data})
    assert r.status_code == 302
    return client.get(f"/kasus/{case_id}").get_data(as_text=True)


def test_web_journey_with_approval(login, make_person, session_ctx):
    from app.models import Case, JenisLayanan

    person_id = make_person()
    peksos, pimpinan = login("peksos"), login("pimpinan")
    assert peksos.post("/kasus/buka", data={"person_id": "abc"}).status_code == 404
    assert peksos.post("/kasus/buka", data={"person_id": f"#{person_id}"}).status_code == 302
    case_id = _case_id(session_ctx, person_id)
    again = peksos.post(f"/kasus/buka/{person_id}", follow_redirects=True).get_data(as_text=True)
    assert "masih memiliki kasus" in again
    page = peksos.get(f"/kasus/{case_id}").get_data(as_text=True)
    assert "Mulai asesmen" in page
    _do(peksos, case_id, "mulai_asesmen")
    page = _do(peksos, case_id, "susun_rencana")
    assert "Asesmen belum diisi" in page
    with session_ctx() as s:
        ids = s.execute(select(JenisLayanan.id).where(JenisLayanan.spm_group == "gepeng")
                        .limit(2)).scalars().all()
    peksos.post(f"/kasus/{case_id}/catat/asesmen",
                data={"spm_group": "gepeng", "layanan_ids": [str(i) for i in ids], "risiko": "tinggi"})
    _do(peksos, case_id, "susun_rencana")
    _do(peksos, case_id, "ajukan_rencana")
    assert f"/kasus/{case_id}" in pimpinan.get("/kasus/antrean/persetujuan").get_data(as_text=True)
    _do(pimpinan, case_id, "setujui_rencana")
    for i in ids:
        peksos.post(f"/kasus/{case_id}/layanan", data={"jenis_layanan_id": i, "tanggal": "2026-11-01"})
    page = peksos.get(f"/kasus/{case_id}").get_data(as_text=True)
    assert "SPM terpenuhi" in page
    peksos.post(f"/kasus/{case_id}/catat/rujukan", data={"tujuan_lain": "RSUD Bekasi", "alasan": "periksa",
                                                          "dasar_persetujuan": "setuju lisan"})
    _do(peksos, case_id, "rujuk")
    peksos.post(f"/kasus/{case_id}/catat/pemulangan", data={"tujuan_kabkota": "Kab. Garut",
                                                             "penerima_nama": "Bapak Kades"})
    _do(peksos, case_id, "pulangkan")
    _do(peksos, case_id, "ajukan_terminasi", alasan_terminasi="dipulangkan",
        ringkasan_terminasi="Diserahkan kepada keluarga di Garut.")
    page = _do(pimpinan, case_id, "setujui_terminasi")
    assert "Terminasi" in page
    with session_ctx() as s:
        case = s.get(Case, case_id)
        assert case.state == "terminasi"
        assert [t.action for t in case.transitions] == [
            "buka", "mulai_asesmen", "susun_rencana", "ajukan_rencana", "setujui_rencana", "rujuk",
            "pulangkan", "ajukan_terminasi", "setujui_terminasi"]
        ref_id, pem_id = case.referrals[0].id, case.pemulangan[0].id
    for url in (f"/kasus/{case_id}/dokumen/dosier", f"/kasus/{case_id}/dokumen/rujukan/{ref_id}",
                f"/kasus/{case_id}/dokumen/berita-acara/{pem_id}"):
        r = peksos.get(url)
        assert r.status_code == 200 and r.data[:4] == b"%PDF"


def test_pimpinan_cannot_do_worker_steps_and_roles(login, build_case):
    case_id, _ = build_case("terjangkau", full=False)
    page = _do(login("pimpinan"), case_id, "mulai_asesmen")
    assert "tidak berwenang" in page
    assert login("satpolpp").get(f"/kasus/{case_id}").status_code == 403
    op = login("operator")
    assert op.get(f"/kasus/{case_id}").status_code == 200
    assert op.post(f"/kasus/{case_id}/transisi", data={"action": "mulai_asesmen"}).status_code == 403
    for q in ("saya", "persetujuan", "terlambat", "belum_ditugaskan"):
        assert login("peksos").get(f"/kasus/antrean/{q}").status_code == 200
    assert login("peksos").get("/kasus/abc").status_code == 404
    assert login("peksos").get("/kasus/99999999").status_code == 404


def test_api_get_and_transition(app, build_case):
    case_id, _ = build_case("terjangkau", full=False)
    c = app.test_client()
    from tests.conftest import PASSWORD

    token = c.post("/api/v1/security/login", json={"username": "peksos", "password": PASSWORD,
                                                    "provider": "db"}).get_json()["access_token"]
    h = {"Authorization": f"Bearer {token}"}
    r = c.get(f"/api/v1/kasus/{case_id}", headers=h)
    assert r.status_code == 200 and r.get_json()["result"]["state"] == "terjangkau"
    version = r.get_json()["result"]["version"]
    r = c.post(f"/api/v1/kasus/{case_id}/transisi", headers=h,
               json={"action": "mulai_asesmen", "version": version})
    assert r.status_code == 200 and r.get_json()["result"]["state"] == "asesmen"
    r = c.post(f"/api/v1/kasus/{case_id}/transisi", headers=h,
               json={"action": "mulai_asesmen", "version": version})
    assert r.status_code == 400 and "diubah oleh pengguna lain" in r.get_json()["message"]
    assert c.get("/api/v1/kasus/abc", headers=h).status_code == 404


def test_overdue_and_unassigned_queues(login, build_case, session_ctx):
    import datetime as dt

    from app.models import Case
    from app.services import casework
    from app.services.scope import Scope

    late_id, _ = build_case("asesmen", full=False)
    fresh_id, _ = build_case("asesmen", full=False)
    with session_ctx() as s:
        s.get(Case, late_id).state_since = dt.datetime.now() - dt.timedelta(days=400)
        s.commit()
        ids = casework.overdue_page_ids(s, Scope.everything(), limit=100000)
        assert late_id in ids and fresh_id not in ids
    page = login("peksos").get("/kasus/antrean/terlambat").get_data(as_text=True)
    assert f"/kasus/{late_id}\"" in page
    page = login("peksos").get("/kasus/antrean/belum_ditugaskan").get_data(as_text=True)
    assert f"/kasus/{fresh_id}\"" in page
