"""Enumerations of the domain, with their Indonesian labels.

Stored values are short stable English/ASCII codes; labels are shown to users
through `lazy_gettext` so the UI speaks Indonesian by default.
"""
from flask_babel import lazy_gettext as _l

GENDERS = {"L": _l("Laki-laki"), "P": _l("Perempuan"), "U": _l("Tidak diketahui")}

NIK_STATUSES = {
    "ada": _l("Ada"),
    "tidak_diketahui": _l("Tidak diketahui"),
    "hilang": _l("Hilang"),
    "belum_dibuat": _l("Belum pernah dibuat"),
    "menolak": _l("Menolak memberi"),
}

DTKS_STATUSES = {
    "terdaftar": _l("Terdaftar DTKS"),
    "tidak_terdaftar": _l("Tidak terdaftar"),
    "tidak_diketahui": _l("Tidak diketahui"),
}

ENCOUNTER_SOURCES = {
    "razia": _l("Razia Satpol PP"),
    "patroli": _l("Patroli Dinsos"),
    "laporan": _l("Laporan masyarakat"),
    "datang_sendiri": _l("Datang sendiri"),
    "rujukan": _l("Rujukan"),
}

ACTIVITIES = {
    "mengemis": _l("Mengemis"),
    "mengamen": _l("Mengamen"),
    "memulung": _l("Memulung"),
    "tidur_di_jalan": _l("Tidur di jalan"),
    "asongan": _l("Berjualan asongan"),
    "lainnya": _l("Lainnya"),
}

OUTCOMES = {
    "rumah_singgah": _l("Dibawa ke rumah singgah"),
    "pembinaan": _l("Diberi pembinaan"),
    "dipulangkan": _l("Dipulangkan ke keluarga"),
    "dilepas": _l("Dilepas"),
    "lainnya": _l("Lainnya"),
}

# The four kab/kota SPM target groups (Permensos 9/2018).
SPM_GROUPS = {
    "disabilitas": _l("Penyandang disabilitas telantar"),
    "anak": _l("Anak telantar"),
    "lansia": _l("Lanjut usia telantar"),
    "gepeng": _l("Gelandangan dan pengemis"),
}

LEMBAGA_TYPES = {
    "rumah_singgah": _l("Rumah singgah"),
    "panti": _l("Panti sosial"),
    "puskesmas": _l("Puskesmas"),
    "rsud": _l("Rumah sakit (RSUD)"),
    "disdukcapil": _l("Disdukcapil"),
    "blk": _l("BLK / pelatihan kerja"),
    "lks": _l("Lembaga Kesejahteraan Sosial (LKS)"),
    "kepolisian": _l("Kepolisian"),
    "disnaker": _l("Dinas Tenaga Kerja"),
    "lainnya": _l("Lainnya"),
}

WILAYAH_LEVELS = ("provinsi", "kabkota", "kecamatan", "kelurahan")


def choices(mapping: dict) -> list[tuple[str, str]]:
    """WTForms choices from one of the mappings above."""
    return [(k, v) for k, v in mapping.items()]
