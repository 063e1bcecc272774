"""Person/encounter API: intake-backed writes, and the API login rate limit (trap #8)."""
from __future__ import annotations

import pytest

from tests.conftest import PASSWORD, make_app, unique_name


@pytest.fixture(scope="module")
def limited_app(app, tmp_path_factory):
    return make_app(tmp_path_factory, AUTH_RATE_LIMITED=True, RATELIMIT_ENABLED=True,
                    API_LOGIN_RATE_LIMIT="3 per minute", AUTH_RATE_LIMIT="3 per minute",
                    RATELIMIT_STORAGE_URI="memory://",
                    SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"])


def test_api_login_is_rate_limited(limited_app):
    c = limited_app.test_client()
    body = {"username": "operator", "password": "salah-sekali", "provider": "db"}
    codes = [c.post("/api/v1/security/login", json=body).status_code for _ in range(4)]
    assert codes == [401, 401, 401, 429]
    # even the right password is refused while limited
    r = c.post("/api/v1/security/login", json=body | {"password": PASSWORD})
    assert r.status_code == 429


def test_api_login_not_limited_when_disabled(app):
    c = app.test_client()
    body = {"username": "operator", "password": "salah-sekali", "provider": "db"}
    assert {c.post("/api/v1/security/login", json=body).status_code for _ in range(5)} == {401}


def test_api_create_person_with_encounter(app, session_ctx):
    from app.models import Encounter, Person

    token = app.test_client().post("/api/v1/security/login", json={
        "username": "satpolpp", "password": PASSWORD, "provider": "db"}).get_json()["access_token"]
    h = {"Authorization": f"Bearer {token}"}
    c = app.test_client()
    name = unique_name("Api")
    r = c.post("/api/v1/person/", json={"nama": name, "aliases": "Ujang, Jang",
                                        "encounter": {"kelurahan_kode": "32.75.02.1003",
                                                      "sumber": "razia", "aktivitas": "mengemis"}},
               headers=h)
    assert r.status_code == 201, r.get_json()
    pid = r.get_json()["id"]
    with session_ctx() as s:
        person = s.get(Person, pid)
        assert person.kecamatan_kode == "32.75.02" and sorted(a.alias for a in person.aliases) == ["Jang", "Ujang"]
        assert s.query(Encounter).filter_by(person_id=pid).count() == 1
    r = c.post("/api/v1/person/", json={"nama": unique_name("Api"), "encounter": {"waktu": "besok"}},
               headers=h)
    assert r.status_code == 422
