"""`flask report spm|rekap --period YYYY-MM [--kecamatan KODE] --format pdf|xlsx --out FILE`."""
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


def register(app) -> None:
    app.cli.add_command(report)
