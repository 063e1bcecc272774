"""Idempotent master-data seeding, region import and role synchronisation."""
from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from app.models import JenisLayanan, JenisPPKS, JenisPSKS, Lembaga, Wilayah
from app.services.scope import CITYWIDE_ROLES  # noqa: F401  (documented alongside roles)

SEEDS_DIR = Path(__file__).resolve().parents[2] / "seeds"
LEVELS = ("provinsi", "kabkota", "kecamatan", "kelurahan")


class SeedError(ValueError):
    """A seed or import file is malformed (Indonesian message)."""


@dataclass
class ImportReport:
    added: list[str] = field(default_factory=list)
    renamed: list[tuple[str, str, str]] = field(default_factory=list)
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)


def read_wilayah_csv(path: Path) -> list[dict]:
    """Rows of a `kode,nama,level,parent_kode` file, checked before anything is written."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            if not reader.fieldnames or not {"kode", "nama", "level", "parent_kode"} <= set(reader.fieldnames):
                raise SeedError("Kolom wajib: kode,nama,level,parent_kode.")
            rows = list(reader)
    except UnicodeDecodeError:
        raise SeedError("Berkas harus CSV ber-encoding UTF-8.") from None
    errors = []
    for number, row in enumerate(rows, start=2):
        kode, level = (row.get("kode") or "").strip(), (row.get("level") or "").strip()
        if not kode or not (row.get("nama") or "").strip():
            errors.append(f"Baris {number}: kode dan nama wajib diisi.")
        if level not in LEVELS:
            errors.append(f"Baris {number}: tingkat '{level}' tidak dikenal.")
        expected_parts = LEVELS.index(level) + 1 if level in LEVELS else None
        if expected_parts and len(kode.split(".")) != expected_parts:
            errors.append(f"Baris {number}: format kode '{kode}' tidak sesuai tingkat {level}.")
    if errors:
        raise SeedError("\n".join(errors[:50]))
    return rows


def upsert_wilayah(session, rows: list[dict]) -> ImportReport:
    """Insert new regions, rename changed ones; parents first. Never deletes."""
    report = ImportReport()
    existing = {w.kode: w for w in session.scalars(select(Wilayah))}
    rows = sorted(rows, key=lambda r: LEVELS.index(r["level"].strip()))
    for row in rows:
        kode, nama = row["kode"].strip(), row["nama"].strip()
        parent = (row.get("parent_kode") or "").strip() or None
        if parent and parent not in existing:
            report.errors.append(f"Kode induk {parent} untuk {kode} tidak ada.")
            continue
        current = existing.get(kode)
        if current is None:
            current = Wilayah(kode=kode, nama=nama, level=row["level"].strip(), parent_kode=parent)
            session.add(current)
            existing[kode] = current
            report.added.append(kode)
        elif current.nama != nama:
            report.renamed.append((kode, current.nama, nama))
            current.nama = nama
        else:
            report.unchanged += 1
    session.flush()
    return report


def _csv(name: str) -> list[dict]:
    with open(SEEDS_DIR / name, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def seed_master(session) -> dict[str, int]:
    """Seed regions, PPKS/PSKS types, SPM services and demo lembaga; safe to repeat."""
    counts = {}
    report = upsert_wilayah(session, _csv("wilayah_provinsi.csv") + _csv("wilayah_bekasi.csv"))
    counts["wilayah"] = len(report.added)
    known = {j.nomor: j for j in session.scalars(select(JenisPPKS))}
    for row in _csv("jenis_ppks.csv"):
        nomor = int(row["nomor"])
        if nomor not in known:
            session.add(JenisPPKS(nomor=nomor, kode=row["kode"] or None, nama=row["nama"],
                                  is_jalanan=row["is_jalanan"] == "1",
                                  spm_group=row["spm_group"] or None))
            counts["jenis_ppks"] = counts.get("jenis_ppks", 0) + 1
    known_psks = {j.nomor for j in session.scalars(select(JenisPSKS))}
    for row in _csv("jenis_psks.csv"):
        if int(row["nomor"]) not in known_psks:
            session.add(JenisPSKS(nomor=int(row["nomor"]), kode=row["kode"] or None, nama=row["nama"]))
            counts["jenis_psks"] = counts.get("jenis_psks", 0) + 1
    known_layanan = {(j.spm_group, j.urutan) for j in session.scalars(select(JenisLayanan))}
    for row in _csv("jenis_layanan.csv"):
        key = (row["spm_group"], int(row["urutan"]))
        if key not in known_layanan:
            session.add(JenisLayanan(spm_group=key[0], urutan=key[1], nama=row["nama"],
                                     catatan=row["catatan"] or None))
            counts["jenis_layanan"] = counts.get("jenis_layanan", 0) + 1
    known_lembaga = set(session.scalars(select(Lembaga.nama)))
    for row in _csv("lembaga_demo.csv"):
        if row["nama"] not in known_lembaga:
            session.add(Lembaga(nama=row["nama"], jenis=row["jenis"], alamat=row["alamat"],
                                kelurahan_kode=row["kelurahan_kode"] or None,
                                latitude=float(row["latitude"]), longitude=float(row["longitude"]),
                                kontak=row["kontak"], jam_buka=row["jam_buka"],
                                kapasitas=int(row["kapasitas"]) if row["kapasitas"] else None))
            counts["lembaga"] = counts.get("lembaga", 0) + 1
    session.flush()
    return counts


def menu_index(appbuilder) -> dict[str, list[str]]:
    """view permission name -> menu names (item and category) that show it."""
    index: dict[str, list[str]] = {}
    for item in appbuilder.menu.get_list():
        for child in item.childs or [item]:
            if child.baseview is not None:
                names = [child.name] + ([item.name] if child is not item else [])
                index.setdefault(child.baseview.class_permission_name, []).extend(names)
    return index


def sync_roles(appbuilder, role_permissions: dict[str, dict[str, list[str]]]) -> dict[str, int]:
    """Make every built-in role hold exactly its matrix; custom roles are left alone."""
    from flask_appbuilder.security.manager import BaseSecurityManager

    sm = appbuilder.sm
    BaseSecurityManager.create_db(sm)  # Admin and Public roles
    appbuilder.add_permissions(update_perms=True)
    menus = menu_index(appbuilder)
    result = {}
    for role_name, matrix in role_permissions.items():
        role = sm.find_role(role_name) or sm.add_role(role_name)
        wanted = []
        for view, perms in matrix.items():
            for perm in perms:
                pv = sm.find_permission_view_menu(perm, view)
                if pv is None:
                    raise SeedError(f"Hak akses {perm} pada {view} tidak dikenal (matriks peran salah).")
                wanted.append(pv)
            if "can_list" in perms or "can_this_form_get" in perms:
                for menu in menus.get(view, []):
                    pv = sm.find_permission_view_menu("menu_access", menu)
                    if pv is not None and pv not in wanted:
                        wanted.append(pv)
        role.permissions = wanted
        result[role_name] = len(wanted)
    admin = sm.find_role(sm.auth_role_admin)
    admin.permissions = sm.session.query(sm.permissionview_model).all()
    sm.session.commit()
    return result
