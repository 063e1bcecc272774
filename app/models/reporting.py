"""Reporting: archived generated reports and annual SPM targets."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Date, DateTime, Float, ForeignKey, Index, Integer, LargeBinary, Numeric, String, Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, deferred, mapped_column

from app.extensions import db
from app.models.base import AuditedMixin, TimestampMixin, now_local
from app.models.registry import Encounter


class ReportArchive(db.Model):
    """One generated report file kept for re-download (who, when, kind, parameters)."""

    __tablename__ = "report_archive"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)  # spm | rekap
    fmt: Mapped[str] = mapped_column(String(5), nullable=False)  # pdf | xlsx
    period: Mapped[str] = mapped_column(String(7), nullable=False, index=True)  # YYYY-MM
    kecamatan_kode: Mapped[str | None] = mapped_column(String(13), ForeignKey("wilayah.kode"))
    parameters: Mapped[str | None] = mapped_column(Text)  # JSON of the filters
    kendala: Mapped[str | None] = mapped_column(Text)
    solusi: Mapped[str | None] = mapped_column(Text)
    filename: Mapped[str] = mapped_column(String(200), nullable=False)
    size_bytes: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    content: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=now_local, nullable=False,
                                                    index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    created_by_name: Mapped[str | None] = mapped_column(String(150))

    def __str__(self) -> str:
        return self.filename


class SpmTarget(AuditedMixin, TimestampMixin, db.Model):
    """The annual SPM target (percent) for one target group, set by an administrator."""

    __tablename__ = "spm_target"
    id: Mapped[int] = mapped_column(primary_key=True)
    tahun: Mapped[int] = mapped_column(Integer, nullable=False)
    spm_group: Mapped[str] = mapped_column(String(20), nullable=False)
    target_persen: Mapped[float] = mapped_column(Float, nullable=False, default=100.0)
    target_jumlah: Mapped[int | None] = mapped_column(Integer)
    catatan: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (UniqueConstraint("tahun", "spm_group", name="uq_spm_target_tahun_group"),)

    def __str__(self) -> str:
        return f"{self.tahun} {self.spm_group}"


class DashboardCache(db.Model):
    """Dashboard aggregates of one scope, kept for a short TTL (see services/dashboard_cache)."""

    __tablename__ = "dashboard_cache"
    scope_key: Mapped[str] = mapped_column(String(40), primary_key=True)
    computed_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False)
    payload: Mapped[str] = mapped_column(Text, nullable=False)  # JSON


# Covering index of the monthly report/dashboard scans (migration e2_report_indexes); declared
# here, next to the reports that need it, and attached to the encounter table.
Index("ix_encounter_report", Encounter.waktu, Encounter.is_archived, Encounter.person_id,
      Encounter.sumber, Encounter.kecamatan_kode, Encounter.kelurahan_kode)


# ----------------------------------------------------------------- report summary (derived)
# Derived tables kept by `services/report_summary.py` on every write (session listener, merge
# hook) and rebuilt set-wise by `flask report rebuild-summary`.  Not records about people:
# a rebuild deletes and re-inserts them.  Area codes are stored as "-" when unknown.

class SummaryPerson(db.Model):
    """One row per live person (not archived, not merged away): area, gender, and how often and
    when it was met (non-archived encounters): the "sering terjaring" list reads these."""

    __tablename__ = "summary_person"
    pid: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    kec: Mapped[str] = mapped_column(String(13), nullable=False)
    kel: Mapped[str] = mapped_column(String(13), nullable=False)
    jk: Mapped[str] = mapped_column(String(1), nullable=False)
    n_enc: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    first_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    last_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    __table_args__ = (Index("ix_summary_person_met", "n_enc", "pid"),)


class SummaryPersonJenis(db.Model):
    """The PPKS types of a live person as last counted (mirror of person_ppks)."""

    __tablename__ = "summary_person_jenis"
    pid: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    jenis: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)


class SummaryPersonMonth(db.Model):
    """A live person met (a non-archived encounter of it or of a record merged into it) in a
    month `ym` (= year * 100 + month); `ret` = met in an earlier month, `first` = the first
    month met in that year."""

    __tablename__ = "summary_person_month"
    pid: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    ym: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    ret: Mapped[int] = mapped_column(Integer, nullable=False)
    first: Mapped[int] = mapped_column(Integer, nullable=False)


class SummaryPersonSource(db.Model):
    """Non-archived encounters of a live person (and records merged into it) in a month, per
    source (`sumber`): the recap's encounters and persons by source."""

    __tablename__ = "summary_person_source"
    ym: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    pid: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False, index=True)
    sumber: Mapped[str] = mapped_column(String(20), primary_key=True)
    n: Mapped[int] = mapped_column(Integer, nullable=False)


class SummaryCount(db.Model):
    """Unique-person counters per month, person area, gender and PPKS type.

    `jenis` 0 counts every person once, -1 persons without a type, otherwise a jenis_ppks id.
    `ym` 0 holds the registry (live persons: `n_met`); otherwise persons met in the month
    (`n_met`), of them returners (`n_ret`) and persons met for the first time that year
    (`n_first`: summed over January..M it gives the year's unique persons)."""

    __tablename__ = "summary_count"
    ym: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    kec: Mapped[str] = mapped_column(String(13), primary_key=True)
    kel: Mapped[str] = mapped_column(String(13), primary_key=True)
    jk: Mapped[str] = mapped_column(String(1), primary_key=True)
    jenis: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    n_met: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    n_ret: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    n_first: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class SummaryEncounter(db.Model):
    """Non-archived encounters per month and encounter area (where they happened)."""

    __tablename__ = "summary_encounter"
    ym: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    kec: Mapped[str] = mapped_column(String(13), primary_key=True)
    kel: Mapped[str] = mapped_column(String(13), primary_key=True)
    n: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


# Dashboard hotspots: an index-only range scan of the geo-tagged encounters of the last 90 days.
Index("ix_encounter_geo", Encounter.waktu, Encounter.is_archived, Encounter.kecamatan_kode,
      Encounter.kelurahan_kode, Encounter.latitude, Encounter.longitude,
      sqlite_where=Encounter.latitude.isnot(None), postgresql_where=Encounter.latitude.isnot(None))


class SummaryAssessment(db.Model):
    """An SPM assessment (needs basic rehabilitation outside a panti, with an SPM group) of a
    live person `pid` (the survivor of its case's person) and its area (`kec`, `kel`): its
    date, group and the date it became *terpenuhi* (`done`: the first delivery date at which
    `spm.terpenuhi_clause` holds; null = not yet).  The dashboard's SPM capaian counts these
    rows."""

    __tablename__ = "summary_assessment"
    aid: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    case_id: Mapped[int] = mapped_column(Integer, nullable=False, index=True)
    pid: Mapped[int] = mapped_column(Integer, nullable=False, index=True)
    kec: Mapped[str] = mapped_column(String(13), nullable=False)
    kel: Mapped[str] = mapped_column(String(13), nullable=False)
    grp: Mapped[str] = mapped_column(String(20), nullable=False)
    tanggal: Mapped[dt.date] = mapped_column(Date, nullable=False)
    done: Mapped[dt.date | None] = mapped_column(Date)

    __table_args__ = (Index("ix_summary_assessment_tanggal", "tanggal", "grp", "pid", "done",
                            "kec", "kel"),)


class SummaryHotspot(db.Model):
    """Non-archived encounters with coordinates per day (`day` 1-31; 0 = the whole month `ym`)
    and cell (latitude/longitude rounded to 3 decimals by the dashboard's SQL expression):
    the city-wide 90-day hotspots are summed from a few months and days of these rows."""

    __tablename__ = "summary_hotspot"
    ym: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    day: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    lat: Mapped[float] = mapped_column(Numeric(10, 3, asdecimal=False), primary_key=True)
    lng: Mapped[float] = mapped_column(Numeric(10, 3, asdecimal=False), primary_key=True)
    n: Mapped[int] = mapped_column(Integer, nullable=False)

    # the month rows (day 0) of a range of months, index-only
    __table_args__ = (Index("ix_summary_hotspot_month", "day", "ym", "lat", "lng", "n"),)

# Kecamatan-scoped dashboard hotspots (migration f4_hotspot_summary): the kecamatan's range only.
Index("ix_encounter_geo_kec", Encounter.kecamatan_kode, Encounter.waktu, Encounter.is_archived,
      Encounter.kelurahan_kode, Encounter.latitude, Encounter.longitude,
      sqlite_where=Encounter.latitude.isnot(None), postgresql_where=Encounter.latitude.isnot(None))
