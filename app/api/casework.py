"""REST API for cases: GET one case (scoped), POST a transition (the one door)."""
from __future__ import annotations

from flask import g, request
from flask_appbuilder.api import BaseApi, expose, protect, safe
from sqlalchemy import select

from app.extensions import db
from app.models import Case
from app.security import current_scope
from app.services import casework, workflow
from app.services.audit import set_actor


def _case_json(case: Case) -> dict:
    return {"id": case.id, "person_id": case.person_id, "state": case.state,
            "state_label": workflow.STATES[case.state], "pending_approval": case.pending_approval,
            "version": case.version, "opened_at": case.opened_at.isoformat(),
            "closed_at": case.closed_at.isoformat() if case.closed_at else None,
            "history": [{"waktu": t.waktu.isoformat(), "action": t.action, "from": t.from_state,
                         "to": t.to_state, "oleh": t.actor_name, "catatan": t.note}
                        for t in case.transitions]}


def _load(pk: str) -> Case | None:
    if not pk.isdigit() or len(pk) > 15:
        return None
    return db.session.execute(select(Case).where(
        Case.id == int(pk), casework.case_clause(current_scope()))).scalar()


class CaseApi(BaseApi):
    resource_name = "kasus"
    base_permissions = ["can_get", "can_post"]

    @expose("/<string:pk>", methods=["GET"])
    @protect()
    @safe
    def get(self, pk):
        case = _load(pk)
        if case is None:
            return self.response_404()
        return self.response(200, result=_case_json(case))

    @expose("/<string:pk>/transisi", methods=["POST"])
    @protect()
    @safe
    def post(self, pk):
        case = _load(pk)
        if case is None:
            return self.response_404()
        data = request.get_json(silent=True) or {}
        if not isinstance(data, dict):
            return self.response_400(message="Data tidak valid.")
        set_actor(db.session, g.user.id, g.user.username)
        try:
            workflow.apply_transition(db.session, case, str(data.get("action", "")),
                                      {r.name for r in g.user.roles}, g.user.id,
                                      {k: v for k, v in data.items() if isinstance(v, str)},
                                      actor_name=g.user.username,
                                      expected_version=data.get("version") if isinstance(
                                          data.get("version"), int) else None)
        except workflow.WorkflowError as err:
            db.session.rollback()
            return self.response_400(message=str(err))
        db.session.commit()
        return self.response(200, result=_case_json(case))
