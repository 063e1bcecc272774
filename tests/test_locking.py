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


def _concurrent_write_after_check(monkeypatch, app, view_cls, table: str, row_id: int, **values):
    """Commit another user's change on a separate connection right after the form's
    version check passed (the race window between check and UPDATE)."""
    import sqlalchemy as sa

    from app.extensions import db

    original = view_cls.domain_validate

    def racing(self, form, is_add):
        errors = original(self, form, is_add)
        sets = ", ".join(f"{k} = :{k}" for k in values)
        with db.engine.begin() as conn:
            conn.execute(sa.text(f"UPDATE {table} SET {sets}, version = version + 1 "
                                 f"WHERE id = :id"), dict(values, id=row_id))
        return errors

    monkeypatch.setattr(view_cls, "domain_validate", racing)


def test_person_save_racing_a_concurrent_save_is_refused(app, monkeypatch, login, make_person,
                                                         session_ctx):
    from app.models import Person
    from app.views.registry import PersonView

    pid = make_person()
    c = login("operator")
    v = _version(c.get(f"/personview/edit/{pid}").get_data(as_text=True))
    other = unique_name("Lain")
    _concurrent_write_after_check(monkeypatch, app, PersonView, "person", pid, nama=other)
    r = c.post(f"/personview/edit/{pid}", data=person_form(unique_name("Kalah"), lock_version=v),
               follow_redirects=True)
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and STALE in page
    for generic in ("Kesalahan Basis Data", "Database Error", "expected to update"):
        assert generic not in page  # not FAB's generic error nor SQLAlchemy's message
    with session_ctx() as s:
        person = s.get(Person, pid)
        assert person.nama == other and person.version == int(v) + 1


def test_encounter_save_racing_a_concurrent_save_is_refused(app, monkeypatch, login, make_person,
                                                            session_ctx):
    from sqlalchemy import select

    from app.models import Encounter
    from app.views.registry import EncounterView

    pid = make_person()
    with session_ctx() as s:
        eid = s.scalar(select(Encounter.id).where(Encounter.person_id == pid))
    c = login("operator")
    v = _version(c.get(f"/encounterview/edit/{eid}").get_data(as_text=True))
    _concurrent_write_after_check(monkeypatch, app, EncounterView, "encounter", eid,
                                  lokasi="Stasiun")
    form = {"waktu": "2026-11-01 10:00:00", "kelurahan_kode": "32.75.01.1001",
            "sumber": "patroli", "aktivitas": "", "hasil": "", "lokasi": "Pasar", "lock_version": v}
    r = c.post(f"/encounterview/edit/{eid}", data=form, follow_redirects=True)
    assert r.status_code == 200 and STALE in r.get_data(as_text=True)
    assert "Kesalahan Basis Data" not in r.get_data(as_text=True)
    with session_ctx() as s:
        enc = s.get(Encounter, eid)
        assert enc.lokasi == "Stasiun" and enc.version == int(v) + 1
