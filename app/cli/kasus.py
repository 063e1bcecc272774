"""`flask kasus …`: automatic hilang-kontak closing and a casework demo."""
from __future__ import annotations

import datetime as dt

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from app.extensions import db
from app.services.audit import set_actor


@click.group("kasus", help="Penanganan kasus.")
def kasus():
    pass


@kasus.command("tutup-otomatis")
@click.option("--hari", type=int, default=None, help="Batas hari tanpa kontak (HILANG_KONTAK_DAYS).")
@with_appcontext
def tutup_otomatis(hari):
    """Tutup kasus tanpa kontak N hari (Hilang Kontak); buka kembali yang ditemui lagi."""
    from app.services import casework

    set_actor(db.session, None, "sistem")
    days = hari or current_app.config.get("HILANG_KONTAK_DAYS", 90)
    reopened = casework.reopen_contacted(db.session)
    closed = casework.auto_close(db.session, days)
    db.session.commit()
    click.echo(f"Ditutup (hilang kontak): {len(closed)}; dibuka kembali: {len(reopened)}")


@kasus.command("demo")
@click.option("--jumlah", type=int, default=12)
@click.option("--if-empty", is_flag=True, help="Lewati bila sudah ada kasus.")
@with_appcontext
def demo(jumlah, if_empty):
    """Buka kasus demo untuk beberapa PPKS dalam berbagai status (untuk antrean peksos/pimpinan)."""
    from app.models import Case, Person

    if if_empty and db.session.scalar(select(Case.id).limit(1)) is not None:
        click.echo("Kasus sudah ada; kasus demo tidak dibuat ulang.")
        return
    from app.services import casework, workflow

    set_actor(db.session, None, "demo")
    sm = current_app.appbuilder.sm
    peksos, pimpinan = sm.find_user(username="peksos"), sm.find_user(username="pimpinan")
    pid = peksos.id if peksos else None
    persons = db.session.execute(
        select(Person.id).where(Person.merged_into_id.is_(None), Person.is_archived.is_(False),
                                ~select(Case.id).where(Case.person_id == Person.id).exists())
        .order_by(Person.id).limit(jumlah)).scalars().all()
    plan = ["terjangkau", "asesmen", "rencana_layanan", "persetujuan", "layanan_berjalan",
            "terminasi_diajukan"]
    W, A = {"Pekerja Sosial"}, {"Pimpinan"}
    from app.models import JenisLayanan
    gepeng = list(db.session.execute(select(JenisLayanan.id).where(
        JenisLayanan.spm_group == "gepeng").order_by(JenisLayanan.urutan).limit(3)).scalars())
    done = 0
    for i, person_id in enumerate(persons):
        target = plan[i % len(plan)]
        case = casework.open_case(db.session, person_id, pid, worker_id=pid if i % 3 else None,
                                  actor_name="peksos")
        steps = ["mulai_asesmen", "asesmen", "susun_rencana", "ajukan_rencana", "setujui_rencana",
                 "ajukan_terminasi"]
        stop = {"terjangkau": 0, "asesmen": 2, "rencana_layanan": 3, "persetujuan": 4,
                "layanan_berjalan": 5, "terminasi_diajukan": 6}[target]
        for step in steps[:stop]:
            if step == "asesmen":
                casework.save_assessment(db.session, case, {"spm_group": "gepeng",
                                                            "butuh_rehab_luar_panti": True,
                                                            "layanan_ids": gepeng}, pid)
            elif step == "setujui_rencana":
                workflow.apply_transition(db.session, case, step, A,
                                          pimpinan.id if pimpinan else None, {},
                                          actor_name="pimpinan")
            else:
                workflow.apply_transition(db.session, case, step, W, pid, {
                    "alasan_terminasi": "tujuan_tercapai",
                    "ringkasan_terminasi": "Layanan dasar terpenuhi, kembali ke keluarga."},
                    actor_name="peksos")
        if stop >= 5:  # services under way or done: the SPM figures have something to show
            for layanan_id in gepeng[: 3 if stop == 6 else 2]:
                casework.add_service(db.session, case, {"jenis_layanan_id": layanan_id,
                                                        "tanggal": dt.date.today()}, pid,
                                     actor_name="peksos")
        if i % 4 == 0:  # some cases waited too long, so the overdue queue is not empty
            case.state_since = case.state_since - dt.timedelta(days=30)
        done += 1
    db.session.commit()
    click.echo(f"Kasus demo dibuka: {done}")


def register(app) -> None:
    app.cli.add_command(kasus)
