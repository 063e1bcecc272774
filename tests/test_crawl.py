"""Never a 500: every role follows every link it is shown, over data in every state.

The data: a person met twice with an open case and an aid application, a merge
that was undone (audit entries of every kind), a pair in the review queue, an
archived person. Each demo user then crawls the links of the pages it can open
(GET only, same site; each URL shape at most twice), in Indonesian and in
English, and every answer must be below 500.
"""
from __future__ import annotations

import re
from collections import deque

import pytest

from tests.conftest import app_session
from tests.identity.helpers import letters

SKIP = re.compile(r"^/(logout|lang/|static/|appbuilder/|swagger|api/v1/_)|/delete|/download/.*\.(pdf|xlsx)$")
HREF = re.compile(r"""href=["'](/[^"'#]*)""")
MAX_PAGES = 400
USERS = [(u, "id") for u in ("admin", "operator", "peksos", "pimpinan", "satpolpp", "pilar.bekasitimur")] + \
    [("operator", "en"), ("pimpinan", "en")]  # English too: a translation that drops a %(name)s fails here


def _shape(url: str) -> str:
    """The URL with ids and query values blanked: /personview/show/12?x=3 -> /personview/show/N?x="""
    path, _, query = url.partition("?")
    keys = sorted(k.split("=", 1)[0] for k in query.split("&") if k)
    return re.sub(r"\d+", "N", path) + "?" + "&".join(keys)


def _person(session, kelurahan: str = "32.75.01.1001", **data) -> int:
    from app.services import intake
    from app.services.scope import Scope

    result = intake.register(session, data, {"kelurahan_kode": kelurahan, "sumber": "patroli"},
                             scope=Scope.everything())
    session.flush()
    return result.person.id


@pytest.fixture(scope="module")
def world(app):
    """Data in every state the pages know; returns the id of the person with the most history."""
    from app.models import Person
    from app.services import aid, archive, casework, dedup
    from app.services.merge import merge_persons, unmerge
    from app.services.scope import Scope

    tag, everything = letters(), Scope.everything()
    with app_session(app) as s:
        a = _person(s, nama=f"Slamet {tag}", aliases="Jenggot")
        b = _person(s, "32.75.01.1002", nama=f"Selamet {tag}")
        d = _person(s, nama=f"Sulaiman {tag}")
        gone = _person(s, nama=f"Arsip {tag}")
        case = casework.open_case(s, a, None)
        aid.add_aid(s, a, {"jenis": "pkh"}, case_id=case.id)
        rec = merge_persons(s, a, b, scope=everything, note="uji")
        s.flush()
        unmerge(s, rec.id, scope=everything, note="batal")
        dedup.upsert_pair(s, a, d, 5.0, 0.9, ["nama mirip"], "scan")
        archive.archive(s, s.get(Person, gone), "uji arsip")
        s.commit()
    return a


@pytest.mark.parametrize("username,lang", USERS)
def test_every_link_answers_below_500(world, login, username, lang):
    client = login(username)
    client.get(f"/lang/{lang}")
    start = ["/", f"/personview/show/{world}", "/review/", "/kasus/antrean/semua"]
    queue, seen, shapes, failures = deque(start), set(start), {}, []
    pages = 0
    while queue and pages < MAX_PAGES:
        url = queue.popleft()
        pages += 1
        try:
            r = client.get(url)
        except Exception as exc:  # noqa: BLE001 - an exception is what a user sees as a 500
            failures.append(f"{url}: {type(exc).__name__}: {exc}")
            continue
        if r.status_code >= 500:
            failures.append(f"{url}: {r.status_code}")
        if r.status_code != 200 or "text/html" not in r.content_type:
            continue
        for link in HREF.findall(r.get_data(as_text=True)):
            link = link.replace("&amp;", "&")
            if link in seen or SKIP.search(link):
                continue
            shape = _shape(link)
            if shapes.get(shape, 0) >= 2:
                continue
            shapes[shape] = shapes.get(shape, 0) + 1
            seen.add(link)
            queue.append(link)
    assert pages > 10, f"{username} reached only {pages} pages"
    assert not failures, "\n".join(failures)
