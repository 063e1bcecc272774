"""Friendly Indonesian error pages; nothing leaks a traceback."""
from __future__ import annotations

from flask import render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError

from app.extensions import db

MESSAGES = {
    400: _l("Permintaan tidak valid."),
    403: _l("Anda tidak memiliki hak akses untuk halaman atau aksi ini."),
    404: _l("Data atau halaman tidak ditemukan (atau di luar wilayah tugas Anda)."),
    405: _l("Metode permintaan tidak diizinkan."),
    413: _l("Berkas yang diunggah terlalu besar."),
    429: _l("Terlalu banyak percobaan. Tunggu sebentar lalu coba lagi."),
    500: _l("Terjadi kesalahan pada server. Data Anda tidak berubah; silakan coba lagi."),
}


def _render(code: int, message: str | None = None):
    text = message or str(MESSAGES.get(code, MESSAGES[500]))
    if request.path.startswith("/api/"):
        return {"message": text}, code
    from flask import current_app, g
    from flask_login import current_user

    if not hasattr(g, "user"):  # errors raised before FAB's user loader (e.g. CSRF)
        g.user = current_user
    appbuilder = current_app.appbuilder
    return render_template("palu/error.html", code=code, message=text, appbuilder=appbuilder,
                           base_template=appbuilder.base_template), code


def register_error_handlers(app) -> None:
    for code in (400, 403, 404, 405, 413, 429):
        app.register_error_handler(code, lambda e, c=code: _render(c))

    @app.errorhandler(CSRFError)
    def _csrf(e):
        return _render(400, _("Formulir kedaluwarsa atau tidak sah (token CSRF). "
                              "Muat ulang halaman lalu kirim lagi."))

    @app.errorhandler(500)
    def _server_error(e):
        db.session.rollback()
        return _render(500)
