"""Optimistic locking: an update based on a stale version is refused; the newer data stays."""
from __future__ import annotations

import re

from tests.conftest import PASSWORD, unique_name
from tests.test_bad_input import person_form

STALE = "sudah diubah oleh pengguna lain"


def _version(page: str) -> str:
    return re.search(r'name="lock_version" type="hidden" value="(\d+)"', page).group(1)


def test_second_form_save_is_refused(login, make_person, session_ctx):
    from app.models import Person

    pid = make_person()
    first, second = login("operator"), login("peksos")
    v1 = _version(first.get(f"/personview/edit/{pid}").get_data(as_text=True))
    v2 = _version(second.get(f"/personview/edit/{pid}").get_data(as_text=True))
    assert v1 == v2
    name_a, name_b = unique_name("Pertama"), unique_name("Kedua")
    assert first.post(f"/personview/edit/{pid}",
                      data=person_form(name_a, lock_version=v1)).status_code == 302
    r = second.post(f"/personview/edit/{pid}", data=person_form(name_b, lock_version=v2))
    assert r.status_code == 200 and STALE in r.get_data(as_text=True)
    with session_ctx() as s:
        person = s.get(Person, pid)
        assert person.nama == name_a and str(person.version) != v1


def test_encounter_form_stale(login, make_person, session_ctx):
    from sqlalchemy import select

    from app.models import Encounter

    pid = make_person()
    with session_ctx() as s:
        eid = s.scalar(select(Encounter.id).where(Encounter.person_id == pid))
    a, b = login("operator"), login("peksos")
    va = _version(a.get(f"/encounterview/edit/{eid}").get_data(as_text=True))
    vb = _version(b.get(f"/encounterview/edit/{eid}").get_data(as_text=True))
    form = {"waktu": "2026-11-01 10:00:00", "kelurahan_kode": "32.75.01.1001",
            "sumber": "patroli", "aktivitas": "", "hasil": ""}
    assert a.post(f"/encounterview/edit/{eid}",
                  data=form | {"lokasi": "Terminal", "lock_version": va}).status_code == 302
    r = b.post(f"/encounterview/edit/{eid}", data=form | {"lokasi": "Pasar", "lock_version": vb})
    assert r.status_code == 200 and STALE in r.get_data(as_text=True)
    with session_ctx() as s:
        assert s.get(Encounter, eid).lokasi == "Terminal"


def test_api_put_with_old_version_409(app, make_person, session_ctx):
    from app.models import Person

    pid = make_person()
    token = app.test_client().post("/api/v1/security/login", json={
        "username": "operator", "password": PASSWORD, "provider": "db"}).get_json()["access_token"]
    c, h = app.test_client(), {"Authorization": f"Bearer {token}"}
    version = c.get(f"/api/v1/person/{pid}", headers=h).get_json()["result"]["version"]
    r = c.put(f"/api/v1/person/{pid}", json={"nama": "Versi Baru", "version": version}, headers=h)
    assert r.status_code == 200 and r.get_json()["version"] != version
    r = c.put(f"/api/v1/person/{pid}", json={"nama": "Versi Lama", "version": version}, headers=h)
    assert r.status_code == 409 and "sudah diubah" in r.get_json()["message"]
    with session_ctx() as s:
        assert s.get(Person, pid).nama == "Versi Baru"


def test_api_put_without_version_is_refused(app, make_person, session_ctx):
    from app.models import Person

    pid = make_person()
    token = app.test_client().post("/api/v1/security/login", json={
        "username": "operator", "password": PASSWORD, "provider": "db"}).get_json()["access_token"]
    r = app.test_client().put(f"/api/v1/person/{pid}", json={"nama": "Tanpa Versi"},
                              headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 409 and "version" in r.get_json()["message"]
    with session_ctx() as s:
        assert s.get(Person, pid).nama != "Tanpa Versi"


def test_form_edit_without_version_is_refused(login, make_person, session_ctx):
    from app.models import Person

    pid = make_person()
    c = login("operator")
    c.get(f"/personview/edit/{pid}")
    r = c.post(f"/personview/edit/{pid}", data=person_form("Tanpa Versi Form"))
    assert r.status_code == 200 and "sudah diubah" in r.get_data(as_text=True)
    with session_ctx() as s:
        assert s.get(Person, pid).nama != "Tanpa Versi Form"
