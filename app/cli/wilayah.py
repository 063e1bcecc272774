"""`flask wilayah import FILE.csv`: load an official Kemendagri code list."""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from app.extensions import db
from app.services.audit import set_actor
from app.services.seeding import SeedError, read_wilayah_csv, upsert_wilayah


@click.group(help="Wilayah (kode Kemendagri).")
def wilayah():
    pass


@wilayah.command("import", help="Impor daftar kode wilayah (kolom kode,nama,level,parent_kode).")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def import_(file: Path):
    set_actor(db.session, None, "cli:wilayah-import")
    try:
        rows = read_wilayah_csv(file)
        report = upsert_wilayah(db.session, rows)
    except SeedError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc))
    if report.errors:
        db.session.rollback()
        raise click.ClickException("Tidak ada yang disimpan:\n" + "\n".join(report.errors[:50]))
    db.session.commit()
    click.echo(f"Ditambahkan: {len(report.added)}, diganti nama: {len(report.renamed)}, "
               f"tidak berubah: {report.unchanged}")
    for kode, old, new in report.renamed:
        click.echo(f"  {kode}: {old} -> {new}")
