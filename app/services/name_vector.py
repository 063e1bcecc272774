"""Exact vectorised name comparison: :func:`matching.name_evidence` for many pairs at once.

Names are interned (token -> id, token tuple -> id, name set -> id). Token
similarities are computed once per distinct ordered token pair (rapidfuzz's C
Jaro-Winkler and Levenshtein, the skeleton equality through interned skeleton
ids, the suffix rule on the few candidates) as in :func:`names._token_sim`; the greedy alignment of
:func:`names._best_alignment`, the joined-form Jaro-Winkler, the level, the
shared-token probability and the rarity adjustment run in numpy over all pairs.
Every float operation is done in the same order as the Python functions, so
results are bit-identical (``tests/identity/test_name_vector.py``).
"""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import JaroWinkler, Levenshtein

from app.services import matching as M
from app.services.names import WEAK_TOKENS, consonant_skeleton

__all__ = ["NameIndex"]

_MISSING = -1.0  # masks cells that the greedy loops must skip (similarities are >= 0)


def _pad(rows: list[tuple[int, ...]], width: int) -> np.ndarray:
    out = np.full((len(rows), max(width, 1)), -1, dtype=np.int32)
    for k, r in enumerate(rows):
        out[k, :len(r)] = r
    return out


class NameIndex:
    """Interned name sets (``Features.names`` values) with batch comparison.

    ``sets[k]`` is the k-th name set; pairs are given as arrays of set ids.
    Token tuples can also be compared directly (:meth:`tuple_similarity`).
    """

    def __init__(self, sets: Sequence[tuple[tuple[str, ...], ...]] = ()):
        self.tok_id: dict[str, int] = {}
        self.tokens: list[str] = []
        self.tup_id: dict[tuple[str, ...], int] = {}
        self._tups: list[tuple[int, ...]] = []
        self._sorted: list[int] = []
        self._sorted_id: dict[tuple[int, ...], int] = {}
        self._set_tups: list[tuple[int, ...]] = []
        self._frozen = 0  # tuples already in the arrays
        self._cache_codes = np.zeros(0, np.int64)
        self._cache_vals = np.zeros(0, np.float64)
        self._tf: tuple[int, np.ndarray] | None = None
        for s in sets:
            self.add_set(s)

    # ------------------------------------------------------------ interning

    def token(self, t: str) -> int:
        i = self.tok_id.get(t)
        if i is None:
            i = self.tok_id[t] = len(self.tokens)
            self.tokens.append(t)
        return i

    def add_tuple(self, toks: tuple[str, ...]) -> int:
        """Id of a token tuple (a name)."""
        i = self.tup_id.get(toks)
        if i is None:
            ids = tuple(self.token(t) for t in toks)
            i = self.tup_id[toks] = len(self._tups)
            self._tups.append(ids)
            key = tuple(sorted(toks))
            self._sorted.append(self._sorted_id.setdefault(tuple(self.token(t) for t in key), len(self._sorted_id)))
        return i

    def add_set(self, names: tuple[tuple[str, ...], ...]) -> int:
        """Id of a name set (name and aliases, in order)."""
        self._set_tups.append(tuple(self.add_tuple(t) for t in names))
        return len(self._set_tups) - 1

    def _arrays(self) -> None:
        """(Re)build the per-token and per-tuple arrays after interning."""
        if self._frozen == len(self._tups) and hasattr(self, "tok_len"):
            return
        toks = self.tokens
        self.tok_len = np.array([len(t) for t in toks], dtype=np.int32)
        self.tok_first = np.array([ord(t[0]) if t else 0 for t in toks], dtype=np.int32)
        self.tok_weak = np.array([t in WEAK_TOKENS for t in toks], dtype=bool)
        skel: dict[str, int] = {}
        self.tok_skel = np.array([skel.setdefault(consonant_skeleton(t), len(skel)) for t in toks], dtype=np.int64)
        weak = self.tok_weak
        cores = []
        for ids in self._tups:
            core = tuple(i for i in ids if not weak[i]) or ids
            cores.append(core)
        width = max((len(t) for t in self._tups), default=1)
        self.tup_len = np.array([len(t) for t in self._tups], dtype=np.int32)
        self.tup_core = _pad(cores, width)
        self.core_len = np.array([len(c) for c in cores], dtype=np.int32)
        self.tup_sorted = np.array(self._sorted, dtype=np.int64)
        self.joined = ["".join(toks[i] for i in ids) for ids in self._tups]
        self.set_start = np.zeros(len(self._set_tups), dtype=np.int64)
        self.set_count = np.array([len(s) for s in self._set_tups], dtype=np.int64)
        if len(self._set_tups):
            self.set_start[1:] = np.cumsum(self.set_count)[:-1]
        self.set_flat = np.array([i for s in self._set_tups for i in s], dtype=np.int64)
        self._frozen = len(self._tups)

    # ------------------------------------------------------------ tokens

    def token_sims(self, ta: np.ndarray, tb: np.ndarray) -> np.ndarray:
        """``names._token_sim(tokens[ta], tokens[tb])`` element-wise (cached per ordered pair)."""
        codes = (ta.astype(np.int64) << 32) | tb.astype(np.int64)
        uniq, inv = np.unique(codes, return_inverse=True)
        vals = np.empty(len(uniq))
        cc, cv = self._cache_codes, self._cache_vals
        pos = np.searchsorted(cc, uniq)
        pos_c = np.minimum(pos, max(len(cc) - 1, 0))
        hit = (pos < len(cc)) & (cc[pos_c] == uniq) if len(cc) else np.zeros(len(uniq), bool)
        vals[hit] = cv[pos_c[hit]]
        miss = uniq[~hit]
        if len(miss):
            new = self._token_sims_uncached(miss >> 32, miss & 0xFFFFFFFF)
            vals[~hit] = new
            allc = np.concatenate((cc, miss))
            order = np.argsort(allc, kind="stable")
            self._cache_codes, self._cache_vals = allc[order], np.concatenate((cv, new))[order]
        return vals[inv.ravel()]

    def _token_sims_uncached(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """The rules of ``names._token_sim`` for distinct ordered token pairs."""
        toks = self.tokens
        la, lb = self.tok_len[a], self.tok_len[b]
        out = np.zeros(len(a))
        same = a == b
        one = ~same & ((la == 1) | (lb == 1))
        out[one] = np.where(self.tok_first[a[one]] == self.tok_first[b[one]], 0.85, 0.0)
        rest = np.flatnonzero(~same & ~one)
        if len(rest):
            ra, rb = a[rest], b[rest]
            sa, sb = [toks[i] for i in ra.tolist()], [toks[i] for i in rb.tolist()]
            jw = _jaro_winkler(sa, sb)
            skel = self.tok_skel[ra] == self.tok_skel[rb]
            jw = np.where(skel, np.maximum(jw, 0.93), jw)
            lra, lrb = la[rest], lb[rest]
            near = ~skel & (np.minimum(lra, lrb) >= 4)
            if near.any():
                k = np.flatnonzero(near)
                lev = process.cpdist([sa[i] for i in k.tolist()], [sb[i] for i in k.tolist()],
                                     scorer=Levenshtein.distance, workers=1)
                one_edit = np.zeros(len(rest), bool)
                one_edit[k] = lev == 1
                jw = np.where(one_edit, np.maximum(jw, 0.9), jw)
            short_len = np.minimum(lra, lrb)
            maybe = np.flatnonzero((short_len >= 4) & (np.abs(lra - lrb) >= 2))
            if len(maybe):
                suffix = np.array([(sb[i].endswith(sa[i]) if len(sa[i]) <= len(sb[i]) else sa[i].endswith(sb[i]))
                                   for i in maybe.tolist()], dtype=bool)
                idx = maybe[suffix]
                jw[idx] = np.maximum(jw[idx], 0.86)
            out[rest] = jw
        out[same] = 1.0
        return out

    def _sim_matrix(self, p_tok: np.ndarray, q_tok: np.ndarray) -> np.ndarray:
        """(n, P, Q) token similarities, ``_MISSING`` where either cell is padding."""
        n, wp = p_tok.shape
        wq = q_tok.shape[1]
        a = np.repeat(p_tok, wq, axis=1)
        b = np.tile(q_tok, (1, wp))
        valid = (a >= 0) & (b >= 0)
        out = np.full(a.shape, _MISSING)
        if valid.any():
            out[valid] = self.token_sims(a[valid], b[valid])
        return out.reshape(n, wp, wq)

    # ------------------------------------------------------------ names

    def _cores(self, ids: np.ndarray, lens: np.ndarray) -> np.ndarray:
        width = max(int(lens.max()) if len(lens) else 1, 1)
        return self.tup_core[ids, :width]

    def tuple_similarity(self, x: np.ndarray, y: np.ndarray, with_share: M.MatchModel | None = None):
        """``names.name_similarity(tuple x, tuple y)`` for arrays of tuple ids.

        With a model, also returns ``matching._shared_token_probability`` of each pair.
        """
        self._arrays()
        x, y = np.asarray(x, np.int64), np.asarray(y, np.int64)
        la, lb = self.tup_len[x], self.tup_len[y]
        swap = la > lb
        s_id, l_id = np.where(swap, y, x), np.where(swap, x, y)
        cs, cl = self.core_len[s_id], self.core_len[l_id]
        flip = cs > cl
        p_id, q_id = np.where(flip, l_id, s_id), np.where(flip, s_id, l_id)
        p_len, q_len = np.minimum(cs, cl), np.maximum(cs, cl)
        p_tok, q_tok = self._cores(p_id, p_len), self._cores(q_id, q_len)
        sim = self._greedy(p_tok, q_tok, p_len)
        sim = sim - 0.03 * np.abs(cl - cs).astype(np.float64)
        joined = _jaro_winkler([self.joined[i] for i in x.tolist()], [self.joined[i] for i in y.tolist()])
        res = np.maximum(0.0, np.minimum(1.0, np.maximum(sim, np.where(joined >= 0.9, joined, 0.0))))
        res = np.where(self.tup_sorted[x] == self.tup_sorted[y], 1.0, res)
        if with_share is None:
            return res
        c_tok, o_tok = self._cores(s_id, cs), self._cores(l_id, cl)
        return res, self._share(c_tok, o_tok, cs, with_share)

    def _greedy(self, p_tok: np.ndarray, q_tok: np.ndarray, p_len: np.ndarray) -> np.ndarray:
        """``names._best_alignment`` (greedy, weak tokens weighted 0.4) row by row."""
        n = len(p_tok)
        sims = self._sim_matrix(p_tok, q_tok)
        used = np.zeros(q_tok.shape, dtype=bool)
        total, weight = np.zeros(n), np.zeros(n)
        rows = np.arange(n)
        for p in range(p_tok.shape[1]):
            act = p < p_len
            if not act.any():
                break
            row = np.where(used, _MISSING, sims[:, p, :])
            j = row.argmax(axis=1)
            best = row[rows, j]
            take = act & (best > 0.0)
            used[rows[take], j[take]] = True
            w = np.where(self.tok_weak[np.maximum(p_tok[:, p], 0)], 0.4, 1.0)
            total = np.where(act, total + w * np.where(take, best, 0.0), total)
            weight = np.where(act, weight + w, weight)
        return np.where(weight > 0, total / np.where(weight > 0, weight, 1.0), 0.0)

    def _token_tf(self, model: M.MatchModel) -> np.ndarray:
        if self._tf is None or self._tf[0] != id(model) or len(self._tf[1]) != len(self.tokens):
            self._tf = (id(model), np.array([model.tf(t) for t in self.tokens], dtype=np.float64))
        return self._tf[1]

    def _share(self, c_tok: np.ndarray, o_tok: np.ndarray, c_len: np.ndarray, model: M.MatchModel) -> np.ndarray:
        """``matching._shared_token_probability`` (core of the shorter name vs the longer's)."""
        tf = self._token_tf(model)
        sims = self._sim_matrix(c_tok, o_tok)
        n = len(c_tok)
        rows = np.arange(n)
        p_match, p_all = np.ones(n), np.ones(n)
        matched = np.zeros(n, dtype=bool)
        for c in range(c_tok.shape[1]):
            act = c < c_len
            if not act.any():
                break
            row = sims[:, c, :]
            j = row.argmax(axis=1)
            best = row[rows, j]
            t = np.maximum(c_tok[:, c], 0)
            ok = act & (best >= 0.85)
            f = np.maximum(tf[t], tf[np.maximum(o_tok[rows, j], 0)])
            p_match = np.where(ok, p_match * f, p_match)
            p_all = np.where(act, p_all * tf[t], p_all)
            matched |= ok
        return np.where(matched, p_match, p_all)

    # ------------------------------------------------------------ evidence

    def evidence(self, sa: np.ndarray, sb: np.ndarray, model: M.MatchModel, pairs: bool = False):
        """(name level, rarity adjustment) per pair of name-set ids = ``matching.name_evidence``.

        With ``pairs``, also the positions (i, j) of the names compared (``_Detail.name_pair``).
        """
        self._arrays()
        sa, sb = np.asarray(sa, np.int64), np.asarray(sb, np.int64)
        n = len(sa)
        lvl_out, tf_out = np.zeros(n, np.int64), np.zeros(n)
        pi_out, pj_out = np.zeros(n, np.int64), np.zeros(n, np.int64)
        ca, cb = self.set_count[sa], self.set_count[sb]
        live = np.flatnonzero((ca > 0) & (cb > 0))
        if not len(live):
            return (lvl_out, tf_out, pi_out, pj_out) if pairs else (lvl_out, tf_out)
        ca, cb = ca[live], cb[live]
        counts = ca * cb
        owner = np.repeat(np.arange(len(live)), counts)
        first = np.concatenate(([0], np.cumsum(counts)[:-1]))
        within = np.arange(len(owner)) - first[owner]
        i, j = within // cb[owner], within % cb[owner]  # row-major, as the name x alias loops
        x = self.set_flat[self.set_start[sa[live]][owner] + i]
        y = self.set_flat[self.set_start[sb[live]][owner] + j]
        codes = (x << 32) | y
        uniq, inv = np.unique(codes, return_inverse=True)
        sim_u, share_u = self.tuple_similarity(uniq >> 32, uniq & 0xFFFFFFFF, with_share=model)
        inv = inv.ravel()
        lvl_u = np.select([sim_u >= 1.0, sim_u >= 0.92, sim_u >= 0.85, sim_u >= 0.75], [1, 2, 3, 4], default=5)
        tf_u = _tf_adjustments(lvl_u, share_u, model)
        tf_u = tf_u + _shape_offsets(lvl_u, self.tup_len[uniq >> 32], self.tup_len[uniq & 0xFFFFFFFF], model)
        tf_u = tf_u + _sim_offsets(lvl_u, sim_u, model)
        lvl, tf = lvl_u[inv], tf_u[inv]
        tf = tf + _alias_offsets(lvl, (i > 0).astype(np.int64) + (j > 0), model)
        multi = counts > 1
        if multi.any():
            weights = np.array([model.weight("nama", lv) for lv in range(len(M.COMPARISONS["nama"]))])
            w = weights[lvl] + tf
            gmax = np.maximum.reduceat(w, first)
            at = np.where(w == gmax[owner], np.arange(len(w)), len(w))
            pick = np.minimum.reduceat(at, first)  # the first best combination wins, as in the loop
        else:
            pick = np.arange(len(live))
        lvl_out[live], tf_out[live] = lvl[pick], tf[pick]
        if not pairs:
            return lvl_out, tf_out
        pi_out[live], pj_out[live] = i[pick], j[pick]
        return lvl_out, tf_out, pi_out, pj_out


def _jaro_winkler(a: list[str], b: list[str]) -> np.ndarray:
    """Jaro-Winkler similarity of a[k], b[k] by the very scalar call of ``names`` (C, ~0.3 µs each).

    ``process.cpdist`` with this scorer differs in the last bit for some pairs, so it is not used.
    """
    return np.fromiter(map(JaroWinkler.normalized_similarity, a, b), dtype=np.float64, count=len(a))


def _shape_offsets(levels: np.ndarray, la: np.ndarray, lb: np.ndarray, model: M.MatchModel) -> np.ndarray:
    """``matching._shape_offset`` per (level, part counts of both names); 0 where none applies."""
    out = np.zeros(len(levels))
    if not model.name_shape:
        return out
    lo, hi = np.minimum(np.minimum(la, lb), 3), np.minimum(np.maximum(la, lb), 3)
    for key, bits in model.name_shape.items():
        lv, a, b = (int(x) for x in key.split(":"))
        if M._TF_LEVELS.get(M.COMPARISONS["nama"][lv]):
            out[(levels == lv) & (lo == a) & (hi == b)] = bits
    return out


def _level_offsets(levels: np.ndarray, kinds: np.ndarray, table: dict[str, float]) -> np.ndarray:
    """Bits of a "level:kind" offset table per (name level, kind); 0 where none applies."""
    out = np.zeros(len(levels))
    for key, bits in table.items():
        lv, k = (int(x) for x in key.split(":"))
        if M._TF_LEVELS.get(M.COMPARISONS["nama"][lv]):
            out[(levels == lv) & (kinds == k)] = bits
    return out


def _sim_offsets(levels: np.ndarray, sims: np.ndarray, model: M.MatchModel) -> np.ndarray:
    """``matching._sim_offset`` per (level, name similarity): the similarity bin is the kind."""
    if not model.name_sim:
        return np.zeros(len(levels))
    bins = np.zeros(len(sims), np.int64)
    for edge in M.SIM_BINS:
        bins += sims >= edge
    return _level_offsets(levels, bins, model.name_sim)


def _alias_offsets(levels: np.ndarray, aliases: np.ndarray, model: M.MatchModel) -> np.ndarray:
    """``matching._alias_offset`` per (level, number of aliases among the compared names)."""
    return _level_offsets(levels, aliases, model.name_alias)


def _tf_adjustments(levels: np.ndarray, share: np.ndarray, model: M.MatchModel) -> np.ndarray:
    """``matching._tf_adjustment`` per (level, shared-token probability), with math.log2 as there."""
    out = np.zeros(len(levels))
    factors = {lv: M._TF_LEVELS.get(M.COMPARISONS["nama"][lv]) for lv in range(len(M.COMPARISONS["nama"]))}
    lo, hi = model.tf_clip
    for lv, factor in factors.items():
        if not factor:
            continue
        sel = np.flatnonzero(levels == lv)
        if not len(sel):
            continue
        u = model.u["nama"][lv]
        vals, inv = np.unique(share[sel], return_inverse=True)
        adj = np.array([factor * min(hi, max(lo, math.log2(u / max(p, 1e-12)))) for p in vals.tolist()])
        out[sel] = adj[inv.ravel()]
    return out
