"""Form fields shared by views: lazy choice lists (loaded per request, never at import)."""
from __future__ import annotations

from flask_appbuilder.fieldwidgets import BS3TextAreaFieldWidget, Select2Widget
from flask_babel import lazy_gettext as _l
from sqlalchemy import select as sa_select
from wtforms import FileField, SelectField, TextAreaField

from app.constants import ACTIVITIES, DTKS_STATUSES, ENCOUNTER_SOURCES, GENDERS, NIK_STATUSES, OUTCOMES
from app.extensions import db
from app.models import Wilayah

UNKNOWN = ("", _l("— tidak diketahui —"))


def _wilayah_choices(*levels: str, prefix: str | None = None):
    def load():
        query = sa_select(Wilayah.kode, Wilayah.nama, Wilayah.level).where(Wilayah.level.in_(levels))
        if prefix:
            query = query.where(Wilayah.kode.startswith(prefix))
        rows = db.session.execute(query.order_by(Wilayah.kode)).all()
        return [UNKNOWN] + [(r.kode, f"{r.nama} ({r.kode})") for r in rows]
    return load


kelurahan_choices = _wilayah_choices("kelurahan", prefix="32.75.")
kecamatan_choices = _wilayah_choices("kecamatan", prefix="32.75.")
asal_choices = _wilayah_choices("provinsi", "kabkota")


def select(label, mapping_or_func, *, required=False, description="", default=None):
    """A Select2 field from a constants mapping or a lazy choices function."""
    if callable(mapping_or_func):
        choices = mapping_or_func
    else:
        options = [(k, v) for k, v in mapping_or_func.items()]
        choices = options if required else [UNKNOWN] + options
    return SelectField(label, choices=choices, widget=Select2Widget(), description=description,
                       validate_choice=True, default=default)


def person_fields() -> dict:
    return {
        "jenis_kelamin": select(_l("Jenis kelamin"), GENDERS, required=True, default="U"),
        "nik_status": select(_l("Status NIK"), NIK_STATUSES, required=True,
                             default="tidak_diketahui",
                             description=_l("Otomatis 'Ada' bila NIK diisi.")),
        "status_dtks": select(_l("Status DTKS"), DTKS_STATUSES, required=True,
                              default="tidak_diketahui"),
        "asal_wilayah_kode": select(_l("Daerah asal"), asal_choices),
        "domisili_kelurahan_kode": select(_l("Kelurahan domisili"), kelurahan_choices),
        "aliases": TextAreaField(
            _l("Alias / nama panggilan"), widget=BS3TextAreaFieldWidget(),
            description=_l("Nama panggilan dan ejaan lain, pisahkan dengan koma."),
        ),
        "photo_upload": FileField(_l("Foto"), description=_l("JPG/PNG, maksimal 8 MB.")),
    }


def encounter_fields(prefix: str = "") -> dict:
    return {
        f"{prefix}kelurahan_kode": select(_l("Kelurahan lokasi"), kelurahan_choices),
        f"{prefix}sumber": select(_l("Sumber"), ENCOUNTER_SOURCES, required=True, default="patroli"),
        f"{prefix}aktivitas": select(_l("Aktivitas saat ditemui"), ACTIVITIES),
        f"{prefix}hasil": select(_l("Hasil langsung"), OUTCOMES),
    }
