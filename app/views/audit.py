"""Audit log screen (read-only)."""
from __future__ import annotations

from flask_appbuilder import ModelView
from flask_babel import lazy_gettext as _l

from app.models import AuditLog
from app.views.base import CappedCountInterface


class AuditLogView(ModelView):
    datamodel = CappedCountInterface(AuditLog)
    base_permissions = ["can_list", "can_show"]
    list_title = _l("Log Audit")
    base_order = ("id", "desc")
    page_size = 50
    list_columns = ["at", "actor_name", "action", "table_name", "record_id", "note"]
    show_columns = ["at", "actor_name", "actor_id", "action", "table_name", "record_id",
                    "changes", "note"]
    search_columns = ["actor_name", "action", "table_name", "record_id", "at"]
    label_columns = {"at": _l("Waktu"), "actor_name": _l("Pengguna"), "actor_id": _l("ID pengguna"),
                     "action": _l("Aksi"), "table_name": _l("Tabel"), "record_id": _l("ID data"),
                     "changes": _l("Perubahan (lama → baru)"), "note": _l("Catatan")}
