"""Reporting: archived generated reports and annual SPM targets."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    DateTime, Float, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint,
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
