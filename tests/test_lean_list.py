"""The lean registry list and person page (issue 2 §10 speed): the same links,
ordering, paging, filters and languages as FAB's generic widgets."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from app.models import Person
from app.views import base, lean_list
from tests.conftest import unique_name

LIST = "/personview/list/"


def _ids(html: str) -> list[int]:
    return [int(x) for x in re.findall(r'href="/personview/show/(\d+)"', html)]


def test_order_links_toggle_and_order_the_rows(login, make_person):
    prefix = unique_name("Urut")
    for suffix in ("Cahya", "Ani", "Budi"):
        make_person(nama=f"{prefix} {suffix}", encounter=False)
    c = login("operator")
    page = c.get(f"{LIST}?q={prefix}&_oc_PersonView=nama&_od_PersonView=asc").get_data(as_text=True)
    names = re.findall(re.escape(prefix) + r" (\w+)", page)
    assert names[:3] == ["Ani", "Budi", "Cahya"]
    # the header link of the ordered column flips the direction and keeps the search
    link = re.search(r'<th><a href="([^"]+)">Nama\s*<i class="fa ([\w-]+)', page)
    assert link.group(2) == "fa-chevron-up"
    assert "_od_PersonView=desc" in link.group(1) and f"q={prefix.replace(' ', '+')}" in link.group(1)
    page = c.get(link.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert re.findall(re.escape(prefix) + r" (\w+)", page)[:3] == ["Cahya", "Budi", "Ani"]


def test_pages_links_and_page_size(login, make_person, session_ctx):
    prefix = unique_name("Halaman")
    for i in range(30):
        make_person(nama=f"{prefix} {chr(97 + i % 26)}{chr(97 + i // 26)}", encounter=False)
    c = login("operator")
    first = c.get(f"{LIST}?q={prefix}").get_data(as_text=True)
    second = c.get(f"{LIST}?q={prefix}&page_PersonView=1").get_data(as_text=True)
    assert len(_ids(first)) == 25 and len(_ids(second)) == 5
    assert not set(_ids(first)) & set(_ids(second))
    assert f'href="/personview/list/?q={prefix.replace(" ", "+")}&amp;page_PersonView=1">2</a>' in first
    assert "psize_PersonView=50" in first
    assert len(_ids(c.get(f"{LIST}?q={prefix}&psize_PersonView=50").get_data(as_text=True))) == 30


def test_count_beyond_the_cap_is_shown_as_cap_plus(login, make_person, monkeypatch):
    for _ in range(3):
        make_person(encounter=False)
    monkeypatch.setattr(base, "COUNT_CAP", 2)
    monkeypatch.setattr(lean_list, "COUNT_CAP", 2)
    page = login("operator").get(LIST).get_data(as_text=True)
    assert re.search(r"</strong>\s*2\+\s*</div>", page)


def test_search_widget_cached_per_language_and_filters(login):
    lean_list._SEARCH_CACHE.clear()
    c = login("operator")
    indonesian = c.get(LIST).get_data(as_text=True)
    assert len(lean_list._SEARCH_CACHE) == 1
    c.get(LIST + "?page_PersonView=1")  # paging does not change the filter form
    assert len(lean_list._SEARCH_CACHE) == 1
    filtered = c.get(LIST + "?_flt_0_nama=Budi").get_data(as_text=True)
    assert len(lean_list._SEARCH_CACHE) == 2 and '"Budi"' in filtered
    c.get("/lang/en")
    english = c.get(LIST).get_data(as_text=True)
    c.get("/lang/id")
    assert len(lean_list._SEARCH_CACHE) == 3
    assert 'id="filter_form"' in indonesian and 'id="filter_form"' in english
    assert "Record Count" in english and "Record Count" not in indonesian
    assert 'href="#accordion1_href">Search' in english and 'href="#accordion1_href">Cari' in indonesian


def test_count_cache_key_tells_statements_and_values_apart(app):
    from app.extensions import db
    from app.services.search import name_clause

    with app.app_context():
        bind = db.engine

        def key(stmt):
            return base._statement_key(stmt, bind)

        by_name = lambda n: select(func.count()).where(Person.nama == n)  # noqa: E731
        assert key(by_name("a")) == key(by_name("a"))
        assert key(by_name("a")) != key(by_name("b"))
        prefix = lambda q: select(func.count()).where(name_clause(q, "awal"))  # noqa: E731
        assert key(prefix("sujono")) == key(prefix("sujono"))
        assert key(prefix("sujono")) != key(prefix("sri"))


def test_person_page_labels_follow_the_language(login, make_person):
    pid = make_person(aliases="Ucok")
    c = login("operator")
    indonesian = c.get(f"/personview/show/{pid}").get_data(as_text=True)
    c.get("/lang/en")
    english = c.get(f"/personview/show/{pid}").get_data(as_text=True)
    c.get("/lang/id")
    assert "Patroli Dinsos" in indonesian and "Identitas" in indonesian
    assert "Dinsos patrol" in english and "Identity" in english and "Patroli Dinsos" not in english
    assert re.search(r'<th class="col-lg-2 col-md-2 col-sm-2">Alias</th><td><span style="white-space: pre-line">Ucok',
                     indonesian)


def test_buttons_follow_the_users_permissions(login, make_person):
    pid = make_person(encounter=False)
    operator = login("operator").get(LIST).get_data(as_text=True)
    reader = login("pimpinan").get(LIST).get_data(as_text=True)  # registry read-only
    for page in (operator, reader):
        assert f'href="/personview/show/{pid}"' in page
    assert f'href="/personview/edit/{pid}"' in operator and 'href="/personview/add"' in operator
    assert "/personview/edit/" not in reader and 'href="/personview/add"' not in reader
    assert "/personview/delete/" not in operator  # staff archive, nobody deletes


def test_search_widget_not_shared_when_a_search_column_is_a_relation(app, login, monkeypatch):
    """A related column's choices follow the user's scope: such a form is never cached."""
    view = next(v for v in app.appbuilder.baseviews if type(v).__name__ == "PersonView")
    monkeypatch.setattr(view.datamodel, "is_relation", lambda col: col == "nama")
    lean_list._SEARCH_CACHE.clear()
    c = login("operator")
    assert 'id="filter_form"' in c.get(LIST).get_data(as_text=True)
    assert len(lean_list._SEARCH_CACHE) == 0
