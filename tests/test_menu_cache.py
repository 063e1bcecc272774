"""The navbar menu cache: one rendering per user, roles, language and queue counts."""
import re

from app.views import menu_cache


def _menu(html: str) -> str:
    """The menu part of a page (between the brand and the right-hand navbar)."""
    match = re.search(r'<ul class="nav navbar-nav">(.*?)</ul>\s*<ul class="nav navbar-nav navbar-right">',
                      html, re.S)
    assert match, "navbar menu not found"
    return match.group(1)


def test_menu_is_cached_and_equal_to_a_fresh_render(app, login):
    app.config["MENU_CACHE_SECONDS"] = 0
    operator = login("operator")
    fresh = _menu(operator.get("/personview/list/").get_data(as_text=True))
    app.config["MENU_CACHE_SECONDS"] = 60
    try:
        first = _menu(operator.get("/personview/list/").get_data(as_text=True))
        entries = len(menu_cache._cache)
        second = _menu(operator.get("/personview/list/").get_data(as_text=True))
        assert first == second == fresh
        assert len(menu_cache._cache) == entries  # served from the cache, no new entry
        assert "/personview/list/" in first
    finally:
        app.config["MENU_CACHE_SECONDS"] = 60


def test_each_user_gets_their_own_menu(app, login):
    app.config["MENU_CACHE_SECONDS"] = 60
    admin_menu = _menu(login("admin").get("/personview/list/").get_data(as_text=True))
    pilar_menu = _menu(login("pilar.jatiasih").get("/personview/list/").get_data(as_text=True))
    assert "/users/list/" in admin_menu
    assert "/users/list/" not in pilar_menu


def test_language_switch_changes_the_cached_menu(app, login):
    app.config["MENU_CACHE_SECONDS"] = 60
    operator = login("operator")
    indonesian = _menu(operator.get("/personview/list/").get_data(as_text=True))
    operator.get("/lang/en")
    english = _menu(operator.get("/personview/list/").get_data(as_text=True))
    operator.get("/lang/id")
    assert indonesian != english
    assert "Registry" in english or "Persons" in english or "PPKS" in english
