"""The vectorised name comparison is bit-identical to the Python functions it mirrors."""
import datetime as dt

import numpy as np
import pytest

from app.services.candidates import candidate_pairs, prepare
from app.services.match_batch import VECTOR_MIN_PAIRS, score_batch
from app.services.matching import MatchModel, name_evidence, score_features
from app.services.name_vector import NameIndex
from app.services.names import _token_sim_raw, name_similarity, name_tokens
from benchmarks.datagen_people import generate

HARD = ["Nur Hayati", "Nurhayati", "Siti Nurhayati", "M. Yusuf", "Muhammad Jusuf", "Mulyanto", "Yanto",
        "Maryani", "Yani", "Dewi Painati", "Siti Dewi", "Sutrisno", "Sutresno", "A. Rahman", "Abdurrahman",
        "Budi", "Budi Santoso", "Santoso Budi", "B Santoso", "Siti", "Nur", "Siti Nur", "Ahmad Nur Siti",
        "Agus Salim Nur Hidayat Wibowo", "Wibowo Agus", "Ni Luh Putu Ayu", "Ayu", "Kancil", "Rizky", "Rizki"]


@pytest.fixture(scope="module")
def quality():
    recs, _, _ = generate(1500, 3)
    feats = prepare(recs)
    ia, ib, _ = candidate_pairs(feats)
    return feats, ia, ib


def _index(feats):
    index = NameIndex([()])
    return index, np.array([index.add_set(f.names) for f in feats])


def test_evidence_equals_name_evidence_on_candidate_and_random_pairs(quality):
    feats, ia, ib = quality
    rng = np.random.default_rng(7)
    ra, rb = rng.integers(0, len(feats), 30_000), rng.integers(0, len(feats), 30_000)
    a, b = np.concatenate([ia, ib, ra]), np.concatenate([ib, ia, rb])  # both orders: not symmetric
    model = MatchModel.default()
    index, sid = _index(feats)
    lvl, tf = index.evidence(sid[a], sid[b], model)
    ref = [name_evidence(feats[x], feats[y], model) for x, y in zip(a.tolist(), b.tolist())]
    assert len(a) > 100_000 and sum(len(f.names) > 1 for f in feats) > 100  # aliases are exercised
    assert np.array_equal(lvl, np.array([r[0] for r in ref]))
    assert np.array_equal(tf, np.array([r[1] for r in ref]))  # bit-identical floats
    assert len(set(lvl.tolist())) == 5 and (tf != 0).any()


def test_similarities_equal_name_and_token_similarity_on_hard_names():
    index = NameIndex()
    tups = [tuple(name_tokens(n)) for n in HARD]
    ids = np.array([index.add_tuple(t) for t in tups])
    x, y = np.meshgrid(ids, ids)
    x, y = x.ravel(), y.ravel()
    got = index.tuple_similarity(x, y)
    by_id = {i: t for t, i in index.tup_id.items()}
    want = np.array([name_similarity(by_id[i], by_id[j]) for i, j in zip(x.tolist(), y.tolist())])
    assert np.array_equal(got, want)
    toks = np.arange(len(index.tokens))
    ta, tb = np.meshgrid(toks, toks)
    sims = index.token_sims(ta.ravel(), tb.ravel())
    assert np.array_equal(sims, [_token_sim_raw(index.tokens[i], index.tokens[j])
                                 for i, j in zip(ta.ravel().tolist(), tb.ravel().tolist())])
    assert got.min() < 0.5 and (got == 1.0).sum() > len(HARD)  # varied; reordered names are equal


def test_score_batch_vector_path_equals_score_features(quality):
    feats, ia, ib = quality
    ia, ib = ia[:20_000], ib[:20_000]
    assert len(ia) > VECTOR_MIN_PAIRS
    model = MatchModel.default()
    got = score_batch(feats, ia, ib, model)
    want = np.array([score_features(feats[i], feats[j], model, explain=False).score
                     for i, j in zip(ia.tolist(), ib.tolist())])
    assert np.array_equal(got, want)


def test_explain_batch_equals_score_features_with_reasons(quality):
    from app.services.match_batch import explain_batch

    feats, ia, ib = quality
    model = MatchModel.default()
    scores = score_batch(feats, ia, ib, model)
    keep = np.flatnonzero(scores >= model.review_threshold - 8)[:15_000]
    ia, ib = ia[keep], ib[keep]
    kels = sorted({k for f in feats for k in f.kelurahan})
    names = {k: f"Kel {n}" for n, k in enumerate(kels[::2])}  # some codes named, some not
    got_s, got_p, got_r = explain_batch(feats, ia, ib, model, names)
    want = [score_features(feats[i], feats[j], model, names) for i, j in zip(ia.tolist(), ib.tolist())]
    assert len(ia) > VECTOR_MIN_PAIRS
    assert np.array_equal(got_s, [w.score for w in want])
    assert got_p == [w.probability for w in want]
    assert got_r == [w.reasons for w in want]
    assert any("pernah terjaring di Kel" in " ".join(r) for r in got_r)


@pytest.mark.parametrize("table_min", [10 ** 9, 0])
def test_scan_scoring_with_reasons_equals_score_features(quality, monkeypatch, table_min):
    import json

    from app.services import candidates

    monkeypatch.setattr(candidates, "TABLE_MIN_PAIRS", table_min)  # per-chunk encoding, or one shared table
    feats, ia, ib = quality
    model = MatchModel.default()
    names = {k: f"Kel {n}" for n, k in enumerate(sorted({k for f in feats for k in f.kelurahan}))}
    plain = candidates.score_candidates(feats, ia, ib, model, workers=1, chunk=50_000)
    si, sj, scores, probs, reasons = candidates.score_candidates(feats, ia, ib, model, workers=1, chunk=50_000,
                                                                 explain={"place_names": names})
    for x, y in zip(plain, (si, sj, scores)):
        assert np.array_equal(x, y)
    want = [score_features(feats[i], feats[j], model, names) for i, j in zip(si.tolist(), sj.tolist())]
    assert len(want) > 1000
    assert probs == [w.probability for w in want]
    assert reasons == [json.dumps(w.reasons, ensure_ascii=False) for w in want]


@pytest.mark.parametrize("caps", [dict(max_block=60, giant_block=300, window=20),
                                  dict(max_block=20, giant_block=60, window=5)])
def test_integer_compounding_gives_the_pairs_of_string_compound_keys(quality, caps):
    from collections import Counter

    from app.services.candidates import block_pairs
    from app.services.matching import blocking_keys, raw_blocking_keys

    feats, _, _ = quality
    counts = Counter(k for f in feats for k in raw_blocking_keys(f))
    common = {k for k, c in counts.items() if c > caps["max_block"]}
    rec, key = [], []
    for i, f in enumerate(feats):  # the reference: compound keys as strings, as blocking_keys makes them
        for k in blocking_keys(f, common):
            rec.append(i)
            key.append(hash(k))
    years = np.array([f.year or 0 for f in feats], dtype=np.int64)
    want = block_pairs(np.array(rec), np.array(key), years, caps["giant_block"], caps["window"])
    ia, ib, _ = candidate_pairs(feats, **caps)
    assert len(common) > 5 and len(want) > 10_000
    assert np.array_equal((ia.astype(np.int64) << 32) | ib, want)


def test_scan_features_equal_the_features_of_the_records(app, make_person, session_ctx):
    from sqlalchemy import update

    from app.models import MatchFeature
    from app.services import dedup
    from app.services.matching import features

    a = make_person(nama="Siti Chadidjah binti Abdoel", tahun_lahir=1970, jenis_kelamin="P", nama_ibu="Rukmini")
    make_person(kelurahan="32.75.01.1002", nama="H. Moch. Joesoef", tanggal_lahir=dt.date(1980, 5, 12), jenis_kelamin="L")
    with session_ctx() as s:
        s.execute(update(MatchFeature).where(MatchFeature.person_id == a).values(engine="stale"))
        raw = features.__wrapped__
        want = [(r.id, raw(r)) for r in dedup.iter_records(s, dates=False)]
        got = list(dedup.scan_features(s, batch=1))  # one person per statement: the paging is exercised
        assert len(got) >= 2 and got == want
        s.rollback()


def test_streamed_chunks_from_two_workers_equal_the_collected_result(quality):
    from app.services.candidates import score_candidates

    feats, ia, ib = quality
    ia, ib = ia[:60_000], ib[:60_000]
    model = MatchModel.default()
    explain = {"place_names": {}}
    whole = score_candidates(feats, ia, ib, model, workers=1, chunk=20_000, explain=explain)
    parts, stats = [], {}
    assert score_candidates(feats, ia, ib, model, workers=2, chunk=20_000, explain=explain, stats=stats,
                            sink=lambda *p: parts.append(p)) is None
    assert len(parts) == 3 and stats["scored"] > 0
    for k in range(3):
        assert np.array_equal(whole[k], np.concatenate([p[k] for p in parts]))
    assert whole[3] == [x for p in parts for x in p[3]] and whole[4] == [x for p in parts for x in p[4]]
