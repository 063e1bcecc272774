"""Administrators manage users, areas and roles from the UI; master data commands."""
from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy import func, select

from tests.conftest import PASSWORD, unique_name

# Official code list (copied from shared/reference: 38 provinces, 514 kab/kota).
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def _role_id(app, name):
    from tests.conftest import app_session

    with app_session(app):
        return app.appbuilder.sm.find_role(name).id


def _user(app, username):
    from tests.conftest import app_session

    with app_session(app):
        user = app.appbuilder.sm.find_user(username=username)
        return None if user is None else {
            "id": user.id, "active": user.active, "kecamatan": user.kecamatan_kode,
            "roles": sorted(r.name for r in user.roles)}


def _new_user_form(app, username, role, password="RelaWan#2026ok", kecamatan="32.75.09"):
    return {"first_name": "Relawan", "last_name": "Uji", "username": username, "active": "y",
            "email": f"{username}@uji.invalid", "roles": str(_role_id(app, role)),
            "password": password, "conf_password": password, "kecamatan": kecamatan}


def test_admin_creates_area_user_who_sees_only_that_area(app, login, make_person):
    from tests.conftest import app_session

    username = "relawan." + unique_name("x").split()[1]
    admin = login("admin")
    r = admin.post("/users/add", data=_new_user_form(app, username, "Pilar Sosial"))
    assert r.status_code == 302, r.get_data(as_text=True)[:500]
    assert _user(app, username)["kecamatan"] == "32.75.09"
    with app_session(app):
        stored = app.appbuilder.sm.find_user(username=username).password
    assert stored != "RelaWan#2026ok" and stored.startswith(("scrypt:", "pbkdf2:"))
    own = make_person("32.75.09.1002")
    other = make_person("32.75.01.1001")
    user = login(username, "RelaWan#2026ok")
    r = user.get(f"/personview/show/{own}")
    assert r.status_code == 200, r.headers.get("Location")
    assert user.get(f"/personview/show/{other}").status_code == 404


def test_weak_password_refused(app, login):
    username = "lemah." + unique_name("x").split()[1]
    r = login("admin").post("/users/add", data=_new_user_form(app, username, "Operator", "abc"))
    assert r.status_code == 200 and _user(app, username) is None


def test_deactivate_and_reset_password(app, login, client):
    username = "nonaktif." + unique_name("x").split()[1]
    admin = login("admin")
    assert admin.post("/users/add", data=_new_user_form(app, username, "Operator")).status_code == 302
    uid = _user(app, username)["id"]
    r = admin.post(f"/resetpassword/form?pk={uid}",
                   data={"password": "BaRu#Sandi2026", "conf_password": "BaRu#Sandi2026"})
    assert r.status_code == 302
    login(username, "BaRu#Sandi2026")  # new password works
    form = _new_user_form(app, username, "Operator")
    for key in ("password", "conf_password", "active"):
        form.pop(key)
    assert admin.post(f"/users/edit/{uid}", data=form).status_code == 302
    assert _user(app, username)["active"] is False
    r = client.post("/login/", data={"username": username, "password": "BaRu#Sandi2026"})
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_custom_role_copied_in_ui_survives_sync_and_is_area_scoped(app, login, make_person):
    from app.roles import ROLE_PERMISSIONS
    from app.services.seeding import sync_roles
    from tests.conftest import app_session

    admin = login("admin")
    pilar = _role_id(app, "Pilar Sosial")
    r = admin.post("/roles/action_post", data={"action": "copyrole", "rowid": str(pilar)})
    assert r.status_code == 302
    custom = "Relawan Karang Taruna " + unique_name("x").split()[1]
    with app_session(app) as s:
        sm = app.appbuilder.sm
        role = sm.find_role("Pilar Sosial copy")
        role.name = custom
        # a volunteer who records encounters but does not edit persons
        role.permissions = [p for p in role.permissions
                            if not (p.view_menu.name == "PersonView" and p.permission.name == "can_edit")]
        kept = sorted(str(p) for p in role.permissions)
        # tamper with a built-in role too: the sync must put it back
        builtin = sm.find_role("Pilar Sosial")
        builtin.permissions = builtin.permissions[:3]
        s.commit()
    with app_session(app):
        sync_roles(app.appbuilder, ROLE_PERMISSIONS)
    with app_session(app):
        sm = app.appbuilder.sm
        assert sorted(str(p) for p in sm.find_role(custom).permissions) == kept
        assert len(sm.find_role("Pilar Sosial").permissions) > 3
    username = "kt." + unique_name("x").split()[1]
    assert admin.post("/users/add", data=_new_user_form(app, username, custom)).status_code == 302
    volunteer = login(username, "RelaWan#2026ok")
    own, other = make_person("32.75.09.1001"), make_person("32.75.02.1001")
    assert volunteer.get(f"/personview/show/{own}").status_code == 200
    assert volunteer.get(f"/personview/show/{other}").status_code == 404
    assert volunteer.get(f"/personview/edit/{own}").status_code == 403
    assert volunteer.get("/encounterview/add").status_code == 200


def test_wilayah_import_is_idempotent_and_reports_renames(app, tmp_path):
    from app.models import Wilayah
    from tests.conftest import app_session

    source = FIXTURES / "indonesia_provinsi_kabkota.csv"
    runner = app.test_cli_runner()
    first = runner.invoke(args=["wilayah", "import", str(source)])
    assert first.exit_code == 0, first.output
    with app_session(app) as s:
        assert s.scalar(select(func.count()).select_from(Wilayah).where(Wilayah.level == "kabkota")) >= 514
    again = runner.invoke(args=["wilayah", "import", str(source)])
    assert "Ditambahkan: 0" in again.output and "diganti nama: 0" in again.output
    renamed = tmp_path / "renamed.csv"
    shutil.copy(source, renamed)
    text = renamed.read_text(encoding="utf-8").replace("Kota Bekasi", "Kota Bekasi Baru", 1)
    renamed.write_text(text, encoding="utf-8")
    out = runner.invoke(args=["wilayah", "import", str(renamed)]).output
    assert "diganti nama: 1" in out and "Kota Bekasi -> Kota Bekasi Baru" in out
    runner.invoke(args=["wilayah", "import", str(source)])  # put the real name back
    broken = tmp_path / "broken.csv"
    broken.write_text("kode,nama,level,parent_kode\n99.99,Tanpa Induk,kabkota,99\n32.1,X,kecamatan,32\n")
    result = runner.invoke(args=["wilayah", "import", str(broken)])
    assert result.exit_code != 0 and "format kode" in result.output
    with app_session(app) as s:
        assert s.get(Wilayah, "99.99") is None


def test_seed_is_idempotent(app):
    from app.services.seeding import seed_master
    from tests.conftest import app_session

    with app_session(app) as s:
        assert seed_master(s) == {"wilayah": 0}
        s.rollback()
