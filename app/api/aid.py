"""REST API for aid applications (permohonan bantuan), scoped like the screens.

GET  /api/v1/bantuan/?status=&terlambat=1&page=   list (25 a page)
GET  /api/v1/bantuan/<id>                          one application
POST /api/v1/bantuan/                              {"person_id", "jenis", ...} submit
PUT  /api/v1/bantuan/<id>/status                   {"status", "tanggal", "version", "catatan"}
Refused input -> 400 with an Indonesian message; out-of-scope ids -> 404.
"""
from __future__ import annotations

from flask import g, request
from flask_appbuilder.api import BaseApi, expose, protect, safe

from app.extensions import db
from app.models import AidApplication
from app.security import current_scope
from app.services import aid as aid_svc
from app.services.audit import set_actor
from app.services.casework import CaseworkError


def _json(a: AidApplication) -> dict:
    iso = lambda d: d.isoformat() if d else None  # noqa: E731
    return {"id": a.id, "person_id": a.person_id, "case_id": a.case_id, "jenis": a.jenis,
            "status": a.status, "status_label": aid_svc.AID_STATUS[a.status],
            "status_since": iso(a.status_since), "version": a.version, "dokumen": a.dokumen,
            "instansi_tujuan": a.instansi_tujuan, "catatan": a.catatan,
            **{k: iso(getattr(a, k)) for k in ("tanggal_diajukan", "tanggal_diverifikasi",
                                               "tanggal_diteruskan", "tanggal_keputusan",
                                               "tanggal_disalurkan")}}


def _body() -> dict | None:
    data = request.get_json(silent=True)
    return data if isinstance(data, dict) else None


class AidApi(BaseApi):
    resource_name = "bantuan"
    base_permissions = ["can_get", "can_post", "can_put"]
    method_permission_name = {"get_list": "get", "get": "get", "post": "post",
                              "put_status": "put"}

    @expose("/", methods=["GET"])
    @protect()
    @safe
    def get_list(self):
        status = request.args.get("status") or None
        page = min(max(0, request.args.get("page", 0, type=int) or 0), 400)
        try:
            q = aid_svc.aid_query(current_scope(), status=status,
                                  overdue=request.args.get("terlambat") in ("1", "true"))
        except CaseworkError as err:
            return self.response_400(message=str(err))
        rows = db.session.execute(q.offset(page * 25).limit(25)).scalars().all()
        return self.response(200, result=[_json(a) for a in rows], page=page)

    @expose("/<string:pk>", methods=["GET"])
    @protect()
    @safe
    def get(self, pk):
        item = aid_svc.get_aid(db.session, current_scope(), pk)
        return self.response(200, result=_json(item)) if item else self.response_404()

    @expose("/", methods=["POST"])
    @protect()
    @safe
    def post(self):
        data = _body()
        pid = data.get("person_id") if data is not None else None
        if not isinstance(pid, int) or isinstance(pid, bool):
            return self.response_400(message="Data tidak valid: person_id (angka) wajib diisi.")
        set_actor(db.session, g.user.id, g.user.username)
        try:
            item = aid_svc.add_aid(db.session, data["person_id"],
                                   {k: v for k, v in data.items() if isinstance(v, str)},
                                   scope=current_scope())
        except CaseworkError as err:
            db.session.rollback()
            return self.response_400(message=str(err))
        db.session.commit()
        return self.response(201, result=_json(item))

    @expose("/<string:pk>/status", methods=["PUT"])
    @protect()
    @safe
    def put_status(self, pk):
        item = aid_svc.get_aid(db.session, current_scope(), pk)
        if item is None:
            return self.response_404()
        data = _body()
        if data is None:
            return self.response_400(message="Data tidak valid.")
        version = data.get("version")
        set_actor(db.session, g.user.id, g.user.username)
        try:
            aid_svc.set_aid_status(db.session, item, str(data.get("status", "")),
                                   data.get("tanggal") if isinstance(data.get("tanggal"), str) else None,
                                   expected_version=version if isinstance(version, int) else None,
                                   note=data.get("catatan") if isinstance(data.get("catatan"), str) else None,
                                   instansi_tujuan=data.get("instansi_tujuan")
                                   if isinstance(data.get("instansi_tujuan"), str) else None)
        except CaseworkError as err:
            db.session.rollback()
            return self.response_400(message=str(err))
        db.session.commit()
        return self.response(200, result=_json(item))
