"""Mixins shared by the domain models: audit columns, optimistic locking, archiving.

`created_by_id`/`updated_by_id` are filled by the audit listener from the acting
user (nullable, so CLI and seed writes work without a web user).
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, declared_attr, mapped_column


def now_local() -> dt.datetime:
    """Current time in Asia/Jakarta as a naive datetime (WIB has no DST)."""
    return dt.datetime.now(dt.timezone(dt.timedelta(hours=7))).replace(tzinfo=None)


class TimestampMixin:
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=now_local, nullable=False)
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime, default=now_local, onupdate=now_local, nullable=False
    )

    @declared_attr
    def created_by_id(cls) -> Mapped[int | None]:
        return mapped_column(Integer, ForeignKey("ab_user.id"), nullable=True)

    @declared_attr
    def updated_by_id(cls) -> Mapped[int | None]:
        return mapped_column(Integer, ForeignKey("ab_user.id"), nullable=True)


class VersionedMixin:
    """Optimistic locking: every UPDATE checks and bumps `version`."""

    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    @declared_attr.directive
    def __mapper_args__(cls):
        return {"version_id_col": cls.__table__.c.version}


class ArchivableMixin:
    """Soft delete: staff archive with a reason; only Admin may purge."""

    is_archived: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False, index=True)
    archived_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    archive_reason: Mapped[str | None] = mapped_column(Text)

    @declared_attr
    def archived_by_id(cls) -> Mapped[int | None]:
        return mapped_column(Integer, ForeignKey("ab_user.id"), nullable=True)


class AuditedMixin:
    """Marker: every insert/update/delete of this model writes an AuditLog row."""

    __audited__ = True


class LabelledCodeMixin:
    """Small helper for master tables that have a code and a name."""

    kode: Mapped[str | None] = mapped_column(String(20))
    nama: Mapped[str] = mapped_column(String(200), nullable=False)

    def __str__(self) -> str:
        return self.nama
