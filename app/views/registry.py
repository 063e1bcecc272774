"""Person, encounter and pilar sosial screens (generated FAB views, kept thin).

All writes go through the intake service; every lookup goes through the scope
rule; staff archive instead of deleting.
"""
from __future__ import annotations

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder.baseviews import expose
from flask_appbuilder.models.sqla.filters import FilterEqual
from flask_appbuilder.fieldwidgets import BS3TextAreaFieldWidget, BS3TextFieldWidget, DateTimePickerWidget
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import lazyload
from wtforms import DateTimeField, IntegerField, StringField, TextAreaField
from wtforms.validators import Length, NumberRange, Optional

from app.extensions import db
from app.models import Encounter, Person, PilarSosial
from app.security import current_scope
from app.services import casework, dedup, intake, scope as scope_rules, workflow
from app.services import timeline as timeline_service
from app.views.base import (
    ArchiveRoutesMixin, CappedCountInterface, ClauseFilter, ScopedModelView, SearchFilter,
)
from app.views.domain_form import DomainFormMixin, stale_message
from app.views.lean_list import EnumTexts, LeanListMixin, show_fieldsets
from app.views.person_page import timeline_items
from app.views.forms import encounter_fields, person_fields
from app.views.labels import ENCOUNTER_LABELS, PERSON_LABELS, display_formatters

PERSON_FORM_COLUMNS = [
    "nama", "nik", "nik_status", "no_kk", "jenis_kelamin", "tempat_lahir", "tanggal_lahir",
    "tahun_lahir", "nama_ibu", "asal_wilayah_kode", "alamat_ktp", "domisili_kelurahan_kode",
    "jenis_ppks", "disabilitas", "catatan_kesehatan", "ciri_fisik", "kontak_keluarga",
    "status_dtks", "persetujuan_oleh", "persetujuan_tanggal", "persetujuan_alasan_tidak",
]
PERSON_DATA_KEYS = PERSON_FORM_COLUMNS + ["perkiraan_umur"]
FIRST_ENCOUNTER = ["enc_waktu", "enc_kelurahan_kode", "enc_lokasi", "enc_sumber",
                   "enc_aktivitas", "enc_hasil", "enc_kondisi"]


_WILAYAH_NAMA: dict[str, str] = {}


def _wilayah_nama(kode: str | None) -> str:
    """Wilayah name by code from a per-process map (master data, loaded once)."""
    if not kode:
        return ""
    if kode not in _WILAYAH_NAMA:
        from app.models import Wilayah

        _WILAYAH_NAMA.update(db.session.execute(db.select(Wilayah.kode, Wilayah.nama)).all())
    return _WILAYAH_NAMA.get(kode, kode)


def wilayah_label(kode: str | None) -> str:
    return _wilayah_nama(kode) or "-"


def _person_scope():
    return scope_rules.person_clause(current_scope())


def _quick_search():
    """The list page's search box (?q=…&cara=awal|memuat), index-backed."""
    from app.services.search import name_clause

    return name_clause(request.args.get("q"), request.args.get("cara", "memuat"),
                       dialect=db.session.get_bind().dialect.name)


def _archived_person_scope():
    return scope_rules.person_clause(current_scope(), archived=True)


def _encounter_scope():
    return scope_rules.encounter_clause(current_scope())


def _archived_encounter_scope():
    return scope_rules.encounter_clause(current_scope(), archived=True)


class PersonInterface(CappedCountInterface):
    """The registry list: a one-word search on PostgreSQL takes its visible matches
    from the word index, which carries the scope rule (no probe of `person`).
    The list shows no aliases or PPKS types: their selectin loads are skipped."""

    @property
    def list_load_options(self):  # FAB reuses this class for related models (form selects)
        return (lazyload(Person.aliases), lazyload(Person.jenis_ppks)) if self.obj is Person else ()

    def match_ids(self, filters):
        from app.services.search import visible_match_ids

        ids = None
        # only the view's own scope + search filters: they are what the word index knows
        if self.obj is Person and all(isinstance(f, ClauseFilter) for f in filters.filters):
            ids = visible_match_ids(request.args.get("q"), request.args.get("cara", "memuat"),
                                    current_scope(), self.session.get_bind().dialect.name)
        return ids if ids is not None else super().match_ids(filters)


class PersonView(LeanListMixin, DomainFormMixin, ArchiveRoutesMixin, ScopedModelView):
    """Daftar PPKS: the registry's main screen."""

    datamodel = PersonInterface(Person)
    base_filters = [["id", ClauseFilter, _person_scope], ["nama", SearchFilter, _quick_search]]
    base_permissions = ["can_list", "can_show", "can_add", "can_edit", "can_archive"]
    list_title = _l("Daftar PPKS")
    show_title = _l("Data PPKS")
    add_title = _l("Tambah PPKS")
    edit_title = _l("Ubah Data PPKS")
    list_template = "palu/person_list.html"  # one template: app/views/lean_list.py
    show_template = "palu/person_show.html"
    # The kecamatan name comes from a cached code->name map: no query per row (N+1).
    list_columns = ["id", "nama", "jenis_kelamin", "tahun_lahir", "nik_status", "kecamatan_kode",
                    "updated_at"]
    order_columns = ["id", "nama", "tahun_lahir", "updated_at"]
    search_columns = ["nama", "nik", "jenis_kelamin", "nik_status"]
    label_columns = dict(PERSON_LABELS)
    formatters_columns = display_formatters(
        "nama", "aliases", "nik", "no_kk", "tempat_lahir", "tanggal_lahir", "tahun_lahir",
        "tahun_lahir_perkiraan", "nama_ibu", "asal_wilayah", "alamat_ktp", "domisili_kelurahan",
        "kecamatan", "kelurahan", "jenis_ppks", "disabilitas", "catatan_kesehatan", "ciri_fisik",
        "kontak_keluarga", "persetujuan_oleh", "persetujuan_tanggal", "persetujuan_alasan_tidak",
        "updated_at", enums=("jenis_kelamin", "nik_status", "status_dtks"))
    for _key in ("kecamatan_kode", "kelurahan_kode", "asal_wilayah_kode", "domisili_kelurahan_kode"):
        formatters_columns[_key] = wilayah_label
    add_columns = PERSON_FORM_COLUMNS[:1] + ["alias_text"] + PERSON_FORM_COLUMNS[1:8] + \
        ["perkiraan_umur"] + PERSON_FORM_COLUMNS[8:] + ["photo_upload"] + FIRST_ENCOUNTER
    edit_columns = PERSON_FORM_COLUMNS[:1] + ["alias_text"] + PERSON_FORM_COLUMNS[1:] + ["photo_upload"]
    add_fieldsets = [
        (_l("Identitas"), {"fields": ["nama", "alias_text", "nik", "nik_status", "no_kk",
                                      "jenis_kelamin", "tempat_lahir", "tanggal_lahir",
                                      "tahun_lahir", "perkiraan_umur", "nama_ibu"]}),
        (_l("Asal dan domisili"), {"fields": ["asal_wilayah_kode", "alamat_ktp",
                                              "domisili_kelurahan_kode"]}),
        (_l("Kondisi"), {"fields": ["jenis_ppks", "disabilitas", "catatan_kesehatan",
                                    "ciri_fisik", "kontak_keluarga", "status_dtks", "photo_upload"]}),
        (_l("Persetujuan"), {"fields": ["persetujuan_oleh", "persetujuan_tanggal",
                                        "persetujuan_alasan_tidak"]}),
        (_l("Penjangkauan pertama"), {"fields": FIRST_ENCOUNTER}),
    ]
    edit_fieldsets = [
        (name, {"fields": [f for f in spec["fields"] if f != "perkiraan_umur"]})
        for name, spec in add_fieldsets[:4]
    ]
    add_form_extra_fields = {
        **person_fields(),
        "alias_text": person_fields()["aliases"],
        "perkiraan_umur": IntegerField(_l("Perkiraan umur (tahun)"),
                                       validators=[Optional(), NumberRange(0, 120)],
                                       description=_l("Isi bila tanggal lahir tidak diketahui.")),
        "enc_waktu": DateTimeField(_l("Waktu penjangkauan"), format="%Y-%m-%d %H:%M:%S",
                                   widget=DateTimePickerWidget(), validators=[Optional()]),
        "enc_lokasi": StringField(_l("Lokasi (uraian)"), widget=BS3TextFieldWidget()),
        "enc_kondisi": TextAreaField(_l("Kondisi saat ditemui"), widget=BS3TextAreaFieldWidget()),
        **encounter_fields("enc_"),
    }
    add_form_extra_fields.pop("aliases")
    # NIK/KK as typed ("3275 0117 0885 0001"): the intake cleans and validates them; the
    # column-derived Length(16) refused spaced input with an English message.
    for _key in ("nik", "no_kk"):
        add_form_extra_fields[_key] = StringField(
            PERSON_LABELS[_key], widget=BS3TextFieldWidget(),
            validators=[Optional(), Length(max=40, message=_l("Isian terlalu panjang."))])
    edit_form_extra_fields = {k: v for k, v in add_form_extra_fields.items()
                              if not k.startswith("enc_") and k != "perkiraan_umur"}

    # ---- one intake door -------------------------------------------------
    def _person_data(self, form) -> dict:
        data = {k: form._fields[k].data for k in PERSON_DATA_KEYS if k in form._fields}
        data["aliases"] = form.alias_text.data
        data.pop("jenis_ppks", None)
        return data

    def _encounter_data(self, form) -> dict | None:
        values = {k[4:]: form._fields[k].data for k in FIRST_ENCOUNTER if k in form._fields}
        if not any(values.get(k) for k in ("waktu", "kelurahan_kode", "lokasi", "kondisi")):
            return None
        values["petugas_id"] = g.user.id
        values["petugas_nama"] = g.user.get_full_name() if hasattr(g.user, "get_full_name") else None
        return values

    def domain_validate(self, form, is_add):
        person_id = None if is_add else int(form._id)
        if not is_add:
            current = db.session.get(Person, person_id)
            if current is not None and self.stale_version(form, current):
                return {"nama": stale_message()}
        check = intake.validate_person(db.session, self._person_data(form), person_id=person_id)
        errors = dict(check.errors)
        if "nik" in errors and check.existing_person_id:
            flash(_("NIK sudah terdaftar: buka data #%(id)s untuk menambah penjangkauan.",
                    id=check.existing_person_id), "warning")
        encounter = self._encounter_data(form) if is_add else None
        if encounter is not None:
            _cleaned, enc_errors = intake.validate_encounter(db.session, encounter,
                                                             scope=current_scope())
            errors.update({f"enc_{k}": v for k, v in enc_errors.items()})
        if not errors:  # refuse a placement outside the user's area before saving
            errors.update(intake.area_errors(
                db.session, check, scope=current_scope(), person_id=person_id,
                encounter_kelurahan=(encounter or {}).get("kelurahan_kode")))
        photo_error = None if errors else self.upload_error("photo_upload")
        if photo_error:
            errors["photo_upload"] = photo_error
        g.person_check, g.first_encounter = check, encounter
        return errors

    def pre_add(self, item):
        self._apply(item)
        if g.first_encounter is not None:
            intake.add_encounter(db.session, item, g.first_encounter, scope=current_scope())

    def domain_update(self, item):  # saved atomically by DomainFormMixin.pre_update
        self._apply(item)

    def _apply(self, item):
        intake.apply_person(db.session, item, g.person_check, scope=current_scope())
        if getattr(g, "stored_photo", None):
            item.photo = g.stored_photo
        self.flash_warnings(g.person_check.warnings)

    def prefill_form(self, form, pk):
        super().prefill_form(form, pk)
        item = self.datamodel.get(pk)
        form.alias_text.data = ", ".join(a.alias for a in item.aliases)

    # ---- tombstones redirect, show page with timeline and history --------
    def get_scoped(self, pk):
        person = self.datamodel.get(pk_int := _pk(pk), self._base_filters)
        if person is None:
            tomb = db.session.get(Person, pk_int)
            if tomb is not None and tomb.merged_into_id:
                abort(redirect(url_for(".show", pk=tomb.merged_into_id)))
            abort(404)
        return person

    @expose("/show/<pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        person = self._show_person(pk)
        timeline = timeline_service.person_timeline(db.session, person.id, current_scope())
        enum_text = EnumTexts(region=wilayah_label)
        cases = self._cases(person.id)
        return self.render_template(
            self.show_template, pk=person.id, title=self.show_title, widgets={},
            fieldsets=show_fieldsets(self, person), label_columns=self.label_columns,
            enum_text=enum_text, person=person, related_views=[], timeline=timeline,
            timeline_items=timeline_items(timeline, enum_text, _("lokasi tidak diketahui")),
            counts=timeline_service.encounter_counts(db.session, person.id, timeline=timeline),
            history=timeline_service.person_history(db.session, person.id),
            labels=PERSON_LABELS, cases=cases, states=workflow.STATES,
            active_cases=casework.active_cases(cases or []),
            duplicates=self._open_pairs(person.id),
            can_open_case=self.appbuilder.sm.has_access("can_open", "CaseworkView"),
        )

    def _open_pairs(self, person_id: int):
        """The person's probable duplicates waiting in the review queue; None without review access."""
        if not self.appbuilder.sm.has_access("can_pair", "ReviewView"):
            return None
        return dedup.open_pairs_of(db.session, [person_id], current_scope(), limit=5)

    def _cases(self, person_id: int):
        """The person's cases for the side panel; None when the user may not open case pages."""
        if not self.appbuilder.sm.has_access("can_case", "CaseworkView"):
            return None
        return casework.cases_of(db.session, [person_id], current_scope())[person_id]

    def _show_person(self, pk):
        """The scoped person with its aliases and PPKS types in one statement, not three
        (region names come from the code -> name map)."""
        from sqlalchemy.orm import joinedload

        pk_int = _pk(pk)
        person = db.session.scalars(
            db.select(Person).where(Person.id == pk_int, _person_scope())
            .options(joinedload(Person.aliases), joinedload(Person.jenis_ppks))
        ).unique().one_or_none()
        return person if person is not None else self.get_scoped(pk_int)

    show_fieldsets = [
        (_l("Identitas"), {"fields": ["nama", "aliases", "nik", "nik_status", "no_kk",
                                      "jenis_kelamin", "tempat_lahir", "tanggal_lahir",
                                      "tahun_lahir", "tahun_lahir_perkiraan", "nama_ibu"]}),
        # region names from the per-process code -> name map, not four lazy loads
        (_l("Asal dan domisili"), {"fields": ["asal_wilayah_kode", "alamat_ktp",
                                              "domisili_kelurahan_kode", "kecamatan_kode",
                                              "kelurahan_kode"]}),
        (_l("Kondisi"), {"fields": ["jenis_ppks", "disabilitas", "catatan_kesehatan",
                                    "ciri_fisik", "kontak_keluarga", "status_dtks"]}),
        (_l("Persetujuan"), {"fields": ["persetujuan_oleh", "persetujuan_tanggal",
                                        "persetujuan_alasan_tidak"]}),
    ]


def _pk(pk) -> int:
    from app.views.base import safe_pk

    return safe_pk(pk)


class RestoreRouteMixin:
    """`POST /restore/<pk>`: bring an archived record back (scoped, audited)."""

    @expose("/restore/<pk>", methods=["POST"])
    @has_access
    def restore(self, pk):
        from app.services import archive

        archive.restore(db.session, self.get_scoped(pk))
        db.session.commit()
        flash(_("Data dipulihkan."), "success")
        return redirect(url_for(".list"))


class ArchivedPersonView(RestoreRouteMixin, ScopedModelView):
    """Arsip PPKS: archived persons, restorable by staff, purgeable by Admin."""

    datamodel = CappedCountInterface(Person)
    base_filters = [["id", ClauseFilter, _archived_person_scope]]
    base_permissions = ["can_list", "can_show", "can_restore", "can_purge"]
    list_title = _l("Arsip PPKS")
    show_title = _l("Data PPKS (diarsipkan)")
    list_columns = ["id", "nama", "archived_at", "archive_reason"]
    show_columns = ["id", "nama", "nik", "jenis_kelamin", "archived_at", "archive_reason"]
    search_columns = ["nama"]
    label_columns = dict(PERSON_LABELS)  # a copy: FAB adds its own labels to the dict it is given
    list_template = "palu/archived_list.html"

    @expose("/purge/<pk>", methods=["POST"])
    @has_access
    def purge(self, pk):
        from app.services import archive

        reason = (request.form.get("reason") or "").strip()
        if len(reason) < 3:
            flash(_("Alasan penghapusan permanen wajib diisi."), "danger")
            return redirect(url_for(".list"))
        try:
            archive.purge(db.session, self.get_scoped(pk), reason)
            db.session.commit()
        except IntegrityError:  # still referenced (e.g. by a case or a merge record)
            db.session.rollback()
            flash(_("Data tidak dapat dihapus permanen karena masih dirujuk data lain "
                    "(misalnya kasus atau penggabungan)."), "danger")
            return redirect(url_for(".list"))
        flash(_("Data dihapus permanen dan dicatat di log audit."), "success")
        return redirect(url_for(".list"))


class EncounterView(DomainFormMixin, ArchiveRoutesMixin, ScopedModelView):
    """Penjangkauan: every meeting of outreach with a person."""

    datamodel = CappedCountInterface(Encounter)
    base_filters = [["id", ClauseFilter, _encounter_scope]]
    base_permissions = ["can_list", "can_show", "can_add", "can_edit", "can_archive"]
    list_title = _l("Daftar Penjangkauan")
    show_title = _l("Data Penjangkauan")
    add_title = _l("Catat Penjangkauan")
    edit_title = _l("Ubah Penjangkauan")
    base_order = ("waktu", "desc")
    list_columns = ["waktu", "person", "kelurahan", "sumber", "aktivitas", "hasil"]
    order_columns = ["waktu"]
    search_columns = ["waktu", "lokasi", "sumber", "aktivitas"]
    show_columns = ["person", "waktu", "kelurahan", "kecamatan", "lokasi", "latitude",
                    "longitude", "sumber", "tim", "petugas_nama", "aktivitas", "kondisi",
                    "hasil", "catatan", "import_ref"]
    add_columns = ["person_ref", "waktu", "kelurahan_kode", "lokasi", "latitude", "longitude",
                   "sumber", "tim", "petugas_nama", "aktivitas", "kondisi", "hasil", "catatan",
                   "photo_upload"]
    edit_columns = [c for c in add_columns if c != "person_ref"]
    label_columns = dict(ENCOUNTER_LABELS)
    formatters_columns = display_formatters(
        "waktu", "kelurahan", "kecamatan", "lokasi", "latitude", "longitude", "tim",
        "petugas_nama", "kondisi", "catatan", "import_ref", enums=("sumber", "aktivitas", "hasil"))
    add_form_extra_fields = {
        **encounter_fields(),
        "person_ref": IntegerField(_l("Nomor data PPKS (#)"), validators=[NumberRange(1)]),
        "photo_upload": person_fields()["photo_upload"],
    }
    edit_form_extra_fields = {k: v for k, v in add_form_extra_fields.items() if k != "person_ref"}

    def domain_validate(self, form, is_add):
        data = {k: f.data for k, f in form._fields.items() if k not in ("csrf_token", "lock_version")}
        errors = {}
        if is_add:
            person = db.session.scalar(
                db.select(Person).where(Person.id == (data.get("person_ref") or 0),
                                        _person_scope()))
            if person is None:
                errors["person_ref"] = str(_("Data PPKS tidak ditemukan di wilayah Anda."))
            g.encounter_person = person
        else:
            current = db.session.get(Encounter, int(form._id))
            if current is not None and self.stale_version(form, current):
                return {"waktu": stale_message()}
        cleaned, enc_errors = intake.validate_encounter(db.session, data, scope=current_scope())
        errors.update(enc_errors)
        photo_error = None if errors else self.upload_error("photo_upload")
        if photo_error:
            errors["photo_upload"] = photo_error
        g.encounter_cleaned = cleaned
        return errors

    def _apply(self, item):
        for key, value in g.encounter_cleaned.items():
            if key not in ("import_ref", "photo") and key != "petugas_id":
                setattr(item, key, value)
        if getattr(g, "stored_photo", None):
            item.photo = g.stored_photo

    def pre_add(self, item):
        self._apply(item)
        item.person = g.encounter_person
        item.petugas_id = g.user.id

    def domain_update(self, item):  # saved atomically by DomainFormMixin.pre_update
        self._apply(item)

    def _get_add_widget(self, form, exclude_cols=None, widgets=None):
        person_id = request.args.get("person_id", type=int)
        if person_id and not form.person_ref.data:
            form.person_ref.data = person_id
        return super()._get_add_widget(form, exclude_cols=exclude_cols, widgets=widgets)


class ArchivedEncounterView(RestoreRouteMixin, ScopedModelView):
    datamodel = CappedCountInterface(Encounter)
    base_filters = [["id", ClauseFilter, _archived_encounter_scope]]
    base_permissions = ["can_list", "can_show", "can_restore"]
    list_title = _l("Arsip Penjangkauan")
    list_columns = ["waktu", "person", "archived_at", "archive_reason"]
    show_columns = ["person", "waktu", "lokasi", "archived_at", "archive_reason"]
    search_columns = ["waktu"]
    label_columns = dict(ENCOUNTER_LABELS)
    list_template = "palu/archived_list.html"


class PilarSosialView(ScopedModelView):
    """Pilar sosial (PSKS persons) with their account and assigned area."""

    datamodel = CappedCountInterface(PilarSosial)
    base_permissions = ["can_list", "can_show", "can_add", "can_edit"]
    list_title = _l("Pilar Sosial")
    list_columns = ["nama", "jenis_psks", "kecamatan", "kelurahan", "telepon", "aktif"]
    add_columns = ["nama", "jenis_psks", "kecamatan", "kelurahan", "telepon", "aktif"]
    edit_columns = add_columns
    show_columns = add_columns
    search_columns = ["nama", "jenis_psks", "aktif"]
    label_columns = {"nama": _l("Nama"), "jenis_psks": _l("Jenis PSKS"),
                     "kecamatan": _l("Kecamatan"), "kelurahan": _l("Kelurahan"),
                     "telepon": _l("Telepon"), "aktif": _l("Aktif")}
    add_form_query_rel_fields = {
        "kecamatan": [["level", FilterEqual, "kecamatan"]],
        "kelurahan": [["level", FilterEqual, "kelurahan"]],
    }
    edit_form_query_rel_fields = add_form_query_rel_fields
