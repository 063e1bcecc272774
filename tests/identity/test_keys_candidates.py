"""Match keys stay current on every write; the real-time check finds the same person again."""
from sqlalchemy import select

from app.models import MatchKey, Person, PersonAlias
from app.services import dedup, intake
from app.services.scope import Scope
from app.services.names import name_tokens
from tests.conftest import unique_name
from tests.identity.helpers import letters


def _keys(session, pid):
    return set(session.scalars(select(MatchKey.key).where(MatchKey.person_id == pid)))


def test_keys_follow_person_and_alias_writes(make_person, session_ctx):
    tag = letters()
    t = name_tokens(tag)[0]
    pid = make_person(nama=f"Soedjono {tag}")
    with session_ctx() as s:
        keys = _keys(s, pid)
        assert "n:suyono" in keys and f"n:{t}" in keys
        p = s.get(Person, pid)
        p.aliases.append(PersonAlias(alias="Jablay"))
        s.commit()
        assert "n:yablay" in _keys(s, pid)
        p = s.get(Person, pid)
        p.nama = f"Bambang {tag}"
        s.commit()
        keys = _keys(s, pid)
        assert "n:bambang" in keys and "n:suyono" not in keys and "n:yablay" in keys
        p = s.get(Person, pid)
        p.aliases.clear()
        s.commit()
        assert "n:yablay" not in _keys(s, pid)


def test_find_candidates_spelling_variants_and_scope(make_person, session_ctx):
    tag = letters()
    pid = make_person(nama=f"Muhammad Soedjono {tag}", tahun_lahir=1980, jenis_kelamin="L")
    with session_ctx() as s:
        found = dedup.find_candidates(
            s, {"nama": f"Moch. Sujono {tag}", "tahun_lahir": 1981, "jenis_kelamin": "L",
                "kelurahan_kode": "32.75.01.1001"}, Scope.everything())
        assert found and found[0].person_id == pid
        assert any("nama mirip" in r or "nama sama" in r for r in found[0].reasons)
        assert not found[0].decisive
        # a pilar of another kecamatan never sees this person
        other = Scope(citywide=False, kecamatan_kode="32.75.09")
        assert all(c.person_id != pid for c in dedup.find_candidates(s, {"nama": f"Sujono {tag}"}, other))


def test_same_nik_is_decisive(make_person, session_ctx):
    nik = "3275015506900007"
    with session_ctx() as s:
        existing = s.scalar(select(Person.id).where(Person.nik == nik))
    pid = existing or make_person(nama=unique_name("Siti"), nik=nik)
    with session_ctx() as s:
        found = dedup.find_candidates(s, {"nama": "Orang Lain Sekali", "nik": nik}, Scope.everything())
        assert found[0].person_id == pid and found[0].decisive and found[0].level == "pasti"
        assert "NIK sama" in found[0].reasons


def test_rebuild_keys_cli_restores_the_key_table(app, make_person, session_ctx):
    from sqlalchemy import delete

    from app.services.identity_keys import key_record, keys_for

    tag = letters()
    pid = make_person(nama=f"Soedjono {tag}")
    with session_ctx() as s:
        expected = keys_for(key_record(s, [pid])[pid])
        s.execute(delete(MatchKey).where(MatchKey.person_id == pid))
        s.commit()
        assert not _keys(s, pid)
    r = app.test_cli_runner().invoke(args=["dedup", "rebuild-keys"])
    assert r.exit_code == 0, r.output
    with session_ctx() as s:
        assert _keys(s, pid) == expected and "n:suyono" in expected
        found = dedup.find_candidates(s, {"nama": f"Sujono {tag}"}, Scope.everything())
        assert found and found[0].person_id == pid  # the rebuilt lookup index serves the real-time check


def _reference_ids(s, rec, limit):
    """candidate_ids spelled out: whole blocks read plainly, smallest (capped) first, lowest ids."""
    from app.services.identity_keys import keys_for

    blocks = {k: sorted(s.scalars(select(MatchKey.person_id).where(MatchKey.key == k))) for k in keys_for(rec)}
    size = {k: min(len(v), limit + 1) for k, v in blocks.items() if v}
    chosen, total = [], 0
    for k in sorted(size, key=lambda k: (size[k], k)):
        if chosen and total + size[k] > limit:
            break
        chosen.append(k)
        total += size[k]
    ids = set().union(*(blocks[k][:limit] for k in chosen))
    return set(sorted(ids)[:limit])


def test_candidate_ids_many_equals_plain_reading_of_the_blocks(make_person, session_ctx):
    from app.services.matching import features

    from app.services import archive

    tag = letters()
    made = [make_person(nama=f"{name} {tag}", tahun_lahir=year, jenis_kelamin="P") for name, year in
            (("Sukarti", 1960), ("Sukarti", 1962), ("Sukarni", 1961), ("Karti", 1990), ("Sukarti Ningsih", 1975))]
    recs = {i: features(dedup.record_from_data({"nama": f"{name} {tag}", "tahun_lahir": 1961}))
            for i, name in enumerate(("Sukarti", "Sukarni", "Karti Ningsih"))}
    with session_ctx() as s:
        for limit in (1, 2, 3, 400):  # small caps make giant blocks shared by several records
            many = dedup.candidate_ids_many(s, recs, limit)
            assert many == {i: _reference_ids(s, rec, limit) for i, rec in recs.items()}
            assert all(len(ids) <= limit for ids in many.values()) and any(many.values())
        for pid in made:  # look-alikes: keep them out of later scans (the review page shows 25 pairs)
            archive.archive(s, s.get(Person, pid), "data uji")
        s.commit()


def test_stored_keys_use_gender_and_birth(make_person, session_ctx):
    """Weak name parts are stored within the person's own gender and birth decade, and a stated
    birth date (no NIK) is stored as `dob:` — the same keys `blocking_keys` gives the full record."""
    import datetime as dt

    from app.services.identity_keys import key_record, keys_for
    from app.services.matching import raw_blocking_keys

    tag = letters()
    pid = make_person(nama=f"Siti {tag}", jenis_kelamin="P", tanggal_lahir=dt.date(1984, 3, 9))
    with session_ctx() as s:
        keys = _keys(s, pid)
        assert "dob:1984-03-09" in keys
        assert {k for k in keys if k.startswith("w:siti|")} == {"w:siti|P|198"}
        rec = key_record(s, [pid])[pid]
        assert keys == keys_for(rec)
        assert {k for k in keys if not k.startswith("c:")} == {k[:160] for k in raw_blocking_keys(
            dedup.record_from_data({"nama": f"Siti {tag}", "jenis_kelamin": "P", "tanggal_lahir": dt.date(1984, 3, 9)}))}
        assert {k for k in keys if k.startswith("c:")} == {f"c:{tag.lower()}|P|198"}  # generation key, not for Siti
        p = s.get(Person, pid)
        p.jenis_kelamin, p.tanggal_lahir, p.tahun_lahir = "L", None, 1971
        s.commit()
        keys = _keys(s, pid)
        assert "dob:1984-03-09" not in keys
        assert {k for k in keys if k.startswith("w:siti|")} == {"w:siti|L|196", "w:siti|L|197"}
        typed = dedup.record_from_data({"nama": "Siti", "jenis_kelamin": "L", "tahun_lahir": 1972})
        assert pid in dedup.candidate_ids(s, typed)  # a lone "Siti" finds the person through w:siti|L|197


def test_generation_keys_find_the_person_behind_a_giant_common_name_block(make_person, session_ctx):
    """A common name's block larger than the cap gives only its first persons; the generation
    key (`c:name|gender|decade`) reaches the person of the typed generation anyway."""
    from app.services.identity_keys import generation_keys
    from app.services.matching import features

    tag = letters()
    older = [make_person(nama=tag, jenis_kelamin="L", tahun_lahir=1950 + k) for k in range(6)]
    mine = make_person(nama=tag, jenis_kelamin="L", tahun_lahir=1994)
    typed = dedup.record_from_data({"nama": tag, "jenis_kelamin": "L", "tahun_lahir": 1995})
    assert f"c:{tag.lower()}|L|199" in generation_keys(features(typed))
    assert not generation_keys(features(dedup.record_from_data({"nama": tag, "jenis_kelamin": "L"})))
    with session_ctx() as s:
        found = dedup.candidate_ids(s, typed, limit=3)  # the name's own blocks hold 7 persons
        assert mine in found and len(found) <= 3
        assert not set(older[:3]) & dedup.candidate_ids(s, typed, limit=3)  # another generation is not read
