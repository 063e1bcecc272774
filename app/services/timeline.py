"""A person's encounter timeline, repeat counts and change history (proof of repeats)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import case, func, select
from sqlalchemy.orm import lazyload

from app.models import AuditLog, Encounter, Wilayah
from app.models.base import now_local
from app.services.scope import Scope


def person_timeline(session, person_id: int, scope: Scope, limit: int = 200) -> list:
    """Encounters of a person, newest first, with the kelurahan name (one query).

    The whole timeline is shown to anyone who may see the person: where else
    the person was met is exactly the evidence of repeats.
    """
    rows = session.execute(
        select(Encounter, Wilayah.nama.label("kelurahan_nama"))
        .outerjoin(Wilayah, Wilayah.kode == Encounter.kelurahan_kode)
        .where(Encounter.person_id == person_id, Encounter.is_archived.is_(False))
        .order_by(Encounter.waktu.desc()).limit(limit)
        # Not the model's joined loads: the person is already loaded (re-joining it per
        # row re-ran its alias / PPKS loads) and the kelurahan name comes from the join.
        .options(lazyload(Encounter.person), lazyload(Encounter.kelurahan))
    ).all()
    return rows


def encounter_counts(session, person_id: int, today: dt.date | None = None,
                     timeline: list | None = None, limit: int = 200) -> dict[int, int]:
    """Encounters in the last 30 / 90 / 365 days and in total.

    Given the person's `timeline` (rows of `person_timeline`) holding fewer than
    `limit` rows, it is every visible encounter: counted here without a query.
    """
    now = now_local() if today is None else dt.datetime.combine(today, dt.time(23, 59))
    if timeline is not None and len(timeline) < limit:
        out = {"total": len(timeline)}
        for days in (30, 90, 365):
            since = now - dt.timedelta(days=days)
            out[days] = sum(1 for enc, *_ in timeline if enc.waktu is not None and enc.waktu >= since)
        return out
    cols = [func.count().label("total")]
    for days in (30, 90, 365):
        since = now - dt.timedelta(days=days)
        cols.append(func.sum(case((Encounter.waktu >= since, 1), else_=0)).label(f"d{days}"))
    row = session.execute(
        select(*cols).where(Encounter.person_id == person_id, Encounter.is_archived.is_(False))
    ).one()
    return {"total": row.total or 0, 30: row.d30 or 0, 90: row.d90 or 0, 365: row.d365 or 0}


def person_history(session, person_id: int, limit: int = 100) -> list[AuditLog]:
    return list(session.scalars(
        select(AuditLog).where(AuditLog.table_name == "person",
                               AuditLog.record_id == str(person_id))
        .order_by(AuditLog.id.desc()).limit(limit)
    ))
