"""Aid application screens (permohonan bantuan): scoped list with status filter
and the overdue queue, submit for a person, detail page with the status steps.

Thin: logic in `services.aid`; every lookup goes through its scope rule
(forged or out-of-area ids -> 404).
"""
from __future__ import annotations

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView
from flask_appbuilder.baseviews import expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext as _
from sqlalchemy import select

from app.extensions import db
from app.models import Person
from app.security import current_scope
from app.services import aid as aid_svc
from app.services.audit import set_actor
from app.services.casework import CaseworkError
from app.services.scope import person_clause
from app.views.base import safe_pk

PAGE = 25


def _person(pk) -> Person:
    person = db.session.execute(select(Person).where(
        Person.id == safe_pk(pk), person_clause(current_scope()))).scalar()
    if person is None:
        abort(404)
    return person


class AidView(BaseView):
    """Permohonan bantuan: daftar, tambah, detail, ubah status."""

    route_base = "/bantuan"
    default_view = "list"
    base_permissions = ["can_list", "can_show", "can_add", "can_status"]

    def _ctx(self) -> dict:
        return dict(types=aid_svc.AID_TYPES, statuses=aid_svc.AID_STATUS,
                    limit_days=aid_svc.AID_LIMIT_DAYS)

    @expose("/")
    @expose("/antrean/<queue>")
    @has_access
    def list(self, queue=None):
        if queue not in (None, "terlambat"):
            abort(404)
        status = request.args.get("status") or None
        if status not in (None, *aid_svc.AID_STATUS):
            status = None
        page = min(max(0, request.args.get("page", 0, type=int) or 0), 400)
        q = aid_svc.aid_query(current_scope(), status=status, overdue=queue == "terlambat")
        rows = db.session.execute(q.offset(page * PAGE).limit(PAGE)).scalars().all()
        return self.render_template(
            "palu/aid_list.html", rows=rows, page=page, status=status, queue=queue,
            overdue=aid_svc.overdue_count(db.session, current_scope()), **self._ctx())

    @expose("/tambah", methods=["GET", "POST"])
    @expose("/tambah/<person_id>", methods=["GET", "POST"])
    @has_access
    def add(self, person_id=None):
        person_id = person_id or (request.values.get("person_id") or "").strip().lstrip("#")
        person = _person(person_id)
        if request.method == "POST":
            set_actor(db.session, g.user.id, g.user.username)
            try:
                item = aid_svc.add_aid(db.session, person.id, request.form.to_dict(),
                                       scope=current_scope())
                db.session.commit()
            except CaseworkError as err:
                db.session.rollback()
                flash(str(err), "danger")
                return self.render_template("palu/aid_add.html", person=person,
                                            form=request.form, **self._ctx())
            flash(_("Permohonan bantuan tersimpan."), "success")
            return redirect(url_for("AidView.show", pk=item.id))
        return self.render_template("palu/aid_add.html", person=person, form={}, **self._ctx())

    @expose("/<pk>")
    @has_access
    def show(self, pk):
        item = aid_svc.get_aid(db.session, current_scope(), pk) or abort(404)
        can_status = self.appbuilder.sm.has_access("can_status", "AidView")
        nexts = sorted(aid_svc.AID_FLOW.get(item.status, ()),
                       key=list(aid_svc.AID_STATUS).index) if can_status else []
        return self.render_template("palu/aid_show.html", item=item, nexts=nexts,
                                    dates=aid_svc.AID_DATE, **self._ctx())

    @expose("/<pk>/status", methods=["POST"])
    @has_access
    def status(self, pk):
        item = aid_svc.get_aid(db.session, current_scope(), pk) or abort(404)
        set_actor(db.session, g.user.id, g.user.username)
        f = request.form
        try:
            aid_svc.set_aid_status(db.session, item, f.get("status", ""), f.get("tanggal") or None,
                                   expected_version=f.get("version", type=int),
                                   note=f.get("catatan"), instansi_tujuan=f.get("instansi_tujuan"))
            db.session.commit()
            flash(_("Status permohonan diperbarui."), "success")
        except CaseworkError as err:
            db.session.rollback()
            flash(str(err), "danger")
        return redirect(url_for("AidView.show", pk=item.id))
