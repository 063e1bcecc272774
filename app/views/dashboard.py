"""The dashboard (home of Pimpinan and Operator): SQL-aggregated figures, charts and a map.

Figures come from the report summary through `services.dashboard_cache` (at most
DASHBOARD_CACHE_DETIK = 60 s old; a miss is computed in the request)."""
from __future__ import annotations

from flask import current_app
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.models.base import now_local
from app.security import current_scope
from app.services import dashboard_cache
from app.services import report_builders as rb
from app.services import report_queries as rq
from reports.formatting import month_name


class DashboardView(BaseView):
    route_base = "/dasbor"
    default_view = "list"
    base_permissions = ["can_list"]

    @expose("/")
    @has_access
    def list(self):
        now = now_local()
        ttl = int(current_app.config.get("DASHBOARD_CACHE_DETIK", dashboard_cache.DEFAULT_TTL))
        data = dashboard_cache.get(db.session, current_scope(), now,
                                   current_app.config.get("KASUS_BATAS_HARI") or None,
                                   ttl)
        groups = data["spm"]["groups"]
        spm = [(label, groups.get(g, {}).get("terlayani", 0), groups.get(g, {}).get("harus", 0))
               for g, label in rb.SPM_GROUP_LABELS.items()]
        charts = {
            "month": {"labels": [f"{month_name(m, short=True)} {y}" for y, m, _ in data["per_month"]],
                      "values": [n for _, _, n in data["per_month"]]},
            "jenis": {"labels": [rb.NO_TYPE if k == rq.UNSET else k for k, _ in data["per_jenis"]],
                      "values": [n for _, n in data["per_jenis"]]},
            "kecamatan": {"labels": [rb.NO_AREA if k == rq.UNSET else k for k, _ in data["per_kecamatan"]],
                          "values": [n for _, n in data["per_kecamatan"]]},
            "hotspots": data["hotspots"],
        }
        return self.render_template("palu/dashboard.html", d=data, spm=spm, charts=charts,
                                    tile_url=current_app.config.get("MAP_TILE_URL"), ttl=ttl)


def register(appbuilder) -> None:
    from app.views.reports import CATEGORY

    appbuilder.add_view(DashboardView, "Dashboard", label=_l("Dasbor"), icon="fa-dashboard",
                        **CATEGORY)
