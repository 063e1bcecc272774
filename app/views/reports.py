"""Report page: SPM report and PPKS recap downloads, archive, raw export, SPM targets."""
from __future__ import annotations

from flask import Response, current_app, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, ModelView, expose
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.constants import SPM_GROUPS
from app.extensions import db
from app.models import ReportArchive, SpmTarget
from app.models.base import now_local
from app.security import current_scope
from app.services import audit
from app.services import report_builders as rb
from app.services import report_queries as rq
from app.views.forms import select as select_field
from app.views.labels import enum_formatters

MIME = {"pdf": "application/pdf", "csv": "text/csv; charset=utf-8",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def _file(data: bytes, name: str, fmt: str) -> Response:
    return Response(data, mimetype=MIME[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


class ReportView(BaseView):
    """`can_identifiers` marks roles whose raw export includes NIK/KK and other identifiers."""

    route_base = "/laporan"
    default_view = "list"
    base_permissions = ["can_list", "can_download", "can_archive_file", "can_export",
                        "can_identifiers"]

    def _kecamatan(self, value):
        names = rq.kecamatan_names(db.session)
        if value and value not in names:
            raise rq.PeriodError(_("Kecamatan tidak dikenal."))
        return value or None

    @expose("/")
    @has_access
    def list(self):
        archives = db.session.execute(
            select(ReportArchive.id, ReportArchive.kind, ReportArchive.fmt, ReportArchive.period,
                   ReportArchive.kecamatan_kode, ReportArchive.created_at,
                   ReportArchive.created_by_name, ReportArchive.filename, ReportArchive.size_bytes)
            .order_by(ReportArchive.id.desc()).limit(50)).all()
        now = now_local()
        last = (now.year, now.month - 1) if now.month > 1 else (now.year - 1, 12)
        return self.render_template(
            "palu/reports.html", archives=archives, kinds=rb.KINDS,
            kecamatan=sorted(rq.kecamatan_names(db.session).items(), key=lambda kv: kv[1]),
            default_period=f"{last[0]:04d}-{last[1]:02d}", datasets=rq.DATASETS,
            identifiers=self.appbuilder.sm.has_access("can_identifiers", self.class_permission_name))

    @expose("/unduh", methods=["POST"])
    @has_access
    def download(self):
        form = request.form
        kind, fmt = form.get("kind"), form.get("fmt")
        try:
            if kind not in rb.KINDS or fmt not in rb.FORMATS:
                raise rq.PeriodError(_("Jenis laporan atau format tidak dikenal."))
            period = rq.Period.parse(form.get("period"))
            kec = self._kecamatan(form.get("kecamatan"))
            kendala = (form.get("kendala") or "").strip()[:5000] or None
            solusi = (form.get("solusi") or "").strip()[:5000] or None
            doc = rb.build_document(db.session, kind, period, current_scope(), kec,
                                    current_app.config, kendala, solusi, now_local())
            data = rb.render(doc, fmt, current_app.config)
            name = rb.filename(kind, period, kec, fmt)
            rb.archive_report(db.session, kind=kind, fmt=fmt, period=period, kecamatan=kec,
                              content=data, name=name, kendala=kendala, solusi=solusi,
                              user_id=g.user.id, user_name=g.user.username)
            db.session.commit()
        except rq.PeriodError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
            return redirect(url_for("ReportView.list"))
        return _file(data, name, fmt)

    @expose("/arsip/<int:pk>")
    @has_access
    def archive_file(self, pk):
        rec = db.session.get(ReportArchive, pk)
        if rec is None:
            flash(_("Arsip laporan tidak ditemukan."), "danger")
            return redirect(url_for("ReportView.list"))
        return _file(rec.content, rec.filename, rec.fmt)

    @expose("/ekspor", methods=["POST"])
    @has_access
    def export(self):
        form = request.form
        fmt, dataset = form.get("fmt"), form.get("dataset")
        try:
            if fmt not in ("csv", "xlsx"):
                raise rq.PeriodError(_("Format ekspor harus CSV atau XLSX."))
            period = rq.Period.parse(form.get("period"))
            ident = self.appbuilder.sm.has_access("can_identifiers", self.class_permission_name)
            headers, query = rq.raw_export(dataset, period, current_scope(), ident)
            data = rb.export_bytes(db.session, headers, query, fmt)
            audit.record(db.session, "export", dataset, "-",
                         {"period": period.code, "fmt": fmt, "identifiers": ident},
                         f"Ekspor data {dataset} {period.code}")
            db.session.commit()
        except rq.PeriodError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
            return redirect(url_for("ReportView.list"))
        return _file(data, f"ekspor-{dataset}-{period.code}.{fmt}", fmt)


class SpmTargetView(ModelView):
    datamodel = SQLAInterface(SpmTarget)
    list_title = _l("Target SPM Tahunan")
    base_permissions = ["can_list", "can_show", "can_add", "can_edit"]
    base_order = ("tahun", "desc")
    list_columns = ["tahun", "spm_group", "target_persen", "target_jumlah", "catatan"]
    add_columns = ["tahun", "spm_group", "target_persen", "target_jumlah", "catatan"]
    edit_columns = ["target_persen", "target_jumlah", "catatan"]
    show_columns = add_columns
    search_columns = ["tahun", "spm_group"]
    label_columns = {"tahun": _l("Tahun"), "spm_group": _l("Kelompok sasaran SPM"),
                     "target_persen": _l("Target (%)"), "target_jumlah": _l("Target jumlah orang"),
                     "catatan": _l("Catatan")}
    formatters_columns = enum_formatters("spm_group")
    add_form_extra_fields = {"spm_group": select_field(_l("Kelompok sasaran SPM"), SPM_GROUPS,
                                                    required=True)}
    validators_columns = {}

    def pre_add(self, item):
        self._check(item)

    def pre_update(self, item):
        self._check(item)

    @staticmethod
    def _check(item):
        if item.tahun is None or not 2000 <= item.tahun <= 2100:
            raise ValueError(_("Tahun harus antara 2000 dan 2100."))
        if item.target_persen is None or not 0 <= item.target_persen <= 100:
            raise ValueError(_("Target harus antara 0 dan 100 persen."))
        if item.spm_group not in SPM_GROUPS:
            raise ValueError(_("Kelompok sasaran SPM tidak dikenal."))
        dup = db.session.scalar(select(SpmTarget.id).where(
            SpmTarget.tahun == item.tahun, SpmTarget.spm_group == item.spm_group,
            SpmTarget.id != (item.id or 0)))
        if dup:
            raise ValueError(_("Target untuk tahun dan kelompok ini sudah ada."))


CATEGORY = dict(category="Reports", category_label=_l("Laporan"), category_icon="fa-bar-chart")


def register(appbuilder) -> None:
    from app.services import report_summary

    report_summary.install()  # keep the report summary tables on every write
    cat = CATEGORY
    appbuilder.add_view(ReportView, "Reports", label=_l("Laporan SPM & Rekap PPKS"),
                        icon="fa-file-pdf-o", **cat)
    appbuilder.add_view(SpmTargetView, "SPM Targets", label=_l("Target SPM"), icon="fa-bullseye",
                        **cat)
