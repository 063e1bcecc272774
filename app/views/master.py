"""Master data screens: regions, PPKS/PSKS types, SPM services, lembaga."""
from __future__ import annotations

from flask_appbuilder import ModelView
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l

from app.models import JenisLayanan, JenisPPKS, JenisPSKS, Lembaga, Wilayah
from app.views.forms import kelurahan_choices, select
from app.constants import LEMBAGA_TYPES, SPM_GROUPS
from app.views.labels import enum_formatters

COMMON_LABELS = {
    "kode": _l("Kode"), "nama": _l("Nama"), "level": _l("Tingkat"), "parent": _l("Induk"),
    "nomor": _l("No."), "is_jalanan": _l("PPKS jalanan"), "spm_group": _l("Kelompok sasaran SPM"),
    "aktif": _l("Aktif"), "urutan": _l("Urutan"), "catatan": _l("Catatan"), "jenis": _l("Jenis"),
    "alamat": _l("Alamat"), "kelurahan": _l("Kelurahan"), "kelurahan_kode": _l("Kelurahan"),
    "latitude": _l("Lintang"), "longitude": _l("Bujur"), "kontak": _l("Kontak"),
    "jam_buka": _l("Jam buka"), "kapasitas": _l("Kapasitas"),
}


class MasterView(ModelView):
    base_permissions = ["can_list", "can_show", "can_add", "can_edit"]
    label_columns = COMMON_LABELS
    page_size = 50


class WilayahView(MasterView):
    datamodel = SQLAInterface(Wilayah)
    list_title = _l("Wilayah")
    base_order = ("kode", "asc")
    list_columns = ["kode", "nama", "level", "parent"]
    search_columns = ["kode", "nama", "level"]
    add_columns = ["kode", "nama", "level", "parent"]
    edit_columns = ["nama"]
    order_columns = ["kode", "nama"]


class JenisPPKSView(MasterView):
    datamodel = SQLAInterface(JenisPPKS)
    list_title = _l("Jenis PPKS")
    base_order = ("nomor", "asc")
    list_columns = ["nomor", "kode", "nama", "is_jalanan", "spm_group", "aktif"]
    add_columns = ["nomor", "kode", "nama", "is_jalanan", "spm_group", "aktif"]
    edit_columns = add_columns
    search_columns = ["nama", "kode", "is_jalanan", "spm_group"]
    formatters_columns = enum_formatters("spm_group")
    add_form_extra_fields = {"spm_group": select(_l("Kelompok sasaran SPM"), SPM_GROUPS)}
    edit_form_extra_fields = add_form_extra_fields


class JenisPSKSView(MasterView):
    datamodel = SQLAInterface(JenisPSKS)
    list_title = _l("Jenis PSKS (Pilar Sosial)")
    base_order = ("nomor", "asc")
    list_columns = ["nomor", "kode", "nama", "aktif"]
    add_columns = ["nomor", "kode", "nama", "aktif"]
    edit_columns = add_columns
    search_columns = ["nama"]


class JenisLayananView(MasterView):
    datamodel = SQLAInterface(JenisLayanan)
    list_title = _l("Jenis Layanan SPM")
    base_order = ("spm_group", "asc")
    list_columns = ["spm_group", "urutan", "nama", "aktif"]
    add_columns = ["spm_group", "urutan", "nama", "catatan", "aktif"]
    edit_columns = add_columns
    search_columns = ["nama", "spm_group"]
    formatters_columns = enum_formatters("spm_group")
    add_form_extra_fields = {"spm_group": select(_l("Kelompok sasaran SPM"), SPM_GROUPS, required=True)}
    edit_form_extra_fields = add_form_extra_fields


class LembagaView(MasterView):
    datamodel = SQLAInterface(Lembaga)
    list_title = _l("Lembaga dan Tempat Layanan")
    base_order = ("nama", "asc")
    list_columns = ["nama", "jenis", "kelurahan", "kontak", "kapasitas", "aktif"]
    add_columns = ["nama", "jenis", "alamat", "kelurahan_kode", "latitude", "longitude",
                   "kontak", "jam_buka", "kapasitas", "aktif"]
    edit_columns = add_columns
    show_columns = ["nama", "jenis", "alamat", "kelurahan", "latitude", "longitude", "kontak",
                    "jam_buka", "kapasitas", "aktif"]
    search_columns = ["nama", "jenis", "aktif"]
    formatters_columns = enum_formatters("jenis")
    add_form_extra_fields = {
        "jenis": select(_l("Jenis"), LEMBAGA_TYPES, required=True),
        "kelurahan_kode": select(_l("Kelurahan"), kelurahan_choices),
    }
    edit_form_extra_fields = add_form_extra_fields

    def pre_add(self, item):
        item.kelurahan_kode = item.kelurahan_kode or None

    pre_update = pre_add
