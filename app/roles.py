"""The permission matrix of the built-in roles, defined in code.

`flask ppks sync-roles` makes each built-in role hold exactly these permissions
(plus menu access derived from them); custom roles are never touched.
`docs/roles.md` is generated from this module (`flask ppks roles-doc`) and a
test keeps the two in sync.
"""
from __future__ import annotations

READ = ["can_list", "can_show"]
WRITE = ["can_list", "can_show", "can_add", "can_edit"]
API_READ = ["can_get", "can_info"]
API_WRITE = ["can_get", "can_info", "can_post", "can_put"]

OWN_ACCOUNT = {
    "UserDBModelView": ["can_userinfo", "resetmypassword", "userinfoedit"],
    "ResetMyPasswordView": ["can_this_form_get", "can_this_form_post"],
    "UserInfoEditView": ["can_this_form_get", "can_this_form_post"],
}

MASTER_VIEWS = ["WilayahView", "JenisPPKSView", "JenisPSKSView", "JenisLayananView", "LembagaView"]
MASTER_READ = {v: READ for v in MASTER_VIEWS} | {"LembagaApi": API_READ, "WilayahApi": API_READ}
MASTER_WRITE = {v: WRITE for v in MASTER_VIEWS} | {"LembagaApi": API_WRITE, "WilayahApi": API_READ}

REGISTRY_WRITE = {
    "PersonView": WRITE + ["can_archive"],
    "EncounterView": WRITE + ["can_archive"],
    "ArchivedPersonView": READ + ["can_restore"],
    "ArchivedEncounterView": READ + ["can_restore"],
    "PhotoView": ["can_view"],
    "PersonApi": API_WRITE,
    "EncounterApi": API_WRITE,
}
REGISTRY_READ = {
    "PersonView": READ, "EncounterView": READ, "ArchivedPersonView": READ,
    "ArchivedEncounterView": READ, "PhotoView": ["can_view"],
    "PersonApi": API_READ, "EncounterApi": API_READ,
}
FIELD_WORK = {  # Satpol PP: record encounters, register persons met, no archive
    "PersonView": ["can_list", "can_show", "can_add"],
    "EncounterView": WRITE,
    "PhotoView": ["can_view"],
    "PersonApi": ["can_get", "can_info", "can_post"],
    "EncounterApi": API_WRITE,
    "LembagaView": READ,
}
PILAR_WORK = {  # Pilar sosial: record and update persons and encounters in own area
    "PersonView": WRITE,
    "EncounterView": WRITE,
    "PhotoView": ["can_view"],
    "PersonApi": API_WRITE,
    "EncounterApi": API_WRITE,
    "LembagaView": READ,
}


def _merge(*parts: dict) -> dict[str, list[str]]:
    merged: dict[str, list[str]] = {}
    for part in parts:
        for view, perms in part.items():
            merged.setdefault(view, [])
            merged[view] += [p for p in perms if p not in merged[view]]
    return merged


ROLE_PERMISSIONS: dict[str, dict[str, list[str]]] = {
    "Operator": _merge(OWN_ACCOUNT, REGISTRY_WRITE, MASTER_WRITE,
                       {"PilarSosialView": WRITE, "AuditLogView": READ}),
    "Pekerja Sosial": _merge(OWN_ACCOUNT, REGISTRY_WRITE, MASTER_READ, {"PilarSosialView": READ}),
    "Pimpinan": _merge(OWN_ACCOUNT, REGISTRY_READ, MASTER_READ,
                       {"PilarSosialView": READ, "AuditLogView": READ}),
    "Satpol PP": _merge(OWN_ACCOUNT, FIELD_WORK),
    "Pilar Sosial": _merge(OWN_ACCOUNT, PILAR_WORK),
}

ROLE_DESCRIPTIONS = {
    "Admin": "Semua hak akses: pengguna, peran, wilayah, data master, hapus permanen (purge).",
    "Operator": "Operator data Dinsos: mengelola data PPKS, penjangkauan, arsip, data master, pilar sosial; membaca log audit. Seluruh kota.",
    "Pekerja Sosial": "Mencatat dan mengubah data PPKS dan penjangkauan, mengarsipkan dan memulihkan. Seluruh kota.",
    "Pimpinan": "Membaca seluruh data, dasbor, laporan dan log audit; tidak mengubah data. Seluruh kota.",
    "Satpol PP": "Mencatat penjangkauan dan mendaftarkan orang yang ditemui; hanya wilayah tugasnya.",
    "Pilar Sosial": "Mencatat dan mengubah data PPKS dan penjangkauan, mengajukan permohonan bantuan; hanya wilayah tugasnya.",
}

BUILTIN_ROLES = ["Admin", *ROLE_PERMISSIONS]

# Reports and dashboard (issue 5): Pimpinan, Operator (and Admin, who holds everything).
# `can_identifiers` on ReportView = raw exports include NIK/KK and other identifiers.
_REPORTS = {"DashboardView": ["can_list"],
            "ReportView": ["can_list", "can_download", "can_archive_file", "can_export"]}
ROLE_PERMISSIONS["Pimpinan"] = _merge(ROLE_PERMISSIONS["Pimpinan"], _REPORTS,
                                      {"SpmTargetView": WRITE})
ROLE_PERMISSIONS["Operator"] = _merge(ROLE_PERMISSIONS["Operator"], _REPORTS,
                                      {"ReportView": ["can_identifiers"], "SpmTargetView": READ})

# Casework (issue 4): Pekerja Sosial full casework; Pimpinan reads and approves
# (the workflow table limits its transitions to approvals); Operator reads and
# records services; Satpol PP and Pilar Sosial have no casework access.
_CASE_READ = {"CaseView": READ, "CaseApi": ["can_get"]}
_CASEWORK = {
    "Pekerja Sosial": _merge(_CASE_READ, {"CaseApi": ["can_post"], "CaseworkView": [
        "can_case", "can_transition", "can_record", "can_service", "can_document", "can_queue",
        "can_open"]}),
    "Pimpinan": _merge(_CASE_READ, {"CaseApi": ["can_post"], "CaseworkView": [
        "can_case", "can_transition", "can_document", "can_queue"]}),
    "Operator": _merge(_CASE_READ, {"CaseworkView": [
        "can_case", "can_service", "can_document", "can_queue"]}),
}
for _role, _perms in _CASEWORK.items():
    ROLE_PERMISSIONS[_role] = _merge(ROLE_PERMISSIONS[_role], _perms)

# Casework follow-up: queue links in the menu (with counts), reassigning a case
# (Pekerja Sosial, Pimpinan) and aid applications (permohonan bantuan): staff
# submit and move the status; Pimpinan reads; Pilar Sosial submits and reads for
# persons in its own area (the scope rule); Satpol PP has none.
_QUEUE_MENU = {f"Queue {q}": ["menu_access"]
               for q in ("saya", "persetujuan", "terlambat", "belum_ditugaskan")}
_AID_MENU = {"Aid overdue": ["menu_access"]}
_AID_STAFF = {"AidView": ["can_list", "can_show", "can_add", "can_status"],
              "AidApi": ["can_get", "can_post", "can_put"]}
for _role, _perms in {
    "Pekerja Sosial": _merge(_QUEUE_MENU, _AID_MENU, _AID_STAFF, {"CaseworkView": ["can_assign"]}),
    "Pimpinan": _merge(_QUEUE_MENU, _AID_MENU, {"CaseworkView": ["can_assign"],
                                                "AidView": READ, "AidApi": ["can_get"]}),
    "Operator": _merge(_QUEUE_MENU, _AID_MENU, _AID_STAFF),
    "Pilar Sosial": _merge(_AID_MENU, {"AidView": ["can_list", "can_show", "can_add"],
                                       "AidApi": ["can_get", "can_post"]}),
}.items():
    ROLE_PERMISSIONS[_role] = _merge(ROLE_PERMISSIONS[_role], _perms)

# Identity (issue 3): search-before-create, duplicate review, merge/unmerge, import, repeats.
# Operator and Pekerja Sosial review, merge, unmerge and import; Pimpinan reads the lists;
# Satpol PP and Pilar Sosial use the search-before-create intake in their own area.
_IDENTITY_READ = {"ReviewView": ["can_list", "can_pair", "can_merges"],
                  "RepeatsView": ["can_list", "can_encounters"]}
_IDENTITY_WORK = _merge(_IDENTITY_READ, {
    "IntakeView": ["can_index"],
    "ReviewView": ["can_decide", "can_merge", "can_unmerge"],
    "ImportView": ["can_index", "can_template"],
})
for _role, _perms in {"Operator": _IDENTITY_WORK, "Pekerja Sosial": _IDENTITY_WORK,
                      "Pimpinan": _IDENTITY_READ, "Satpol PP": {"IntakeView": ["can_index"]},
                      "Pilar Sosial": {"IntakeView": ["can_index"]}}.items():
    ROLE_PERMISSIONS[_role] = _merge(ROLE_PERMISSIONS[_role], _perms)
