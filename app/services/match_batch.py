"""Vectorised batch scoring: :func:`score_batch` gives exactly ``score_features(...).score``.

Each comparison that depends on one attribute pair only (name × aliases, mother's
name, origin, kelurahan set, No. KK) is computed once per *distinct* pair of
attribute values (records are interned to integer ids, pairs de-duplicated with
numpy) by the same Python routine as :func:`matching.score_features` — or, from
``VECTOR_MIN_PAIRS`` pairs on, names and mother's names by the exact numpy twin
in :mod:`name_vector`; NIK, birth and gender levels are computed with numpy. Weights are summed in the same order
as in ``score_features`` and rounded the same way, so scores are bit-identical.

For repeated calls on one registry, build the table once with
:func:`encode_features` and pass it instead of the feature list.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np

from app.services import matching as M

__all__ = ["FeatureTable", "encode_features", "exclusivity_adjust", "exclusivity_terms", "explain_batch",
           "prepare_table", "score_batch", "score_explained"]


@dataclass
class FeatureTable:
    """Integer-coded features of a list of records (row = position in the list)."""

    feats: Sequence[M.Features]
    name_id: np.ndarray  # -1: no name
    mother_id: np.ndarray
    asal_id: np.ndarray
    kel_id: np.ndarray
    kk_id: np.ndarray
    gender: np.ndarray  # 0 unknown, 1 L, 2 P
    nik_valid: np.ndarray
    nik_digits: np.ndarray  # (n, 16) uint8, zeros when invalid
    birth: np.ndarray  # date ordinal, -1 when unknown
    year: np.ndarray
    has_year: np.ndarray
    tol: np.ndarray
    reps: dict  # attribute -> list of a representative row per id
    cache: dict = field(default_factory=dict)  # interned indexes built on first use (see _mother_index)

    def __len__(self) -> int:
        return len(self.feats)


def _intern(values, reps: list[int], rows) -> np.ndarray:
    """Integer id per value (None/empty -> -1); ``reps`` gets one row per id."""
    ids: dict = {}
    out = np.full(len(values), -1, dtype=np.int64)
    for k, (row, v) in enumerate(zip(rows, values)):
        if not v:
            continue
        i = ids.get(v)
        if i is None:
            i = ids[v] = len(reps)
            reps.append(row)
        out[k] = i
    return out


def encode_features(feats: Sequence[M.Features], rows: Sequence[int] | None = None) -> FeatureTable:
    """Integer-coded table of ``feats`` (or only of ``rows``; other rows stay unknown)."""
    n = len(feats)
    rows = list(range(n)) if rows is None else list(rows)
    sub = [feats[r] for r in rows]
    reps: dict[str, list[int]] = {k: [] for k in ("names", "mother", "asal", "kel", "kk")}

    def col(attr: str, values) -> np.ndarray:
        full = np.full(n, -1, dtype=np.int64)
        full[rows] = _intern(values, reps[attr], rows)
        return full

    gender = np.zeros(n, dtype=np.int8)
    nik_valid = np.zeros(n, dtype=bool)
    digits = np.zeros((n, 16), dtype=np.uint8)
    birth = np.full(n, -1, dtype=np.int64)
    year = np.zeros(n, dtype=np.int64)
    has_year = np.zeros(n, dtype=bool)
    tol = np.zeros(n, dtype=np.int64)
    for r, f in zip(rows, sub):
        gender[r] = 1 if f.gender == "L" else 2 if f.gender == "P" else 0
        if f.nik_valid:
            nik_valid[r] = True
            digits[r] = np.frombuffer(f.nik.encode(), dtype=np.uint8) - 48
        if f.birth_date:
            birth[r] = f.birth_date.toordinal()
        if f.year is not None:
            year[r], has_year[r] = f.year, True
        tol[r] = f.year_tol
    return FeatureTable(
        feats=feats,
        name_id=col("names", [f.names for f in sub]),
        mother_id=col("mother", [f.mother for f in sub]),
        asal_id=col("asal", [f.asal for f in sub]),
        kel_id=col("kel", [f.kelurahan for f in sub]),
        kk_id=col("kk", [f.kk for f in sub]),
        gender=gender, nik_valid=nik_valid, nik_digits=digits, birth=birth, year=year, has_year=has_year,
        tol=tol, reps=reps,
    )


def _per_distinct(ida: np.ndarray, idb: np.ndarray, fn: Callable[[int, int], tuple], width: int) -> list[np.ndarray]:
    """Apply ``fn(id_a, id_b)`` once per distinct id pair where both ids are known.

    Returns ``width`` float arrays aligned with the pairs (0 where an id is -1).
    """
    out = [np.zeros(len(ida)) for _ in range(width)]
    known = (ida >= 0) & (idb >= 0)
    if not known.any():
        return out
    a, b = ida[known], idb[known]
    codes = (a << 32) | b
    uniq, inv = np.unique(codes, return_inverse=True)
    vals = np.array([fn(int(c >> 32), int(c & 0xFFFFFFFF)) for c in uniq.tolist()], dtype=np.float64)
    vals = vals.reshape(len(uniq), width)
    for k in range(width):
        out[k][known] = vals[inv.ravel(), k]
    return out


def _birth_levels(t: FeatureTable, ia: np.ndarray, ib: np.ndarray) -> np.ndarray:
    """Vectorised :func:`matching._birth_level`."""
    ya, yb, ta, tb = t.year[ia], t.year[ib], t.tol[ia], t.tol[ib]
    diff = np.abs(ya - yb)
    exactish = (ta <= 1) & (tb <= 1)
    lvl = np.where(diff > ta + tb + 1, 7, 6)
    lvl = np.where((diff <= 6) & ~exactish, 5, lvl)
    lvl = np.where((diff <= 3) & ~exactish, 4, lvl)
    lvl = np.where(diff <= 1, 3, lvl)
    lvl = np.where(diff == 0, 2, lvl)
    ba, bb = t.birth[ia], t.birth[ib]
    lvl = np.where((ba >= 0) & (ba == bb), 1, lvl)
    return np.where(t.has_year[ia] & t.has_year[ib], lvl, 0)


def _nik_levels(t: FeatureTable, ia: np.ndarray, ib: np.ndarray) -> np.ndarray:
    """Vectorised :func:`matching._nik_level`."""
    both = t.nik_valid[ia] & t.nik_valid[ib]
    lvl = np.zeros(len(ia), dtype=np.int64)
    k = np.nonzero(both)[0]
    if len(k):
        diff = (t.nik_digits[ia[k]] != t.nik_digits[ib[k]]).sum(axis=1)
        lvl[k] = np.where(diff == 0, 1, np.where(diff == 1, 2, 3))
    return lvl


def _weights(model: M.MatchModel, comp: str) -> np.ndarray:
    return np.array([model.weight(comp, lv) for lv in range(len(M.COMPARISONS[comp]))], dtype=np.float64)


VECTOR_MIN_PAIRS = 2000  # from this many pairs the names are compared by :mod:`name_vector`


def _vector_names(t: FeatureTable, ia: np.ndarray, ib: np.ndarray, model: M.MatchModel, pairs: bool = False):
    """(name level, rarity adjustment[, name index, name index]) per pair through :class:`name_vector.NameIndex`."""
    from app.services.name_vector import NameIndex

    index = NameIndex([()])  # set 0: no name
    for r in t.reps["names"]:
        index.add_set(t.feats[r].names)
    return index.evidence(t.name_id[ia] + 1, t.name_id[ib] + 1, model, pairs=pairs)


def _mother_index(t: FeatureTable):
    """(NameIndex of the mothers' names, tuple id per mother id), built once per table."""
    if "mother" not in t.cache:
        from app.services.name_vector import NameIndex

        index = NameIndex()
        tup = np.array([index.add_tuple(t.feats[r].mother) for r in t.reps["mother"]], dtype=np.int64)
        index.tuple_similarity(tup[:1], tup[:1])  # builds the arrays (shared by forked workers)
        t.cache["mother"] = (index, tup)
    return t.cache["mother"]


def prepare_table(feats) -> FeatureTable:
    """Feature table of a whole scan, with its interned indexes built (before forking workers)."""
    t = encode_features(feats)
    if t.reps["mother"]:
        _mother_index(t)
    return t


def _vector_mother(t: FeatureTable, ia: np.ndarray, ib: np.ndarray) -> np.ndarray:
    """``matching._mother_level`` per pair, the similarity through :class:`name_vector.NameIndex`."""
    index, tup = _mother_index(t)
    ma, mb = t.mother_id[ia], t.mother_id[ib]
    known = (ma >= 0) & (mb >= 0)
    out = np.zeros(len(ia), dtype=np.int64)
    if known.any():
        codes = (ma[known] << 32) | mb[known]
        uniq, inv = np.unique(codes, return_inverse=True)
        sim = index.tuple_similarity(tup[uniq >> 32], tup[uniq & 0xFFFFFFFF])
        out[known] = np.where(sim >= 0.92, 1, np.where(sim >= 0.8, 2, 3))[inv.ravel()]
    return out


def score_batch(feats, ia, ib, model: M.MatchModel, names: tuple | None = None) -> np.ndarray:
    """Scores of pairs (feats[ia[k]], feats[ib[k]]), equal to ``score_features(...).score``.

    ``feats`` is a sequence of :class:`matching.Features` or a :class:`FeatureTable`;
    ``names`` (optional) is the (level, rarity adjustment) name evidence per pair
    when the caller already has it (:func:`candidates.name_evidence_of`).
    """
    ia = np.asarray(ia, dtype=np.int64)
    ib = np.asarray(ib, dtype=np.int64)
    if len(ia) == 0:
        return np.zeros(0, dtype=np.float64)
    t = feats if isinstance(feats, FeatureTable) else encode_features(feats, np.unique(np.concatenate((ia, ib))))
    levels, tf_adj = _levels(t, ia, ib, model, names)
    return _score(levels, tf_adj, model)


def _levels(t: FeatureTable, ia: np.ndarray, ib: np.ndarray, model: M.MatchModel, names: tuple | None):
    """(level per comparison, rarity adjustment) of each pair; ``names`` as in :func:`score_batch`."""
    fs, reps = t.feats, t.reps

    def name_fn(x: int, y: int) -> tuple:
        return M.name_evidence(fs[reps["names"][x]], fs[reps["names"][y]], model)

    big = len(ia) >= VECTOR_MIN_PAIRS
    if names is None and big:
        names = _vector_names(t, ia, ib, model)
    if names is not None:
        name_lvl, tf_adj = names[:2]
    else:
        name_lvl, tf_adj = _per_distinct(t.name_id[ia], t.name_id[ib], name_fn, 2)
    if big:
        mother = _vector_mother(t, ia, ib)
    else:
        mother = _per_distinct(t.mother_id[ia], t.mother_id[ib],
                               lambda x, y: (M._mother_level(fs[reps["mother"][x]], fs[reps["mother"][y]]),), 1)[0]
    asal = _per_distinct(t.asal_id[ia], t.asal_id[ib],
                         lambda x, y: (M._asal_level(fs[reps["asal"][x]], fs[reps["asal"][y]]),), 1)[0]
    place = _per_distinct(t.kel_id[ia], t.kel_id[ib],
                          lambda x, y: (M._place_level(fs[reps["kel"][x]], fs[reps["kel"][y]], M._Detail()),), 1)[0]
    ka, kb = t.kk_id[ia], t.kk_id[ib]
    kk = np.where((ka >= 0) & (kb >= 0), np.where(ka == kb, 1, 2), 0)
    ga, gb = t.gender[ia], t.gender[ib]
    gender = np.where((ga > 0) & (gb > 0), np.where(ga == gb, 1, 2), 0)
    nik = _nik_levels(t, ia, ib)
    levels = {
        "nama": name_lvl.astype(np.int64), "nik": nik, "no_kk": kk, "lahir": _birth_levels(t, ia, ib),
        "jenis_kelamin": gender, "nama_ibu": mother.astype(np.int64), "asal": asal.astype(np.int64),
        "tempat": place.astype(np.int64),
    }
    return levels, tf_adj


def _score(levels: dict, tf_adj: np.ndarray, model: M.MatchModel) -> np.ndarray:
    """The weights summed in the order of ``score_features``, decisive NIK, rounded the same way."""
    score = np.full(len(tf_adj), model.prior_weight, dtype=np.float64)
    for comp in M.COMPARISONS:  # same order of additions as score_features
        score += _weights(model, comp)[levels[comp]]
    score += tf_adj
    score = np.where(levels["nik"] == 1, np.maximum(score, model.decisive_weight), score)
    return np.floor(score * 1e6 + 0.5) / 1e6


def explain_batch(feats, ia, ib, model: M.MatchModel, place_names=None) -> tuple[np.ndarray, list, list]:
    """(score, probability, reasons) per pair, equal to ``score_features(..., place_names)``'s."""
    ia = np.asarray(ia, dtype=np.int64)
    ib = np.asarray(ib, dtype=np.int64)
    if len(ia) < VECTOR_MIN_PAIRS:
        res = [M.score_features(feats[i], feats[j], model, place_names) for i, j in zip(ia.tolist(), ib.tolist())]
        return np.array([r.score for r in res]), [r.probability for r in res], [r.reasons for r in res]
    t = feats if isinstance(feats, FeatureTable) else encode_features(feats, np.unique(np.concatenate((ia, ib))))
    _, scores, probs, reasons = score_explained(t, ia, ib, model, -np.inf, place_names,
                                                _vector_names(t, ia, ib, model, pairs=True))
    return scores, probs, reasons


def score_explained(t: FeatureTable, ia: np.ndarray, ib: np.ndarray, model: M.MatchModel, min_score: float,
                    place_names, names: tuple) -> tuple[np.ndarray, np.ndarray, list, list]:
    """(kept positions, scores, probabilities, reasons) of the pairs scoring >= ``min_score``.

    ``names`` is (level, rarity adjustment, name index a, name index b) per pair
    (:meth:`name_vector.NameIndex.evidence` with ``pairs``). Levels come from the
    batch path; the Indonesian reasons are written by ``matching._reasons`` itself,
    so they equal ``score_features(...).reasons``.
    """
    levels, tf_adj = _levels(t, ia, ib, model, names[:2])
    scores = _score(levels, tf_adj, model)
    keep = np.flatnonzero(scores >= min_score)
    ia, ib, scores, tf_adj = ia[keep], ib[keep], scores[keep], tf_adj[keep]
    pi, pj = names[2][keep], names[3][keep]
    feats = t.feats
    known = t.has_year[ia] & t.has_year[ib]
    year_diff = np.where(known, np.abs(t.year[ia] - t.year[ib]), -1)
    cols = [levels[c][keep].tolist() for c in M.COMPARISONS]
    birth, place = levels["lahir"][keep].tolist(), levels["tempat"][keep].tolist()
    probs, reasons = [], []
    detail, why = M._Detail, M._reasons
    for k, (i, j, score, yd, ni, nj, tf) in enumerate(zip(ia.tolist(), ib.tolist(), scores.tolist(),
                                                         year_diff.tolist(), pi.tolist(), pj.tolist(),
                                                         tf_adj.tolist())):
        fa, fb = feats[i], feats[j]
        d = detail(name_pair=(ni, nj), year_diff=yd if birth[k] > 1 else None,
                   shared_kel=min(fa.kelurahan & fb.kelurahan) if place[k] == 1 else None)
        probs.append(1.0 / (1.0 + 2.0 ** (-score)) if score > -60 else 0.0)
        lv = tuple(c[k] for c in cols)
        reasons.append(why(fa, fb, lv, d, M.rarity_part(fa, fb, d, lv[0], tf, model), place_names))
    return keep, scores, probs, reasons


# --------------------------------------------------------------------------- post-scan step


EXCLUSIVITY_CHUNK = 2_000_000  # neighbour look-ups per step of exclusivity_terms (bounds its memory)


def exclusivity_terms(ia, ib, scores, threshold: float, center: float, cut: float) -> tuple[np.ndarray, np.ndarray]:
    """(positions of the near pairs, terms (3, n)) of the exclusivity adjustment.

    Near pairs are those scoring >= ``threshold + cut``; each is an edge of weight
    ``w = 1 / (1 + 2^-(score - threshold - center))`` (a soft "is a match" vote).
    For a near pair (a, b): ``cn`` = sum over records c of w(a, c) w(b, c) (common
    neighbours: both records also match the same third record), ``ex_a`` = a's
    other edge weight not shared with b (deg(a) - w(a, b) - cn, >= 0), ``ex_b``
    likewise. The terms are log2(1 + cn), log2(1 + min(ex_a, ex_b)) and
    log2(1 + max(ex_a, ex_b)); zero for the other pairs. Pure numpy. ``cn`` walks
    the neighbours of the record with fewer near pairs and looks each edge to the
    other record up among the sorted edges, in steps of ``EXCLUSIVITY_CHUNK``
    look-ups: work ~ sum over near pairs of the smaller near degree. Sums run in
    a canonical order (neighbours sorted by id), so the result does not depend on
    the order of the pairs.
    """
    ia = np.asarray(ia, np.int64)
    ib = np.asarray(ib, np.int64)
    s = np.asarray(scores, np.float64)
    near = np.flatnonzero(s >= threshold + cut)
    out = np.zeros((3, len(s)))
    if not len(near):
        return near, out
    a, b = np.minimum(ia[near], ib[near]), np.maximum(ia[near], ib[near])
    w = 1.0 / (1.0 + np.exp2(-(s[near] - threshold - center)))
    n = int(b.max()) + 1
    idx = np.int32 if n < 2**31 else np.int64  # halves the memory of the adjacency at 1 M persons
    src, dst, ww = np.concatenate([a, b]).astype(idx), np.concatenate([b, a]).astype(idx), np.concatenate([w, w])
    order = np.lexsort((dst, src))
    src, dst, ww = src[order], dst[order], ww[order]
    del order
    deg = np.bincount(src, ww, n)  # summed in neighbour order
    start = np.searchsorted(src, np.arange(n + 1, dtype=idx))
    del src
    count = np.diff(start)
    codes = (a << 32) | b
    eo = np.argsort(codes, kind="stable")
    e_codes, e_w = codes[eo], w[eo]
    del eo, codes
    swap = count[a] > count[b]
    small, other = np.where(swap, b, a).astype(idx), np.where(swap, a, b).astype(idx)
    steps = count[small]
    del swap
    cn = np.zeros(len(near))
    ends = np.cumsum(steps)
    lo = 0
    while lo < len(near):
        hi = max(lo + 1, int(np.searchsorted(ends, (ends[lo - 1] if lo else 0) + EXCLUSIVITY_CHUNK, "right")))
        k = steps[lo:hi]
        rep = np.repeat(np.arange(lo, hi), k)
        pos = start[small[rep]] + (np.arange(len(rep)) - np.repeat(np.cumsum(k) - k, k))
        c, o = dst[pos].astype(np.int64), other[rep].astype(np.int64)
        look = (np.minimum(c, o) << 32) | np.maximum(c, o)
        at = np.minimum(np.searchsorted(e_codes, look), len(e_codes) - 1)
        hit = (e_codes[at] == look) & (c != o)
        cn[lo:hi] = np.bincount(rep - lo, np.where(hit, ww[pos] * e_w[at], 0.0), hi - lo)
        lo = hi
    ex_a, ex_b = np.maximum(deg[a] - w - cn, 0.0), np.maximum(deg[b] - w - cn, 0.0)
    out[0, near] = np.log2(1.0 + cn)
    out[1, near] = np.log2(1.0 + np.minimum(ex_a, ex_b))
    out[2, near] = np.log2(1.0 + np.maximum(ex_a, ex_b))
    return near, out


def exclusivity_adjust(ia, ib, scores, model: M.MatchModel, terms: dict | None = None) -> np.ndarray:
    """The batch scan's post-scoring step: scores adjusted by how exclusive each near pair is.

    ``scores`` are the pairwise scores (``score_batch``) of *all* the scan's candidate
    pairs ``(ia[k], ib[k])`` scoring at least ``review_threshold + cut`` (others may
    be passed too; they stay unchanged). A pair whose two records have no other
    plausible partner gains (bias), one whose records also match a common third
    record gains more (cn), and one whose records each match several others
    ("Budi" met six times) loses (ex_min, ex_max); the common-neighbour gain changes
    by ``cn_x`` per bit of score above the review threshold (clipped to [cut, x_max]):
    it matters most for pairs near the threshold. Parameters in bits from
    ``model.exclusivity`` (fitted on the labelled training registry by
    ``benchmarks/dedup_quality.fit_exclusivity``); with none the scores are
    returned unchanged. Decisive pairs (equal NIK) are never lowered below
    ``decisive_weight``. The result depends on the whole candidate set, so it is a
    scan-only step: ``score_pair`` and the real-time check give the pairwise score.
    A ``terms`` dict receives the step's terms (``exclusivity_notes`` reads them).
    """
    s = np.asarray(scores, np.float64)
    p = model.exclusivity
    if not p:
        return s.copy()
    thr = model.review_threshold
    near, t = exclusivity_terms(ia, ib, s, thr, p["center"], p["cut"])
    if terms is not None:  # for exclusivity_notes
        terms["terms"] = t
    out = s.copy()
    x = np.clip(s[near] - thr, p["cut"], p.get("x_max", 6.0))  # the common-neighbour gain shrinks for strong pairs
    adj = p["bias"] + (p["cn"] + p.get("cn_x", 0.0) * x) * t[0, near] + p["ex_min"] * t[1, near] \
        + p["ex_max"] * t[2, near]
    new = out[near] + adj
    out[near] = np.where(s[near] >= model.decisive_weight, np.maximum(new, model.decisive_weight), new)
    return np.floor(out * 1e6 + 0.5) / 1e6


SHARED_NOTE = "keduanya juga mirip dengan orang ketiga yang sama"
LONE_NOTE = "tidak ada calon lain yang mirip dengan keduanya"


def exclusivity_notes(scores, adjusted, terms: dict, positions) -> list[str | None]:
    """For reviewers: why the exclusivity step raised each pair at ``positions`` (or None).

    A pair the step raised either has records that also match a common third record
    (``log2(1 + cn) >= 0.5``) or records with hardly any other near partner; the note is
    added to the pair's reasons, which otherwise show only the pairwise evidence.
    """
    t = terms.get("terms")
    if t is None:
        return [None] * len(positions)
    k = np.asarray(positions, np.int64)
    raised = np.asarray(adjusted)[k] > np.asarray(scores)[k]
    shared, lone = t[0, k] >= 0.5, t[2, k] < 0.3
    return [SHARED_NOTE if r and c else LONE_NOTE if r and o else None for r, c, o in zip(raised, shared, lone)]
