"""The home page: a short summary for everyone logged in."""
from __future__ import annotations

from flask import g, redirect, url_for
from flask_appbuilder import IndexView, expose

from app.extensions import db
from app.security import current_scope
from app.services import home_summary


class HomeIndexView(IndexView):
    index_template = "palu/home.html"

    @expose("/")
    def index(self):
        user = getattr(g, "user", None)
        if user is None or not user.is_authenticated:
            return redirect(url_for("AuthDBView.login"))
        if self.appbuilder.sm.has_access("can_list", "DashboardView"):
            return redirect(url_for("DashboardView.list"))  # Pimpinan/Operator home (issue 5)
        summary = home_summary.summary(db.session, current_scope())
        return self.render_template(self.index_template, appbuilder=self.appbuilder,
                                    summary=summary)
