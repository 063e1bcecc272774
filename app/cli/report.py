"""`flask report spm|rekap --period YYYY-MM [--kecamatan KODE] --format pdf|xlsx --out FILE`,
`flask report refresh-dashboard` (warm the dashboard cache, e.g. every minute from cron),
`flask report rebuild-summary` (recompute the report summary tables after bulk SQL writes)."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from app.extensions import db
from app.services import report_builders as rb
from app.services.report_queries import Period, PeriodError
from app.services.scope import Scope

report = AppGroup("report", help="Laporan bulanan SPM dan rekap PPKS.")


def _run(kind, period, kecamatan, fmt, out, kendala=None, solusi=None):
    try:
        p = Period.parse(period)
        doc = rb.build_document(db.session, kind, p, Scope.everything(), kecamatan,
                                current_app.config, kendala, solusi)
    except PeriodError as exc:
        raise click.UsageError(str(exc)) from exc
    data = rb.render(doc, fmt, current_app.config)
    with open(out, "wb") as fh:
        fh.write(data)
    click.echo(f"{out}: {len(data)} byte")


def _options(f):
    f = click.option("--out", required=True, type=click.Path(dir_okay=False))(f)
    f = click.option("--format", "fmt", type=click.Choice(rb.FORMATS), default="pdf")(f)
    f = click.option("--kecamatan", default=None, help="Kode kecamatan, mis. 32.75.01")(f)
    return click.option("--period", required=True, help="TTTT-BB")(f)


@report.command("spm")
@_options
@click.option("--kendala", default=None)
@click.option("--solusi", default=None)
def spm(period, kecamatan, fmt, out, kendala, solusi):
    """Laporan SPM bidang sosial (kumulatif sejak 1 Januari)."""
    _run("spm", period, kecamatan, fmt, out, kendala, solusi)


@report.command("rekap")
@_options
def rekap(period, kecamatan, fmt, out):
    """Rekap PPKS bulanan."""
    _run("rekap", period, kecamatan, fmt, out)


@report.command("refresh-dashboard")
def refresh_dashboard():
    """Hitung ulang cache dasbor (seluruh kota dan tiap kecamatan); jalankan tiap menit dari cron."""
    from app.models.base import now_local
    from app.services import dashboard_cache

    keys = dashboard_cache.refresh_all(db.session, now_local(),
                                       current_app.config.get("KASUS_BATAS_HARI") or None)
    click.echo(f"{len(keys)} cakupan dasbor diperbarui")


@report.command("rebuild-summary")
def rebuild_summary():
    """Hitung ulang tabel ringkasan laporan (setelah muat massal / SQL langsung)."""
    import time

    from app.services import report_summary

    t0 = time.perf_counter()
    counts = report_summary.rebuild(db.session.connection())
    db.session.commit()
    click.echo(", ".join(f"{k}: {v}" for k, v in counts.items())
               + f" ({time.perf_counter() - t0:.1f} s)")


def register(app) -> None:
    app.cli.add_command(report)
