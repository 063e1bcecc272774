"""Batch candidate generation and scoring for the full duplicate scan.

Blocking: every record's keys (see :func:`matching.blocking_keys`); keys whose
block is larger than ``max_block`` are compounded with gender and birth decade;
blocks still larger than ``giant_block`` fall back to a sorted neighbourhood
(window of ``window`` records sorted by birth year). Keys are hashed to
integers and blocks are expanded into pairs with numpy (one pass per offset
within the sorted blocks), so a million records stay in compact arrays.

Scoring: :func:`matching.score_batch` — element-wise the same as
:func:`matching.score_features`, the real-time check's routine — in ``workers``
forked processes, after an exact pre-filter (:func:`upper_bounds`) that drops
pairs whose best possible score is below the threshold.
"""
from __future__ import annotations

import os
from collections import defaultdict
from typing import Iterable, Sequence

import numpy as np

from app.services.match_batch import FeatureTable, explain_batch, prepare_table, score_batch, score_explained
from app.services.name_vector import NameIndex
from app.services.matching import (
    _NEVER_COMPOUND,
    COMPARISONS,
    Features,
    MatchModel,
    _decades,
    blocking_keys,
    features,
    raw_blocking_keys,
    score_features,
)

__all__ = ["KeyIndex", "candidate_pairs", "closure_pairs", "score_candidates", "prepare", "upper_bounds"]


def prepare(records: Sequence) -> list[Features]:
    """Features of each record, in order (uncached: a scan sees each record once)."""
    raw = getattr(features, "__wrapped__", features)
    return [raw(r) for r in records]


# ----------------------------------------------------------------- parallel helper

_WORK: dict = {}


def _pool_map(fn, tasks: list, workers: int | None, on_result=None):
    """Map ``fn`` over ``tasks`` in forked workers that share ``_WORK`` (or inline).

    With ``on_result``, each result is handed to it in task order as it arrives
    (nothing is kept) and an empty list is returned.
    """
    workers = workers or min(2, os.cpu_count() or 1)
    if workers > 1 and len(tasks) > 1:
        import multiprocessing as mp

        with mp.get_context("fork").Pool(workers) as pool:
            if on_result is None:
                return pool.map(fn, tasks, chunksize=1)
            for result in pool.imap(fn, tasks, chunksize=1):
                on_result(result)
            return []
    if on_result is None:
        return [fn(t) for t in tasks]
    for t in tasks:
        on_result(fn(t))
    return []


def _ranges(n: int, size: int) -> list[tuple[int, int]]:
    return [(lo, min(lo + size, n)) for lo in range(0, n, size)]


# ----------------------------------------------------------------- blocking

def _raw_rows(bounds: tuple[int, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(record index, key hash, may be compounded) of the raw keys of records lo..hi."""
    from array import array

    lo, hi = bounds
    feats = _WORK["feats"]
    recs, keys, comp = array("i"), array("q"), array("b")  # 13 bytes a row (Python int lists: ~100)
    for i in range(lo, hi):
        ks = raw_blocking_keys(feats[i])
        recs.extend([i] * len(ks))
        keys.extend(hash(k) for k in ks)
        comp.extend(not k.startswith(_NEVER_COMPOUND) for k in ks)
    return (np.frombuffer(recs, dtype=np.int32).copy(), np.frombuffer(keys, dtype=np.int64).copy(),
            np.frombuffer(comp, dtype=np.int8).astype(bool))


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser (uint64, wrapping)."""
    x = x + np.uint64(0x9E3779B97F4A7C15)
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def _variants(feats: Sequence[Features]) -> np.ndarray:
    """Per record the (gender, birth decade) codes of ``matching.compound_key`` (-1 padded)."""
    out = np.full((len(feats), 22), -1, dtype=np.int64)
    for i, f in enumerate(feats):
        genders = (f.gender,) if f.gender else ("L", "P")
        codes = [(1 if g == "L" else 2) * 1000 + dec for g in genders for dec in _decades(f)]
        out[i, :len(codes)] = codes
    return out


def _compound(rec: np.ndarray, key: np.ndarray, variants: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows of the compound keys ``key|gender|decade`` of each (record, key), as integers.

    The same blocks as hashing the compound strings: one distinct integer per
    (key, gender, decade) (64-bit mixing; a collision is as unlikely as for
    the string hashes themselves).
    """
    var = variants[rec]
    n_var = (var >= 0).sum(axis=1)
    rows = np.repeat(np.arange(len(rec)), n_var)
    col = np.arange(len(rows)) - np.repeat(np.cumsum(n_var) - n_var, n_var)
    code = var[rows, col].astype(np.uint64)
    mixed = _mix(_mix(key[rows].view(np.uint64)) ^ code)
    return rec[rows], mixed.view(np.int64)


def _key_rows(feats: Sequence[Features], max_block: int, workers: int | None):
    """All (record, final key hash) rows: raw keys, common ones compounded."""
    chunk = max(2000, len(feats) // 8 + 1)
    _WORK["feats"] = feats
    try:
        return _key_rows_inner(feats, max_block, workers, chunk)
    finally:
        _WORK.pop("feats", None)


def _key_rows_inner(feats, max_block: int, workers: int | None, chunk: int):
    parts = _pool_map(_raw_rows, _ranges(len(feats), chunk), workers if len(feats) > 20000 else 1)
    if not parts:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    rec, key, comp = (np.concatenate([p[k] for p in parts]) for k in range(3))
    del parts
    rec = rec.astype(np.int32)
    uniq, counts = np.unique(key, return_counts=True)
    common = uniq[counts > max_block]
    if len(common) == 0:
        return rec, key
    del uniq, counts
    expand = np.isin(key, common) & comp  # common keys are split by gender and birth decade
    del comp
    c_rec, c_key = _compound(rec[expand], key[expand], _variants(feats))
    return np.concatenate([rec[~expand], c_rec]), np.concatenate([key[~expand], c_key])


def _unique(codes: np.ndarray) -> np.ndarray:
    """Sorted unique values (sort-based; numpy's hash-based ``unique`` is slower here)."""
    if len(codes) == 0:
        return codes
    codes = np.sort(codes)
    return codes[np.concatenate(([True], codes[1:] != codes[:-1]))]


def block_pairs(rec: np.ndarray, key: np.ndarray, order_key: np.ndarray, giant_block: int,
                window: int) -> np.ndarray:
    """Unique pair codes (i << 32 | j, i < j) of records sharing a key.

    Blocks up to ``giant_block`` members give all their pairs; larger blocks
    give each member's ``window`` next neighbours in birth-year order.
    """
    order = np.lexsort((rec, order_key[rec], key))
    rec, key = rec[order].astype(np.int32), key[order]  # int32 rows: a 1M scan has ~60 M of them
    del order
    n = len(rec)
    if n < 2:
        return np.zeros(0, np.int64)
    starts = np.flatnonzero(np.concatenate(([True], key[1:] != key[:-1])))
    sizes = np.diff(np.append(starts, n))
    multi = sizes >= 2
    starts, sizes = starts[multi], sizes[multi]
    if not len(starts):
        return np.zeros(0, np.int64)
    idx = _ranges_concat(starts, sizes).astype(np.int32)
    size_row = np.repeat(sizes.astype(np.int32), sizes)
    room = size_row - 1 - (idx - np.repeat(starts.astype(np.int32), sizes))  # members after this row in its block
    room = np.where(size_row > giant_block, np.minimum(room, window), room).astype(np.int32)
    del size_row
    chunks: list[np.ndarray] = []
    pending = done = 0
    off = 1
    while len(idx):
        live = room >= off
        idx, room = idx[live], room[live]
        if not len(idx):
            break
        a, b = rec[idx], rec[idx + off]
        chunks.append((np.minimum(a, b).astype(np.int64) << 32) | np.maximum(a, b))
        pending += len(a)
        if pending > max(30_000_000, 2 * done):  # bounded memory; each pass at least doubles what it sorts
            chunks = [_unique(np.concatenate(chunks))]
            pending = done = len(chunks[0])
        off += 1
    codes = _unique(np.concatenate(chunks)) if chunks else np.zeros(0, np.int64)
    return codes[(codes >> 32) != (codes & 0xFFFFFFFF)]


def _ranges_concat(starts: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Concatenated aranges [s, s+z) without a Python loop."""
    total = int(sizes.sum())
    out = np.ones(total, dtype=np.int64)
    ends = np.cumsum(sizes)
    out[0] = starts[0]
    out[ends[:-1]] = starts[1:] - (starts[:-1] + sizes[:-1] - 1)
    return np.cumsum(out)


def candidate_pairs(
    feats: Sequence[Features], max_block: int = 300, giant_block: int = 1500, window: int = 60,
    workers: int | None = 1,
) -> tuple[np.ndarray, np.ndarray, frozenset[str]]:
    """Unique candidate pairs (index arrays i < j) and the common-key set used.

    The common-key set is returned as strings only for small inputs (the
    real-time :class:`KeyIndex` of a benchmark); large scans return it empty.
    """
    rec, key = _key_rows(feats, max_block, workers)
    order_key = np.array([(f.year or 0) for f in feats], dtype=np.int64)
    codes = block_pairs(rec, key, order_key, giant_block, window)
    common: frozenset[str] = frozenset()
    if len(feats) <= 200_000:
        from collections import Counter

        counts: Counter[str] = Counter()
        for f in feats:
            counts.update(raw_blocking_keys(f))
        common = frozenset(k for k, c in counts.items() if c > max_block)
    kind = np.int32 if len(feats) < 2 ** 31 else np.int64  # a 1M scan holds ~90 M pairs: half the memory
    return (codes >> 32).astype(kind), (codes & 0xFFFFFFFF).astype(kind), common


def _sorted_member(codes: np.ndarray, among: np.ndarray) -> np.ndarray:
    """``np.isin(codes, among)`` by binary search (the scan's candidate codes come sorted)."""
    if len(among) == 0 or len(codes) == 0:
        return np.zeros(len(codes), bool)
    if len(among) > 1 and not (among[1:] >= among[:-1]).all():
        among = np.sort(among)
    pos = np.minimum(np.searchsorted(among, codes), len(among) - 1)
    return among[pos] == codes


CLOSURE_DROP = 4.0  # edges down to review threshold - 4 bits (chosen on the training seed 12345)
CLOSURE_CAP = 6  # each record's best 6 such edges: at most 15 closure pairs per record


def closure_pairs(ia: np.ndarray, ib: np.ndarray, scores: np.ndarray, threshold: float,
                  cap: int = CLOSURE_CAP, exclude: tuple[np.ndarray, np.ndarray] | None = None,
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Second blocking pass: pairs (a, c), a < c, that both have a scored edge >= ``threshold``
    to a common record b, among b's ``cap`` best edges, and are not among the scored pairs
    (``ia``, ``ib``) or ``exclude`` (all candidate pairs, when only the edges are given).

    A street-nickname-only record ("Jenggot") meets "Slamet" [alias Jenggot] on the nickname and
    that record meets "Slamet" on the name; "Jenggot" and "Slamet" share no key. Work and output are
    linear in the number of records (at most cap*(cap-1)/2 pairs per record).
    """
    keep = scores >= threshold
    a, b, s = ia[keep].astype(np.int64), ib[keep].astype(np.int64), scores[keep]
    src, dst, sc = np.concatenate([a, b]), np.concatenate([b, a]), np.concatenate([s, s])
    order = np.lexsort((dst, -sc, src))  # per record its edges best first (ties by index)
    src, dst = src[order], dst[order]
    n = len(src)
    if n < 2:
        return np.zeros(0, ia.dtype), np.zeros(0, ib.dtype)
    starts = np.flatnonzero(np.concatenate(([True], src[1:] != src[:-1])))
    sizes = np.diff(np.append(starts, n))
    top = (np.arange(n) - np.repeat(starts, sizes)) < cap
    src, dst = src[top], dst[top]
    chunks = []
    for off in range(1, cap):
        same = src[:-off] == src[off:]
        if not same.any():
            break
        x, y = dst[:-off][same], dst[off:][same]
        chunks.append((np.minimum(x, y) << 32) | np.maximum(x, y))
    if not chunks:
        return np.zeros(0, ia.dtype), np.zeros(0, ib.dtype)
    codes = np.unique(np.concatenate(chunks))
    for xa, xb in ((ia, ib),) + ((exclude,) if exclude is not None else ()):
        codes = codes[~_sorted_member(codes, (np.minimum(xa, xb).astype(np.int64) << 32) | np.maximum(xa, xb))]
    return (codes >> 32).astype(ia.dtype), (codes & 0xFFFFFFFF).astype(ib.dtype)


# ----------------------------------------------------------------- exact pre-filter

class Snapshot:
    """Integer-coded columns of the features (what the pre-filter compares)."""

    def __init__(self, feats: Sequence[Features]):
        n = len(feats)
        self.gender = np.zeros(n, np.int8)
        self.year = np.full(n, -10_000, np.int64)
        self.tol = np.zeros(n, np.int64)
        self.bdate = np.zeros(n, np.int64)
        self.nik = np.full(n, -1, np.int64)
        self.kk = np.zeros(n, np.int64)
        self.mother = np.zeros(n, bool)
        self.asal = np.zeros(n, bool)
        self.place = np.zeros(n, bool)
        self.name_id = np.zeros(n, np.int64)
        names: dict[tuple, int] = {(): 0}
        self.names = NameIndex([()])  # name set 0: no name
        for i, f in enumerate(feats):
            self.gender[i] = 1 if f.gender == "L" else 2 if f.gender == "P" else 0
            if f.year is not None:
                self.year[i] = f.year
            self.tol[i] = f.year_tol
            if f.birth_date:
                self.bdate[i] = f.birth_date.toordinal()
            if f.nik_valid:
                self.nik[i] = int(f.nik)
            if f.kk:
                self.kk[i] = hash(f.kk) | 1
            self.mother[i] = bool(f.mother)
            self.asal[i] = bool(f.asal)
            self.place[i] = bool(f.kelurahan)
            nid = names.get(f.names)
            if nid is None:
                nid = names[f.names] = len(names)
                self.names.add_set(f.names)
            self.name_id[i] = nid


def _birth_weights(s: Snapshot, ia: np.ndarray, ib: np.ndarray, model: MatchModel) -> np.ndarray:
    """Birth comparison weight per pair (the levels of ``matching._birth_level``)."""
    w = [model.weight("lahir", lv) for lv in range(len(COMPARISONS["lahir"]))]
    ya, yb, ta, tb = s.year[ia], s.year[ib], s.tol[ia], s.tol[ib]
    known = (ya > -10_000) & (yb > -10_000)
    diff = np.abs(ya - yb)
    exactish = (ta <= 1) & (tb <= 1)
    level = np.select(
        [~known, (s.bdate[ia] > 0) & (s.bdate[ia] == s.bdate[ib]), diff == 0, diff <= 1,
         (diff <= 3) & ~exactish, (diff <= 6) & ~exactish, diff > ta + tb + 1],
        [0, 1, 2, 3, 4, 5, 7], default=6)
    return np.asarray(w)[level]


def upper_bounds(s: Snapshot, ia: np.ndarray, ib: np.ndarray, model: MatchModel,
                 name_part: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(upper bound of the score, decisive) per pair; exact where cheap, the best level elsewhere.

    ``name_part`` is the name evidence (name weight + rarity adjustment) per
    pair; without it the best possible name evidence is assumed.
    """
    def best(comp):
        return max(model.weight(comp, lv) for lv in range(1, len(COMPARISONS[comp])))

    if name_part is None:
        name_part = np.where((s.name_id[ia] > 0) & (s.name_id[ib] > 0),
                             best("nama") + max(0.0, model.tf_clip[1]), 0.0)
    ub = model.prior_weight + name_part + _birth_weights(s, ia, ib, model)
    ga, gb = s.gender[ia], s.gender[ib]
    ub = ub + np.where((ga > 0) & (gb > 0), np.where(ga == gb, model.weight("jenis_kelamin", 1),
                                                       model.weight("jenis_kelamin", 2)), 0.0)
    ka, kb = s.kk[ia], s.kk[ib]
    ub = ub + np.where((ka != 0) & (kb != 0), np.where(ka == kb, model.weight("no_kk", 1),
                                                       model.weight("no_kk", 2)), 0.0)
    na, nb = s.nik[ia], s.nik[ib]
    both_nik = (na >= 0) & (nb >= 0)
    decisive = both_nik & (na == nb)
    ub = ub + np.where(both_nik, np.where(decisive, model.weight("nik", 1), max(model.weight("nik", 2),
                                                                               model.weight("nik", 3))), 0.0)
    for comp, col in (("nama_ibu", s.mother), ("asal", s.asal), ("tempat", s.place)):
        ub = ub + np.where(col[ia] & col[ib], best(comp), 0.0)
    return ub, decisive


def name_evidence_of(s: Snapshot, ia: np.ndarray, ib: np.ndarray, model: MatchModel) -> tuple[np.ndarray, np.ndarray]:
    """(name level, rarity adjustment) per pair = ``matching.name_evidence``, vectorised (exact)."""
    return s.names.evidence(s.name_id[ia], s.name_id[ib], model)


def _name_parts(s: Snapshot, ia: np.ndarray, ib: np.ndarray, model: MatchModel,
                evidence: tuple | None = None) -> np.ndarray:
    """Exact name evidence per pair: the score of the name-only features minus the prior.

    Same arithmetic as ``score_features`` on name-only features (prior + level
    weight + rarity adjustment, rounded to 6 decimals), 0 when a name is missing.
    """
    lvl, tf = evidence if evidence is not None else name_evidence_of(s, ia, ib, model)
    prior = model.prior_weight
    w = np.array([model.weight("nama", lv) for lv in range(len(COMPARISONS["nama"]))])
    part = np.floor(((prior + w[lvl]) + tf) * 1e6 + 0.5) / 1e6 - prior
    return np.where(lvl > 0, part, 0.0)


# ----------------------------------------------------------------- scoring

def _score_chunk(bounds: tuple[int, int]) -> tuple:
    """Score pairs[lo:hi] from the fork-shared work state; keep those >= min_score.

    Returns (i, j, score, pairs scored) plus, when explaining, (probabilities, reasons as JSON).
    """
    lo, hi = bounds
    feats, ia, ib, model, min_score, snap = (_WORK[k] for k in ("feats", "ia", "ib", "model", "min_score", "snap"))
    explain = _WORK.get("explain")
    a, b = ia[lo:hi], ib[lo:hi]
    names = None
    if snap is not None:
        margin = min_score - 1e-5
        ub, decisive = upper_bounds(snap, a, b, model)
        keep = decisive | (ub >= margin)
        a, b = a[keep], b[keep]
        names = snap.names.evidence(snap.name_id[a], snap.name_id[b], model, pairs=explain is not None)
        ub, decisive = upper_bounds(snap, a, b, model, _name_parts(snap, a, b, model, names[:2]))
        keep = decisive | (ub >= margin)
        a, b, names = a[keep], b[keep], tuple(x[keep] for x in names)
    table = _WORK["table"] if _WORK.get("table") is not None else feats
    if explain is None:
        scores = score_batch(table, a, b, model, names=names)
        keep = scores >= min_score
        return a[keep], b[keep], scores[keep], len(a)
    import json

    if names is None or not isinstance(table, FeatureTable):
        scores, probs, reasons = explain_batch(table, a, b, model, explain["place_names"])
        keep = np.flatnonzero(scores >= min_score)
        scores, probs, reasons = scores[keep], [probs[k] for k in keep], [reasons[k] for k in keep]
    else:
        keep, scores, probs, reasons = score_explained(table, a, b, model, min_score, explain["place_names"], names)
    return a[keep], b[keep], scores, len(a), probs, [json.dumps(r, ensure_ascii=False) for r in reasons]


TABLE_MIN_PAIRS = 1_000_000  # from this many pairs the whole feature table is encoded before forking


def score_candidates(
    feats: Sequence[Features], ia: np.ndarray, ib: np.ndarray, model: MatchModel,
    min_score: float | None = None, workers: int | None = None, chunk: int = 200_000,
    prefilter: bool = True, stats: dict | None = None, explain: dict | None = None, sink=None,
) -> tuple | None:
    """Score candidate pairs; returns (i, j, score) arrays for score >= min_score.

    With ``prefilter`` the pairs whose upper bound is below ``min_score`` are
    not scored (they could not be kept); the result is the same either way.
    ``stats['scored']`` (if given) receives the number of pairs actually scored.
    With ``explain`` ({"place_names": {...}}) the workers also build each kept
    pair's probability and reasons (JSON), as ``score_features`` would; the
    result then has five parts (i, j, score, probabilities, reasons). With ``sink``,
    each chunk's parts are passed to ``sink(*parts)`` as soon as it is scored
    (memory stays bounded; the caller can write while the workers score) and
    None is returned.
    """
    min_score = model.review_threshold if min_score is None else min_score
    snap = Snapshot(feats) if prefilter and len(ia) else None
    table = prepare_table(feats) if len(ia) >= TABLE_MIN_PAIRS else None  # encoded once, shared by the workers
    _WORK.update(feats=feats, ia=ia, ib=ib, model=model, min_score=min_score, snap=snap, table=table,
                 explain=explain)
    scored: list[int] = []

    def take(part) -> None:
        scored.append(part[3])
        sink(*part[:3], *part[4:])

    try:
        parts = _pool_map(_score_chunk, _ranges(len(ia), chunk), workers, take if sink else None)
    finally:
        for k in ("feats", "ia", "ib", "model", "min_score", "snap", "table", "explain"):
            _WORK.pop(k, None)
    if stats is not None:
        stats["scored"] = sum(scored) if sink else sum(p[3] for p in parts)
    if sink:
        return None
    width = 3 if explain is None else 5
    if not parts:
        return (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0), [], [])[:width]
    arrays = tuple(np.concatenate([p[k] for p in parts]) for k in range(3))
    if explain is None:
        return arrays
    return (*arrays, [x for p in parts for x in p[4]], [x for p in parts for x in p[5]])


class KeyIndex:
    """In-memory blocking-key index for real-time lookups (mirror of the DB table)."""

    def __init__(self, common_keys: frozenset[str] = frozenset(), max_candidates: int = 5000):
        self.common = common_keys
        self.max_candidates = max_candidates
        self.blocks: dict[str, list[int]] = defaultdict(list)

    def add(self, idx: int, f: Features) -> None:
        """Index record ``idx``."""
        for k in blocking_keys(f, self.common):
            self.blocks[k].append(idx)

    def candidates(self, f: Features) -> set[int]:
        """Indices sharing at least one key with ``f`` (smallest blocks first, capped)."""
        out: set[int] = set()
        for block in sorted((self.blocks.get(k, ()) for k in blocking_keys(f, self.common)), key=len):
            if len(out) + len(block) > self.max_candidates and out:
                break
            out.update(block)
        return out

    def top_matches(self, f: Features, feats: Sequence[Features], model: MatchModel, k: int = 5,
                    exclude: Iterable[int] = ()) -> list[tuple[int, float]]:
        """Best ``k`` (index, score) candidates by :func:`score_features`."""
        skip = set(exclude)
        scored = [(i, score_features(f, feats[i], model, explain=False).score)
                  for i in self.candidates(f) if i not in skip]
        scored.sort(key=lambda t: -t[1])
        return scored[:k]
