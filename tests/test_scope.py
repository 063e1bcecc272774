"""Area scope: area-limited roles never reach records outside their area (404, never listed)."""
from __future__ import annotations

import pytest

from tests.conftest import PASSWORD, unique_name
from tests.test_authz_matrix import allowed
from tests.test_bad_input import person_form

ROLES = {"pilar.bekasitimur": "Pilar Sosial", "satpolpp": "Satpol PP"}

JATIASIH = "32.75.09.1002"
BEKASI_TIMUR = "32.75.01.1002"
BEKASI_BARAT = "32.75.02.1002"


@pytest.fixture(scope="module")
def people(app):
    """One person (with encounter) per area, with a photo stored, names unique."""
    from app.services import intake, photos
    from app.services.scope import Scope
    from tests.conftest import app_session
    from tests.test_bad_input import jpeg_bytes

    out = {}
    with app_session(app) as s:
        for kel in (JATIASIH, BEKASI_TIMUR, BEKASI_BARAT):
            name = unique_name("Lingkup")
            r = intake.register(s, {"nama": name}, {"kelurahan_kode": kel, "sumber": "patroli"},
                                scope=Scope.everything())
            photo = photos.store_photo(jpeg_bytes(), app.config["PHOTO_DIR"],
                                       max_bytes=10**7, max_side=512)
            r.person.photo = photo
            r.encounter.photo = photo
            s.commit()
            out[kel] = {"p": r.person.id, "e": r.encounter.id, "name": name}
    return out


def _jwt(app, user):
    r = app.test_client().post("/api/v1/security/login",
                               json={"username": user, "password": PASSWORD, "provider": "db"})
    return {"Authorization": f"Bearer {r.get_json()['access_token']}"}


def _outside_urls(rec):
    """(view, permission, method, url, form) reaching one record of another area."""
    p, e = rec["p"], rec["e"]
    return [
        ("PersonView", "can_show", "GET", f"/personview/show/{p}", None),
        ("PersonView", "can_edit", "GET", f"/personview/edit/{p}", None),
        ("PersonView", "can_edit", "POST", f"/personview/edit/{p}", person_form("Diubah")),
        ("PersonView", "can_archive", "GET", f"/personview/archive/{p}", None),
        ("PersonView", "can_archive", "POST", f"/personview/archive/{p}", {"reason": "coba"}),
        ("PhotoView", "can_view", "GET", f"/photo/person/{p}", None),
        ("EncounterView", "can_show", "GET", f"/encounterview/show/{e}", None),
        ("EncounterView", "can_edit", "GET", f"/encounterview/edit/{e}", None),
        ("EncounterView", "can_edit", "POST", f"/encounterview/edit/{e}",
         {"sumber": "patroli", "lokasi": "diubah", "kelurahan_kode": "", "aktivitas": "",
          "hasil": ""}),
        ("EncounterView", "can_archive", "GET", f"/encounterview/archive/{e}", None),
        ("EncounterView", "can_archive", "POST", f"/encounterview/archive/{e}", {"reason": "coba"}),
        ("PhotoView", "can_view", "GET", f"/photo/encounter/{e}", None),
    ]


def _check_area(app, login, people, user, own_kel, other_kel):
    from app.extensions import db
    from app.models import Encounter, Person

    c = login(user)
    other, own = people[other_kel], people[own_kel]
    role = ROLES[user]
    for view, perm, method, url, data in _outside_urls(other):
        r = c.open(url, method=method, data=data)
        # outside the area: 404 where the role holds the permission, else 403 (never 200)
        expected = 404 if allowed(role, view, perm) else 403
        assert r.status_code == expected, (user, method, url, r.status_code)
    # FAB actions (trap #1): every registered action, GET and POST, is scoped too.
    from app.views.registry import EncounterView, PersonView

    views = {type(v): v for v in app.appbuilder.baseviews}
    for view, pk in ((PersonView, other["p"]), (EncounterView, other["e"])):
        base = "/" + view.__name__.lower()
        names = list(views[view].actions or {}) or ["tidak_ada"]
        for name in names:
            r = c.post(f"{base}/action/{name}/{pk}")
            assert r.status_code in (403, 404), (base, name, r.status_code)
            r = c.post(f"{base}/action_post", data={"action": name, "rowid": [pk]})
            assert r.status_code in (403, 404), (base, r.status_code)
    # nothing changed
    with app.app_context():
        person = db.session.get(Person, other["p"])
        assert person.nama == other["name"] and not person.is_archived
        enc = db.session.get(Encounter, other["e"])
        assert enc.lokasi != "diubah" and not enc.is_archived
        db.session.remove()
    # lists and searches never show it; own record is visible
    hidden = f"/personview/show/{other['p']}\""
    page = c.get("/personview/list/?q=" + other["name"]).get_data(as_text=True)
    assert hidden not in page
    assert page.count(other["name"]) <= 1  # only echoed in the search box
    page = c.get("/personview/list/?q=" + own["name"]).get_data(as_text=True)
    assert f"/personview/show/{own['p']}\"" in page
    page = c.get("/personview/list/?psize_PersonView=100").get_data(as_text=True)
    assert other["name"] not in page and hidden not in page
    page = c.get("/personview/list/?_flt_0_nama=" + other["name"]).get_data(as_text=True)
    assert hidden not in page
    assert c.get(f"/personview/show/{own['p']}").status_code == 200
    assert c.get(f"/photo/person/{own['p']}").status_code == 200
    assert c.get(f"/encounterview/show/{own['e']}").status_code == 200
    enc_page = c.get("/encounterview/list/?psize_EncounterView=100").get_data(as_text=True)
    assert f"/encounterview/show/{other['e']}\"" not in enc_page
    # API
    h = _jwt(app, user)
    api = app.test_client()
    assert api.get(f"/api/v1/person/{other['p']}", headers=h).status_code == 404
    put = api.put(f"/api/v1/person/{other['p']}", json={"nama": "X"}, headers=h).status_code
    assert put == (404 if allowed(role, "PersonApi", "can_put") else 403)
    assert api.get(f"/api/v1/encounter/{other['e']}", headers=h).status_code == 404
    assert api.put(f"/api/v1/encounter/{other['e']}", json={"lokasi": "X"},
                   headers=h).status_code == 404
    assert api.post("/api/v1/encounter/", json={"person_id": other["p"]},
                    headers=h).status_code == 422
    listed = api.get("/api/v1/person/?q=(page_size:100)", headers=h).get_json()["ids"]
    assert other["p"] not in listed
    assert api.get(f"/api/v1/person/{own['p']}", headers=h).status_code == 200


def test_pilar_bekasi_timur_scope(app, login, people):
    _check_area(app, login, people, "pilar.bekasitimur", BEKASI_TIMUR, JATIASIH)


def test_satpolpp_scope(app, login, people):
    _check_area(app, login, people, "satpolpp", BEKASI_BARAT, JATIASIH)


def test_citywide_role_sees_all(app, login, people):
    c = login("peksos")
    for kel in (JATIASIH, BEKASI_TIMUR):
        assert c.get(f"/personview/show/{people[kel]['p']}").status_code == 200


def test_pilar_cannot_place_records_outside_area(app, login, people, session_ctx):
    from sqlalchemy import func, select

    from app.models import Encounter, Person

    c = login("pilar.bekasitimur")
    name = unique_name("Luar")
    r = c.post("/personview/add", data=person_form(name, domisili_kelurahan_kode=JATIASIH))
    assert r.status_code == 200
    assert "di luar wilayah tugas Anda" in r.get_data(as_text=True)
    r = c.post("/personview/add", data=person_form(name, enc_kelurahan_kode=JATIASIH,
                                                   enc_lokasi="Pasar"))
    assert "di luar wilayah tugas Anda" in r.get_data(as_text=True)
    own = people[BEKASI_TIMUR]
    with session_ctx() as s:
        before = s.scalar(select(func.count()).select_from(Encounter).where(
            Encounter.person_id == own["p"]))
    r = c.post("/encounterview/add", data={"person_ref": own["p"], "kelurahan_kode": JATIASIH,
                                           "sumber": "patroli", "lokasi": "luar",
                                           "waktu": "2026-11-01 10:00:00",
                                           "aktivitas": "", "hasil": ""})
    assert "di luar wilayah tugas Anda" in r.get_data(as_text=True), _alerts(r)
    h = _jwt(app, "pilar.bekasitimur")
    api = app.test_client()
    r = api.post("/api/v1/person/", json={"nama": name, "domisili_kelurahan_kode": JATIASIH},
                 headers=h)
    assert r.status_code == 422 and "di luar wilayah tugas Anda" in r.get_data(as_text=True)
    r = api.post("/api/v1/encounter/", json={"person_id": own["p"], "kelurahan_kode": JATIASIH},
                 headers=h)
    assert r.status_code == 422 and "di luar wilayah tugas Anda" in r.get_data(as_text=True)
    # moving an own person out of the area is refused too
    with session_ctx() as s:
        own_version = s.get(Person, own["p"]).version
    r = api.put(f"/api/v1/person/{own['p']}",
                json={"domisili_kelurahan_kode": JATIASIH, "version": own_version}, headers=h)
    assert r.status_code == 422
    with session_ctx() as s:
        assert s.scalar(select(func.count()).select_from(Person).where(Person.nama == name)) == 0
        after = s.scalar(select(func.count()).select_from(Encounter).where(
            Encounter.person_id == own["p"]))
        assert after == before
        assert s.get(Person, own["p"]).kecamatan_kode == "32.75.01"


def _alerts(response):
    import re

    page = response.get_data(as_text=True)
    return re.findall(r'alert-danger">\s*([^<]+)<', page) + re.findall(r'help-block">([^<]+)<', page)
