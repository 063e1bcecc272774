"""PALU KEBAB application factory.

create_app(): config -> extensions -> audit listeners -> AppBuilder (one per app)
-> views and APIs -> request hooks -> CLI.  Mirrors Superset/Airflow `init_*` steps.
"""
from __future__ import annotations

import logging

from flask import Flask
from flask_appbuilder import AppBuilder

from app.extensions import csrf, db, migrate

log = logging.getLogger(__name__)


def create_app(config_object: str = "config", **overrides) -> Flask:
    app = Flask(__name__, instance_relative_config=False)
    app.config.from_object(config_object)
    app.config.update(overrides)

    with app.app_context():
        init_extensions(app)
        appbuilder = init_appbuilder(app)
        from app.views import registry_init

        registry_init.init_views(appbuilder)
        init_request_hooks(app)
        init_jinja(app)
        from app.cli import init_cli

        init_cli(app)
    return app


def init_extensions(app: Flask) -> None:
    db.init_app(app)
    csrf.init_app(app)
    migrate.init_app(app, db, directory=str(app.config.get("MIGRATIONS_DIR", "migrations")))
    from app import models  # noqa: F401  (before AppBuilder, FAB trap #4)
    from app import security  # noqa: F401  (PaluUser columns on ab_user)
    from app.services import audit

    audit.install()


def init_appbuilder(app: Flask) -> AppBuilder:
    appbuilder = AppBuilder(update_perms=app.config.get("FAB_UPDATE_PERMS", False))
    appbuilder.init_app(app, db.session)
    app.appbuilder = appbuilder
    return appbuilder


def init_request_hooks(app: Flask) -> None:
    from flask import g

    from app.services.audit import set_actor

    @app.before_request
    def _name_actor():
        user = getattr(g, "user", None)
        if user is not None and getattr(user, "is_authenticated", False):
            set_actor(db.session, user.id, user.username)
        else:
            set_actor(db.session, None, "anonim")

    from app.views.errors import register_error_handlers

    register_error_handlers(app)
    from app.views.ratelimit import init_api_login_limit

    init_api_login_limit(app)


def init_jinja(app: Flask) -> None:
    from reports import formatting

    app.jinja_env.filters["tgl"] = formatting.format_date
    app.jinja_env.filters["tgl_panjang"] = formatting.format_date_long
    app.jinja_env.filters["waktu"] = formatting.format_datetime
    app.jinja_env.filters["angka"] = formatting.format_number
    app.jinja_env.filters["persen"] = formatting.format_percent
    from app.views.labels import enum_label

    app.jinja_env.filters["enum_label"] = lambda value, column: enum_label(column, value)
    from app.views.menu_cache import init_menu_cache

    init_menu_cache(app)
