"""The stored features (`match_feature`) equal `matching.features` of the registry after every write."""
import datetime as dt

from sqlalchemy import delete, select, update

from app.models import Encounter, MatchFeature, Person, PersonAlias
from app.services import archive, dedup, feature_store, intake
from app.services.matching import MatchModel, PersonRecord, features, score_features, score_pair
from app.services.merge import merge_persons, unmerge
from app.services.scope import Scope
from tests.identity.helpers import letters, nik

ALL = Scope.everything()
raw_features = getattr(features, "__wrapped__", features)


def _stored(s, pid):
    row = s.execute(select(MatchFeature.engine, MatchFeature.data).where(MatchFeature.person_id == pid)).first()
    assert row is None or row.engine == feature_store.engine()
    return feature_store.decode(row.data) if row else None


def _fresh(s, pid):
    return raw_features(dedup.load_records(s, [pid], dates=False)[pid])


def _archive(session_ctx, ids):
    """Archive look-alike test persons so later scans do not queue them (the review page shows 25)."""
    with session_ctx() as s:
        for pid in ids:
            archive.archive(s, s.get(Person, pid), "data uji")
        s.commit()


def _assert_current(s, pid):
    stored = _stored(s, pid)
    assert stored is not None and stored == _fresh(s, pid)
    return stored


def test_encode_decode_round_trip_keeps_scores():
    recs = [*feature_store._PROBES,
            PersonRecord(id=9, nama="Sujono", jenis_kelamin="L", tahun_lahir=1981, kelurahan_kodes=("32.75.02.1002",)),
            PersonRecord(id=10, nama="")]
    m = MatchModel.default()
    for a in recs:
        fa = raw_features(a)
        assert feature_store.decode(feature_store.encode(fa)) == fa
        for b in recs:
            fb = feature_store.decode(feature_store.encode(raw_features(b)))
            assert score_features(fa, fb, m).score == score_pair(a, b, m).score


def test_store_follows_person_alias_and_encounter_writes(make_person, session_ctx):
    tag = letters()
    pid = make_person(nama=f"Poerwadi {tag}", tahun_lahir=1970, jenis_kelamin="L")
    with session_ctx() as s:
        first = _assert_current(s, pid)
        assert first.kelurahan == {"3275011001"}
        p = s.get(Person, pid)
        p.tahun_lahir_perkiraan, p.asal_wilayah_kode = True, "32.75"
        s.commit()
        f = _assert_current(s, pid)
        assert f.year_tol == 6 and f.asal == "3275"
        p = s.get(Person, pid)
        p.nama = f"Bambang {tag}"
        p.aliases.append(PersonAlias(alias="Jablay"))
        s.commit()
        assert ("yablay",) in _assert_current(s, pid).names
        enc = intake.add_encounter(s, s.get(Person, pid), {"kelurahan_kode": "32.75.01.1003", "lokasi": "Pasar"},
                                   scope=ALL)
        s.commit()
        assert _assert_current(s, pid).kelurahan == {"3275011001", "3275011003"}
        archive.archive(s, s.get(Encounter, enc.id), "salah input")
        s.commit()
        assert _assert_current(s, pid).kelurahan == {"3275011001"}
        archive.restore(s, s.get(Encounter, enc.id))
        s.get(Person, pid).aliases.clear()
        s.commit()
        f = _assert_current(s, pid)
        assert "3275011003" in f.kelurahan and ("yablay",) not in f.names
        archive.archive(s, s.get(Person, pid), "uji")
        s.commit()
        _assert_current(s, pid)  # kept (an archive can be undone) but no longer a candidate:
        assert all(c.person_id != pid for c in dedup.find_candidates(s, {"nama": f"Bambang {tag}"}, ALL))


def test_store_follows_merge_and_unmerge(make_person, session_ctx):
    tag = letters()
    a = make_person(nama=f"Tjiptono {tag}", aliases="Tono", tahun_lahir=1970, jenis_kelamin="L")
    b = make_person(kelurahan="32.75.01.1002", nama=f"Ciptono {tag}", nik=nik(), nama_ibu="Sarinah")
    with session_ctx() as s:
        before = {a: _assert_current(s, a), b: _assert_current(s, b)}
        rec = merge_persons(s, a, b, scope=ALL, choices={"nik": "merged"})
        s.commit()
        assert _stored(s, b) is None
        merged = _assert_current(s, a)
        assert merged.kelurahan == {"3275011001", "3275011002"} and merged.nik == before[b].nik
        unmerge(s, rec.id, scope=ALL)
        s.commit()
        assert {a: _assert_current(s, a), b: _assert_current(s, b)} == before


def test_missing_or_stale_rows_are_computed(make_person, session_ctx):
    tag = letters()
    pid = make_person(nama=f"Sutarmi {tag}", tahun_lahir=1960, jenis_kelamin="P")
    other = make_person(nama=f"Sutarmi {tag}", tahun_lahir=1961, jenis_kelamin="P")
    with session_ctx() as s:
        want = _fresh(s, pid)
        s.execute(update(MatchFeature).where(MatchFeature.person_id == pid).values(
            engine="old", data=feature_store.encode(raw_features(PersonRecord(id=pid, nama="Orang Lain")))))
        s.execute(delete(MatchFeature).where(MatchFeature.person_id == other))
        got = feature_store.load(s, [pid, other])
        assert got[pid] == want and got[other] == _fresh(s, other)
        found = dedup.find_candidates(s, {"nama": f"Sutarmi {tag}", "tahun_lahir": 1960, "jenis_kelamin": "P"}, ALL)
        assert {pid, other} <= {c.person_id for c in found}
        s.rollback()
    _archive(session_ctx, (pid, other))


def test_real_time_scores_equal_score_pair(make_person, session_ctx):
    tag = letters()
    pid = make_person(nama=f"Muhammad Poerwanto {tag}", tahun_lahir=1980, jenis_kelamin="L", aliases="Wanto")
    typed = {"nama": f"Moch. Purwanto {tag}", "tahun_lahir": 1981, "jenis_kelamin": "L",
             "kelurahan_kode": "32.75.01.1001"}
    with session_ctx() as s:
        found = {c.person_id: c for c in dedup.find_candidates(s, typed, ALL)}
        a, b = dedup.record_from_data(typed), dedup.load_records(s, [pid], dates=False)[pid]
        want = score_pair(a, b, dedup.model(), dedup.place_names(s, [a, b]))
        assert round(want.score, 2) == found[pid].score and found[pid].reasons == want.reasons
        assert any(r.startswith("pernah terjaring di ") and "3275" not in r for r in want.reasons)


def test_rebuild_keys_cli_rebuilds_the_store(app, make_person, session_ctx):
    pid = make_person(nama=f"Tjokrodiharjo {letters()}", tanggal_lahir=dt.date(1975, 3, 4))
    with session_ctx() as s:
        want = _assert_current(s, pid)
        s.execute(delete(MatchFeature).where(MatchFeature.person_id == pid))
        s.commit()
    r = app.test_cli_runner().invoke(args=["dedup", "rebuild-keys"])
    assert r.exit_code == 0, r.output
    with session_ctx() as s:
        assert _assert_current(s, pid) == want


def test_candidate_features_reads_the_candidate_ids(make_person, session_ctx):
    tag = letters()
    made = [make_person(nama=f"Sutarmi {tag}", tahun_lahir=year, jenis_kelamin="P") for year in (1960, 1961, 1962, 1970)]
    made.append(make_person(nama=f"Sutarni {tag}", aliases=f"Mi {tag}", tahun_lahir=1961))
    with session_ctx() as s:
        # no birth year: no generation keys (c:), so small caps meet the giant-block path
        fa = features(dedup.record_from_data({"nama": f"Sutarmi {tag}"}))
        sizes = set()
        for limit in (1, 2, 3, 4, 6, 400):  # small caps take the giant-block and truncation paths
            ids = dedup.candidate_ids(s, fa, limit=limit)
            got = dedup.candidate_features(s, fa, limit=limit)
            assert set(got) == ids and all(got[pid] == _fresh(s, pid) for pid in ids)
            sizes.add(len(ids))
        assert len(sizes) >= 4  # the caps really changed what was read
    _archive(session_ctx, made)


def test_candidate_details_from_one_statement(make_person, session_ctx):
    tag = letters()
    pid = make_person(nama=f"Wagiman {tag}", aliases="Giman, Mbah Wagi", tahun_lahir=1950, jenis_kelamin="L",
                      encounter=False)
    with session_ctx() as s:
        p = s.get(Person, pid)
        later = intake.add_encounter(s, p, {"kelurahan_kode": "32.75.01.1003", "lokasi": "Pasar Baru",
                                            "waktu": dt.datetime(2025, 1, 2, 8, 0)}, scope=ALL)
        latest = intake.add_encounter(s, p, {"kelurahan_kode": "32.75.01.1002", "lokasi": "Terminal",
                                             "waktu": dt.datetime(2025, 1, 3, 8, 0)}, scope=ALL)
        s.flush()
        archive.archive(s, latest, "salah input")
        s.commit()
        found = {c.person_id: c for c in dedup.find_candidates(s, {"nama": f"Wagiman {tag}"}, ALL)}
        c = found[pid]
        assert c.nama == f"Wagiman {tag}" and c.aliases == ["Giman", "Mbah Wagi"]
        assert c.last_encounter == s.get(Encounter, later.id).waktu and c.last_place.startswith("Pasar Baru, ")
