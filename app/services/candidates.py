"""Batch candidate generation and scoring for the full duplicate scan.

Blocking: every record's keys (see :func:`matching.blocking_keys`); keys whose
block is larger than ``max_block`` are compounded with gender and birth decade;
blocks still larger than ``giant_block`` fall back to a sorted neighbourhood
(window of ``window`` records sorted by birth year and name). Pairs are
de-duplicated with numpy and scored with :func:`matching.score_features` —
the same routine as the real-time check — in ``workers`` processes.
"""
from __future__ import annotations

import os
from collections import Counter, defaultdict
from typing import Iterable, Sequence

import numpy as np

from app.services.matching import (
    Features,
    MatchModel,
    blocking_keys,
    common_keys_for,
    features,
    raw_blocking_keys,
    score_features,
)

__all__ = ["KeyIndex", "candidate_pairs", "score_candidates", "prepare"]


def prepare(records: Sequence) -> list[Features]:
    """Features of each record, in order."""
    return [features(r) for r in records]


def _record_keys(feats: Sequence[Features], max_block: int) -> tuple[list[set[str]], frozenset[str]]:
    """Final blocking keys per record and the set of common (compounded) keys."""
    raw = [raw_blocking_keys(f) for f in feats]
    counts: Counter[str] = Counter()
    for ks in raw:
        counts.update(ks)
    common = common_keys_for(counts, max_block)
    if common:
        raw = [blocking_keys(f, common) if not ks.isdisjoint(common) else ks for f, ks in zip(feats, raw)]
    return raw, common


def _block_pairs(members: np.ndarray, order_key: np.ndarray, giant_block: int, window: int) -> np.ndarray:
    """Pair codes (i * 2**32 + j, i < j) for one block."""
    n = len(members)
    if n <= giant_block:
        ii, jj = np.triu_indices(n, k=1)
        a, b = members[ii], members[jj]
    else:  # sorted neighbourhood over a giant block of a common name
        m = members[np.argsort(order_key[members], kind="stable")]
        parts_a, parts_b = [], []
        for off in range(1, min(window, n - 1) + 1):
            parts_a.append(m[:-off])
            parts_b.append(m[off:])
        a, b = np.concatenate(parts_a), np.concatenate(parts_b)
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    return (lo.astype(np.int64) << 32) | hi.astype(np.int64)


def _unique(codes: np.ndarray) -> np.ndarray:
    """Sorted unique values (sort-based; numpy's hash-based ``unique`` is ~8x slower here)."""
    if len(codes) == 0:
        return codes
    codes = np.sort(codes, kind="stable" if len(codes) < 1000 else None)
    return codes[np.concatenate(([True], codes[1:] != codes[:-1]))]


def candidate_pairs(
    feats: Sequence[Features], max_block: int = 300, giant_block: int = 1500, window: int = 60
) -> tuple[np.ndarray, np.ndarray, frozenset[str]]:
    """Unique candidate pairs (index arrays i < j) and the common-key set used."""
    keys, common = _record_keys(feats, max_block)
    blocks: dict[str, list[int]] = defaultdict(list)
    for i, ks in enumerate(keys):
        for k in ks:
            blocks[k].append(i)
    order_key = np.array([(f.year or 0) for f in feats], dtype=np.int64)
    chunks: list[np.ndarray] = []
    pending = 0
    for members in blocks.values():
        if len(members) < 2:
            continue
        chunks.append(_block_pairs(np.asarray(members, dtype=np.int64), order_key, giant_block, window))
        pending += len(chunks[-1])
        if pending > 20_000_000:  # keep memory bounded: de-duplicate as we go
            chunks = [_unique(np.concatenate(chunks))]
            pending = len(chunks[0])
    codes = _unique(np.concatenate(chunks)) if chunks else np.zeros(0, dtype=np.int64)
    return (codes >> 32).astype(np.int64), (codes & 0xFFFFFFFF).astype(np.int64), common


# ----------------------------------------------------------------- scoring

_WORK: dict = {}


def _score_chunk(bounds: tuple[int, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Score pairs[lo:hi] from the fork-shared work state; keep those >= min_score."""
    lo, hi = bounds
    feats, ia, ib, model, min_score = (_WORK[k] for k in ("feats", "ia", "ib", "model", "min_score"))
    keep_i, keep_j, keep_s = [], [], []
    for x, y in zip(ia[lo:hi].tolist(), ib[lo:hi].tolist()):
        s = score_features(feats[x], feats[y], model, explain=False).score
        if s >= min_score:
            keep_i.append(x)
            keep_j.append(y)
            keep_s.append(s)
    return np.array(keep_i, dtype=np.int64), np.array(keep_j, dtype=np.int64), np.array(keep_s)


def score_candidates(
    feats: Sequence[Features], ia: np.ndarray, ib: np.ndarray, model: MatchModel,
    min_score: float | None = None, workers: int | None = None, chunk: int = 200_000,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Score candidate pairs; returns (i, j, score) arrays for score >= min_score."""
    _WORK.update(feats=feats, ia=ia, ib=ib, model=model,
                 min_score=model.review_threshold if min_score is None else min_score)
    bounds = [(lo, min(lo + chunk, len(ia))) for lo in range(0, len(ia), chunk)]
    workers = workers or min(2, os.cpu_count() or 1)
    try:
        if workers > 1 and len(bounds) > 1:
            import multiprocessing as mp

            with mp.get_context("fork").Pool(workers) as pool:
                parts = pool.map(_score_chunk, bounds)
        else:
            parts = [_score_chunk(b) for b in bounds]
    finally:
        _WORK.clear()
    if not parts:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
    return tuple(np.concatenate(p) for p in zip(*parts))  # type: ignore[return-value]


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
