"""Audit trail and archive/restore/purge through the web screens, with the right actor."""
from __future__ import annotations

import re

from sqlalchemy import select

from tests.conftest import unique_name
from tests.test_bad_input import person_form


def _entries(session_ctx, table, record_id):
    from app.models import AuditLog

    with session_ctx() as s:
        rows = s.scalars(select(AuditLog).where(AuditLog.table_name == table,
                                                AuditLog.record_id == str(record_id))
                         .order_by(AuditLog.id)).all()
        return [(r.action, r.actor_name, r.changes or {}, r.note) for r in rows]


def _version(page: str) -> str:
    return re.search(r'name="lock_version" type="hidden" value="(\d+)"', page).group(1)


def _person_id(session_ctx, name):
    from app.models import Person

    with session_ctx() as s:
        return s.scalar(select(Person.id).where(Person.nama == name))


def test_insert_update_archive_restore_purge_are_audited(login, session_ctx):
    op, peksos, admin = login("operator"), login("peksos"), login("admin")
    name = unique_name("Audit")
    assert op.post("/personview/add", data=person_form(
        name, enc_kelurahan_kode="32.75.01.1001")).status_code == 302
    pid = _person_id(session_ctx, name)
    entries = _entries(session_ctx, "person", pid)
    action, actor, changes, _ = entries[0]
    assert (action, actor) == ("insert", "operator") and changes["nama"] == [None, name], entries
    assert all(e[1] == "operator" for e in entries)

    page = peksos.get(f"/personview/edit/{pid}").get_data(as_text=True)
    new = name + " Baru"
    r = peksos.post(f"/personview/edit/{pid}", data=person_form(
        new, tempat_lahir="Bekasi", lock_version=_version(page)))
    assert r.status_code == 302, r.get_data(as_text=True)[-2000:]
    action, actor, changes, _ = _entries(session_ctx, "person", pid)[-1]
    assert (action, actor) == ("update", "peksos")
    assert changes["nama"] == [name, new] and changes["tempat_lahir"] == [None, "Bekasi"]

    assert op.post(f"/personview/archive/{pid}", data={"reason": "x"}).status_code == 200
    assert _entries(session_ctx, "person", pid)[-1][0] == "update"  # reason too short: nothing
    assert op.post(f"/personview/archive/{pid}",
                   data={"reason": "Meninggal dunia"}).status_code == 302
    action, actor, changes, _ = _entries(session_ctx, "person", pid)[-1]
    assert (action, actor) == ("archive", "operator")
    assert changes["is_archived"] == [False, True]
    assert changes["archive_reason"] == [None, "Meninggal dunia"]
    assert op.get(f"/personview/show/{pid}").status_code == 404  # left the lists
    assert f"/archivedpersonview/show/{pid}" in op.get(
        "/archivedpersonview/list/?psize_ArchivedPersonView=100").get_data(as_text=True)

    assert peksos.post(f"/archivedpersonview/restore/{pid}").status_code == 302
    action, actor, changes, _ = _entries(session_ctx, "person", pid)[-1]
    assert (action, actor) == ("restore", "peksos") and changes["is_archived"] == [True, False]
    page = op.get(f"/personview/show/{pid}").get_data(as_text=True)
    assert "Meninggal dunia" in page and "peksos" in page  # the person page shows history

    # purge: Admin only, of archived records only, logged with every field's last value
    assert op.post(f"/personview/archive/{pid}", data={"reason": "Data uji"}).status_code == 302
    for user in ("operator", "peksos", "pimpinan"):
        assert login(user).post(f"/archivedpersonview/purge/{pid}",
                                data={"reason": "hapus"}).status_code == 403
    assert _person_id(session_ctx, new) == pid
    assert admin.post(f"/archivedpersonview/purge/{pid}",
                      data={"reason": "Data ganda uji"}).status_code == 302
    assert _person_id(session_ctx, new) is None
    entries = _entries(session_ctx, "person", pid)
    actions = [e[0] for e in entries]
    assert "purge_request" in actions and actions[-1] == "purge"
    action, actor, changes, note = entries[-1]
    assert actor == "admin" and note == "Data ganda uji" and changes["nama"][1] == new
    from app.models import AuditLog, Encounter

    with session_ctx() as s:  # its encounters are purged (and logged) with it
        assert s.query(Encounter).filter_by(person_id=pid).count() == 0
        logged = s.scalars(select(AuditLog.changes).where(
            AuditLog.table_name == "encounter", AuditLog.action == "purge")).all()
        assert any(c.get("person_id", [None, None])[1] == pid for c in logged)


def test_encounter_archive_restore(login, make_person, session_ctx):
    from app.models import Encounter

    pid = make_person()
    with session_ctx() as s:
        eid = s.scalar(select(Encounter.id).where(Encounter.person_id == pid))
    c = login("peksos")
    assert c.post(f"/encounterview/archive/{eid}", data={"reason": "Salah catat"}).status_code == 302
    assert c.get(f"/encounterview/show/{eid}").status_code == 404
    assert c.get(f"/archivedencounterview/show/{eid}").status_code == 200
    assert c.post(f"/archivedencounterview/restore/{eid}").status_code == 302
    actions = [(e[0], e[1]) for e in _entries(session_ctx, "encounter", eid)]
    assert actions[-2:] == [("archive", "peksos"), ("restore", "peksos")]
    assert c.get(f"/encounterview/show/{eid}").status_code == 200


def test_admin_sees_audit_log(login):
    assert login("admin").get("/auditlogview/list/").status_code == 200
    assert login("pilar.bekasitimur").get("/auditlogview/list/").status_code == 403
