"""Duplicate-detection quality on a labelled synthetic Indonesian registry.

Reports blocking recall, pairwise precision/recall/F1 of the batch scan at
the review threshold (with and without clustering), of the real-time
check's top candidate, and of a plain default Splink 5 model on the same data.

    .venv/bin/python benchmarks/dedup_quality.py --persons 3000 --seed 1
    .venv/bin/python benchmarks/dedup_quality.py --write-default   # retrain shipped model
    .venv/bin/python benchmarks/dedup_quality.py --seeds 1-8       # the spread over registries
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.services.candidates import CLOSURE_DROP, KeyIndex, candidate_pairs, closure_pairs, prepare  # noqa: E402
from app.services.clustering import cluster_pairs, clusters_to_pairs  # noqa: E402
from app.services.matching import (  # noqa: E402
    COMPARISONS,
    DEFAULT_MODEL_PATH,
    MatchModel,
    _COMP_NAMES,
    _normalise,
    _random_u,
    compare_levels,
    score_batch,
    score_features,
    token_frequencies,
    train_em,
)
from app.services.match_batch import exclusivity_adjust  # noqa: E402
from benchmarks.datagen_people import KELURAHAN, generate  # noqa: E402


def prf(tp: int, predicted: int, actual: int) -> tuple[float, float, float]:
    """Precision, recall, F1."""
    p = tp / predicted if predicted else 0.0
    r = tp / actual if actual else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def true_pair_count(pid: np.ndarray) -> int:
    return sum(k * (k - 1) // 2 for k in Counter(pid.tolist()).values())


def supervised_model(records, pid: np.ndarray, seed: int) -> MatchModel:
    """m from the generator's true pairs, u from random pairs, prior from the data."""
    feats = prepare(records)
    counts = {c: [0.0] * len(lv) for c, lv in COMPARISONS.items()}
    groups: dict[int, list[int]] = {}
    for i, p in enumerate(pid.tolist()):
        groups.setdefault(p, []).append(i)
    n_true = 0
    for ix in groups.values():
        for x in range(len(ix)):
            for y in range(x + 1, len(ix)):
                n_true += 1
                levels, _ = compare_levels(feats[ix[x]], feats[ix[y]])
                for c, lv in zip(_COMP_NAMES, levels):
                    counts[c][lv] += 1
    n = len(records)
    freq, unseen = token_frequencies(records)
    return replace(MatchModel.initial(), m=_normalise(counts, 0.5), u=_random_u(records, 50_000, random.Random(seed)),
                   prior=n_true / (n * (n - 1) / 2), token_freq=freq, tf_unseen=unseen, prior_records=n)


def pick_thresholds(model: MatchModel, feats, pid, ia, ib) -> MatchModel:
    """Review threshold = best pairwise F1; likely threshold = precision >= 0.98."""
    i, j, s = ia, ib, score_batch(feats, ia, ib, model)
    same = pid[i] == pid[j]
    total = true_pair_count(pid)
    best, likely = (0.0, 0.0), None
    for th in np.arange(-6, 16, 0.5):
        sel = s >= th
        p, r, f = prf(int((same & sel).sum()), int(sel.sum()), total)
        if f > best[0]:
            best = (f, float(th))
        if likely is None and p >= 0.98:
            likely = float(th)
    return replace(model, review_threshold=best[1], likely_threshold=likely if likely is not None else best[1] + 6)


def fit_name_shape(model: MatchModel, feats, pid, ia, ib, l2: float = 1.0) -> MatchModel:
    """Name-shape, similarity and alias corrections (bits, <= 0) per name level 1-3.

    Shape: the part counts of the two compared names; similarity: the bin of their
    similarity within the level (``matching.SIM_BINS``); alias: how many of the two
    compared names are aliases (0-2). A logistic recalibration of the model's own
    score with one offset per category (the score's slope fixed at 1 bit), fitted
    on the labelled candidate pairs.
    """
    from app.services import match_batch
    from app.services.matching import shape_key, sim_key
    from app.services.names import name_similarity

    model = replace(model, name_shape={}, name_alias={}, name_sim={})
    t = match_batch.encode_features(feats)
    lvl, _, pi, pj = match_batch._vector_names(t, ia, ib, model, pairs=True)
    la = np.array([len(feats[a].names[i]) for a, i in zip(ia.tolist(), pi.tolist())])
    lb = np.array([len(feats[b].names[j]) for b, j in zip(ib.tolist(), pj.tolist())])
    keys = np.array([shape_key(int(v), int(x), int(y)) if 1 <= v <= 3 else "" for v, x, y in
                     zip(lvl.tolist(), la.tolist(), lb.tolist())])
    alias = np.array([f"{v}:{(i > 0) + (j > 0)}" if 1 <= v <= 3 else "" for v, i, j in
                      zip(lvl.tolist(), pi.tolist(), pj.tolist())])
    sims = np.array([sim_key(v, name_similarity(feats[a].names[i], feats[b].names[j])) if 2 <= v <= 3 else ""
                     for v, a, i, b, j in zip(lvl.tolist(), ia.tolist(), pi.tolist(), ib.tolist(), pj.tolist())])
    cats = sorted(k for k in set(keys.tolist()) if k)
    acats = sorted(k for k in set(alias.tolist()) if k and not k.endswith(":0"))  # no alias: the reference
    scats = sorted(k for k in set(sims.tolist()) if k)
    x = np.column_stack([(keys == c).astype(float) for c in cats] + [(alias == c).astype(float) for c in acats]
                        + [(sims == c).astype(float) for c in scats] + [np.ones(len(keys))])
    z0 = score_batch(feats, ia, ib, model) * np.log(2)
    y = (pid[ia] == pid[ib]).astype(float)
    w = logistic_offsets(x, z0, y, l2, steps=30)
    # offsets <= 0 keep the scan's upper bounds valid; the intercept recalibrates the prior
    bits = {c: min(0.0, round(float(v / np.log(2)), 3)) for c, v in zip(cats + acats + scats, w[:-1])}
    odds = model.prior / (1 - model.prior) * 2.0 ** (w[-1] / np.log(2))
    return replace(model, name_shape={c: bits[c] for c in cats}, name_alias={c: bits[c] for c in acats},
                   name_sim={c: bits[c] for c in scats},
                   prior=float(odds / (1 + odds)))


def logistic_offsets(x: np.ndarray, z0: np.ndarray, y: np.ndarray, l2: float, steps: int) -> np.ndarray:
    """Weights (nats) of an L2-regularised logistic regression of ``y`` on ``x`` with fixed offset ``z0``
    (Newton steps)."""
    w = np.zeros(x.shape[1])
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-np.clip(z0 + x @ w, -30, 30)))
        grad = x.T @ (p - y) + l2 * w
        hess = (x * (p * (1 - p))[:, None]).T @ x + l2 * np.eye(len(w))
        w -= np.linalg.solve(hess, grad)
    return w


def fit_exclusivity(model: MatchModel, feats, pid, ia, ib, center: float = 1.0, cut: float = -4.0,
                    x_max: float = 6.0, l2: float = 1.0) -> MatchModel:
    """Parameters of the scan's exclusivity step (``match_batch.exclusivity_adjust``).

    A logistic recalibration of the pairwise score (slope fixed at 1 bit) with the
    three exclusivity terms, the common-neighbour term times the score above the
    review threshold (clipped to [cut, x_max]) and an intercept, on the labelled near pairs (score >=
    review threshold + cut). The intercept is then shifted so that the review
    threshold stays the F1-best cut of the adjusted scores.
    """
    from app.services.match_batch import exclusivity_adjust, exclusivity_terms

    s = score_batch(feats, ia, ib, model)
    thr = model.review_threshold
    near, t = exclusivity_terms(ia, ib, s, thr, center, cut)
    rel = np.clip(s[near] - thr, cut, x_max)
    x = np.column_stack([t[:, near].T, t[0, near] * rel, np.ones(len(near))])
    z0 = s[near] * np.log(2)
    y = (pid[ia[near]] == pid[ib[near]]).astype(float)
    w = logistic_offsets(x, z0, y, l2, steps=40)
    bits = w / np.log(2)
    params = dict(center=center, cut=cut, x_max=x_max, cn=float(bits[0]), ex_min=float(bits[1]),
                  ex_max=float(bits[2]), cn_x=float(bits[3]), bias=float(bits[4]))
    adj = exclusivity_adjust(ia, ib, s, replace(model, exclusivity=params))
    same = pid[ia] == pid[ib]
    total = true_pair_count(pid)
    order = np.argsort(-adj, kind="stable")
    f1 = 2 * np.cumsum(same[order]) / (np.arange(1, len(adj) + 1) + total)
    best = float(adj[order][int(np.argmax(f1))])
    params["bias"] = round(params["bias"] - (best - thr), 4)
    return replace(model, exclusivity={k: round(v, 4) for k, v in params.items()})


def write_default(persons: int, seed: int) -> None:
    """Train the shipped default model on generated data (not the benchmark seed)."""
    recs, truth, _ = generate(persons, seed)
    pid = np.array([truth[r.id] for r in recs])
    model = supervised_model(recs, pid, seed)
    feats = prepare(recs)
    ia, ib, _ = candidate_pairs(feats)
    model = fit_name_shape(model, feats, pid, ia, ib)
    model = pick_thresholds(model, feats, pid, ia, ib)
    model = fit_exclusivity(model, feats, pid, ia, ib)
    top = dict(sorted(model.token_freq.items(), key=lambda kv: -kv[1])[:3000])
    model = replace(model, token_freq=top, trained_on=f"labelled synthetic registry, {persons} persons, seed {seed}")
    model.save(DEFAULT_MODEL_PATH)
    print(f"wrote {DEFAULT_MODEL_PATH} review={model.review_threshold} likely={model.likely_threshold}")


def realtime_eval(recs, feats, pid, model, common, sample: float = 1.0) -> tuple[tuple[float, float, float], float, int]:
    """Insert records in encounter order; the top candidate of each new record is its match.

    With ``sample`` < 1 every record is indexed but only that random share is queried.
    """
    order = sorted(range(len(recs)), key=lambda i: (recs[i].encounter_dates[0], i))
    index = KeyIndex(common)
    seen: set[int] = set()
    tp = predicted = actual = 0
    times = []
    rng = random.Random(7)
    for i in order:
        if sample < 1.0 and rng.random() >= sample:
            index.add(i, feats[i])
            seen.add(pid[i])
            continue
        t0 = time.perf_counter()
        top = index.top_matches(feats[i], feats, model, k=1)
        times.append(time.perf_counter() - t0)
        if pid[i] in seen:
            actual += 1
        if top and top[0][1] >= model.review_threshold:
            predicted += 1
            tp += int(pid[top[0][0]] == pid[i])
        index.add(i, feats[i])
        seen.add(pid[i])
    return prf(tp, predicted, actual), float(np.percentile(times, 95) * 1000), len(order)


def splink_reference(recs, pid) -> dict:
    """Plain default Splink 5 (no Indonesian normalisation) on the same records."""
    import pandas as pd
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    rows = [{
        "unique_id": i,
        "nama": (r.nama or "").lower(),
        "nama_depan": ((r.nama or "").lower().split() or [""])[0],
        "tanggal_lahir": r.tanggal_lahir.isoformat() if r.tanggal_lahir else None,
        "tahun_lahir": str(r.tanggal_lahir.year if r.tanggal_lahir else r.tahun_lahir) if (r.tanggal_lahir or r.tahun_lahir) else None,
        "jenis_kelamin": r.jenis_kelamin if r.jenis_kelamin in ("L", "P") else None,
        "nik": r.nik or None,
        "nama_ibu": (r.nama_ibu or "").lower() or None,
        "kelurahan": r.kelurahan_kodes[0] if r.kelurahan_kodes else None,
    } for i, r in enumerate(recs)]
    df = pd.DataFrame(rows)
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            cl.JaroWinklerAtThresholds("nama", [0.92, 0.8]),
            cl.ExactMatch("tanggal_lahir"),
            cl.ExactMatch("tahun_lahir"),
            cl.ExactMatch("jenis_kelamin"),
            cl.ExactMatch("nik"),
            cl.JaroWinklerAtThresholds("nama_ibu", [0.92, 0.8]),
            cl.ExactMatch("kelurahan"),
        ],
        blocking_rules_to_generate_predictions=[block_on("nama_depan"), block_on("tanggal_lahir"), block_on("nik")],
    )
    t0 = time.perf_counter()
    db = DuckDBAPI()
    linker = Linker(db.register(df), settings, log_level=None)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("nama_depan"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("tahun_lahir", "jenis_kelamin"))
    all_pairs = linker.inference.predict().as_pandas_dataframe()
    preds = all_pairs[all_pairs.match_probability >= 0.5]
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        linker.inference.predict(threshold_match_probability=0.5), 0.5).as_pandas_dataframe()
    secs = time.perf_counter() - t0
    total = true_pair_count(pid)
    blocked = int((pid[all_pairs.unique_id_l.to_numpy()] == pid[all_pairs.unique_id_r.to_numpy()]).sum())
    tp = int((pid[preds.unique_id_l.to_numpy()] == pid[preds.unique_id_r.to_numpy()]).sum())
    cpairs = set()
    for _, g in clusters.groupby("cluster_id"):
        ids = sorted(g.unique_id.tolist())
        cpairs |= {(a, b) for k, a in enumerate(ids) for b in ids[k + 1:]}
    ctp = sum(1 for a, b in cpairs if pid[a] == pid[b])
    return {"blocking_recall": blocked / total, "pairs": prf(tp, len(preds), total),
            "clustered": prf(ctp, len(cpairs), total), "seconds": secs}


def scan_quality(model: MatchModel, feats, pid, ia, ib, s_all) -> dict:
    """P/R/F1 of the batch scan from the pairwise scores ``s_all``: pairwise only, with the
    exclusivity step (as `dedup.scan_all` applies it) and after clustering."""
    total = true_pair_count(pid)

    def at_review(scores):
        keep = scores >= model.review_threshold
        return prf(int((pid[ia[keep]] == pid[ib[keep]]).sum()), int(keep.sum()), total)

    out = {"pairwise": at_review(s_all)}
    c0 = time.process_time()
    if model.exclusivity:
        s_all = exclusivity_adjust(ia, ib, s_all, model)
    out["step_cpu"] = time.process_time() - c0
    out["scan"] = at_review(s_all)
    near = s_all >= model.review_threshold - 3  # clustering also uses weaker edges and cross-pair scores
    clusters = cluster_pairs(zip(ia[near].tolist(), ib[near].tolist(), s_all[near].tolist()), feats,
                             model.review_threshold, model=model)
    cp = clusters_to_pairs(clusters)
    out["clustered"] = prf(sum(1 for a, b in cp if pid[a] == pid[b]), len(cp), total)
    out["clusters"] = len(clusters)
    return out


def evaluate(model: MatchModel, label: str, recs, feats, pid, ia, ib, common, sample: float = 1.0) -> None:
    t0, c0 = time.perf_counter(), time.process_time()
    s_all = score_batch(feats, ia, ib, model)
    t_score, c_score = time.perf_counter() - t0, time.process_time() - c0
    q = scan_quality(model, feats, pid, ia, ib, s_all)
    if model.exclusivity:
        pw = q["pairwise"]
        print(f"| {label} batch scan, pairwise scores only | {pw[0]:.3f} | {pw[1]:.3f} | {pw[2]:.3f} | |")
    (p, r, f), cpf, c_score = q["scan"], q["clustered"], c_score + q["step_cpu"]
    step = " + exclusivity" if model.exclusivity else ""
    print(f"| {label} batch scan{step} @review {model.review_threshold:g} | {p:.3f} | {r:.3f} | {f:.3f} | score_batch: {len(ia):,} pairs in {t_score:.1f}s wall, {c_score:.1f}s CPU |")
    print(f"| {label} batch scan + clustering | {cpf[0]:.3f} | {cpf[1]:.3f} | {cpf[2]:.3f} | {q['clusters']:,} clusters |",
          flush=True)
    (rp, rr, rf), p95, n = realtime_eval(recs, feats, pid, model, common, sample)
    note = f"p95 {p95:.1f} ms (in-memory index)" + (f", {sample:.0%} of records queried" if sample < 1 else "")
    print(f"| {label} real-time top candidate | {rp:.3f} | {rr:.3f} | {rf:.3f} | {note} |", flush=True)


def blocked_registry(persons: int, seed: int):
    """The benchmark's registry and candidate pairs: keys, then the second blocking pass."""
    recs, truth, _ = generate(persons, seed)
    pid = np.array([truth[r.id] for r in recs])
    feats = prepare(recs)
    ia, ib, common = candidate_pairs(feats)
    model = MatchModel.default().with_token_frequencies(*token_frequencies(recs))
    ca, cb = closure_pairs(ia, ib, score_batch(feats, ia, ib, model), model.review_threshold - CLOSURE_DROP)
    return recs, pid, feats, model, common, (ia, ib), (ca, cb)


def seed_table(persons: int, seeds: list[int]) -> None:
    """Blocking recall and batch F1 per generated registry, with their mean: one seed is one sample."""
    print(f"| seed | blocking recall | batch scan F1 (P / R) | + clustering F1 |\n|---|---|---|---|")
    rows = []
    for seed in seeds:
        recs, pid, feats, model, _, (ia, ib), (ca, cb) = blocked_registry(persons, seed)
        ia, ib = np.concatenate([ia, ca]), np.concatenate([ib, cb])
        recall = int((pid[ia] == pid[ib]).sum()) / true_pair_count(pid)
        q = scan_quality(model, feats, pid, ia, ib, score_batch(feats, ia, ib, model))
        rows.append((recall, q["scan"][2], q["clustered"][2]))
        (p, r, f), cf = q["scan"], q["clustered"][2]
        print(f"| {seed} | {recall:.4f} | {f:.3f} ({p:.3f} / {r:.3f}) | {cf:.3f} |", flush=True)
    m = np.array(rows)
    print(f"| mean of {len(seeds)} (min–max) | {m[:, 0].mean():.4f} ({m[:, 0].min():.4f}–{m[:, 0].max():.4f}) | "
          f"{m[:, 1].mean():.3f} ({m[:, 1].min():.3f}–{m[:, 1].max():.3f}) | "
          f"{m[:, 2].mean():.3f} ({m[:, 2].min():.3f}–{m[:, 2].max():.3f}) |")


def hard_case_shares(feats, pid, model: MatchModel) -> tuple[float, float, float, float]:
    """Shares of true pairs that are hard by construction (reported, never tuned away).

    - nothing shared: no similar name (level agak_mirip or worse, e.g. a street
      nickname vs the real name, or two different dropped parts) and no equal
      NIK, No. KK, birth date or mother's name;
    - common name only: a similar name that is common (rarity adjustment <= -1 bit)
      and no equal NIK, No. KK, birth date or mother's name;
    - common single name only: of those, both names are a single part ("Budi" / "BUDI"),
      the issue's own measure of ambiguity (about 12 % in its reference set);
    - nickname-only records: the pair involves a record named only by a street nickname.
    """
    from app.services.matching import _tf_adjustment, compare_levels

    from benchmarks.datagen_people import STREET_NICKS

    nicks = {n.lower() for n in STREET_NICKS}
    groups: dict[int, list[int]] = {}
    for i, p in enumerate(pid.tolist()):
        groups.setdefault(p, []).append(i)
    total = nothing = common = single = nick = 0
    for ix in groups.values():
        for x in range(len(ix)):
            for y in range(x + 1, len(ix)):
                fa, fb = feats[ix[x]], feats[ix[y]]
                total += 1
                lv, d = compare_levels(fa, fb)
                strong = lv[1] in (1, 2) or lv[2] == 1 or lv[3] == 1 or lv[5] == 1
                if any(len(n) == 1 and n[0] in nicks for n in (fa.names[:1] + fb.names[:1])):
                    nick += 1
                if strong:
                    continue
                if lv[0] in (0, 4, 5):
                    nothing += 1
                elif _tf_adjustment(fa, fb, d, lv[0], model) <= -1.0:
                    common += 1
                    single += len(fa.names[d.name_pair[0]]) == 1 and len(fb.names[d.name_pair[1]]) == 1
    return nothing / total, common / total, single / total, nick / total


def consistency_check(recs, feats, ia, ib, model, n: int = 2000) -> int:
    """Pairs whose score_batch score differs from score_pair on the records (must be 0)."""
    from app.services.matching import score_pair

    step = max(1, len(ia) // n)  # spread over the whole candidate set
    i, j = ia[::step][:n], ib[::step][:n]
    s = score_batch(feats, i, j, model)
    return sum(1 for x, y, v in zip(i.tolist(), j.tolist(), s.tolist()) if score_pair(recs[x], recs[y], model).score != v)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--persons", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-splink", action="store_true")
    ap.add_argument("--realtime-sample", type=float, default=1.0, help="share of records queried in the real-time check")
    ap.add_argument("--em", action="store_true", help="also retrain with EM on the benchmark registry itself")
    ap.add_argument("--write-default", action="store_true", help="retrain the shipped default model (seed 12345)")
    ap.add_argument("--seeds", help="a table over several registries instead, e.g. 1-8 (no Splink, no real-time)")
    args = ap.parse_args()
    if args.write_default:
        write_default(4000, 12345)
        return
    if args.seeds:
        lo, _, hi = args.seeds.partition("-")
        seed_table(args.persons, list(range(int(lo), int(hi or lo) + 1)))
        return
    t0 = time.perf_counter()
    recs, pid, feats, model, common, (ia, ib), (ca, cb) = blocked_registry(args.persons, args.seed)
    total = true_pair_count(pid)
    n_keys = len(ia)
    ia, ib = np.concatenate([ia, ca]), np.concatenate([ib, cb])  # second pass: candidates of candidates
    blocked = int((pid[ia] == pid[ib]).sum())
    print(f"persons={args.persons} records={len(recs)} true pairs={total} seed={args.seed}")
    print(f"blocking: {len(ia):,} candidate pairs ({n_keys:,} from keys, {len(ca):,} from the closure), "
          f"recall {blocked / total:.4f}, {len(common)} common keys compounded, {time.perf_counter() - t0:.1f}s")
    print(f"score consistency (batch vs score_pair): {consistency_check(recs, feats, ia, ib, model)} mismatches")
    nothing, common_only, single, nick = hard_case_shares(feats, pid, model)
    print(f"hard true pairs: nothing shared {nothing:.1%}, common name only {common_only:.1%} "
          f"(common single name only {single:.1%}); pairs involving a nickname-only record {nick:.1%}")
    print("\n| run | precision | recall | F1 | note |\n|---|---|---|---|---|")
    evaluate(model, "default model", recs, feats, pid, ia, ib, common, args.realtime_sample)
    if args.em:
        em = train_em(recs, [(recs[a].id, recs[b].id) for a, b in zip(ia.tolist(), ib.tolist())], model)
        evaluate(em, "EM on this registry", recs, feats, pid, ia, ib, common, args.realtime_sample)
        print("\nEM sanity check, match weights log2(m/u) (default model -> EM):")
        for c, lv in COMPARISONS.items():
            pairs = ", ".join(f"{lv[k]} {model.weight(c, k):+.1f}->{em.weight(c, k):+.1f}" for k in range(1, len(lv)))
            print(f"  {c}: {pairs}")
        print(f"  prior weight {model.prior_weight:+.1f} -> {em.prior_weight:+.1f}\n")
    if not args.no_splink:
        sp = splink_reference(recs, pid)
        print(f"| Splink 5 default, p>=0.5 | {sp['pairs'][0]:.3f} | {sp['pairs'][1]:.3f} | {sp['pairs'][2]:.3f} | "
              f"blocking recall {sp['blocking_recall']:.3f}, {sp['seconds']:.1f}s |")
        print(f"| Splink 5 default + clustering | {sp['clustered'][0]:.3f} | {sp['clustered'][1]:.3f} | "
              f"{sp['clustered'][2]:.3f} | |")
    print(f"\ntotal {time.perf_counter() - t0:.1f}s")


if __name__ == "__main__":
    main()
