"""Second blocking pass: candidates of candidates (`candidates.closure_pairs`)."""
import random

import numpy as np

from app.services.candidates import closure_pairs


def _brute(ia, ib, scores, threshold, cap):
    edges: dict[int, list] = {}
    for a, b, s in zip(ia.tolist(), ib.tolist(), scores.tolist()):
        if s >= threshold:
            edges.setdefault(a, []).append((-s, b))
            edges.setdefault(b, []).append((-s, a))
    have = set(zip(ia.tolist(), ib.tolist()))
    out = set()
    for nb in edges.values():
        best = [x for _, x in sorted(nb)[:cap]]
        for i, x in enumerate(best):
            for y in best[i + 1:]:
                p = (min(x, y), max(x, y))
                if p not in have:
                    out.add(p)
    return out


def test_closure_pairs_equals_brute_force_and_is_bounded():
    rng = random.Random(3)
    pairs = sorted({tuple(sorted(rng.sample(range(300), 2))) for _ in range(2500)})
    ia = np.array([a for a, _ in pairs], dtype=np.int32)
    ib = np.array([b for _, b in pairs], dtype=np.int32)
    scores = np.array([round(rng.uniform(-12, 8), 3) for _ in pairs])  # distinct enough: ties are rare
    for threshold, cap in ((-5.0, 10), (0.0, 3), (-20.0, 2)):
        ca, cb = closure_pairs(ia, ib, scores, threshold, cap)
        got = set(zip(ca.tolist(), cb.tolist()))
        assert len(got) == len(ca) and all(a < b for a, b in got)
        assert got == _brute(ia, ib, scores, threshold, cap)
        assert len(got) <= 300 * cap * (cap - 1) // 2


def test_nickname_only_record_meets_the_real_name_through_an_alias_record():
    # 0 "Jenggot" -- 1 "Slamet" [Jenggot] on the nickname; 1 -- 2 "Slamet" on the name; 0 and 2 share no key
    ia, ib = np.array([0, 1], dtype=np.int32), np.array([1, 2], dtype=np.int32)
    ca, cb = closure_pairs(ia, ib, np.array([-3.0, 6.0]), threshold=-5.0)
    assert list(zip(ca.tolist(), cb.tolist())) == [(0, 2)]
    assert not len(closure_pairs(ia, ib, np.array([-6.0, 6.0]), threshold=-5.0)[0])
