"""The Alembic migrations and the SQLAlchemy models describe the same schema."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app.extensions import db

# Objects the migrations create with raw SQL for search speed (FTS5 on SQLite,
# pg_trgm indexes, the trigger-maintained person_search table and the partial
# ix_person_scope_live index on PostgreSQL); they are not modelled on purpose.
RAW_SQL_MARKERS = ("fts", "trgm", "_prefix", "person_search", "scope_live")


def _is_raw_sql_object(diff) -> bool:
    kind = diff[0] if isinstance(diff, tuple) else diff[0][0]
    obj = diff[1] if isinstance(diff, tuple) else diff[0][1]
    name = getattr(obj, "name", "") or ""
    return kind.startswith("remove_") and any(m in name for m in RAW_SQL_MARKERS)


def test_models_and_migrations_agree(app):
    with app.app_context():
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": False})
            diffs = [d for d in compare_metadata(context, db.metadata) if not _is_raw_sql_object(d)]
        db.session.remove()
    assert diffs == [], f"models and migrations differ: {diffs}"


def test_every_table_created(app):
    with app.app_context():
        names = set(db.inspect(db.engine).get_table_names())
        db.session.remove()
    assert {"person", "encounter", "audit_log", "ab_user", "wilayah"} <= names
