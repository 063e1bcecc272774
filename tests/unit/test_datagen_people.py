"""The labelled synthetic registry keeps a realistic, skewed name distribution and its noise."""
from collections import Counter

from benchmarks.datagen_people import generate


def test_generator_is_reproducible_and_skewed():
    recs, truth, persons = generate(1000, seed=3)
    again, _, _ = generate(1000, seed=3)
    assert [r.nama for r in recs] == [r.nama for r in again]
    parts = Counter(len(p.name) for p in persons)
    assert 0.2 < parts[1] / len(persons) < 0.45 and parts[3] > 0
    tokens = Counter(t for p in persons for t in p.name)
    assert {"Muhammad", "Siti"} <= set(tokens) and len(tokens) > 500
    assert tokens.most_common(1)[0][1] >= 40  # a common part recurs many times
    full = Counter(" ".join(p.name) for p in persons)
    assert full.most_common(1)[0][1] >= 3  # distinct people share a common single name


def test_generator_keeps_the_hard_noise():
    recs, truth, persons = generate(1000, seed=4)
    assert sum(1 for r in recs if r.nik) / len(recs) < 0.3  # NIK missing for most
    assert 0.1 < sum(1 for r in recs if r.tanggal_lahir) / len(recs) < 0.4
    assert any(r.tahun_lahir_perkiraan for r in recs)
    nick_only = {p.nick for p in persons if p.nick}
    assert any(r.nama in nick_only and not r.aliases for r in recs)
    assert len({truth[r.id] for r in recs}) == len(persons)
