"""`flask dedup …`: batch duplicate scan, pair export, key rebuild."""
from __future__ import annotations

import csv
import datetime as dt

import click
from flask.cli import with_appcontext
from sqlalchemy import func, select

from app.extensions import db
from app.services.audit import set_actor


@click.group(help="Deteksi data ganda PPKS.")
def dedup():
    pass


def _parse_since(value: str | None):
    if not value or value == "last":
        return None
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("Format --since: YYYY-MM-DD atau YYYY-MM-DDTHH:MM, atau 'last'.")


@dedup.command("scan")
@click.option("--since", default=None,
              help="Hanya data baru/berubah sejak waktu ini (YYYY-MM-DD) atau 'last' (sejak pemindaian terakhir).")
@with_appcontext
def scan_cmd(since):
    """Bandingkan seluruh registri dan isi antrean tinjauan."""
    from app.models import Person
    from app.services import dedup as svc

    set_actor(db.session, None, "cli:dedup-scan")
    since_dt = svc.last_scan_start(db.session) if since == "last" else _parse_since(since)
    total = db.session.scalar(select(func.count()).select_from(Person)
                              .where(Person.merged_into_id.is_(None), Person.is_archived.is_(False)))
    with click.progressbar(length=total, label="Memindai data ganda") as bar:
        run = svc.scan(db.session, since=since_dt, progress=bar.update)
    db.session.commit()
    click.echo(f"{run.persons} orang diperiksa, {run.pairs_new} pasangan baru masuk antrean tinjauan.")


@dedup.command("export-pairs")
@click.option("--out", required=True, type=click.Path(dir_okay=False, writable=True))
@with_appcontext
def export_pairs(out):
    """Tulis semua pasangan: person_a_id,person_b_id,score,status,reasons."""
    from app.models import CandidatePair
    from app.services.dedup import pair_reasons

    n = 0
    with open(out, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["person_a_id", "person_b_id", "score", "status", "reasons"])
        for pair in db.session.scalars(select(CandidatePair).order_by(CandidatePair.score.desc())):
            w.writerow([pair.person_a_id, pair.person_b_id, f"{pair.score:.2f}", pair.status,
                        "; ".join(pair_reasons(pair))])
            n += 1
    click.echo(f"{n} pasangan ditulis ke {out}.")


@dedup.command("rebuild-keys")
@with_appcontext
def rebuild_keys():
    """Bangun ulang tabel kunci pencocokan (match_key)."""
    from app.models import Person
    from app.services.identity_keys import rebuild_all, vacuum

    total = db.session.scalar(select(func.count()).select_from(Person))
    with click.progressbar(length=total, label="Membangun kunci") as bar:
        n = rebuild_all(db.session, progress=bar.update)
    db.session.commit()
    vacuum(db.engine)
    click.echo(f"Kunci {n} orang dibangun ulang.")


@dedup.command("train")
@click.option("--max-records", default=200_000, show_default=True, help="Batas jumlah orang untuk pelatihan EM.")
@click.option("--out", default=None, type=click.Path(dir_okay=False),
              help="Berkas model (bawaan: instance/match_model.json, dipakai otomatis bila ada).")
@with_appcontext
def train_cmd(max_records, out):
    """Latih model pencocokan dari registri (EM) dan keputusan peninjau (sama/berbeda)."""
    from app.services import dedup as svc

    trained, n, labelled = svc.train(db.session, max_records=max_records, log=click.echo)
    path = out or svc.MODEL_PATH
    trained.save(path)
    click.echo(f"Model dilatih dari {n} orang dan {labelled} keputusan peninjau; disimpan di {path}.")


def model_path(app):
    """Where the trained model lives: MATCH_MODEL_PATH or <instance>/match_model.json."""
    from pathlib import Path

    return app.config.get("MATCH_MODEL_PATH") or str(Path(app.instance_path) / "match_model.json")


def register(app) -> None:
    from app.services import dedup as svc
    from app.services import identity_keys

    identity_keys.install()
    svc.MODEL_PATH = model_path(app)
    app.cli.add_command(dedup)
