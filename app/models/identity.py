"""Recognition of repeat persons: blocking keys, review-queue pairs, merge records."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import now_local

PAIR_STATUSES = ("baru", "sama", "berbeda", "tunda")


class MatchKey(db.Model):
    """One blocking key of a live person (name/alias/NIK/KK/mother keys).

    Maintained by `app.services.identity_keys` on every flush that touches a
    person or an alias; merged-away persons have no keys.
    """

    __tablename__ = "match_key"
    person_id: Mapped[int] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), primary_key=True)
    key: Mapped[str] = mapped_column(String(160), primary_key=True)

    __table_args__ = (Index("ix_match_key_key", "key", "person_id"),)  # covering: lookups read the index only


class MatchFeature(db.Model):
    """Comparison-ready features of a live person (`matching.Features`, encoded).

    Maintained next to the match keys by `app.services.feature_store`, so the
    real-time check and `--since` read one row per candidate instead of
    rebuilding it from persons, aliases and encounters. `engine` fingerprints
    the feature code that wrote the row; rows of another engine are ignored.
    """

    __tablename__ = "match_feature"
    person_id: Mapped[int] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), primary_key=True)
    engine: Mapped[str] = mapped_column(String(16), nullable=False)
    data: Mapped[str] = mapped_column(Text, nullable=False)  # JSON list, see feature_store.encode


class CandidatePair(db.Model):
    """A possible duplicate pair in the review queue (person_a_id < person_b_id)."""

    __tablename__ = "candidate_pair"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_a_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), nullable=False)
    person_b_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), nullable=False)
    score: Mapped[float] = mapped_column(Float, nullable=False)
    probability: Mapped[float | None] = mapped_column(Float)
    reasons: Mapped[str | None] = mapped_column(Text)  # JSON list of Indonesian reasons
    status: Mapped[str] = mapped_column(String(10), nullable=False, default="baru")
    source: Mapped[str | None] = mapped_column(String(20))  # scan / import / intake
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=now_local, nullable=False)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=now_local, onupdate=now_local,
                                                    nullable=False)

    __table_args__ = (
        UniqueConstraint("person_a_id", "person_b_id", name="uq_candidate_pair"),
        Index("ix_candidate_pair_queue", "status", "score"),
        Index("ix_candidate_pair_b", "person_b_id"),
        Index("ix_candidate_pair_created", "status", "created_at"),  # the review queue's date filter
    )


class MergeRecord(db.Model):
    """A merge of `merged_id` into `survivor_id` with a full JSON snapshot (for unmerge)."""

    __tablename__ = "merge_record"
    id: Mapped[int] = mapped_column(primary_key=True)
    survivor_id: Mapped[int] = mapped_column(ForeignKey("person.id"), nullable=False, index=True)
    merged_id: Mapped[int] = mapped_column(ForeignKey("person.id"), nullable=False, index=True)
    pair_id: Mapped[int | None] = mapped_column(ForeignKey("candidate_pair.id", ondelete="SET NULL"))
    snapshot: Mapped[str] = mapped_column(Text, nullable=False)  # JSON
    note: Mapped[str | None] = mapped_column(Text)
    merged_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    merged_at: Mapped[dt.datetime] = mapped_column(DateTime, default=now_local, nullable=False)
    undone_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    undone_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class DedupScan(db.Model):
    """One run of the batch scan (its start time is the next `--since`)."""

    __tablename__ = "dedup_scan"
    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    persons: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    pairs_new: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    since: Mapped[dt.datetime | None] = mapped_column(DateTime)
