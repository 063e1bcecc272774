"""Identity views: search-before-create intake, review queue, merge/unmerge, repeats, import."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l


def register(appbuilder) -> None:
    from app.services import identity_keys

    identity_keys.install()
