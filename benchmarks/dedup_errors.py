"""Error analysis of the duplicate scan on the labelled synthetic registry.

Runs the same pipeline as ``dedup_quality.py`` (blocking, ``score_batch`` and the
scan's exclusivity step at the review threshold, clustering) and groups its errors:

- missed true pairs that are *not* ambiguous (not "nothing shared", not "a common
  single name and nothing else"), by comparison level vector and by the noise the
  generator applied to the two records (inferred from the hidden true person);
- false pairs, by level vector and by the kind of name coincidence;
- the calibration of the scores (observed match rate per score bin).

Use the training seed (12345) for analysis; seed 1 is for evaluation only.

    .venv/bin/python benchmarks/dedup_errors.py --persons 4000 --seed 12345
"""
from __future__ import annotations

import argparse
import sys
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.services import match_batch  # noqa: E402
from app.services.candidates import candidate_pairs, prepare  # noqa: E402
from app.services.clustering import EDGE_MARGIN, cluster_pairs, clusters_to_pairs  # noqa: E402
from app.services.match_batch import exclusivity_adjust  # noqa: E402
from app.services.matching import (  # noqa: E402
    COMPARISONS,
    MatchModel,
    _COMP_NAMES,
    _Detail,
    _other_levels,
    name_evidence,
    rarity_part,
    score_batch,
    token_frequencies,
)
from app.services.names import name_tokens  # noqa: E402
from benchmarks.datagen_people import MUHAMMAD, SITI, TITLES, generate  # noqa: E402

_PREFIX_VARIANTS = {t.lower() for t in (*MUHAMMAD, *SITI)}
_TITLES = {t.lower() for t in TITLES}


def record_noise(rec, person) -> str:
    """The generator noise visible in a record's name, inferred from the true person."""
    raw = [t.lower() for t in (rec.nama or "").replace(",", " ").split()]
    tags = []
    if person.nick and (rec.nama or "").lower() == person.nick.lower():
        return "nick_only"
    if raw and raw[0] in _TITLES:
        tags.append("title")
        raw = raw[1:]
    true = [t.lower() for t in person.name]
    if len(raw) < len(true):
        tags.append("dropped")
    if any(t in _PREFIX_VARIANTS and t not in true for t in raw):
        tags.append("prefix_variant")
    kept = [t for t in raw if t not in _PREFIX_VARIANTS]
    true_kept = [t for t in true if t not in _PREFIX_VARIANTS]
    if len(kept) >= 2 and kept == true_kept[::-1] and true_kept != true_kept[::-1]:
        tags.append("swapped")
    elif any(t not in true for t in kept):
        tags.append("spelling")
    if rec.aliases:
        tags.append("alias")
    return "+".join(tags) or "clean"


def pair_facts(fa, fb, model):
    """Level vector (names), rarity adjustment and whether the pair is ambiguous by construction."""
    d = _Detail()
    lvl, adj = name_evidence(fa, fb, model, d)
    tf = rarity_part(fa, fb, d, lvl, adj, model)
    levels = (lvl, *_other_levels(fa, fb, d))
    strong = levels[1] in (1, 2) or levels[2] == 1 or levels[3] == 1 or levels[5] == 1
    single = bool(fa.names and fb.names) and len(fa.names[d.name_pair[0]]) == 1 and len(fb.names[d.name_pair[1]]) == 1
    if strong:
        kind = "strong"
    elif lvl in (0, 4, 5):
        kind = "nothing_shared"
    elif tf <= -1.0:
        kind = "common_single" if single else "common_multi"
    else:
        kind = "ordinary"
    return levels, tf, kind, d


def level_names(levels) -> str:
    return " ".join(f"{c}={COMPARISONS[c][lv]}" for c, lv in zip(_COMP_NAMES, levels) if lv)


def calibration(s: np.ndarray, same: np.ndarray) -> None:
    """Observed match rate per score bin against the probability the score claims."""
    print("\n## calibration of the candidate pairs' scores (bits)\n  bin        pairs  matches observed claimed")
    for lo in range(-8, 12, 2):
        k = (s >= lo) & (s < lo + 2)
        if k.any():
            print(f"  [{lo:+3d},{lo + 2:+3d}) {int(k.sum()):8d} {int(same[k].sum()):7d}   {same[k].mean():.3f}   "
                  f"{np.mean(1 / (1 + 2.0 ** -s[k])):.3f}")


def vector_shares(feats, ia, ib, same, model) -> dict[str, tuple[int, int]]:
    """Level vector -> (candidate pairs with it, of which true pairs): how ambiguous a vector is."""
    levels, _ = match_batch._levels(match_batch.encode_features(feats), ia, ib, model, None)
    vec = np.stack([levels[c] for c in _COMP_NAMES], axis=1)
    uniq, inv = np.unique(vec, axis=0, return_inverse=True)
    inv = inv.ravel()
    n, t = np.bincount(inv), np.bincount(inv, weights=same)
    return {" ".join(map(str, u)): (int(n[k]), int(t[k])) for k, u in enumerate(uniq.tolist())}


def show(title: str, groups: dict, total: int, top: int, examples: int, shares: dict | None = None) -> None:
    print(f"\n## {title} ({total})")
    for key, items in sorted(groups.items(), key=lambda kv: -len(kv[1]))[:top]:
        n, t = (shares or {}).get(key.split(": ")[-1], (0, 0))
        note = f"   [candidates with this vector: {n}, true {t / n:.0%}]" if n else ""
        print(f"{len(items):5d} {len(items) / max(total, 1):6.1%}  {key}{note}")
        for ex in items[:examples]:
            print(f"        {ex}")


def cluster_split(clusters, groups, pid, s, ia, ib, th) -> None:
    """Where clustering loses true pairs: isolated records, or one person split over clusters."""
    where = {x: k for k, c in enumerate(clusters) for x in c}
    best = np.full(len(pid), -np.inf)
    same = pid[ia] == pid[ib]
    np.maximum.at(best, ia[same], s[same])
    np.maximum.at(best, ib[same], s[same])
    kinds = Counter()
    for ix in groups.values():
        for x in range(len(ix)):
            for y in range(x + 1, len(ix)):
                a, b = ix[x], ix[y]
                ca, cb = where.get(a), where.get(b)
                if ca is not None and ca == cb:
                    continue
                if ca is None or cb is None:
                    lone = [r for r, c in ((a, ca), (b, cb)) if c is None]
                    top = max(best[r] for r in lone)
                    kinds["a record left alone, its best edge to its person >= threshold" if top >= th else
                          f"a record left alone, its best edge to its person in [threshold-{EDGE_MARGIN:g}, threshold)"
                          if top >= th - EDGE_MARGIN else
                          f"a record left alone, no edge >= threshold-{EDGE_MARGIN:g} to its person"] += 1
                else:
                    kinds["both clustered, in different clusters"] += 1
    wrong = Counter()
    for c in clusters:
        n_p = len(set(pid[c].tolist()))
        wrong["clusters holding one person" if n_p == 1 else "clusters holding several persons"] += 1
    print("\n## true pairs not in one cluster, by cause")
    for k, v in kinds.most_common():
        print(f"{v:6d}  {k}")
    for k, v in wrong.most_common():
        print(f"{v:6d}  {k}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--persons", type=int, default=4000)
    ap.add_argument("--seed", type=int, default=12345)
    ap.add_argument("--top", type=int, default=15)
    ap.add_argument("--examples", type=int, default=3)
    args = ap.parse_args()
    recs, truth, persons = generate(args.persons, args.seed)
    pid = np.array([truth[r.id] for r in recs])
    feats = prepare(recs)
    ia, ib, _ = candidate_pairs(feats)
    model = MatchModel.default().with_token_frequencies(*token_frequencies(recs))
    s_pair = score_batch(feats, ia, ib, model)
    s = exclusivity_adjust(ia, ib, s_pair, model)  # the scan's post-scoring step, as dedup.scan_all applies it
    th = model.review_threshold
    scored = {(a, b): v for a, b, v in zip(ia.tolist(), ib.tolist(), s.tolist())}
    near = s >= th - 3
    clusters = cluster_pairs(zip(ia[near].tolist(), ib[near].tolist(), s[near].tolist()), feats, th, model=model)
    cl = clusters_to_pairs(clusters)
    groups: dict[int, list[int]] = defaultdict(list)
    for i, p in enumerate(pid.tolist()):
        groups[p].append(i)

    def describe(a, b, v, levels, tf):
        ra, rb = recs[a], recs[b]
        return f"{v:+.1f} tf{tf:+.1f} | {ra.nama!r}{list(ra.aliases)} / {rb.nama!r}{list(rb.aliases)} | {level_names(levels)}"

    kinds = Counter()
    fn_lv, fn_noise, fn_cl = defaultdict(list), defaultdict(list), defaultdict(list)
    n_fn = n_fn_cl = 0
    for ix in groups.values():
        for x in range(len(ix)):
            for y in range(x + 1, len(ix)):
                a, b = min(ix[x], ix[y]), max(ix[x], ix[y])
                levels, tf, kind, _ = pair_facts(feats[a], feats[b], model)
                v = scored.get((a, b))
                missed = v is None or v < th
                kinds[(kind, "missed" if missed else "found")] += 1
                if kind in ("nothing_shared", "common_single"):
                    continue
                p = persons[pid[a]]
                noise = " / ".join(sorted((record_noise(recs[a], p), record_noise(recs[b], p))))
                ex = describe(a, b, v if v is not None else float("nan"), levels, tf)
                if missed:
                    n_fn += 1
                    key = f"{kind}: " + " ".join(str(lv) for lv in levels)
                    fn_lv[key].append(ex)
                    fn_noise[noise].append(ex)
                if (a, b) not in cl:
                    n_fn_cl += 1
                    fn_cl[f"{kind}: " + " ".join(str(lv) for lv in levels)].append(ex)
    print(f"persons={args.persons} seed={args.seed} records={len(recs)} review threshold {th:g}")
    print("true pairs by kind (missed/found at the review threshold):")
    for kind in ("strong", "ordinary", "common_multi", "common_single", "nothing_shared"):
        print(f"  {kind:15s} missed {kinds[(kind, 'missed')]:5d}  found {kinds[(kind, 'found')]:5d}")
    calibration(s_pair, pid[ia] == pid[ib])  # of the pairwise scores
    print("\nlevel vector order: " + " ".join(_COMP_NAMES))
    shares = vector_shares(feats, ia, ib, pid[ia] == pid[ib], model)
    show("missed, not ambiguous, by level vector", fn_lv, n_fn, args.top, args.examples, shares)
    show("missed, not ambiguous, by generator noise", fn_noise, n_fn, args.top, args.examples)
    show("not ambiguous, not in the same cluster, by level vector", fn_cl, n_fn_cl, args.top, args.examples)
    cluster_split(clusters, groups, pid, s, ia, ib, th)
    fp_lv, fp_kind = defaultdict(list), defaultdict(list)
    sel = np.nonzero((s >= th) & (pid[ia] != pid[ib]))[0]
    for k in sel.tolist():
        a, b = int(ia[k]), int(ib[k])
        levels, tf, kind, d = pair_facts(feats[a], feats[b], model)
        ex = describe(a, b, float(s[k]), levels, tf)
        fp_lv[" ".join(str(lv) for lv in levels)].append(ex)
        ta, tb = feats[a].names[d.name_pair[0]], feats[b].names[d.name_pair[1]]
        shape = f"{len(ta)}x{len(tb)} parts, name={COMPARISONS['nama'][levels[0]]}, tf {'<=-1' if tf <= -1 else '>=3' if tf >= 3 else 'mid'}"
        fp_kind[shape].append(ex)
    show("false pairs at the review threshold, by level vector", fp_lv, len(sel), args.top, args.examples, shares)
    show("false pairs by name shape", fp_kind, len(sel), args.top, args.examples)
    fp_cl = [(a, b) for a, b in cl if pid[a] != pid[b]]
    cl_lv = defaultdict(list)
    for a, b in fp_cl:
        levels, tf, kind, _ = pair_facts(feats[a], feats[b], model)
        cl_lv[" ".join(str(lv) for lv in levels)].append(describe(a, b, scored.get((a, b), float("nan")), levels, tf))
    show("false pairs after clustering, by level vector", cl_lv, len(fp_cl), args.top, args.examples)


if __name__ == "__main__":
    main()
