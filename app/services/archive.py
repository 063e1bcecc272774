"""Archive, restore and purge: staff never hard-delete persons or encounters."""
from __future__ import annotations

from app.models.base import now_local
from app.services import audit


def archive(session, item, reason: str) -> None:
    actor_id, _ = session.info.get("actor", (None, None))
    item.is_archived = True
    item.archived_at = now_local()
    item.archived_by_id = actor_id
    item.archive_reason = reason.strip()


def restore(session, item) -> None:
    item.is_archived = False
    item.archived_at = None
    item.archived_by_id = None
    item.archive_reason = None


def purge(session, item, reason: str) -> None:
    """Admin only: delete for good. The audit entry keeps every field's last value."""
    session.info["audit_note"] = reason
    audit.record(session, "purge_request", item.__tablename__, item.id, note=reason)
    for encounter in list(getattr(item, "encounters", None) or ()):  # a person's meetings go too
        session.delete(encounter)  # (FK: PostgreSQL refused the purge; SQLite orphaned them)
    session.flush()
    session.delete(item)
