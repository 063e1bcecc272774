"""Aid applications (screens + API), pilar sosial scope, overdue queue, menu counts, reassignment."""
from __future__ import annotations

import re


def _aid_id(page: str) -> int:
    return int(re.search(r"PB-(\d{6})", page).group(1))


def test_pilar_submits_in_area_staff_moves_status(login, make_person, session_ctx):
    from app.models import AidApplication

    person_id = make_person()  # Bekasi Timur
    pilar = login("pilar.bekasitimur")
    assert pilar.get(f"/bantuan/tambah/{person_id}").status_code == 200
    r = pilar.post(f"/bantuan/tambah/{person_id}", data={"jenis": "emas"}, follow_redirects=True)
    assert r.status_code == 200 and "Jenis bantuan wajib dipilih" in r.get_data(as_text=True)
    r = pilar.post(f"/bantuan/tambah/{person_id}", data={"jenis": "bpjs_pbi", "dokumen": "KTP, KK"},
                   follow_redirects=True)
    page = r.get_data(as_text=True)
    assert "Permohonan bantuan tersimpan" in page and "Diajukan" in page
    aid_id = _aid_id(page)
    assert "Tandai" not in page  # pilar may not move the status
    assert pilar.post(f"/bantuan/{aid_id}/status", data={"status": "diverifikasi"}).status_code == 403
    assert f"PB-{aid_id:06d}" in pilar.get("/bantuan/").get_data(as_text=True)
    # another kecamatan's pilar sees nothing of it and cannot submit for the person
    other = login("pilar.jatiasih")
    assert other.get(f"/bantuan/{aid_id}").status_code == 404
    assert other.get(f"/bantuan/tambah/{person_id}").status_code == 404
    assert f"PB-{aid_id:06d}" not in other.get("/bantuan/").get_data(as_text=True)
    assert login("satpolpp").get("/bantuan/").status_code == 403

    staff = login("peksos")
    steps = [("diverifikasi", {}), ("diteruskan", {"instansi_tujuan": "Dinas Sosial Provinsi"}),
             ("disetujui", {}), ("disalurkan", {})]
    r = staff.post(f"/bantuan/{aid_id}/status", data={"status": "disalurkan"}, follow_redirects=True)
    assert "tidak dapat diubah dari Diajukan ke Disalurkan" in r.get_data(as_text=True)
    r = staff.post(f"/bantuan/{aid_id}/status", data={"status": "diverifikasi", "tanggal": "2999-01-01"},
                   follow_redirects=True)
    assert "masa depan" in r.get_data(as_text=True)
    for status, extra in steps:
        with session_ctx() as s:
            version = s.get(AidApplication, aid_id).version
        r = staff.post(f"/bantuan/{aid_id}/status", follow_redirects=True,
                       data={"status": status, "version": version, **extra})
        assert "Status permohonan diperbarui" in r.get_data(as_text=True), status
    r = staff.post(f"/bantuan/{aid_id}/status", data={"status": "diverifikasi", "version": 1},
                   follow_redirects=True)
    assert "diubah oleh pengguna lain" in r.get_data(as_text=True)
    with session_ctx() as s:
        a = s.get(AidApplication, aid_id)
        assert a.status == "disalurkan" and a.instansi_tujuan == "Dinas Sosial Provinsi"
        assert a.tanggal_diverifikasi and a.tanggal_diteruskan and a.tanggal_keputusan and a.tanggal_disalurkan
    assert staff.get("/bantuan/abc").status_code == 404
    assert staff.get("/bantuan/99999999").status_code == 404


def test_refusal_needs_reason_and_overdue_queue(login, make_person, session_ctx):
    from app.models import AidApplication
    from app.services import aid as aid_svc

    person_id = make_person()
    with session_ctx() as s:
        old = aid_svc.add_aid(s, person_id, {"jenis": "pkh", "tanggal_diajukan": "2026-01-10"})
        s.commit()
        old_id = old.id
        with_reason = aid_svc.add_aid(s, person_id, {"jenis": "bpnt"})
        with_reason_id = with_reason.id
        s.commit()
    staff = login("operator")
    r = staff.post(f"/bantuan/{with_reason_id}/status", data={"status": "ditolak"}, follow_redirects=True)
    assert "Alasan penolakan wajib diisi" in r.get_data(as_text=True)
    staff.post(f"/bantuan/{with_reason_id}/status", data={"status": "ditolak", "catatan": "sudah menerima"})
    with session_ctx() as s:
        assert s.get(AidApplication, with_reason_id).status == "ditolak"
    page = staff.get("/bantuan/antrean/terlambat").get_data(as_text=True)
    assert f"PB-{old_id:06d}" in page and f"PB-{with_reason_id:06d}" not in page
    # the menu shows the overdue count next to the link
    home = staff.get("/bantuan/").get_data(as_text=True)
    assert re.search(r"Bantuan terlambat \(\d+\+?\)", home)


def test_aid_api(app, make_person, session_ctx):
    from tests.conftest import PASSWORD

    person_id = make_person()

    def token(user):
        c = app.test_client()
        t = c.post("/api/v1/security/login", json={"username": user, "password": PASSWORD,
                                                    "provider": "db"}).get_json()["access_token"]
        return c, {"Authorization": f"Bearer {t}"}

    c, h = token("pilar.bekasitimur")
    assert c.post("/api/v1/bantuan/", headers=h, json={"person_id": "x"}).status_code == 400
    r = c.post("/api/v1/bantuan/", headers=h, json={"person_id": person_id, "jenis": "alat_bantu"})
    assert r.status_code == 201, r.get_json()
    aid = r.get_json()["result"]
    assert aid["status"] == "diajukan"
    assert c.put(f"/api/v1/bantuan/{aid['id']}/status", headers=h, json={"status": "diverifikasi"}
                 ).status_code == 403
    c2, h2 = token("pilar.jatiasih")
    assert c2.get(f"/api/v1/bantuan/{aid['id']}", headers=h2).status_code == 404
    r = c2.post("/api/v1/bantuan/", headers=h2, json={"person_id": person_id, "jenis": "pkh"})
    assert r.status_code == 400 and "di luar wilayah" in r.get_json()["message"]
    c3, h3 = token("peksos")
    r = c3.put(f"/api/v1/bantuan/{aid['id']}/status", headers=h3,
               json={"status": "diverifikasi", "version": aid["version"]})
    assert r.status_code == 200 and r.get_json()["result"]["status"] == "diverifikasi"
    r = c3.put(f"/api/v1/bantuan/{aid['id']}/status", headers=h3,
               json={"status": "diteruskan", "version": aid["version"]})
    assert r.status_code == 400 and "diubah oleh pengguna lain" in r.get_json()["message"]
    r = c3.get("/api/v1/bantuan/?status=diverifikasi", headers=h3)
    assert r.status_code == 200 and aid["id"] in [a["id"] for a in r.get_json()["result"]]
    assert c3.get("/api/v1/bantuan/?status=xx", headers=h3).status_code == 400


def test_menu_counts_and_reassign(login, build_case, session_ctx, uid):
    from app.models import Case

    case_id, _ = build_case("asesmen", full=False)
    peksos = login("peksos")
    page = peksos.get("/kasus/antrean/saya").get_data(as_text=True)
    m = re.search(r"Belum ditugaskan \((\d+)\+?\)", page)
    assert m and int(m.group(1)) >= 1  # the new case has no worker
    case_page = peksos.get(f"/kasus/{case_id}").get_data(as_text=True)
    assert "belum ditugaskan" in case_page and 'id="assign-form"' in case_page
    assert login("operator").get(f"/kasus/{case_id}").get_data(as_text=True).count('id="assign-form"') == 0
    with session_ctx() as s:
        version = s.get(Case, case_id).version
    r = peksos.post(f"/kasus/{case_id}/tugaskan", data={"worker_id": uid("pimpinan"), "version": version},
                    follow_redirects=True)
    assert "bukan pekerja sosial" in r.get_data(as_text=True)
    r = peksos.post(f"/kasus/{case_id}/tugaskan", data={"worker_id": uid("peksos"), "version": version},
                    follow_redirects=True)
    page = r.get_data(as_text=True)
    assert "Penugasan kasus diperbarui" in page and "Penugasan petugas" in page
    r = peksos.post(f"/kasus/{case_id}/tugaskan", data={"worker_id": "", "version": version},
                    follow_redirects=True)
    assert "diubah oleh pengguna lain" in r.get_data(as_text=True)
    assert login("operator").post(f"/kasus/{case_id}/tugaskan", data={"worker_id": ""}).status_code == 403
    assert peksos.post(f"/kasus/{case_id}/tugaskan", data={"worker_id": "abc"}).status_code == 404
    with session_ctx() as s:
        case = s.get(Case, case_id)
        assert case.assigned_worker_id == uid("peksos")
        assert case.transitions[-1].action == "tugaskan"
    assert f"/kasus/{case_id}\"" in peksos.get("/kasus/antrean/saya").get_data(as_text=True)
    # an aid application for the person is linked to the open case and listed on the case page
    from app.models import AidApplication
    from app.services import aid as aid_svc

    with session_ctx() as s:
        aid = aid_svc.add_aid(s, s.get(Case, case_id).person_id, {"jenis": "bpnt"})
        s.commit()
        assert aid.case_id == case_id
        aid_id = aid.id
        assert s.get(AidApplication, aid_id).status == "diajukan"
    assert f"PB-{aid_id:06d}" in peksos.get(f"/kasus/{case_id}").get_data(as_text=True)
