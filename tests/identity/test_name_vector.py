"""The vectorised name comparison is bit-identical to the Python functions it mirrors."""
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
