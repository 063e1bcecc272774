"""Indonesian column labels and enum formatters shared by views and APIs."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app import constants

PERSON_LABELS = {
    "id": _l("No."), "nama": _l("Nama"), "alias_text": _l("Alias / nama panggilan"),
    "aliases": _l("Alias"), "nik": _l("NIK"), "nik_status": _l("Status NIK"),
    "no_kk": _l("No. KK"), "jenis_kelamin": _l("Jenis kelamin"),
    "tempat_lahir": _l("Tempat lahir"), "tanggal_lahir": _l("Tanggal lahir"),
    "tahun_lahir": _l("Tahun lahir"), "tahun_lahir_perkiraan": _l("Tahun lahir perkiraan"),
    "perkiraan_umur": _l("Perkiraan umur"), "nama_ibu": _l("Nama ibu kandung"),
    "asal_wilayah": _l("Daerah asal"), "asal_wilayah_kode": _l("Daerah asal"),
    "alamat_ktp": _l("Alamat KTP"), "domisili_kelurahan": _l("Kelurahan domisili"),
    "domisili_kelurahan_kode": _l("Kelurahan domisili"), "kecamatan": _l("Kecamatan"),
    "kecamatan_kode": _l("Kecamatan"),
    "kelurahan": _l("Kelurahan"), "kelurahan_kode": _l("Kelurahan"), "jenis_ppks": _l("Jenis PPKS"),
    "disabilitas": _l("Disabilitas"), "catatan_kesehatan": _l("Catatan kesehatan"),
    "ciri_fisik": _l("Ciri-ciri fisik"), "kontak_keluarga": _l("Kontak keluarga"),
    "status_dtks": _l("Status DTKS"), "persetujuan_oleh": _l("Persetujuan diberikan oleh"),
    "persetujuan_tanggal": _l("Tanggal persetujuan"),
    "persetujuan_alasan_tidak": _l("Alasan tanpa persetujuan"), "photo_upload": _l("Foto"),
    "updated_at": _l("Diperbarui"), "archived_at": _l("Diarsipkan"),
    "archive_reason": _l("Alasan arsip"),
    "enc_waktu": _l("Waktu penjangkauan"), "enc_kelurahan_kode": _l("Kelurahan lokasi"),
    "enc_lokasi": _l("Lokasi (uraian)"), "enc_sumber": _l("Sumber"),
    "enc_aktivitas": _l("Aktivitas saat ditemui"), "enc_hasil": _l("Hasil langsung"),
    "enc_kondisi": _l("Kondisi saat ditemui"),
}

ENCOUNTER_LABELS = {
    "person": _l("PPKS"), "person_ref": _l("Nomor data PPKS (#)"), "waktu": _l("Waktu"),
    "kelurahan": _l("Kelurahan"), "kelurahan_kode": _l("Kelurahan lokasi"),
    "kecamatan": _l("Kecamatan"), "lokasi": _l("Lokasi"), "latitude": _l("Lintang"),
    "longitude": _l("Bujur"), "sumber": _l("Sumber"), "tim": _l("Tim"),
    "petugas_nama": _l("Petugas"), "aktivitas": _l("Aktivitas"), "kondisi": _l("Kondisi"),
    "hasil": _l("Hasil"), "catatan": _l("Catatan"), "import_ref": _l("Ref. impor"),
    "photo_upload": _l("Foto"), "archived_at": _l("Diarsipkan"),
    "archive_reason": _l("Alasan arsip"),
}

_ENUMS = {
    "jenis_kelamin": constants.GENDERS, "nik_status": constants.NIK_STATUSES,
    "status_dtks": constants.DTKS_STATUSES, "sumber": constants.ENCOUNTER_SOURCES,
    "aktivitas": constants.ACTIVITIES, "hasil": constants.OUTCOMES,
    "jenis": constants.LEMBAGA_TYPES, "spm_group": constants.SPM_GROUPS,
}


# Rows a merge moved, by table: the audit change "moved" is {"table.column": [ids]}.
MOVED_ROW_LABELS = {"encounter": _l("penjangkauan"), "kasus": _l("kasus"),
                    "permohonan_bantuan": _l("permohonan bantuan")}


def enum_label(column: str, value) -> str:
    if isinstance(value, dict):  # e.g. "moved" of a merge: "3 penjangkauan, 1 kasus"
        return ", ".join(f"{len(ids)} {MOVED_ROW_LABELS.get(key.split('.')[0], key)}"
                         for key, ids in value.items())
    if isinstance(value, (list, tuple, set)):
        return ", ".join(str(v) for v in value)
    mapping = _ENUMS.get(column, {})
    return str(mapping.get(value, value if value is not None else "-"))


def enum_formatters(*columns: str) -> dict:
    """FAB `formatters_columns` showing Indonesian labels for stored codes."""
    return {c: (lambda v, c=c: enum_label(c, v)) for c in columns}


def display(value) -> str:
    """A value as a person reads it: '-' for unknown, Ya/Tidak, Indonesian dates, lists joined."""
    import datetime as dt

    from reports import formatting

    if value is None or value == "" or value == []:
        return "-"
    if isinstance(value, bool):
        return str(_l("Ya") if value else _l("Tidak"))
    if isinstance(value, dt.datetime):
        return formatting.format_datetime(value)
    if isinstance(value, dt.date):
        return formatting.format_date(value)
    if isinstance(value, (list, tuple, set)):
        return ", ".join(str(v) for v in value)
    return str(value)


def display_formatters(*columns: str, enums: tuple[str, ...] = ()) -> dict:
    """Formatters for list/show columns: readable values everywhere, labels for codes."""
    formatters = {c: display for c in columns}
    formatters.update(enum_formatters(*enums))
    return formatters
