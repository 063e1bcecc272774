"""Scoring model, blocking and training over plain records."""
from datetime import date

import numpy as np

from app.services.candidates import KeyIndex, candidate_pairs, score_candidates
from app.services.matching import (
    COMPARISONS, MatchModel, PersonRecord, blocking_keys, features, score_features, score_pair, train_em,
    update_from_decisions,
)

MODEL = MatchModel.default()
NIK = "3275014506900003"  # woman born 5-6-1990, Bekasi Timur


def rec(i, nama, **kw):
    return PersonRecord(id=i, nama=nama, **kw)


def test_equal_valid_nik_is_decisive():
    a = rec(1, "Ucok", nik=NIK, jenis_kelamin="P")
    b = rec(2, "Siti Aminah", nik=NIK, jenis_kelamin="P")
    res = score_pair(a, b, MODEL)
    assert res.decisive and res.score >= MODEL.likely_threshold
    assert "NIK sama" in res.reasons


def test_invalid_equal_nik_is_not_decisive():
    bad = "3275010000000000"
    res = score_pair(rec(1, "Budi", nik=bad), rec(2, "Agus", nik=bad), MODEL)
    assert not res.decisive


def test_different_nik_is_a_conflict():
    a = rec(1, "Sujono", nik=NIK)
    b = rec(2, "Soedjono", nik="3275010506900004")
    res = score_pair(a, b, MODEL)
    assert "nik" in res.conflicts and "NIK berbeda" in res.reasons
    assert res.score < MODEL.review_threshold


def test_spelling_variants_score_high_with_reasons():
    kw = dict(jenis_kelamin="L", tahun_lahir=1970, tahun_lahir_perkiraan=True,
              kelurahan_kodes=("32.75.02.1002",), nama_ibu="Sumiati")
    a = rec(1, "H. Soedjono Tjahjadi", **kw)
    b = rec(2, "Sujono Cahyadi", **{**kw, "tahun_lahir": 1971})
    res = score_pair(a, b, MODEL, place_names={"32.75.02.1002": "Kranji"})
    assert res.score >= MODEL.likely_threshold
    assert "nama mirip: H. Soedjono Tjahjadi ≈ Sujono Cahyadi" in res.reasons
    assert "tahun lahir ±1" in res.reasons
    assert "pernah terjaring di Kranji" in res.reasons
    assert "nama ibu sama" in res.reasons
    assert 0.5 < res.probability <= 1.0


def test_common_single_name_alone_is_weak_evidence():
    model = MODEL.with_token_frequencies({"budi": 0.02, "tjahjadi": 1e-5})
    common = score_pair(rec(1, "Budi"), rec(2, "Budi"), model)
    assert not common.decisive and common.score < model.likely_threshold
    assert "nama umum: bukti lemah" in common.reasons
    rare = score_pair(rec(1, "Sujono Cahyadi"), rec(2, "Sujono Cahyadi"), model)
    assert rare.score > common.score


def test_different_gender_and_birth_date_conflicts():
    a = rec(1, "Budi", jenis_kelamin="L", tanggal_lahir=date(1980, 1, 2))
    b = rec(2, "Budi", jenis_kelamin="P", tanggal_lahir=date(1981, 5, 6))
    res = score_pair(a, b, MODEL)
    assert {"jenis_kelamin", "tanggal_lahir"} <= set(res.conflicts)
    assert "jenis kelamin berbeda" in res.reasons
    assert res.score < MODEL.review_threshold


def test_alias_counts_as_name():
    a = rec(1, "Rahmat Hidayat", aliases=("Ucok",))
    b = rec(2, "Ucok")
    assert score_pair(a, b, MODEL).levels["nama"] == "exact"
    assert blocking_keys(a) & blocking_keys(b)


def test_blocking_keys_catch_variants_and_nik():
    assert blocking_keys(rec(1, "Soedjono")) & blocking_keys(rec(2, "Sujono"))
    assert blocking_keys(rec(1, "Wati")) & blocking_keys(rec(2, "Waei"))  # typo in a short name
    assert blocking_keys(rec(1, "Mulyanto")) & blocking_keys(rec(2, "Yanto"))  # nickname
    assert blocking_keys(rec(1, "X", nik=NIK)) & blocking_keys(rec(2, "Y", nik=NIK))


def test_common_keys_are_compounded():
    r = rec(1, "Budi", jenis_kelamin="L", tahun_lahir=1985, tahun_lahir_perkiraan=True)
    keys = blocking_keys(r, common_keys=frozenset({"n:budi"}))
    assert "n:budi" not in keys
    assert {"n:budi|L|198"} <= keys


def test_batch_and_realtime_give_the_same_score():
    recs = [
        rec(0, "Soedjono", jenis_kelamin="L", tahun_lahir=1970, tahun_lahir_perkiraan=True),
        rec(1, "Sujono", jenis_kelamin="L", tahun_lahir=1972, tahun_lahir_perkiraan=True),
        rec(2, "Siti Aminah", nik=NIK, jenis_kelamin="P"),
        rec(3, "St. Aminah", nik=NIK, jenis_kelamin="P"),
        rec(4, "Budi", jenis_kelamin="L"),
    ]
    feats = [features(r) for r in recs]
    ia, ib, common = candidate_pairs(feats)
    i, j, s = score_candidates(feats, ia, ib, MODEL, min_score=-1e9, workers=1)
    batch = {(a, b): v for a, b, v in zip(i.tolist(), j.tolist(), s.tolist())}
    assert (0, 1) in batch and (2, 3) in batch
    for (a, b), v in batch.items():
        assert score_pair(recs[a], recs[b], MODEL).score == v
    index = KeyIndex(common)
    for k in range(3):
        index.add(k, feats[k])
    top = index.top_matches(feats[3], feats, MODEL, k=1)
    assert top[0] == (2, batch[(2, 3)])


def test_model_json_round_trip(tmp_path):
    path = tmp_path / "m.json"
    MODEL.save(path)
    again = MatchModel.load(path)
    a, b = rec(1, "Sujono", jenis_kelamin="L"), rec(2, "Soedjono", jenis_kelamin="L")
    assert score_pair(a, b, again).score == score_pair(a, b, MODEL).score


def test_update_from_decisions_moves_parameters():
    a = rec(1, "Sujono", nama_ibu="Sumiati")
    b = rec(2, "Sujono", nama_ibu="Sumiyati")
    lvl = COMPARISONS["nama_ibu"].index(score_pair(a, b, MODEL).levels["nama_ibu"])
    same = update_from_decisions(MODEL, [(a, b, True)] * 50)
    assert same.m["nama_ibu"][lvl] > MODEL.m["nama_ibu"][lvl]
    diff = update_from_decisions(MODEL, [(a, b, False)] * 50)
    assert diff.u["nama"][1] > MODEL.u["nama"][1]


def test_train_em_returns_usable_model():
    recs = []
    for p in range(60):
        name = f"Orang{chr(97 + p % 26)}{chr(97 + p // 26)}"
        for k in range(2):
            recs.append(rec(len(recs), name, jenis_kelamin="L" if p % 2 else "P", tahun_lahir=1950 + p,
                            tahun_lahir_perkiraan=True))
    feats = [features(r) for r in recs]
    ia, ib, _ = candidate_pairs(feats)
    model = train_em(recs, list(zip(ia.tolist(), ib.tolist())), MODEL, max_iter=5)
    assert 0 < model.prior < 1 and model.token_freq
    assert score_pair(recs[0], recs[1], model).score > score_pair(recs[0], recs[2], model).score


def test_weak_only_name_still_blocks_with_full_name():
    kw = dict(jenis_kelamin="P", tahun_lahir=1980, tahun_lahir_perkiraan=True)
    only_siti, full = features(rec(1, "St.", **kw)), features(rec(2, "Siti Handayani", **kw))
    assert blocking_keys(only_siti) & blocking_keys(full)
    other_decade = features(rec(3, "Siti Handayani", jenis_kelamin="P", tanggal_lahir=date(1950, 1, 1)))
    assert not (blocking_keys(only_siti) & blocking_keys(other_decade))


def test_equal_birth_date_blocks_without_any_shared_name():
    kw = dict(tanggal_lahir=date(1978, 2, 27), jenis_kelamin="L")
    assert blocking_keys(rec(1, "Ucok", **kw)) & blocking_keys(rec(2, "Setiawan", **kw))


def test_rarity_judged_on_shared_parts_only():
    model = MODEL.with_token_frequencies({"dewi": 0.02, "painati": 1e-5, "siti": 0.05})
    res = score_pair(rec(1, "Dewi Painati"), rec(2, "Siti Dewi"), model)
    assert "nama jarang: bukti kuat" not in res.reasons and "nama umum: bukti lemah" in res.reasons


def test_impossible_birth_year_gap_is_its_own_level():
    kw = dict(jenis_kelamin="L", tahun_lahir_perkiraan=True)
    res = score_pair(rec(1, "Oey Swie Hoa", tahun_lahir=1950, **kw), rec(2, "Oej Swie Hoa", tahun_lahir=1975, **kw), MODEL)
    assert res.levels["lahir"] == "bertentangan"
    near = score_pair(rec(1, "Oey Swie Hoa", tahun_lahir=1950, **kw), rec(2, "Oej Swie Hoa", tahun_lahir=1958, **kw), MODEL)
    assert near.levels["lahir"] == "jauh" and near.score > res.score


def test_alias_with_most_evidence_is_used():
    model = MODEL.with_token_frequencies({"cemong": 0.01, "budi": 0.02, "ruhiyat": 1e-5})
    a = rec(1, "Bodei Ruhiyat", aliases=("Cemong",))
    b = rec(2, "Budi Ruhiyat", aliases=("Cemong",))
    alias_only = score_features(features(rec(1, "Cemong")), features(rec(2, "Cemong")), model)
    assert score_pair(a, b, model).score > alias_only.score


def test_train_em_on_a_tiny_registry_keeps_the_base_model():
    recs = [rec(i, n, jenis_kelamin="L") for i, n in enumerate(["Budi", "Agus", "Slamet", "Joko"])]
    model = train_em(recs, [(0, 1), (2, 3)], MODEL)
    assert model.m == MODEL.m and model.prior == MODEL.prior and model.trained_on.startswith("EM on")


def test_prior_follows_registry_size():
    small = MODEL.with_token_frequencies({}, 1 / 1000)
    large = MODEL.with_token_frequencies({}, 1 / 100_000)
    assert MODEL.prior_records > 1 and small.prior > MODEL.prior > large.prior
    assert abs(small.prior / large.prior - 99_999 / 999) < 1e-6
    a, b = rec(1, "Sujono", jenis_kelamin="L"), rec(2, "Soedjono", jenis_kelamin="L")
    assert score_pair(a, b, small).score > score_pair(a, b, large).score


def test_score_batch_equals_score_features():
    """The batch API gives exactly the per-pair score (same pair, same score on both paths)."""
    import numpy as np

    from app.services.matching import score_batch

    recs = [
        rec(1, "Muhammad Soedjono", tahun_lahir=1970, jenis_kelamin="L"),
        rec(2, "Moh. Sujono", tahun_lahir=1971, jenis_kelamin="L"),
        rec(3, "Siti Aminah", aliases=("Iin",), tahun_lahir=1980, jenis_kelamin="P"),
        rec(4, "Budi", tahun_lahir=1990, tahun_lahir_perkiraan=True),
        rec(5, "Cemong", nik="3275011203900001"),
        rec(6, "Budi Santoso", nik="3275011203900001", jenis_kelamin="L"),
    ]
    feats = [features(r) for r in recs]
    model = MatchModel.default()
    ia = np.array([i for i in range(len(recs)) for j in range(len(recs)) if i != j])
    ib = np.array([j for i in range(len(recs)) for j in range(len(recs)) if i != j])
    got = score_batch(feats, ia, ib, model)
    want = [score_features(feats[i], feats[j], model).score for i, j in zip(ia, ib)]
    assert got.dtype == np.float64 and len(got) == len(want)
    assert got.tolist() == want
    from app.services.match_batch import encode_features

    assert score_batch(encode_features(feats), ia, ib, model).tolist() == want
    assert len(score_batch(feats, np.array([], dtype=int), np.array([], dtype=int), model)) == 0


def test_score_batch_equals_score_features_on_generated_registry():
    """Bit-identical batch and per-pair scores over every candidate pair of a noisy registry."""
    from app.services.matching import score_batch, token_frequencies
    from benchmarks.datagen_people import generate

    recs, _, _ = generate(150, 3)
    feats = [features(r) for r in recs]
    ia, ib, _ = candidate_pairs(feats)
    model = MODEL.with_token_frequencies(*token_frequencies(recs))
    got = score_batch(feats, ia, ib, model)
    want = np.array([score_features(feats[i], feats[j], model, explain=False).score for i, j in zip(ia, ib)])
    assert len(ia) > 500 and (got == want).all()
    assert (got >= model.review_threshold).sum() > 50  # real duplicates are among them


def test_valid_nik_gives_birth_date_and_gender():
    f = features(rec(1, "Wati", nik=NIK))  # day 45 = a woman born on the 5th
    assert (f.birth_date, f.gender, f.year_tol) == (date(1990, 6, 5), "P", 0)
    stated = features(rec(2, "Wati", nik=NIK, jenis_kelamin="P", tanggal_lahir=date(1990, 6, 7)))
    assert stated.birth_date == date(1990, 6, 7)  # a stated date is kept as entered
    assert features(rec(3, "Budi", nik="3275011502050001", tahun_lahir=1906)).birth_date == date(1905, 2, 15)
    assert features(rec(4, "Budi", nik="3275011502050001")).birth_date == date(2005, 2, 15)
    assert features(rec(5, "Budi", nik="3275013002900001")).birth_date is None  # 30 February


def test_nik_birth_date_meets_a_stated_birth_date():
    a = rec(1, "Wati", nik=NIK, tahun_lahir=1988, tahun_lahir_perkiraan=True)
    b = rec(2, "Wati", tanggal_lahir=date(1990, 6, 5), jenis_kelamin="P")
    res = score_pair(a, b, MODEL)
    assert res.levels["lahir"] == "tanggal_sama" and res.levels["jenis_kelamin"] == "sama"
    assert "dob:1990-06-05" in blocking_keys(a) & blocking_keys(b)
    other_day = score_pair(a, rec(3, "Wati", tanggal_lahir=date(1990, 8, 5), jenis_kelamin="P"), MODEL)
    assert "tanggal_lahir" in other_day.conflicts and other_day.score < res.score


def test_one_letter_typo_in_a_seven_letter_name_blocks():
    shared = blocking_keys(rec(1, "I Kadek Adynana")) & blocking_keys(rec(2, "i kadek adnyana"))
    assert shared == {"d:adnana", "d:adyana"}  # nothing shared without 7-letter deletion keys


def test_name_shape_correction_weakens_a_single_name_match_only():
    """The name-shape offset applies to its (level, part counts) only; the rarity reasons stay."""
    from dataclasses import replace

    plain = replace(MODEL, name_shape={})
    shaped = replace(MODEL, name_shape={"1:1:1": -2.0, "1:2:2": -0.5})
    single = (rec(1, "Sugiyono", jenis_kelamin="L"), rec(2, "SUGIYONO", jenis_kelamin="L"))
    double = (rec(3, "Sugiyono Hadi", jenis_kelamin="L"), rec(4, "sugiyono hadi", jenis_kelamin="L"))
    fuzzy = (rec(5, "Sugiyono", jenis_kelamin="L"), rec(6, "Sugiono", jenis_kelamin="L"))
    for pair, delta in ((single, -2.0), (double, -0.5), (fuzzy, 0.0)):
        a, b = score_pair(*pair, plain), score_pair(*pair, shaped)
        assert abs((b.score - a.score) - delta) < 1e-5
        assert a.reasons == b.reasons


def test_model_json_keeps_the_name_shape(tmp_path):
    from dataclasses import replace

    path = tmp_path / "m.json"
    replace(MODEL, name_shape={"2:1:3": -4.5}).save(path)
    assert MatchModel.load(path).name_shape == {"2:1:3": -4.5}


def test_vector_score_batch_equals_score_features_with_name_shape():
    """The numpy name comparison (>= 2000 pairs) applies the same name-shape, similarity and alias offsets, bit for bit."""
    from dataclasses import replace

    from app.services.match_batch import VECTOR_MIN_PAIRS
    from app.services.matching import score_batch, token_frequencies
    from benchmarks.datagen_people import generate

    recs, _, _ = generate(400, 5)
    feats = [features(r) for r in recs]
    ia, ib, _ = candidate_pairs(feats)
    shape = {f"{lv}:{a}:{b}": -0.37 * lv - a - 0.11 * b for lv in (1, 2, 3) for a in (1, 2, 3) for b in (a, 3)}
    alias = {f"{lv}:{k}": -0.29 * lv - 0.7 * k for lv in (1, 2, 3) for k in (1, 2)}
    sims = {f"{lv}:{k}": -0.53 * lv - 0.31 * k for lv in (2, 3) for k in range(6)}
    model = replace(MODEL.with_token_frequencies(*token_frequencies(recs)), name_shape=shape, name_alias=alias,
                    name_sim=sims)
    assert len(ia) >= VECTOR_MIN_PAIRS
    got = score_batch(feats, ia, ib, model)
    want = np.array([score_features(feats[i], feats[j], model, explain=False).score for i, j in zip(ia, ib)])
    assert (got == want).all()
    assert (got != score_batch(feats, ia, ib, replace(model, name_shape={}, name_alias={}))).sum() > 100
    assert (got != score_batch(feats, ia, ib, replace(model, name_sim={}))).sum() > 100


def test_similarity_correction_within_a_name_level():
    """A very similar name gets the offset of its similarity bin; reasons are unchanged; exact names get none."""
    from dataclasses import replace

    from app.services.matching import SIM_BINS, sim_key
    from app.services.names import name_similarity

    plain = replace(MODEL, name_sim={})
    binned = replace(plain, name_sim={"2:2": -2.5, "2:3": -1.5, "2:4": -0.5, "3:0": -3.0, "3:1": -2.0, "3:2": -1.0})
    a, b = rec(1, "Sugiyono Hartono", jenis_kelamin="L"), rec(2, "Sugiyono Hartana", jenis_kelamin="L")
    sim = name_similarity(features(a).names[0], features(b).names[0])
    key = sim_key(2 if sim >= 0.92 else 3, sim)
    assert key == f"{key[0]}:{sum(sim >= e for e in SIM_BINS)}" and binned.name_sim.get(key, 0.0) < 0
    x, y = score_pair(a, b, plain), score_pair(a, b, binned)
    assert abs((y.score - x.score) - binned.name_sim.get(key, 0.0)) < 1e-5 and x.reasons == y.reasons
    same = (rec(3, "Sugiyono", jenis_kelamin="L"), rec(4, "Sugiyono", jenis_kelamin="L"))
    assert score_pair(*same, plain).score == score_pair(*same, binned).score


def test_alias_correction_weakens_a_match_on_shared_nicknames():
    """Two records that agree only on a street nickname alias get the alias correction; names do not."""
    from dataclasses import replace

    plain = replace(MODEL, name_shape={}, name_alias={})
    shaped = replace(plain, name_alias={"1:2": -3.0})
    nick = (rec(1, "Odin", aliases=("Bonyok",), jenis_kelamin="L"), rec(2, "Sanip", aliases=("Bonyok",), jenis_kelamin="L"))
    named = (rec(3, "Sugiyono", aliases=("Bonyok",), jenis_kelamin="L"), rec(4, "Sugiyono", jenis_kelamin="L"))
    a, b = score_pair(*nick, plain), score_pair(*nick, shaped)
    assert abs((b.score - a.score) + 3.0) < 1e-5 and a.reasons == b.reasons
    assert score_pair(*named, plain).score == score_pair(*named, shaped).score
