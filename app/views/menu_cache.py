"""The navbar menu rendered once per (user, roles, language, queue counts).

FAB re-renders the whole menu on every page: ~25 items, each with a permission check,
a URL build and a gettext, about a third of a list page's CPU.  The HTML depends only on
the key below, so it is kept for `MENU_CACHE_SECONDS` per process.  A permission change
shows in the menu within that time; every view still checks access itself.
"""
from __future__ import annotations

import time
from collections import OrderedDict

from flask import Flask, current_app, g, render_template
from flask_babel import get_locale
from markupsafe import Markup

from app.views.casework import menu_counts

MAX_ENTRIES = 1024
_cache: "OrderedDict[tuple, tuple[float, Markup]]" = OrderedDict()


def _key() -> tuple:
    user = getattr(g, "user", None)
    roles = tuple(sorted(r.id for r in getattr(user, "roles", []) or []))
    return (id(current_app._get_current_object()), getattr(user, "id", None), roles,
            str(get_locale()), tuple(sorted(menu_counts().items())))


def palu_menu() -> Markup:
    """The menu's HTML for this request, from the cache when fresh."""
    ttl = current_app.config.get("MENU_CACHE_SECONDS", 60)
    key, now = _key(), time.monotonic()
    hit = _cache.get(key)
    if hit and now - hit[0] < ttl:
        _cache.move_to_end(key)
        return hit[1]
    html = Markup(render_template("palu/navbar_menu_fab.html",
                                  menu=current_app.appbuilder.menu))
    _cache[key] = (now, html)
    while len(_cache) > MAX_ENTRIES:
        _cache.popitem(last=False)
    return html


def init_menu_cache(app: Flask) -> None:
    app.jinja_env.globals["palu_menu"] = palu_menu
