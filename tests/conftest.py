"""Test fixtures (Flask tutorial style): one app per test session, built on a database
migrated from empty with Alembic and seeded with master data, roles and demo users.

The database is SQLite in a temporary folder unless TEST_DATABASE_URL names another
(`make test` runs the suite twice: SQLite, then PostgreSQL).  Fixtures leave the
app context before yielding (FAB trap #3), so every request sees only its own user.
"""
from __future__ import annotations

import contextlib
import os
import uuid

import pytest
import sqlalchemy as sa

from app import create_app
from app.extensions import db

PASSWORD = "Uji#Bekasi2026"


def _reset_database(url: str) -> None:
    if url.startswith("postgresql"):
        engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
        engine.dispose()


def make_app(tmp_path_factory, **overrides):
    base = tmp_path_factory.mktemp("palu")
    url = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{base / 'test.db'}"
    config = dict(
        SQLALCHEMY_DATABASE_URI=url, TESTING=True, WTF_CSRF_ENABLED=False,
        AUTH_RATE_LIMITED=False, RATELIMIT_ENABLED=False, PHOTO_DIR=str(base / "photos"),
        IMPORT_PLAN_DIR=str(base / "import_plans"),
        SERVER_NAME=None,
    )
    config.update(overrides)
    return create_app("config", **config)


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    app = make_app(tmp_path_factory)
    _reset_database(app.config["SQLALCHEMY_DATABASE_URI"])
    with app.app_context():
        from flask_migrate import upgrade

        from app.cli.ppks import ensure_demo_users
        from app.roles import ROLE_PERMISSIONS
        from app.services.seeding import seed_master, sync_roles

        upgrade(directory="migrations", revision="heads")
        seed_master(db.session)
        db.session.commit()
        sync_roles(app.appbuilder, ROLE_PERMISSIONS)
        ensure_demo_users(PASSWORD)
        db.session.remove()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture()
def login(app):
    """login('operator') -> a test client logged in as that demo user."""

    def _login(username: str, password: str = PASSWORD):
        c = app.test_client()
        response = c.post("/login/", data={"username": username, "password": password})
        assert response.status_code == 302, f"login failed for {username}"
        return c

    return _login


@contextlib.contextmanager
def app_session(app, actor: str = "pytest"):
    """A database session inside a short-lived app context."""
    from app.services.audit import set_actor

    with app.app_context():
        set_actor(db.session, None, actor)
        try:
            yield db.session
        finally:
            db.session.remove()


@pytest.fixture()
def session_ctx(app):
    return lambda actor="pytest": app_session(app, actor)


def unique_name(prefix: str = "Uji") -> str:
    # letters only: name matching drops digits, and hex-only suffixes would look alike
    # to the duplicate check (search-before-create answers 409 for look-alikes)
    return f"{prefix} {uuid.uuid4().hex[:10].translate(str.maketrans('0123456789', 'ghjkmnprsw'))}"


@pytest.fixture()
def make_person(app):
    """Create a person (through the intake door) in a kelurahan; returns its id."""

    def _make(kelurahan: str = "32.75.01.1001", *, encounter: bool = True, **fields) -> int:
        from app.services import intake
        from app.services.scope import Scope

        data = {"nama": unique_name()} | fields
        with app_session(app) as session:
            result = intake.register(
                session, data,
                {"kelurahan_kode": kelurahan, "sumber": "patroli"} if encounter else None,
                scope=Scope.everything())
            if not encounter:
                result.person.kelurahan_kode = kelurahan
                result.person.kecamatan_kode = kelurahan.rsplit(".", 1)[0]
            session.commit()
            return result.person.id

    return _make
