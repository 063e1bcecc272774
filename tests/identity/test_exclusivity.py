"""The batch scan's exclusivity step: its graph terms, and the scan queues what it selects."""
import json
from dataclasses import replace

import numpy as np

from app.services.candidates import candidate_pairs, prepare, score_candidates
from app.services.match_batch import LONE_NOTE, SHARED_NOTE, exclusivity_adjust, exclusivity_notes, exclusivity_terms
from app.services.matching import MatchModel
from benchmarks.datagen_people import generate


def _brute(ia, ib, s, thr, center, cut):
    w = {}
    for a, b, v in zip(ia.tolist(), ib.tolist(), s.tolist()):
        if v >= thr + cut:
            w[(min(a, b), max(a, b))] = 1.0 / (1.0 + 2.0 ** (-(v - thr - center)))
    nb: dict = {}
    for (a, b), x in w.items():
        nb.setdefault(a, {})[b] = x
        nb.setdefault(b, {})[a] = x
    out = np.zeros((3, len(s)))
    for k, (a, b) in enumerate(zip(ia.tolist(), ib.tolist())):
        key = (min(a, b), max(a, b))
        if key not in w:
            continue
        cn = sum(x * nb[b].get(c, 0.0) for c, x in nb[a].items())
        ex_a = max(sum(nb[a].values()) - w[key] - cn, 0.0)
        ex_b = max(sum(nb[b].values()) - w[key] - cn, 0.0)
        out[:, k] = np.log2(1 + cn), np.log2(1 + min(ex_a, ex_b)), np.log2(1 + max(ex_a, ex_b))
    return out


def test_terms_equal_a_plain_graph_computation():
    rng = np.random.default_rng(3)
    codes = np.unique(rng.integers(0, 60, 700) * 64 + rng.integers(0, 60, 700))
    ia, ib = codes // 64, codes % 64
    keep = ia < ib
    ia, ib = ia[keep], ib[keep]
    s = rng.normal(-2, 4, len(ia))
    near, t = exclusivity_terms(ia, ib, s, -1.0, 1.0, -3.0)
    assert 0 < len(near) < len(s)
    assert np.allclose(t, _brute(ia, ib, s, -1.0, 1.0, -3.0), atol=1e-12)
    # the order of the pairs and of the two records does not matter
    perm = rng.permutation(len(s))
    _, t2 = exclusivity_terms(ib[perm], ia[perm], s[perm], -1.0, 1.0, -3.0)
    assert np.array_equal(t2, t[:, perm])
    from app.services import match_batch

    old = match_batch.EXCLUSIVITY_CHUNK
    try:  # many small steps give the same terms
        match_batch.EXCLUSIVITY_CHUNK = 7
        assert np.array_equal(exclusivity_terms(ia, ib, s, -1.0, 1.0, -3.0)[1], t)
    finally:
        match_batch.EXCLUSIVITY_CHUNK = old


def _toy_graph():
    """A model with a simple step and a scored graph: 0-1 alone; 2-3, 3-4, 2-4 a triangle;
    5 linked to 6, 7, 8, 9 (a common name); 10-11 far below the cut."""
    model = replace(MatchModel.default(), review_threshold=0.0,
                    exclusivity=dict(center=1.0, cut=-3.0, bias=1.0, cn=2.0, ex_min=-1.0, ex_max=-1.0))
    ia = np.array([0, 2, 3, 2, 5, 5, 5, 5, 10])
    ib = np.array([1, 3, 4, 4, 6, 7, 8, 9, 11])
    s = np.array([-0.5, 3.0, 3.0, 3.0, -0.5, -0.5, -0.5, -0.5, -3.5])
    return model, ia, ib, s


def test_adjustment_of_a_lone_pair_a_hub_and_a_triangle():
    model, ia, ib, s = _toy_graph()
    adj = exclusivity_adjust(ia, ib, s, model)
    assert adj[0] == -0.5 + 1.0  # no other partner: the bias alone
    assert adj[1] - s[1] > adj[0] - s[0]  # both also match record 4
    assert adj[4] - s[4] < adj[0] - s[0]  # record 5 matches four others
    assert adj[8] == s[8]  # below the cut: unchanged
    assert np.array_equal(exclusivity_adjust(ia, ib, s, replace(model, exclusivity={})), s)


def test_notes_say_why_the_step_raised_a_pair():
    model, ia, ib, s = _toy_graph()
    terms: dict = {}
    adj = exclusivity_adjust(ia, ib, s, model, terms)
    assert np.array_equal(adj, exclusivity_adjust(ia, ib, s, model))  # asking for the terms changes nothing
    notes = exclusivity_notes(s, adj, terms, range(len(s)))
    assert notes[0] == LONE_NOTE  # no other partner
    assert notes[1] == notes[2] == notes[3] == SHARED_NOTE  # the triangle
    assert notes[4:] == [None] * 5  # the hub was lowered; below the cut nothing changed
    assert exclusivity_notes(s, adj, {}, [0, 1]) == [None, None]


def test_shipped_model_has_the_step_and_it_only_uses_near_pairs():
    model = MatchModel.default()
    assert set(model.exclusivity) == {"center", "cut", "x_max", "bias", "cn", "cn_x", "ex_min", "ex_max"}
    recs, _, _ = generate(300, 11)
    feats = prepare(recs)
    ia, ib, _ = candidate_pairs(feats)
    i, j, s = score_candidates(feats, ia, ib, model, min_score=-60, workers=1, prefilter=False)
    near = s >= model.review_threshold + model.exclusivity["cut"]
    full = exclusivity_adjust(i, j, s, model)
    part = exclusivity_adjust(i[near], j[near], s[near], model)  # what the scan keeps in memory
    assert np.array_equal(full[near], part)
    assert (full[~near] < model.review_threshold).all()


def test_full_scan_queues_the_pairs_the_step_selects_with_their_pairwise_score(app, make_person, session_ctx,
                                                                                  monkeypatch):
    from sqlalchemy import select

    from app.models import CandidatePair
    from app.services import dedup
    from app.services.matching import score_features
    from tests.identity.helpers import letters

    tag = letters()
    base = MatchModel.default()
    model = replace(base, exclusivity=dict(base.exclusivity, bias=5.0))  # promotes lone pairs by 5 bits
    monkeypatch.setattr(dedup, "model", lambda: model)
    mine = [make_person(nama=f"Sutrisno Wibowo {tag}", tahun_lahir=1970, jenis_kelamin="L"),
            make_person(kelurahan="32.75.02.1002", nama=f"Trisno {tag}", tahun_lahir=1971, jenis_kelamin="L"),
            make_person(kelurahan="32.75.01.1002", nama=f"Sutrisno {tag}", tahun_lahir=1972, jenis_kelamin="L"),
            make_person(nama=f"Sutresno Wibowo {tag}", tahun_lahir=1962, jenis_kelamin="L"),
            make_person(kelurahan="32.75.02.1001", nama=f"Wibowo {tag}", tahun_lahir=1975, jenis_kelamin="L")]
    with session_ctx() as s:
        ids, feats = zip(*dedup.scan_features(s))
        index = {p: k for k, p in enumerate(ids)}
        ia, ib, _ = candidate_pairs(list(feats), **dedup.scan_params(len(feats)))
        i, j, sc = score_candidates(list(feats), ia, ib, model, min_score=-60, workers=1, prefilter=False)
        adj = exclusivity_adjust(i, j, sc, model)
        k = [x for x in range(len(i)) if ids[i[x]] in mine and ids[j[x]] in mine]
        expected = {dedup.ordered(ids[i[x]], ids[j[x]]) for x in k if adj[x] >= model.review_threshold}
        assert any(sc[x] < model.review_threshold <= adj[x] for x in k)  # at least one pair promoted
        dedup.scan_all(s, workers=1)
        s.commit()
        rows = s.execute(select(CandidatePair.person_a_id, CandidatePair.person_b_id, CandidatePair.score)
                         .where(CandidatePair.person_a_id.in_(mine), CandidatePair.person_b_id.in_(mine))).all()
        reasons = dict(((a, b), json.loads(r)) for a, b, r in s.execute(
            select(CandidatePair.person_a_id, CandidatePair.person_b_id, CandidatePair.reasons)
            .where(CandidatePair.person_a_id.in_(mine), CandidatePair.person_b_id.in_(mine))))
    assert {(a, b) for a, b, _ in rows} == expected
    terms: dict = {}
    adj = exclusivity_adjust(i, j, sc, model, terms)
    note_of = {dedup.ordered(ids[i[x]], ids[j[x]]): n for x, n in zip(k, exclusivity_notes(sc, adj, terms, k))}
    assert any(note_of[pair] for pair in expected)  # at least one queued pair carries a note
    for a, b, score in rows:  # stored: the pairwise score, as the real-time check gives it
        res = score_features(feats[index[a]], feats[index[b]], model)
        assert score == res.score
        # the reasons: the pairwise ones (place names instead of codes), and the step's note where it raised the pair
        note, got = note_of[(a, b)], reasons[(a, b)]
        assert len(got) == len(res.reasons) + bool(note)
        assert (got[-1] == note) if note else not {LONE_NOTE, SHARED_NOTE} & set(got)
