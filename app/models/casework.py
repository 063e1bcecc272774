"""Case handling: the case (kasus), its history, assessment, SPM services,
referrals, pemulangan and aid applications.

States and transitions live in `app/services/workflow.py` (one table); the SPM
"terpenuhi" rule in `app/services/spm.py`.  A case copies its person's area
(`kecamatan_kode`/`kelurahan_kode`) when opened so that queues are scoped
without a join; it stays the episode's area (a merge moves the case to the
survivor, area unchanged, and unmerge moves it back).
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean, Column, Date, DateTime, ForeignKey, Index, Integer, Numeric, String, Table, Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import AuditedMixin, TimestampMixin, VersionedMixin, now_local
from app.models.master import JenisLayanan, Lembaga
from app.models.registry import Person

assessment_layanan = Table(
    "asesmen_layanan",
    db.Model.metadata,
    Column("asesmen_id", Integer, ForeignKey("asesmen.id", ondelete="CASCADE"), primary_key=True),
    Column("jenis_layanan_id", Integer, ForeignKey("jenis_layanan.id"), primary_key=True),
)


class Case(AuditedMixin, VersionedMixin, TimestampMixin, db.Model):
    """One episode of handling a person; a returner gets a new case."""

    __tablename__ = "kasus"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), nullable=False, index=True)
    state: Mapped[str] = mapped_column(String(20), nullable=False, default="terjangkau")
    state_since: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=now_local)
    pending_approval: Mapped[str | None] = mapped_column(String(20))
    approval_requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    state_before_hilang: Mapped[str | None] = mapped_column(String(20))
    opened_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=now_local)
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    alasan_terminasi: Mapped[str | None] = mapped_column(String(40))
    ringkasan_terminasi: Mapped[str | None] = mapped_column(Text)
    catatan_penolakan: Mapped[str | None] = mapped_column(Text)
    assigned_worker_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    kecamatan_kode: Mapped[str | None] = mapped_column(String(13), ForeignKey("wilayah.kode"))
    kelurahan_kode: Mapped[str | None] = mapped_column(String(13), ForeignKey("wilayah.kode"))

    person: Mapped[Person] = relationship(lazy="joined")
    transitions: Mapped[list["CaseTransition"]] = relationship(
        back_populates="case", order_by="CaseTransition.id", lazy="select")
    assessments: Mapped[list["Assessment"]] = relationship(
        back_populates="case", order_by="Assessment.id", lazy="select")
    services: Mapped[list["ServiceDelivery"]] = relationship(
        back_populates="case", order_by="ServiceDelivery.tanggal", lazy="select")
    referrals: Mapped[list["Referral"]] = relationship(
        back_populates="case", order_by="Referral.id", lazy="select")
    pemulangan: Mapped[list["Pemulangan"]] = relationship(
        back_populates="case", order_by="Pemulangan.id", lazy="select")

    __table_args__ = (
        Index("ix_kasus_state", "state", "state_since"),
        Index("ix_kasus_worker", "assigned_worker_id", "state", "id"),
        Index("ix_kasus_scope", "kecamatan_kode", "state", "id"),
        Index("ix_kasus_pending", "pending_approval", "id"),
    )

    @property
    def latest_assessment(self) -> "Assessment | None":
        return self.assessments[-1] if self.assessments else None

    def __str__(self) -> str:
        return f"KASUS-{self.id:06d}" if self.id else "Kasus baru"


class CaseTransition(db.Model):
    """One step of a case's history: who did what, when, from which state to which."""

    __tablename__ = "kasus_riwayat"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("kasus.id"), nullable=False)
    waktu: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=now_local)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    actor_name: Mapped[str | None] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(30), nullable=False)
    from_state: Mapped[str | None] = mapped_column(String(20))
    to_state: Mapped[str] = mapped_column(String(20), nullable=False)
    note: Mapped[str | None] = mapped_column(Text)
    case: Mapped[Case] = relationship(back_populates="transitions")

    __table_args__ = (Index("ix_kasus_riwayat_case", "case_id", "id"),)


class Assessment(AuditedMixin, TimestampMixin, db.Model):
    """Asesmen: a structured assessment of the person's needs within a case."""

    __tablename__ = "asesmen"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("kasus.id"), nullable=False, index=True)
    tanggal: Mapped[dt.date] = mapped_column(Date, nullable=False)
    petugas_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    dokumen_identitas: Mapped[str | None] = mapped_column(Text)
    kesehatan: Mapped[str | None] = mapped_column(Text)
    pangan: Mapped[str | None] = mapped_column(Text)
    sandang: Mapped[str | None] = mapped_column(Text)
    tempat_tinggal: Mapped[str | None] = mapped_column(Text)
    keluarga_kontak: Mapped[str | None] = mapped_column(Text)
    pendidikan: Mapped[str | None] = mapped_column(Text)
    pekerjaan: Mapped[str | None] = mapped_column(Text)
    disabilitas: Mapped[str | None] = mapped_column(Text)
    risiko: Mapped[str] = mapped_column(String(10), nullable=False, default="rendah")
    urgensi: Mapped[str] = mapped_column(String(10), nullable=False, default="biasa")
    spm_group: Mapped[str | None] = mapped_column(String(20))
    butuh_rehab_luar_panti: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    tidak_dapat_menyetujui: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    dasar_persetujuan: Mapped[str | None] = mapped_column(Text)

    case: Mapped[Case] = relationship(back_populates="assessments")
    layanan: Mapped[list[JenisLayanan]] = relationship(secondary=assessment_layanan,
                                                       lazy="selectin")


class ServiceDelivery(AuditedMixin, TimestampMixin, db.Model):
    """One SPM service delivered to the person of a case."""

    __tablename__ = "layanan_diberikan"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("kasus.id"), nullable=False)
    jenis_layanan_id: Mapped[int] = mapped_column(ForeignKey("jenis_layanan.id"), nullable=False)
    tanggal: Mapped[dt.date] = mapped_column(Date, nullable=False)
    jumlah: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    lembaga_id: Mapped[int | None] = mapped_column(ForeignKey("lembaga.id"))
    petugas_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    petugas_nama: Mapped[str | None] = mapped_column(String(120))
    catatan: Mapped[str | None] = mapped_column(Text)

    case: Mapped[Case] = relationship(back_populates="services")
    jenis_layanan: Mapped[JenisLayanan] = relationship(lazy="joined")
    lembaga: Mapped[Lembaga | None] = relationship(lazy="joined")

    __table_args__ = (Index("ix_layanan_diberikan_case", "case_id", "jenis_layanan_id", "tanggal"),)


class Referral(AuditedMixin, VersionedMixin, TimestampMixin, db.Model):
    """Rujukan: dikirim -> diterima/ditolak -> selesai, or dibatalkan."""

    __tablename__ = "rujukan"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("kasus.id"), nullable=False, index=True)
    lembaga_id: Mapped[int | None] = mapped_column(ForeignKey("lembaga.id"))
    tujuan_lain: Mapped[str | None] = mapped_column(String(200))
    alasan: Mapped[str] = mapped_column(Text, nullable=False)
    dasar_persetujuan: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[str] = mapped_column(String(12), nullable=False, default="dikirim")
    tanggal_kirim: Mapped[dt.date] = mapped_column(Date, nullable=False)
    tanggal_respon: Mapped[dt.date | None] = mapped_column(Date)
    tanggal_selesai: Mapped[dt.date | None] = mapped_column(Date)
    catatan: Mapped[str | None] = mapped_column(Text)

    case: Mapped[Case] = relationship(back_populates="referrals")
    lembaga: Mapped[Lembaga | None] = relationship(lazy="joined")

    @property
    def tujuan(self) -> str:
        return self.lembaga.nama if self.lembaga else (self.tujuan_lain or "-")


class Pemulangan(AuditedMixin, VersionedMixin, TimestampMixin, db.Model):
    """Return of the person to the area of origin, with hand-over and follow-up."""

    __tablename__ = "pemulangan"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("kasus.id"), nullable=False, index=True)
    tujuan_kabkota: Mapped[str] = mapped_column(String(120), nullable=False)
    penerima_nama: Mapped[str] = mapped_column(String(150), nullable=False)
    penerima_kontak: Mapped[str | None] = mapped_column(String(120))
    transportasi: Mapped[str | None] = mapped_column(String(120))
    biaya: Mapped[float | None] = mapped_column(Numeric(14, 2))
    pendamping: Mapped[str | None] = mapped_column(String(150))
    tanggal_berangkat: Mapped[dt.date | None] = mapped_column(Date)
    tanggal_serah_terima: Mapped[dt.date | None] = mapped_column(Date)
    tindak_lanjut_tanggal: Mapped[dt.date | None] = mapped_column(Date)
    tindak_lanjut_catatan: Mapped[str | None] = mapped_column(Text)
    terkonfirmasi: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)

    case: Mapped[Case] = relationship(back_populates="pemulangan")


class AidApplication(AuditedMixin, VersionedMixin, TimestampMixin, db.Model):
    """Permohonan bantuan: diajukan -> diverifikasi -> diteruskan -> disetujui/ditolak -> disalurkan."""

    __tablename__ = "permohonan_bantuan"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), nullable=False, index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("kasus.id"), index=True)
    jenis: Mapped[str] = mapped_column(String(20), nullable=False)
    dokumen: Mapped[str | None] = mapped_column(Text)
    instansi_tujuan: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(12), nullable=False, default="diajukan")
    status_since: Mapped[dt.date] = mapped_column(Date, nullable=False)
    tanggal_diajukan: Mapped[dt.date] = mapped_column(Date, nullable=False)
    tanggal_diverifikasi: Mapped[dt.date | None] = mapped_column(Date)
    tanggal_diteruskan: Mapped[dt.date | None] = mapped_column(Date)
    tanggal_keputusan: Mapped[dt.date | None] = mapped_column(Date)
    tanggal_disalurkan: Mapped[dt.date | None] = mapped_column(Date)
    catatan: Mapped[str | None] = mapped_column(Text)

    person: Mapped[Person] = relationship(lazy="joined")

    __table_args__ = (Index("ix_permohonan_status", "status", "status_since"),)
