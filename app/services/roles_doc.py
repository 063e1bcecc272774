"""Render docs/roles.md from the permission matrix in app/roles.py."""
from __future__ import annotations

from app.roles import BUILTIN_ROLES, ROLE_DESCRIPTIONS, ROLE_PERMISSIONS
from app.services.scope import CITYWIDE_ROLES


def render_roles_doc(appbuilder=None) -> str:
    views = sorted({v for matrix in ROLE_PERMISSIONS.values() for v in matrix})
    roles = list(ROLE_PERMISSIONS)
    lines = [
        "# Peran dan hak akses (roles and permissions)",
        "",
        "Generated from `app/roles.py` by `flask ppks roles-doc`; a test fails when this file",
        "and the code disagree. `flask ppks sync-roles` (run by `flask ppks seed` at deploy time)",
        "gives each built-in role exactly these permissions, plus menu access for the screens",
        "it may list. Custom roles made in *Keamanan → Daftar Peran* (e.g. with *Copy Role*) are",
        "never changed by the sync.",
        "",
        "## Roles",
        "",
        "| Peran | Wilayah | Tugas |",
        "|---|---|---|",
    ]
    for role in BUILTIN_ROLES:
        area = "seluruh kota" if role in CITYWIDE_ROLES else "wilayah tugas (kecamatan/kelurahan)"
        lines.append(f"| {role} | {area} | {ROLE_DESCRIPTIONS[role]} |")
    lines += [
        "",
        "Any role not listed as city-wide (including custom roles) sees only the persons and",
        "encounters of the user's assigned area; an out-of-area record answers 404 everywhere",
        "(list, show, edit, actions, API, photos, exports).",
        "",
        "## Permission matrix",
        "",
        "Admin holds every permission. `can_archive` replaces delete; only Admin has",
        "`can_purge`.",
        "",
        "| View / API | " + " | ".join(roles) + " |",
        "|---|" + "---|" * len(roles),
    ]
    for view in views:
        cells = [", ".join(ROLE_PERMISSIONS[r].get(view, [])) or "—" for r in roles]
        lines.append(f"| {view} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
