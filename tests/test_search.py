"""Registry name search (app/services/search.py) through the service and the list page."""
from __future__ import annotations

import random
import re

import pytest
from sqlalchemy import delete, select

from app.models import Person, PersonAlias
from app.services.search import name_clause

LIST = "/personview/list/"


def token() -> str:
    """A random name-like word that normalisation leaves as it is (CVCVCV)."""
    rng = random.SystemRandom()
    return "".join(rng.choice("bkmrtpln") + rng.choice("aiu") for _ in range(4)).capitalize()


def found(session_ctx, query: str, mode: str = "memuat") -> set[int]:
    """Matches of `query`; the clause built for the session's dialect (cached compiled SQL
    with bound values, as the list page uses it) finds the same persons."""
    with session_ctx() as s:
        ids = set(s.scalars(select(Person.id).where(name_clause(query, mode))))
        dialect = s.get_bind().dialect.name
        assert set(s.scalars(select(Person.id).where(name_clause(query, mode, dialect)))) == ids
        return ids


@pytest.mark.parametrize("one,other,mode", [("sujono", "warsito", "memuat"), ("sri", "budi", "awal"),
                                             ("su", "ba", "memuat"), ("sujono bin", "siti binti", "memuat"),
                                             ("3275010101", "3275020202", "memuat")])
def test_clause_for_a_dialect_is_cacheable_with_bound_values(app, one, other, mode):
    from app.extensions import db

    with app.app_context():
        dialect = db.engine.dialect.name
        a = select(Person.id).where(name_clause(one, mode, dialect))._generate_cache_key()
        b = select(Person.id).where(name_clause(other, mode, dialect))._generate_cache_key()
    assert a is not None and a.key == b.key  # one compiled statement for every query text
    assert [p.value for p in a.bindparams] != [p.value for p in b.bindparams]


def listed_ids(client, query: str, mode: str = "memuat") -> set[int]:
    r = client.get(LIST, query_string={"q": query, "cara": mode})
    assert r.status_code == 200
    return {int(x) for x in re.findall(r"/personview/show/(\d+)", r.get_data(as_text=True))}


def test_spelling_variant_is_found(make_person, session_ctx, login):
    tok = token()
    pid = make_person(nama=f"Soedjono {tok}")
    assert pid in found(session_ctx, f"Sujono {tok}")
    assert pid in found(session_ctx, f"Sujono {tok}", "awal")
    assert pid in listed_ids(login("operator"), f"sujono {tok}")


def test_alias_is_found_and_kept_in_sync(make_person, session_ctx):
    tok, tok2 = token(), token()
    pid = make_person(nama=f"Budi {tok}", aliases=f"Ucok {tok2}")
    assert pid in found(session_ctx, tok2)
    assert pid in found(session_ctx, f"Ucok {tok2}", "awal")
    with session_ctx() as s:
        s.execute(delete(PersonAlias).where(PersonAlias.person_id == pid))
        s.commit()
    assert pid not in found(session_ctx, tok2)


def test_rename_updates_the_index(make_person, session_ctx):
    old, new = token(), token()
    pid = make_person(nama=f"Siti {old}")
    with session_ctx() as s:
        person = s.get(Person, pid)
        person.nama, person.nama_norm = f"Siti {new}", f"siti {new.lower()}"
        s.commit()
    assert pid not in found(session_ctx, old)
    assert pid in found(session_ctx, new)


def test_prefix_versus_contains(make_person, session_ctx, login):
    first, last = token(), token()
    pid = make_person(nama=f"{first} {last}")
    assert pid in found(session_ctx, first, "awal")
    assert pid in found(session_ctx, first[:4], "awal")
    assert pid not in found(session_ctx, last, "awal")
    assert pid in found(session_ctx, last, "memuat")
    assert pid in found(session_ctx, last[1:5], "memuat")  # inside a word
    client = login("operator")
    assert pid in listed_ids(client, last, "memuat")
    assert pid not in listed_ids(client, last, "awal")


def test_short_query_uses_the_like_fallback(make_person, session_ctx):
    tok = token()
    pid = make_person(nama=f"Xo {tok}")
    hits = found(session_ctx, "xo")
    assert pid in hits
    assert all(h is not None for h in hits)


def test_nik_prefix(make_person, session_ctx, login):
    rng = random.SystemRandom()
    nik = f"327501{rng.randint(1, 28):02d}{rng.randint(1, 12):02d}{rng.randint(60, 99)}" \
          f"{rng.randint(1, 9999):04d}"
    pid = make_person(nama=f"Joko {token()}", nik=nik, nik_status="ada")
    assert pid in found(session_ctx, nik[:10])
    assert found(session_ctx, nik) == {pid}
    assert pid in listed_ids(login("operator"), nik[:12])


@pytest.mark.parametrize("query", ["%", "_", "%%__", '"', "\\", "*", "';--", "()"])
def test_symbol_only_queries_match_nothing(query, session_ctx, login):
    for mode in ("memuat", "awal"):
        assert found(session_ctx, query, mode) == set()
    assert login("operator").get(LIST, query_string={"q": query}).status_code == 200


@pytest.mark.parametrize("query", ["a%", "su_ono", "'; drop table person;--", '"a"b', "ab*",
                                   "x" * 500, "NEAR(a b)", "a OR b", "ab\x00"])
def test_odd_queries_do_not_break(query, session_ctx, login):
    for mode in ("memuat", "awal"):
        found(session_ctx, query, mode)
    assert login("operator").get(LIST, query_string={"q": query}).status_code == 200


def test_percent_and_underscore_are_literal(make_person, session_ctx):
    tok = token()
    pid = make_person(nama=f"Sujono {tok}")
    assert pid not in found(session_ctx, f"S%o {tok}")
    assert pid not in found(session_ctx, f"Su_ono {tok}")


def test_scope_still_applies(make_person, login):
    tok = token()
    inside = make_person("32.75.01.1002", nama=f"Agus {tok}")
    outside = make_person("32.75.09.1001", nama=f"Agus {tok}")
    pilar = listed_ids(login("pilar.bekasitimur"), tok)
    assert inside in pilar and outside not in pilar
    operator = listed_ids(login("operator"), tok)
    assert {inside, outside} <= operator


def test_empty_query_matches_everything_visible(make_person, session_ctx):
    pid = make_person(nama=f"Kosong {token()}")
    assert pid in found(session_ctx, "  ")
    assert pid in found(session_ctx, None)


def test_alias_edit_and_person_delete_keep_the_index_in_sync(make_person, session_ctx):
    """Triggers (FTS5 on SQLite, person_search on PostgreSQL) follow alias edits and deletes."""
    tok, old, new = token(), token(), token()
    pid = make_person(nama=f"Joko {tok}", aliases=f"Kancil {old}", encounter=False)
    with session_ctx() as s:
        alias = s.scalars(select(PersonAlias).where(PersonAlias.person_id == pid)).one()
        alias.alias, alias.alias_norm = f"Kancil {new}", f"kancil {new.lower()}"
        s.commit()
    assert pid not in found(session_ctx, old)
    assert pid in found(session_ctx, new)
    with session_ctx() as s:
        s.execute(delete(PersonAlias).where(PersonAlias.person_id == pid))
        s.execute(delete(Person).where(Person.id == pid))
        s.commit()
    assert found(session_ctx, tok) == set()
    assert found(session_ctx, new) == set()
