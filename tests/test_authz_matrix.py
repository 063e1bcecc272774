"""Every built-in role x every registry view and API endpoint, as app/roles.py says.

Expectations are computed FROM `ROLE_PERMISSIONS` (Admin holds every permission), so a
matrix change changes the test. Allowed = neither 403 nor a redirect to login (the
target record lies in the user's own area, so allowed reads answer 200); denied = 403
(FAB 5.3) for logged-in web users and API users; anonymous web -> login, API -> 401.
"""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.roles import ROLE_PERMISSIONS
from tests.conftest import PASSWORD

ROLE_USERS = {
    "Admin": "admin", "Operator": "operator", "Pekerja Sosial": "peksos",
    "Pimpinan": "pimpinan", "Satpol PP": "satpolpp", "Pilar Sosial": "pilar.bekasitimur",
}
ROLE_AREA = {"Satpol PP": "32.75.02.1001"}  # everyone else: Bekasi Timur
DEFAULT_AREA = "32.75.01.1001"


def allowed(role: str, view: str, perm: str) -> bool:
    return role == "Admin" or perm in ROLE_PERMISSIONS.get(role, {}).get(view, [])


# (view, permission, method, url template, expected status when allowed)
# {p} person, {e} encounter, {ap} archived person, {ae} archived encounter, {x} missing id.
WEB = [
    ("PersonView", "can_list", "GET", "/personview/list/", 200),
    ("PersonView", "can_show", "GET", "/personview/show/{p}", 200),
    ("PersonView", "can_add", "GET", "/personview/add", 200),
    ("PersonView", "can_edit", "GET", "/personview/edit/{p}", 200),
    ("PersonView", "can_archive", "GET", "/personview/archive/{p}", 200),
    ("EncounterView", "can_list", "GET", "/encounterview/list/", 200),
    ("EncounterView", "can_show", "GET", "/encounterview/show/{e}", 200),
    ("EncounterView", "can_add", "GET", "/encounterview/add", 200),
    ("EncounterView", "can_edit", "GET", "/encounterview/edit/{e}", 200),
    ("EncounterView", "can_archive", "GET", "/encounterview/archive/{e}", 200),
    ("ArchivedPersonView", "can_list", "GET", "/archivedpersonview/list/", 200),
    ("ArchivedPersonView", "can_show", "GET", "/archivedpersonview/show/{ap}", 200),
    ("ArchivedPersonView", "can_restore", "POST", "/archivedpersonview/restore/{x}", 404),
    ("ArchivedPersonView", "can_purge", "POST", "/archivedpersonview/purge/{x}", 404),
    ("ArchivedEncounterView", "can_list", "GET", "/archivedencounterview/list/", 200),
    ("ArchivedEncounterView", "can_show", "GET", "/archivedencounterview/show/{ae}", 200),
    ("ArchivedEncounterView", "can_restore", "POST", "/archivedencounterview/restore/{x}", 404),
    ("PilarSosialView", "can_list", "GET", "/pilarsosialview/list/", 200),
    ("PilarSosialView", "can_add", "GET", "/pilarsosialview/add", 200),
    ("AuditLogView", "can_list", "GET", "/auditlogview/list/", 200),
    ("AuditLogView", "can_show", "GET", "/auditlogview/show/{audit}", 200),
    ("PhotoView", "can_view", "GET", "/photo/person/{p}", 404),  # no photo stored
    ("PhotoView", "can_view", "GET", "/photo/encounter/{e}", 404),
    ("UserDBModelView", "can_list", "GET", "/users/list/", 200),
    ("UserDBModelView", "can_add", "GET", "/users/add", 200),
]
for _view, _pk in (("WilayahView", "32.75.01"), ("JenisPPKSView", "{jppks}"),
                   ("JenisPSKSView", "{jpsks}"), ("JenisLayananView", "{jlay}"),
                   ("LembagaView", "{lembaga}")):
    _base = "/" + _view.lower()
    WEB += [
        (_view, "can_list", "GET", f"{_base}/list/", 200),
        (_view, "can_show", "GET", f"{_base}/show/{_pk}", 200),
        (_view, "can_add", "GET", f"{_base}/add", 200),
        (_view, "can_edit", "GET", f"{_base}/edit/{_pk}", 200),
    ]

# API: allowed status for a body the handler refuses (so nothing is written).
API = [
    ("PersonApi", "can_get", "GET", "/api/v1/person/", None, 200),
    ("PersonApi", "can_get", "GET", "/api/v1/person/{p}", None, 200),
    ("PersonApi", "can_info", "GET", "/api/v1/person/_info", None, 200),
    ("PersonApi", "can_post", "POST", "/api/v1/person/", {"nik": "123"}, 422),
    ("PersonApi", "can_put", "PUT", "/api/v1/person/{p}", {"nik": "123", "version": 1}, 422),
    ("EncounterApi", "can_get", "GET", "/api/v1/encounter/", None, 200),
    ("EncounterApi", "can_get", "GET", "/api/v1/encounter/{e}", None, 200),
    ("EncounterApi", "can_info", "GET", "/api/v1/encounter/_info", None, 200),
    ("EncounterApi", "can_post", "POST", "/api/v1/encounter/", {"person_id": "{x}"}, 422),
    ("EncounterApi", "can_put", "PUT", "/api/v1/encounter/{e}", {"latitude": "abc", "version": 1},
     422),
    ("LembagaApi", "can_get", "GET", "/api/v1/lembaga/", None, 200),
    ("LembagaApi", "can_get", "GET", "/api/v1/lembaga/{lembaga}", None, 200),
    ("LembagaApi", "can_info", "GET", "/api/v1/lembaga/_info", None, 200),
    ("LembagaApi", "can_post", "POST", "/api/v1/lembaga/", {"kapasitas": "banyak"}, 422),
    ("LembagaApi", "can_put", "PUT", "/api/v1/lembaga/{lembaga}", {"kapasitas": "x"}, 422),
    ("WilayahApi", "can_get", "GET", "/api/v1/wilayah/", None, 200),
    ("WilayahApi", "can_get", "GET", "/api/v1/wilayah/32.75.01", None, 200),
    ("WilayahApi", "can_info", "GET", "/api/v1/wilayah/_info", None, 200),
]


@pytest.fixture(scope="module")
def ids(app):
    """Records per area: person, encounter, archived person/encounter, master rows."""
    from app.extensions import db
    from app.models import AuditLog, Encounter, JenisLayanan, JenisPPKS, JenisPSKS, Lembaga
    from app.services import archive, intake
    from app.services.scope import Scope
    from tests.conftest import app_session, unique_name

    out = {}
    with app_session(app) as s:
        for kel in {DEFAULT_AREA, *ROLE_AREA.values()}:
            def reg():
                r = intake.register(s, {"nama": unique_name("Matriks")},
                                    {"kelurahan_kode": kel, "sumber": "patroli"},
                                    scope=Scope.everything())
                s.flush()
                return r
            live, gone = reg(), reg()
            archive.archive(s, gone.person, "uji matriks")
            enc_gone = reg().encounter
            archive.archive(s, enc_gone, "uji matriks")
            s.commit()
            out[kel] = {"p": live.person.id, "e": live.encounter.id, "ap": gone.person.id,
                        "ae": enc_gone.id}
        common = {
            "x": 2_000_000_000,
            "audit": s.scalar(select(AuditLog.id).limit(1)),
            "jppks": s.scalar(select(JenisPPKS.id).limit(1)),
            "jpsks": s.scalar(select(JenisPSKS.id).limit(1)),
            "jlay": s.scalar(select(JenisLayanan.id).limit(1)),
            "lembaga": s.scalar(select(Lembaga.id).limit(1)),
        }
        assert db and Encounter
    return {kel: {**v, **common} for kel, v in out.items()}


@pytest.fixture(scope="module")
def clients(app):
    """One logged-in web client and one JWT token per role."""
    web, tokens = {}, {}
    for role, user in ROLE_USERS.items():
        c = app.test_client()
        assert c.post("/login/", data={"username": user, "password": PASSWORD}).status_code == 302
        web[role] = c
        r = app.test_client().post("/api/v1/security/login", json={
            "username": user, "password": PASSWORD, "provider": "db"})
        assert r.status_code == 200, r.get_data(as_text=True)
        tokens[role] = r.get_json()["access_token"]
    return web, tokens


def _fmt(template, values):
    return template.format(**values) if isinstance(template, str) else template


def test_matrix_names_real_views(app):
    """A matrix entry naming a view or permission that does not exist would silently pass."""
    sm = app.appbuilder.sm
    with app.app_context():
        for role, matrix in ROLE_PERMISSIONS.items():
            for view, perms in matrix.items():
                for perm in perms:
                    assert sm.find_permission_view_menu(perm, view) is not None, (role, view, perm)


@pytest.mark.parametrize("role", list(ROLE_USERS))
def test_web_endpoints(role, clients, ids):
    web, _ = clients
    values = ids[ROLE_AREA.get(role, DEFAULT_AREA)]
    wrong = []
    for view, perm, method, template, ok_status in WEB:
        url = _fmt(template, values)
        response = web[role].open(url, method=method, data={"reason": "uji"})
        expected = ok_status if allowed(role, view, perm) else 403
        if response.status_code != expected:
            wrong.append(f"{method} {url} ({view}.{perm}): {response.status_code} != {expected}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("role", list(ROLE_USERS))
def test_api_endpoints(role, app, clients, ids):
    _, tokens = clients
    values = ids[ROLE_AREA.get(role, DEFAULT_AREA)]
    c = app.test_client()
    headers = {"Authorization": f"Bearer {tokens[role]}"}
    wrong = []
    for view, perm, method, template, body, ok_status in API:
        url = _fmt(template, values)
        body = {k: _fmt(v, values) for k, v in body.items()} if body else None
        response = c.open(url, method=method, json=body, headers=headers)
        expected = ok_status if allowed(role, view, perm) else 403
        if response.status_code != expected:
            wrong.append(f"{method} {url} ({view}.{perm}): {response.status_code} != {expected} "
                         f"{response.get_data(as_text=True)[:200]}")
    assert not wrong, "\n".join(wrong)


def test_wilayah_api_is_read_only(app, clients):
    _, tokens = clients
    c = app.test_client()
    headers = {"Authorization": f"Bearer {tokens['Admin']}"}
    assert c.post("/api/v1/wilayah/", json={"kode": "99"}, headers=headers).status_code == 405
    assert c.put("/api/v1/wilayah/32.75.01", json={"nama": "X"}, headers=headers).status_code == 405


def test_anonymous(app, ids):
    values = ids[DEFAULT_AREA]
    c = app.test_client()
    for view, perm, method, template, _ in WEB:
        url = _fmt(template, values)
        response = c.open(url, method=method, data={"reason": "uji"})
        assert response.status_code == 302, (url, response.status_code)
        if response.status_code == 302:
            assert "/login/" in response.headers["Location"], url
    for view, perm, method, template, body, _ in API:
        response = c.open(_fmt(template, values), method=method, json=body)
        assert response.status_code == 401, (template, response.status_code)
