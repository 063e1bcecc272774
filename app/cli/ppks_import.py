"""`flask ppks import FILE [--commit]` and `flask ppks export-refs --out FILE`."""
from __future__ import annotations

import csv
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from app.extensions import db
from app.services.audit import set_actor


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--commit", is_flag=True, help="Simpan ke basis data (tanpa ini: uji coba saja).")
@with_appcontext
def import_cmd(file, commit):
    """Impor data lapangan (.xlsx/.csv): tiap baris satu penjangkauan beserta orangnya."""
    from app.services import importer
    from app.services.scope import Scope

    set_actor(db.session, None, "cli:import")
    content = Path(file).read_bytes()
    try:
        rows = importer.read_rows(file, content)
    except importer.ImportFileError as exc:
        raise click.ClickException(str(exc))
    scope = Scope.everything()
    folder, secret = importer.plan_store(current_app.config["IMPORT_PLAN_DIR"], current_app.config["SECRET_KEY"])
    stamp = importer.plan_stamp(db.session, content, scope)
    plans = importer.kept_plan(folder, stamp, secret, drop=True) if commit else None
    if plans is None:
        with click.progressbar(length=len(rows), label="Memeriksa baris") as bar:
            plans = importer.plan_import(db.session, rows, scope, progress=bar.update)
    else:
        click.echo("Hasil uji coba berkas yang sama dipakai (data belum berubah sejak uji coba).")
    for p in plans:
        if p.action == "galat":
            for col, msg in p.errors:
                click.echo(f"Baris {p.row}, kolom {col}: {msg}", err=True)
        elif p.action in ("tambah", "ganda"):
            target = f"#{p.person_id}" if p.person_id else (f"baris {p.same_as_row}" if p.same_as_row else "")
            click.echo(f"Baris {p.row} ({p.nama}): {importer.ACTIONS[p.action]} {target}".rstrip())
    counts = importer.summary(plans)
    click.echo("Ringkasan: " + ", ".join(f"{importer.ACTIONS[k]}: {v}" for k, v in counts.items()))
    if counts["galat"]:
        db.session.rollback()
        raise click.ClickException(f"{counts['galat']} baris bergalat; tidak ada yang disimpan.")
    if not commit:
        db.session.rollback()
        importer.keep_plan(folder, stamp, plans, secret)
        click.echo("Uji coba selesai; tidak ada yang disimpan. Jalankan lagi dengan --commit untuk menyimpan.")
        return
    try:
        with click.progressbar(length=len(plans), label="Menyimpan") as bar:
            importer.commit_import(db.session, plans, scope, progress=bar.update)
        db.session.commit()
    except Exception as exc:  # all or nothing
        db.session.rollback()
        raise click.ClickException(f"Impor gagal, tidak ada yang disimpan: {exc}")
    click.echo("Impor disimpan.")


@click.command("export-refs")
@click.option("--out", required=True, type=click.Path(dir_okay=False, writable=True))
@with_appcontext
def export_refs_cmd(out):
    """Tulis ref,person_id untuk setiap baris yang pernah diimpor."""
    from app.services.importer import export_refs

    rows = export_refs(db.session)
    with open(out, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["ref", "person_id"])
        w.writerows(rows)
    click.echo(f"{len(rows)} ref ditulis ke {out}.")


def register(app) -> None:
    from app.cli.ppks import ppks
    from app.services import identity_keys

    identity_keys.install()
    ppks.add_command(import_cmd)
    ppks.add_command(export_refs_cmd)
