"""`flask ppks seed | sync-roles | roles-doc | demo`."""
from __future__ import annotations

import os
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from app.extensions import db
from app.services.audit import set_actor

DEMO_USERS = [
    # username, first, last, role, kecamatan, kelurahan
    ("admin", "Admin", "Sistem", "Admin", None, None),
    ("operator", "Operator", "Dinsos", "Operator", None, None),
    ("peksos", "Pekerja", "Sosial", "Pekerja Sosial", None, None),
    ("pimpinan", "Pimpinan", "Bidang", "Pimpinan", None, None),
    ("satpolpp", "Petugas", "Satpol PP", "Satpol PP", "32.75.02", None),
    ("pilar.bekasitimur", "Pilar", "Bekasi Timur", "Pilar Sosial", "32.75.01", None),
    ("pilar.jatiasih", "Pilar", "Jatiasih", "Pilar Sosial", "32.75.09", None),
]


@click.group(help="Registri PPKS: data master, peran, data demo.")
def ppks():
    pass


@ppks.command(help="Isi data master dan sinkronkan peran (aman diulang).")
@with_appcontext
def seed():
    from app.services.seeding import seed_master

    set_actor(db.session, None, "cli:seed")
    counts = seed_master(db.session)
    db.session.commit()
    click.echo(f"Data master: {counts or 'sudah lengkap'}")
    _sync_roles()


@ppks.command("sync-roles", help="Samakan hak akses peran bawaan dengan matriks di kode.")
@with_appcontext
def sync_roles_cmd():
    _sync_roles()


def _sync_roles():
    from app.roles import ROLE_PERMISSIONS
    from app.services.seeding import sync_roles

    result = sync_roles(current_app.appbuilder, ROLE_PERMISSIONS)
    click.echo("Peran disinkronkan: " + ", ".join(f"{k} ({v})" for k, v in result.items()))


@ppks.command("demo-users", help="Buat pengguna demo (satu per peran).")
@with_appcontext
def demo_users():
    created = ensure_demo_users(os.environ.get("DEMO_PASSWORD", current_app.config["DEMO_PASSWORD"]))
    click.echo(f"Pengguna demo dibuat: {', '.join(created) or 'sudah ada'}")


def ensure_demo_users(password: str) -> list[str]:
    sm = current_app.appbuilder.sm
    created = []
    for username, first, last, role, kec, kel in DEMO_USERS:
        if sm.find_user(username=username):
            continue
        user = sm.add_user(username, first, last, f"{username}@demo.palukebab.invalid",
                           sm.find_role(role), password=password)
        if not user:
            raise click.ClickException(f"Gagal membuat pengguna {username}.")
        user.kecamatan_kode, user.kelurahan_kode = kec, kel
        created.append(username)
    sm.session.commit()
    return created


@ppks.command(help="Buat data demo (Faker id_ID) bila diminta atau bila basis data kosong.")
@click.option("--persons", default=400, show_default=True, type=click.IntRange(1, 2_000_000))
@click.option("--seed", "seed_value", default=2026, show_default=True, type=int)
@click.option("--if-empty", is_flag=True, help="Lewati bila sudah ada data PPKS.")
@with_appcontext
def demo(persons: int, seed_value: int, if_empty: bool):
    from sqlalchemy import func, select

    from app.models import Person
    from seeds.demo import generate

    if if_empty and db.session.scalar(select(func.count()).select_from(Person)):
        click.echo("Data PPKS sudah ada; data demo tidak dibuat ulang.")
        return
    set_actor(db.session, None, "cli:demo")
    with click.progressbar(length=persons, label="Membuat data demo") as bar:
        counts = generate(db.session, persons, seed_value, progress=bar.update)
    db.session.commit()
    click.echo(f"Dibuat: {counts['persons']} PPKS, {counts['variants']} pendaftaran ulang "
               f"dengan ejaan lain, {counts['encounters']} penjangkauan.")


@ppks.command("roles-doc", help="Tulis docs/roles.md dari matriks peran di kode.")
@click.option("--out", default="docs/roles.md", type=click.Path(path_type=Path))
@with_appcontext
def roles_doc(out: Path):
    from app.services.roles_doc import render_roles_doc

    out.write_text(render_roles_doc(current_app.appbuilder), encoding="utf-8")
    click.echo(f"Ditulis: {out}")
