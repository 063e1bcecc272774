"""The PPKS registry: persons, their aliases and PPKS types, encounters, pilar sosial."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean, Column, Date, DateTime, Float, ForeignKey, Index, Integer, String, Table, Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import ArchivableMixin, AuditedMixin, TimestampMixin, VersionedMixin
from app.models.master import JenisPPKS, JenisPSKS, Wilayah

person_ppks = Table(
    "person_ppks",
    db.Model.metadata,
    Column("person_id", Integer, ForeignKey("person.id", ondelete="CASCADE"), primary_key=True),
    Column("jenis_ppks_id", Integer, ForeignKey("jenis_ppks.id"), primary_key=True),
)


class Person(AuditedMixin, VersionedMixin, ArchivableMixin, TimestampMixin, db.Model):
    """A PPKS person. Unknown facts stay NULL ("tidak diketahui"), never fake values.

    `kecamatan_kode`/`kelurahan_kode` are the person's area for scoping: the
    domisili when known, else where they were first met.  A merged record keeps
    `merged_into_id` and stays as a tombstone.
    """

    __tablename__ = "person"
    id: Mapped[int] = mapped_column(primary_key=True)
    nik: Mapped[str | None] = mapped_column(String(16), unique=True)
    nik_status: Mapped[str] = mapped_column(String(20), nullable=False, default="tidak_diketahui")
    no_kk: Mapped[str | None] = mapped_column(String(16), index=True)
    nama: Mapped[str | None] = mapped_column(String(150))
    nama_norm: Mapped[str | None] = mapped_column(String(150), index=True)
    jenis_kelamin: Mapped[str] = mapped_column(String(1), nullable=False, default="U")
    tempat_lahir: Mapped[str | None] = mapped_column(String(120))
    tanggal_lahir: Mapped[dt.date | None] = mapped_column(Date)
    tahun_lahir: Mapped[int | None] = mapped_column(Integer)
    tahun_lahir_perkiraan: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    nama_ibu: Mapped[str | None] = mapped_column(String(150))
    asal_wilayah_kode: Mapped[str | None] = mapped_column(String(13), ForeignKey("wilayah.kode"))
    alamat_ktp: Mapped[str | None] = mapped_column(Text)
    domisili_kelurahan_kode: Mapped[str | None] = mapped_column(String(13), ForeignKey("wilayah.kode"))
    kecamatan_kode: Mapped[str | None] = mapped_column(String(13), ForeignKey("wilayah.kode"))
    kelurahan_kode: Mapped[str | None] = mapped_column(String(13), ForeignKey("wilayah.kode"))
    disabilitas: Mapped[str | None] = mapped_column(String(200))
    catatan_kesehatan: Mapped[str | None] = mapped_column(Text)
    ciri_fisik: Mapped[str | None] = mapped_column(Text)
    kontak_keluarga: Mapped[str | None] = mapped_column(Text)
    status_dtks: Mapped[str] = mapped_column(String(20), nullable=False, default="tidak_diketahui")
    persetujuan_oleh: Mapped[str | None] = mapped_column(String(150))
    persetujuan_tanggal: Mapped[dt.date | None] = mapped_column(Date)
    persetujuan_alasan_tidak: Mapped[str | None] = mapped_column(Text)
    photo: Mapped[str | None] = mapped_column(String(80))
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)

    jenis_ppks: Mapped[list[JenisPPKS]] = relationship(secondary=person_ppks, lazy="selectin")
    aliases: Mapped[list["PersonAlias"]] = relationship(
        back_populates="person", cascade="all, delete-orphan", lazy="selectin",
        order_by="PersonAlias.id",
    )
    encounters: Mapped[list["Encounter"]] = relationship(
        back_populates="person", order_by="Encounter.waktu.desc()", lazy="select",
        passive_deletes=True,
    )
    asal_wilayah: Mapped[Wilayah | None] = relationship(foreign_keys=[asal_wilayah_kode])
    domisili_kelurahan: Mapped[Wilayah | None] = relationship(foreign_keys=[domisili_kelurahan_kode])
    kecamatan: Mapped[Wilayah | None] = relationship(foreign_keys=[kecamatan_kode])
    kelurahan: Mapped[Wilayah | None] = relationship(foreign_keys=[kelurahan_kode])

    __table_args__ = (
        Index("ix_person_scope", "kecamatan_kode", "is_archived", "id"),
        Index("ix_person_list", "is_archived", "merged_into_id", "id"),
    )

    @property
    def display_name(self) -> str:
        if self.nama:
            return self.nama
        if self.aliases:
            return f'"{self.aliases[0].alias}"'
        return "(tanpa nama)"

    def __str__(self) -> str:
        return f"{self.display_name} (#{self.id})" if self.id else self.display_name


class PersonAlias(AuditedMixin, TimestampMixin, db.Model):
    """A nickname or another spelling of a person's name. Aliases count as names."""

    __tablename__ = "person_alias"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    alias: Mapped[str] = mapped_column(String(150), nullable=False)
    alias_norm: Mapped[str | None] = mapped_column(String(150), index=True)
    person: Mapped[Person] = relationship(back_populates="aliases")

    def __str__(self) -> str:
        return self.alias


class Encounter(AuditedMixin, VersionedMixin, ArchivableMixin, TimestampMixin, db.Model):
    """One meeting of outreach with a person (penjangkauan / kontak).

    `waktu` is stored as naive Asia/Jakarta local time (WIB, no DST).
    """

    __tablename__ = "encounter"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), nullable=False)
    waktu: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False)
    kelurahan_kode: Mapped[str | None] = mapped_column(String(13), ForeignKey("wilayah.kode"))
    kecamatan_kode: Mapped[str | None] = mapped_column(String(13), ForeignKey("wilayah.kode"))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    lokasi: Mapped[str | None] = mapped_column(Text)
    sumber: Mapped[str] = mapped_column(String(20), nullable=False, default="patroli")
    tim: Mapped[str | None] = mapped_column(String(120))
    petugas_nama: Mapped[str | None] = mapped_column(String(120))
    petugas_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    aktivitas: Mapped[str | None] = mapped_column(String(20))
    kondisi: Mapped[str | None] = mapped_column(Text)
    hasil: Mapped[str | None] = mapped_column(String(20))
    catatan: Mapped[str | None] = mapped_column(Text)
    photo: Mapped[str | None] = mapped_column(String(80))
    import_ref: Mapped[str | None] = mapped_column(String(160), unique=True)

    person: Mapped[Person] = relationship(back_populates="encounters", lazy="joined")
    kelurahan: Mapped[Wilayah | None] = relationship(foreign_keys=[kelurahan_kode], lazy="joined")
    kecamatan: Mapped[Wilayah | None] = relationship(foreign_keys=[kecamatan_kode])

    __table_args__ = (
        Index("ix_encounter_person_waktu", "person_id", "waktu"),
        Index("ix_encounter_scope", "kecamatan_kode", "waktu"),
        Index("ix_encounter_waktu", "waktu"),
    )

    def __str__(self) -> str:
        return f"{self.waktu:%d-%m-%Y %H:%M} {self.lokasi or ''}".strip()


class PilarSosial(AuditedMixin, VersionedMixin, TimestampMixin, db.Model):
    """A PSKS person (TKSK, PSM, Karang Taruna …) with an account and an assigned area."""

    __tablename__ = "pilar_sosial"
    id: Mapped[int] = mapped_column(primary_key=True)
    nama: Mapped[str] = mapped_column(String(150), nullable=False)
    jenis_psks_id: Mapped[int] = mapped_column(ForeignKey("jenis_psks.id"), nullable=False)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"), unique=True)
    kecamatan_kode: Mapped[str | None] = mapped_column(String(13), ForeignKey("wilayah.kode"))
    kelurahan_kode: Mapped[str | None] = mapped_column(String(13), ForeignKey("wilayah.kode"))
    telepon: Mapped[str | None] = mapped_column(String(30))
    aktif: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)

    jenis_psks: Mapped[JenisPSKS] = relationship(lazy="joined")
    kecamatan: Mapped[Wilayah | None] = relationship(foreign_keys=[kecamatan_kode])
    kelurahan: Mapped[Wilayah | None] = relationship(foreign_keys=[kelurahan_kode])

    def __str__(self) -> str:
        return self.nama
