"""Search list paging (count and page ids from one statement) and the PostgreSQL word index.

The list counts and pages a search from one computation of the match set
(`CappedCountInterface.query`); on PostgreSQL one-word queries go through the
word vocabulary and `person_search_token` (migration b3).  These tests check
that the result is the same set, order, count and paging as before.
"""
from __future__ import annotations

import re

from sqlalchemy import select, text

from app.models import Person
from tests.test_search import LIST, found, listed_ids, token


def _count(page: str) -> int:
    return int(re.search(r"Jumlah Data:</strong>\s*(\d+)", page).group(1))


def _page(client, query: str, page: int = 0, **args) -> tuple[list[int], int]:
    r = client.get(LIST, query_string={"q": query, "cara": "memuat", "page_PersonView": page,
                                       **args})
    assert r.status_code == 200
    body = r.get_data(as_text=True)
    ids = [int(x) for x in re.findall(r"/personview/show/(\d+)", body)]
    return list(dict.fromkeys(ids)), _count(body)


def test_search_pages_and_count(make_person, login):
    tok = token()
    ids = [make_person(nama=f"Rina {tok}", encounter=False) for _ in range(27)]
    client = login("operator")
    first, n1 = _page(client, tok[1:])  # inside the word
    second, n2 = _page(client, tok[1:], page=1)
    assert n1 == n2 == 27
    assert first == sorted(ids, reverse=True)[:25]  # newest first, as the unfiltered list
    assert second == sorted(ids, reverse=True)[25:]
    assert _page(client, tok, page=5) == ([], 27)  # past the end: no rows, still the count


def test_name_and_alias_both_matching_count_once(make_person, login):
    tok = token()
    pid = make_person(nama=f"Dewi {tok}", aliases=f"{tok} Kecil, Mbak {tok}", encounter=False)
    ids, count = _page(login("operator"), tok)
    assert ids == [pid] and count == 1


def test_search_ordered_by_name_still_works(make_person, login):
    tok = token()
    a = make_person(nama=f"Andi {tok}", encounter=False)
    b = make_person(nama=f"Budi {tok}", encounter=False)
    ids, count = _page(login("operator"), tok, _oc_PersonView="nama", _od_PersonView="asc")
    assert ids == [a, b] and count == 2


def test_query_spanning_two_words(make_person, session_ctx, login):
    first, last = token(), token()
    pid = make_person(nama=f"{first} {last}", encounter=False)
    query = f"{first[-3:]} {last[:3]}"
    assert pid in found(session_ctx, query)
    assert pid in listed_ids(login("operator"), query)
    assert pid not in found(session_ctx, f"{last[:3]} {first[-3:]}")


def test_archived_and_merged_are_not_listed(make_person, session_ctx, login):
    tok = token()
    live, archived, merged = (make_person(nama=f"Eko {tok}", encounter=False) for _ in range(3))
    with session_ctx() as s:
        s.get(Person, archived).is_archived = True
        s.get(Person, merged).merged_into_id = live
        s.commit()
    ids, count = _page(login("operator"), tok)
    assert ids == [live] and count == 1


def test_word_index_follows_renames(app, make_person, session_ctx):
    """PostgreSQL: the b3 word tables follow person_search (no-op check on SQLite)."""
    old, new = token(), token()
    pid = make_person(nama=f"Tono {old}", aliases=f"Kribo {old}", encounter=False)
    with session_ctx() as s:
        person = s.get(Person, pid)
        person.nama, person.nama_norm = f"Tono {new}", f"tono {new.lower()}"
        s.commit()
        if s.get_bind().dialect.name == "postgresql":
            rows = set(s.execute(text(
                "SELECT token, alias_id = 0 FROM person_search_token WHERE person_id = :p"),
                {"p": pid}).all())
            assert rows == {("tono", True), (new.lower(), True), ("kribo", False),
                            (old.lower(), False)}
            assert s.scalar(text("SELECT count(*) FROM person_search_vocab WHERE token = :t"),
                            {"t": new.lower()}) == 1
    assert found(session_ctx, old) == {pid}  # still the alias
    assert pid in found(session_ctx, new)
    with session_ctx() as s:
        assert s.scalar(select(Person.id).where(Person.id == pid)) == pid


def test_area_move_and_restore_follow_in_scoped_search(make_person, session_ctx, login):
    """The word index's copy of the scope (PostgreSQL b4) follows area moves and restores."""
    tok = token()
    pid = make_person("32.75.01.1002", nama=f"Yanto {tok}", aliases=f"Gondrong {tok}",
                      encounter=False)
    pilar = login("pilar.bekasitimur")
    assert _page(pilar, tok) == ([pid], 1)
    with session_ctx() as s:
        person = s.get(Person, pid)
        person.kecamatan_kode, person.kelurahan_kode = "32.75.09", "32.75.09.1001"
        s.commit()
    assert _page(pilar, tok) == ([], 0)
    assert _page(login("operator"), tok) == ([pid], 1)
    with session_ctx() as s:
        person = s.get(Person, pid)
        person.kecamatan_kode, person.kelurahan_kode = "32.75.01", "32.75.01.1002"
        person.is_archived = True
        s.commit()
    assert _page(pilar, tok) == ([], 0)
    with session_ctx() as s:
        s.get(Person, pid).is_archived = False
        s.commit()
    assert _page(pilar, tok) == ([pid], 1)
