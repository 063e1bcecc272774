"""Scale paths give the same answers as the plain ones: pre-filtered batch scoring, vectorised blocking."""
import numpy as np

from app.services.candidates import Snapshot, candidate_pairs, score_candidates, upper_bounds
from app.services.matching import MatchModel, score_features
from benchmarks.datagen_people import generate


def _feats(n=400, seed=5):
    from app.services.candidates import prepare

    recs, _, _ = generate(n, seed)
    return prepare(recs)


def test_prefilter_keeps_exactly_the_pairs_plain_scoring_keeps():
    feats = _feats()
    model = MatchModel.default()
    ia, ib, _ = candidate_pairs(feats)
    assert len(ia) > 1000
    stats = {}
    plain = score_candidates(feats, ia, ib, model, workers=1, prefilter=False)
    fast = score_candidates(feats, ia, ib, model, workers=1, stats=stats)
    assert stats["scored"] < len(ia)  # the bound skipped some pairs ...
    for x, y in zip(plain, fast):      # ... and nothing that would have been kept
        assert np.array_equal(x, y)


def test_upper_bound_is_never_below_the_score():
    feats = _feats(300, seed=9)
    model = MatchModel.default()
    ia, ib, _ = candidate_pairs(feats)
    snap = Snapshot(feats)
    from app.services.candidates import _name_parts

    ub, decisive = upper_bounds(snap, ia, ib, model, _name_parts(snap, ia, ib, model))
    scores = np.array([score_features(feats[i], feats[j], model, explain=False).score
                       for i, j in zip(ia.tolist(), ib.tolist())])
    assert np.all(decisive | (ub >= scores - 1e-5))


def test_blocking_caps_bound_the_pairs_of_a_giant_block():
    from app.services.matching import PersonRecord
    from app.services.candidates import prepare

    recs = [PersonRecord(id=i, nama="Budi", jenis_kelamin="L", tahun_lahir=1980 + i % 5) for i in range(400)]
    feats = prepare(recs)
    ia, ib, _ = candidate_pairs(feats)
    assert len(ia) == 400 * 399 // 2  # below the caps: every pair
    ia, ib, _ = candidate_pairs(feats, max_block=50, giant_block=100, window=5)
    assert 0 < len(ia) <= 400 * 5 and np.all(ia < ib)
