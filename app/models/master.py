"""Master data: regions (Kemendagri codes), PPKS/PSKS types, SPM services, lembaga."""
from __future__ import annotations

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import AuditedMixin, TimestampMixin


class Wilayah(db.Model):
    """A region: provinsi, kabkota, kecamatan or kelurahan, keyed by Kemendagri code."""

    __tablename__ = "wilayah"
    kode: Mapped[str] = mapped_column(String(13), primary_key=True)
    nama: Mapped[str] = mapped_column(String(120), nullable=False)
    level: Mapped[str] = mapped_column(String(10), nullable=False, index=True)
    parent_kode: Mapped[str | None] = mapped_column(
        String(13), ForeignKey("wilayah.kode"), index=True
    )
    parent: Mapped["Wilayah | None"] = relationship(remote_side=[kode], lazy="joined", join_depth=1)

    def __str__(self) -> str:
        return self.nama

    @property
    def kecamatan_kode(self) -> str | None:
        if self.level == "kecamatan":
            return self.kode
        if self.level == "kelurahan":
            return self.parent_kode
        return None


class JenisPPKS(AuditedMixin, TimestampMixin, db.Model):
    """One of the 26 PPKS types of Permensos 08/2012."""

    __tablename__ = "jenis_ppks"
    id: Mapped[int] = mapped_column(primary_key=True)
    nomor: Mapped[int] = mapped_column(Integer, nullable=False, unique=True)
    kode: Mapped[str | None] = mapped_column(String(12))
    nama: Mapped[str] = mapped_column(String(120), nullable=False, unique=True)
    is_jalanan: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    spm_group: Mapped[str | None] = mapped_column(String(20))
    aktif: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)

    def __str__(self) -> str:
        return self.nama


class JenisPSKS(AuditedMixin, TimestampMixin, db.Model):
    """One of the 12 pilar sosial (PSKS) types."""

    __tablename__ = "jenis_psks"
    id: Mapped[int] = mapped_column(primary_key=True)
    nomor: Mapped[int] = mapped_column(Integer, nullable=False, unique=True)
    kode: Mapped[str | None] = mapped_column(String(12))
    nama: Mapped[str] = mapped_column(String(120), nullable=False, unique=True)
    aktif: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)

    def __str__(self) -> str:
        return self.nama


class JenisLayanan(AuditedMixin, TimestampMixin, db.Model):
    """An SPM basic service for one target group (e.g. permakanan for gepeng)."""

    __tablename__ = "jenis_layanan"
    id: Mapped[int] = mapped_column(primary_key=True)
    spm_group: Mapped[str] = mapped_column(String(20), nullable=False, index=True)
    urutan: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    nama: Mapped[str] = mapped_column(String(200), nullable=False)
    catatan: Mapped[str | None] = mapped_column(Text)
    aktif: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)

    def __str__(self) -> str:
        return self.nama


class Lembaga(AuditedMixin, TimestampMixin, db.Model):
    """An agency or service place: rumah singgah, panti, puskesmas, RSUD, Disdukcapil, BLK, LKS."""

    __tablename__ = "lembaga"
    id: Mapped[int] = mapped_column(primary_key=True)
    nama: Mapped[str] = mapped_column(String(200), nullable=False)
    jenis: Mapped[str] = mapped_column(String(20), nullable=False, index=True)
    alamat: Mapped[str | None] = mapped_column(Text)
    kelurahan_kode: Mapped[str | None] = mapped_column(String(13), ForeignKey("wilayah.kode"))
    kelurahan: Mapped[Wilayah | None] = relationship(foreign_keys=[kelurahan_kode])
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    kontak: Mapped[str | None] = mapped_column(String(120))
    jam_buka: Mapped[str | None] = mapped_column(String(120))
    kapasitas: Mapped[int | None] = mapped_column(Integer)
    aktif: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)

    def __str__(self) -> str:
        return self.nama
