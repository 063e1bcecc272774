"""Audit trail: every insert, update, archive, restore and purge of an audited model.

A session listener records each changed field old -> new into `audit_log`,
inside the same transaction as the change (so a rolled-back write leaves no
entry).  The acting user is read from `session.info["actor"]`, set per request
by the web layer and by CLI commands (`set_actor`).
"""
from __future__ import annotations

import datetime as dt
import decimal
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session, attributes

from app.models.audit import AuditLog
from app.models.base import now_local

SKIPPED_FIELDS = {"updated_at", "version", "created_at", "updated_by_id", "created_by_id",
                  "nama_norm", "alias_norm"}


def set_actor(session, user_id: int | None, name: str | None) -> None:
    """Name who is acting for the writes of this session."""
    session.info["actor"] = (user_id, name)


def _actor(session) -> tuple[int | None, str | None]:
    return session.info.get("actor", (None, "sistem"))


def acting_user_id(session) -> int | None:
    """The acting user's id (None for the system and CLI), as stamped on created/updated_by."""
    return _actor(session)[0]


def _plain(value: Any) -> Any:
    if value is None or type(value) in (str, int, float, bool):
        return value
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if hasattr(value, "__table__"):
        return str(value)
    return value


def _column_changes(obj, *, include_unchanged: bool) -> dict[str, list]:
    state = inspect(obj)
    changes: dict[str, list] = {}
    for column_attr in state.mapper.column_attrs:
        key = column_attr.key
        if key in SKIPPED_FIELDS:
            continue
        hist = attributes.get_history(obj, key)
        if hist.has_changes():
            old = hist.deleted[0] if hist.deleted else None
            new = hist.added[0] if hist.added else None
            if old != new:
                changes[key] = [_plain(old), _plain(new)]
        elif include_unchanged:
            value = getattr(obj, key)
            if value is not None:
                changes[key] = [None, _plain(value)]
    for rel in state.mapper.relationships:
        if rel.secondary is None:
            continue  # many-to-many collections (jenis_ppks) are audited as lists of ids
        hist = attributes.get_history(obj, rel.key)
        if hist.has_changes():
            before = [_plain(o) for o in (hist.unchanged + hist.deleted)]
            after = [_plain(o) for o in (hist.unchanged + hist.added)]
            changes[rel.key] = [sorted(map(str, before)), sorted(map(str, after))]
    return changes


def _record_id(obj) -> str:
    pk = inspect(obj).mapper.primary_key_from_instance(obj)
    return ",".join(str(i) for i in pk)


def _stamp(session: Session, flush_context, instances) -> None:
    actor_id, _ = _actor(session)
    for obj in session.new:
        if getattr(obj, "__audited__", False) and hasattr(obj, "created_by_id"):
            obj.created_by_id = obj.created_by_id or actor_id
            obj.updated_by_id = actor_id
    for obj in session.dirty:
        if getattr(obj, "__audited__", False) and hasattr(obj, "updated_by_id") \
                and session.is_modified(obj, include_collections=True):
            obj.updated_by_id = actor_id
            obj.updated_at = now_local()


def _write_entries(session: Session, flush_context) -> None:
    actor_id, actor_name = _actor(session)
    rows = []

    def add(action: str, obj, changes) -> None:
        rows.append({
            "at": now_local(), "actor_id": actor_id, "actor_name": actor_name,
            "action": action, "table_name": obj.__tablename__,
            "record_id": _record_id(obj), "changes": changes,
            "note": session.info.get("audit_note"),
        })

    for obj in session.new:
        if getattr(obj, "__audited__", False):
            add("insert", obj, _column_changes(obj, include_unchanged=True))
    for obj in session.dirty:
        if not getattr(obj, "__audited__", False):
            continue
        changes = _column_changes(obj, include_unchanged=False)
        if not changes:
            continue
        action = "update"
        if "is_archived" in changes:
            action = "archive" if changes["is_archived"][1] else "restore"
        add(action, obj, changes)
    for obj in session.deleted:
        if getattr(obj, "__audited__", False):
            add("purge", obj, _column_changes(obj, include_unchanged=True))
    if rows:
        session.connection().execute(AuditLog.__table__.insert(), rows)


def record(session, action: str, table_name: str, record_id, changes: dict | None = None,
           note: str | None = None) -> None:
    """Write an explicit audit entry (merge, unmerge, transition, export …)."""
    actor_id, actor_name = _actor(session)
    session.add(AuditLog(at=now_local(), actor_id=actor_id, actor_name=actor_name,
                         action=action, table_name=table_name, record_id=str(record_id),
                         changes=changes, note=note))


def record_inserts(session, model, rows: list[dict], extra: list[dict | None] | None = None) -> None:
    """'insert' entries for rows of `model` written with Core (bulk writes bypass the listener).

    `rows` hold every stored column value (defaults included) and the new `id`;
    `extra` adds per-row changes such as a many-to-many list. Same entry as the listener's.
    """
    actor_id, actor_name = _actor(session)
    keys = [a.key for a in inspect(model).column_attrs if a.key not in SKIPPED_FIELDS]
    at, note, table = now_local(), session.info.get("audit_note"), model.__tablename__
    entries = []
    for i, row in enumerate(rows):
        changes = {k: [None, _plain(row[k])] for k in keys if row.get(k) is not None}
        if extra and extra[i]:
            changes.update(extra[i])
        entries.append({"at": at, "actor_id": actor_id, "actor_name": actor_name, "action": "insert",
                        "table_name": table, "record_id": str(row["id"]), "changes": changes, "note": note})
    for lo in range(0, len(entries), 5000):
        session.connection().execute(AuditLog.__table__.insert(), entries[lo:lo + 5000])


def install(session_class=Session) -> None:
    """Attach the listeners once (idempotent)."""
    if not event.contains(session_class, "before_flush", _stamp):
        event.listen(session_class, "before_flush", _stamp)
        event.listen(session_class, "after_flush", _write_entries)
