"""Photos are served only through this permission- and scope-checked route."""
from __future__ import annotations

from flask import abort, current_app, send_file
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access, permission_name
from sqlalchemy import select

from app.extensions import db
from app.models import Encounter, Person
from app.security import current_scope
from app.services import scope as scope_rules
from app.services.photos import photo_path
from app.views.base import safe_pk


class PhotoView(BaseView):
    route_base = "/photo"
    default_view = "person"

    def _send(self, name):
        path = photo_path(current_app.config["PHOTO_DIR"], name)
        if path is None:
            abort(404)
        response = send_file(path, mimetype="image/jpeg", max_age=0)
        response.headers["Cache-Control"] = "private, no-store"
        return response

    @expose("/person/<pk>")
    @has_access
    @permission_name("view")
    def person(self, pk):
        name = db.session.scalar(select(Person.photo).where(
            Person.id == safe_pk(pk), scope_rules.person_clause(current_scope())))
        return self._send(name)

    @expose("/encounter/<pk>")
    @has_access
    @permission_name("view")
    def encounter(self, pk):
        name = db.session.scalar(select(Encounter.photo).where(
            Encounter.id == safe_pk(pk), scope_rules.encounter_clause(current_scope())))
        return self._send(name)
