"""Fellegi–Sunter scoring of person-record pairs ("is this the same person?").

Pure Python, no Flask. The real-time check and the batch scan both call
:func:`score_pair` (or :func:`score_features` on the same prepared features),
so a pair always gets the same score.

Score = match weight in bits: log2(prior odds) + sum of log2(m/u) per
comparison + a name-rarity (term-frequency) adjustment, as in Splink.
"""
from __future__ import annotations

import json
import math
import random
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Mapping, Sequence

from app.services.names import WEAK_TOKENS, consonant_skeleton, name_similarity, name_tokens, token_similarity

__all__ = [
    "PersonRecord",
    "MatchResult",
    "MatchModel",
    "COMPARISONS",
    "Features",
    "features",
    "compare_levels",
    "blocking_keys",
    "score_pair",
    "score_features",
    "score_batch",
    "token_frequencies",
    "train_em",
    "update_from_decisions",
    "nik_is_valid",
    "nik_birth_gender",
]

DEFAULT_MODEL_PATH = Path(__file__).with_name("match_model_default.json")


# --------------------------------------------------------------------------- records


@dataclass(frozen=True)
class PersonRecord:
    """A person as the matcher sees it (plain values, no ORM)."""

    id: int | str
    nama: str = ""
    aliases: tuple[str, ...] = ()
    nik: str | None = None
    no_kk: str | None = None
    jenis_kelamin: str = "U"
    tanggal_lahir: date | None = None
    tahun_lahir: int | None = None
    tahun_lahir_perkiraan: bool = False
    nama_ibu: str | None = None
    asal_wilayah_kode: str | None = None
    kelurahan_kodes: tuple[str, ...] = ()
    encounter_dates: tuple[date, ...] = ()


@dataclass
class MatchResult:
    """Outcome of comparing two records."""

    score: float
    probability: float
    decisive: bool = False
    conflicts: tuple[str, ...] = ()
    reasons: list[str] = field(default_factory=list)
    levels: dict[str, str] = field(default_factory=dict)


# Comparison -> ordered level names (level 0 is always "null": no evidence).
COMPARISONS: dict[str, tuple[str, ...]] = {
    "nama": ("null", "exact", "sangat_mirip", "mirip", "agak_mirip", "beda"),
    "nik": ("null", "sama", "beda_1_digit", "beda"),
    "no_kk": ("null", "sama", "beda"),
    "lahir": ("null", "tanggal_sama", "tahun_sama", "selisih_1", "selisih_3", "selisih_6", "jauh", "bertentangan"),
    "jenis_kelamin": ("null", "sama", "beda"),
    "nama_ibu": ("null", "sama", "mirip", "beda"),
    "asal": ("null", "kabkota_sama", "provinsi_sama", "beda"),
    "tempat": ("null", "kelurahan_sama", "kecamatan_sama", "beda"),
}
_TF_LEVELS = {"exact": 1.0, "sangat_mirip": 0.8, "mirip": 0.5}
_YEAR_TOL = {"date": 0, "year": 1, "estimate": 6}


# --------------------------------------------------------------------------- features


def nik_is_valid(nik: str | None) -> bool:
    """Structural NIK check: 16 digits, plausible province, date and serial."""
    if not nik or len(nik) != 16 or not nik.isdigit():
        return False
    prov, day, month = int(nik[:2]), int(nik[6:8]), int(nik[8:10])
    return 11 <= prov <= 96 and (1 <= day <= 31 or 41 <= day <= 71) and 1 <= month <= 12 and nik[12:] != "0000"


def nik_birth_gender(nik: str, year_hint: int | None = None) -> tuple[date | None, str]:
    """Birth date and gender a valid NIK encodes: digits 7–12 are DDMMYY, women's day + 40.

    The century is the one that puts the year nearest ``year_hint`` (a stated or
    estimated birth year), else the latest one not in the future.
    """
    day, month, yy = int(nik[6:8]), int(nik[8:10]), int(nik[10:12])
    gender = "P" if day > 40 else "L"
    this_year = date.today().year
    years = [c + yy for c in (1900, 2000) if c + yy <= this_year] or [1900 + yy]
    year = min(years, key=lambda y: abs(y - year_hint)) if year_hint else max(years)
    try:
        return date(year, month, day - 40 if day > 40 else day), gender
    except ValueError:  # e.g. 30 February: structurally valid, no real date
        return None, gender


def _digits(s: str | None) -> str | None:
    """Digits of ``s`` or None when empty."""
    if not s:
        return None
    d = "".join(c for c in s if c.isdigit())
    return d or None


def _code(s: str | None) -> str | None:
    """Region code without dots ("32.75.02.1002" -> "3275021002")."""
    return s.replace(".", "").strip() or None if s else None


@dataclass(frozen=True)
class Features:
    """Prepared, comparison-ready view of a record (computed once)."""

    names: tuple[tuple[str, ...], ...]
    raw_names: tuple[str, ...]
    nik: str | None
    nik_valid: bool
    kk: str | None
    gender: str | None
    birth_date: date | None
    year: int | None
    year_tol: int
    mother: tuple[str, ...]
    asal: str | None
    kelurahan: frozenset[str]
    kecamatan: frozenset[str]


@lru_cache(maxsize=300_000)
def features(rec: PersonRecord) -> Features:
    """Prepared features of a record (cached; records are immutable)."""
    names, raws = [], []
    for raw in (rec.nama, *rec.aliases):
        toks = tuple(name_tokens(raw)) if raw else ()
        if toks and toks not in names:
            names.append(toks)
            raws.append(raw.strip())
    nik = _digits(rec.nik)
    valid = nik_is_valid(nik)
    gender = rec.jenis_kelamin if rec.jenis_kelamin in ("L", "P") else None
    birth = rec.tanggal_lahir
    if valid and (birth is None or gender is None):  # the NIK states both (Dukcapil layout)
        nik_birth, nik_gender = nik_birth_gender(nik, rec.tahun_lahir)
        birth, gender = birth or nik_birth, gender or nik_gender
    year = birth.year if birth else rec.tahun_lahir
    if birth:
        tol = _YEAR_TOL["date"]
    else:
        tol = _YEAR_TOL["estimate" if rec.tahun_lahir_perkiraan else "year"]
    kel = frozenset(c for c in (_code(k) for k in rec.kelurahan_kodes) if c)
    return Features(
        names=tuple(names),
        raw_names=tuple(raws),
        nik=nik,
        nik_valid=valid,
        kk=_digits(rec.no_kk),
        gender=gender,
        birth_date=birth,
        year=year,
        year_tol=tol,
        mother=tuple(name_tokens(rec.nama_ibu)) if rec.nama_ibu else (),
        asal=_code(rec.asal_wilayah_kode),
        kelurahan=kel,
        kecamatan=frozenset(k[:6] for k in kel),
    )


# --------------------------------------------------------------------------- model


@dataclass
class MatchModel:
    """Fellegi–Sunter parameters, thresholds and a name-token frequency table."""

    prior: float
    m: dict[str, list[float]]
    u: dict[str, list[float]]
    review_threshold: float = 4.0
    likely_threshold: float = 10.0
    decisive_weight: float = 40.0
    token_freq: dict[str, float] = field(default_factory=dict)
    tf_unseen: float = 1e-4
    tf_clip: tuple[float, float] = (-8.0, 12.0)
    trained_on: str = ""
    prior_records: int = 0  # registry size the prior was estimated on (0: unknown)
    name_shape: dict[str, float] = field(default_factory=dict)  # "level:parts_a:parts_b" -> bits (<= 0)
    name_alias: dict[str, float] = field(default_factory=dict)  # "level:aliases used (0-2)" -> bits (<= 0)
    name_sim: dict[str, float] = field(default_factory=dict)  # "level:similarity bin" (sim_key) -> bits (<= 0)
    # batch scan's post-scoring step (match_batch.exclusivity_adjust): center, cut, bias, cn, ex_min, ex_max
    exclusivity: dict[str, float] = field(default_factory=dict)

    def weight(self, comp: str, level: int) -> float:
        """log2(m/u) of a comparison level (0 for the null level)."""
        if level == 0:
            return 0.0
        return math.log2(self.m[comp][level] / self.u[comp][level])

    def tf(self, token: str) -> float:
        """Probability that a random record's name contains ``token``."""
        return self.token_freq.get(token, self.tf_unseen)

    @property
    def prior_weight(self) -> float:
        """log2 prior odds that two random records are the same person."""
        return math.log2(self.prior / (1.0 - self.prior))

    def with_token_frequencies(self, freq: Mapping[str, float], unseen: float | None = None) -> "MatchModel":
        """Copy of the model using a registry's own token-frequency table.

        ``unseen`` is 1 / registry size (as :func:`token_frequencies` returns it); the prior is
        rescaled to that size, since each record has about as many duplicates in a small
        registry as in a large one, so P(two random records match) falls as 1 / n.
        """
        new = replace(self, token_freq=dict(freq), tf_unseen=unseen if unseen is not None else self.tf_unseen)
        if unseen and self.prior_records > 1:
            n = max(2.0, 1.0 / unseen)
            new = replace(new, prior=min(0.5, self.prior * (self.prior_records - 1) / (n - 1)), prior_records=round(n))
        return new

    def to_dict(self) -> dict:
        """JSON-ready dict."""
        return {
            "prior": self.prior,
            "review_threshold": self.review_threshold,
            "likely_threshold": self.likely_threshold,
            "decisive_weight": self.decisive_weight,
            "tf_unseen": self.tf_unseen,
            "tf_clip": list(self.tf_clip),
            "trained_on": self.trained_on,
            "prior_records": self.prior_records,
            "levels": {c: list(COMPARISONS[c]) for c in COMPARISONS},
            "m": self.m,
            "u": self.u,
            "token_freq": self.token_freq,
            "name_shape": self.name_shape,
            "name_alias": self.name_alias,
            "name_sim": self.name_sim,
            "exclusivity": self.exclusivity,
        }

    @classmethod
    def from_dict(cls, d: Mapping) -> "MatchModel":
        """Inverse of :meth:`to_dict`."""
        return cls(
            prior=d["prior"],
            m={k: list(v) for k, v in d["m"].items()},
            u={k: list(v) for k, v in d["u"].items()},
            review_threshold=d.get("review_threshold", 4.0),
            likely_threshold=d.get("likely_threshold", 10.0),
            decisive_weight=d.get("decisive_weight", 40.0),
            token_freq=dict(d.get("token_freq", {})),
            tf_unseen=d.get("tf_unseen", 1e-4),
            tf_clip=tuple(d.get("tf_clip", (-8.0, 12.0))),
            trained_on=d.get("trained_on", ""),
            prior_records=int(d.get("prior_records", 0)),
            name_shape={k: float(v) for k, v in d.get("name_shape", {}).items()},
            name_alias={k: float(v) for k, v in d.get("name_alias", {}).items()},
            name_sim={k: float(v) for k, v in d.get("name_sim", {}).items()},
            exclusivity={k: float(v) for k, v in d.get("exclusivity", {}).items()},
        )

    def save(self, path: str | Path) -> None:
        """Write the model as JSON."""
        Path(path).write_text(json.dumps(self.to_dict(), indent=1, sort_keys=True))

    @classmethod
    def load(cls, path: str | Path) -> "MatchModel":
        """Read a model from JSON."""
        return cls.from_dict(json.loads(Path(path).read_text()))

    @classmethod
    def default(cls) -> "MatchModel":
        """The shipped default model (trained on generated data)."""
        return _default_model()

    @classmethod
    def initial(cls) -> "MatchModel":
        """Hand-set starting parameters, used before any training."""
        return cls(prior=1e-4, m=_copy(_INITIAL_M), u=_copy(_INITIAL_U))


def _copy(d: Mapping[str, Sequence[float]]) -> dict[str, list[float]]:
    return {k: list(v) for k, v in d.items()}


# Starting guesses (index = level index; index 0 unused).
_INITIAL_M = {
    "nama": [1, 0.45, 0.3, 0.15, 0.06, 0.04],
    "nik": [1, 0.97, 0.02, 0.01],
    "no_kk": [1, 0.7, 0.3],
    "lahir": [1, 0.2, 0.15, 0.2, 0.25, 0.15, 0.04, 0.01],
    "jenis_kelamin": [1, 0.98, 0.02],
    "nama_ibu": [1, 0.8, 0.15, 0.05],
    "asal": [1, 0.85, 0.05, 0.1],
    "tempat": [1, 0.3, 0.4, 0.3],
}
_INITIAL_U = {
    "nama": [1, 0.001, 0.003, 0.01, 0.05, 0.936],
    "nik": [1, 1e-7, 1e-5, 0.99999],
    "no_kk": [1, 1e-5, 0.99999],
    "lahir": [1, 0.0002, 0.015, 0.03, 0.07, 0.1, 0.285, 0.5],
    "jenis_kelamin": [1, 0.5, 0.5],
    "nama_ibu": [1, 0.005, 0.02, 0.975],
    "asal": [1, 0.1, 0.2, 0.7],
    "tempat": [1, 0.02, 0.1, 0.88],
}


@lru_cache(maxsize=1)
def _default_model() -> MatchModel:
    if DEFAULT_MODEL_PATH.exists():
        return MatchModel.load(DEFAULT_MODEL_PATH)
    return MatchModel.initial()


# --------------------------------------------------------------------------- comparing


@dataclass
class _Detail:
    """Evidence details that reasons and TF adjustment need."""

    name_pair: tuple[int, int] = (0, 0)
    name_sim: float = 0.0
    year_diff: int | None = None
    shared_kel: str | None = None


def _best_name(fa: Features, fb: Features) -> tuple[float, int, int]:
    """Best similarity over all name/alias combinations and its indices."""
    best, bi, bj = 0.0, 0, 0
    for i, ta in enumerate(fa.names):
        for j, tb in enumerate(fb.names):
            s = name_similarity(ta, tb)
            if s > best:
                best, bi, bj = s, i, j
                if s >= 1.0:
                    return best, bi, bj
    return best, bi, bj


def _name_level(sim: float) -> int:
    """Level index of a name similarity."""
    if sim >= 1.0:
        return 1
    if sim >= 0.92:
        return 2
    if sim >= 0.85:
        return 3
    if sim >= 0.75:
        return 4
    return 5


def _nik_level(fa: Features, fb: Features) -> int:
    if not (fa.nik_valid and fb.nik_valid):
        return 0
    if fa.nik == fb.nik:
        return 1
    diff = sum(1 for x, y in zip(fa.nik, fb.nik) if x != y)
    return 2 if diff == 1 else 3


def _birth_level(fa: Features, fb: Features, d: _Detail) -> int:
    if fa.year is None or fb.year is None:
        return 0
    if fa.birth_date and fb.birth_date and fa.birth_date == fb.birth_date:
        return 1
    diff = abs(fa.year - fb.year)
    d.year_diff = diff
    exactish = fa.year_tol <= 1 and fb.year_tol <= 1
    if diff == 0:
        return 2
    if diff <= 1:
        return 3
    if diff <= 3 and not exactish:
        return 4
    if diff <= 6 and not exactish:
        return 5
    if diff > fa.year_tol + fb.year_tol + 1:  # beyond what the estimates allow
        return 7
    return 6


def _mother_level(fa: Features, fb: Features) -> int:
    if not fa.mother or not fb.mother:
        return 0
    s = name_similarity(fa.mother, fb.mother)
    return 1 if s >= 0.92 else 2 if s >= 0.8 else 3


def _asal_level(fa: Features, fb: Features) -> int:
    if not fa.asal or not fb.asal:
        return 0
    if fa.asal[:4] == fb.asal[:4]:
        return 1
    return 2 if fa.asal[:2] == fb.asal[:2] else 3


def _place_level(fa: Features, fb: Features, d: _Detail) -> int:
    if not fa.kelurahan or not fb.kelurahan:
        return 0
    shared = fa.kelurahan & fb.kelurahan
    if shared:
        d.shared_kel = min(shared)
        return 1
    return 2 if fa.kecamatan & fb.kecamatan else 3


def compare_levels(fa: Features, fb: Features) -> tuple[tuple[int, ...], _Detail]:
    """Comparison vector (one level index per comparison) plus details."""
    d = _Detail()
    if fa.names and fb.names:
        sim, i, j = _best_name(fa, fb)
        d.name_sim, d.name_pair = sim, (i, j)
        name_lvl = _name_level(sim)
    else:
        name_lvl = 0
    return (name_lvl, *_other_levels(fa, fb, d)), d


def _other_levels(fa: Features, fb: Features, d: _Detail) -> tuple[int, ...]:
    """Levels of every comparison except the name (fills ``d``'s birth and place details)."""
    kk = 0 if not (fa.kk and fb.kk) else (1 if fa.kk == fb.kk else 2)
    gender = 0 if not (fa.gender and fb.gender) else (1 if fa.gender == fb.gender else 2)
    return (
        _nik_level(fa, fb),
        kk,
        _birth_level(fa, fb, d),
        gender,
        _mother_level(fa, fb),
        _asal_level(fa, fb),
        _place_level(fa, fb, d),
    )


_COMP_NAMES = tuple(COMPARISONS)


def _tf_adjustment(fa: Features, fb: Features, d: _Detail, level: int, model: MatchModel) -> float:
    """Name-rarity adjustment: rare shared names count more, common ones less."""
    lvl_name = COMPARISONS["nama"][level]
    factor = _TF_LEVELS.get(lvl_name)
    if not factor:
        return 0.0
    ta, tb = fa.names[d.name_pair[0]], fb.names[d.name_pair[1]]
    p_share = _shared_token_probability(ta, tb, model)
    adj = math.log2(model.u["nama"][level] / max(p_share, 1e-12))
    lo, hi = model.tf_clip
    return factor * min(hi, max(lo, adj))


def shape_key(level: int, parts_a: int, parts_b: int) -> str:
    """Key of :attr:`MatchModel.name_shape`: name level and both names' part counts (capped at 3, sorted)."""
    a, b = min(parts_a, 3), min(parts_b, 3)
    return f"{level}:{min(a, b)}:{max(a, b)}"


def _shape_offset(ta: Sequence[str], tb: Sequence[str], level: int, model: MatchModel) -> float:
    """Name-shape correction (bits, <= 0) of a similar name: "Budi" = "Budi" is weaker than
    "Budi Santoso" = "Budi Santoso", and a near-equal name of a different shape ("Rahmawati" /
    "Ipeh Rahmawati") weaker still. Learned on the training registry (``dedup_quality.py``)."""
    if not model.name_shape or not _TF_LEVELS.get(COMPARISONS["nama"][level]):
        return 0.0
    return model.name_shape.get(shape_key(level, len(ta), len(tb)), 0.0)


# Edges of the similarity bins within a name level (sangat mirip: 0.92-0.94-0.96-0.98-1, mirip: 0.85-0.87-0.89-0.92).
SIM_BINS = (0.87, 0.89, 0.94, 0.96, 0.98)


def sim_key(level: int, sim: float) -> str:
    """Key of :attr:`MatchModel.name_sim`: name level and the number of ``SIM_BINS`` edges <= the similarity."""
    return f"{level}:{sum(1 for e in SIM_BINS if sim >= e)}"


def _sim_offset(sim: float, level: int, model: MatchModel) -> float:
    """Similarity correction (bits, <= 0) within a name level: a *sangat mirip* name at 0.93 is
    weaker evidence than one at 0.99. Learned on the training registry (``dedup_quality.py``)."""
    if not model.name_sim or not _TF_LEVELS.get(COMPARISONS["nama"][level]):
        return 0.0
    return model.name_sim.get(sim_key(level, sim), 0.0)


def _alias_offset(i: int, j: int, level: int, model: MatchModel) -> float:
    """Correction (bits, <= 0) when the compared names are aliases (street names, short forms)
    of one or both records: "Kang Odin" [Bonyok] / "Sanip" [Bonyok] is weak evidence."""
    if not model.name_alias or not _TF_LEVELS.get(COMPARISONS["nama"][level]):
        return 0.0
    return model.name_alias.get(f"{level}:{(i > 0) + (j > 0)}", 0.0)


def _name_adjustment(fa: Features, fb: Features, d: _Detail, level: int, model: MatchModel) -> float:
    """Rarity adjustment plus the name-shape, similarity and alias corrections of the compared names."""
    i, j = d.name_pair
    ta, tb = fa.names[i], fb.names[j]
    return (_tf_adjustment(fa, fb, d, level, model) + _shape_offset(ta, tb, level, model)
            + _sim_offset(d.name_sim, level, model) + _alias_offset(i, j, level, model))


def rarity_part(fa: Features, fb: Features, d: _Detail, level: int, adjustment: float, model: MatchModel) -> float:
    """The rarity share of a name adjustment (what the reasons call common or rare)."""
    if not (fa.names and fb.names):
        return adjustment
    i, j = d.name_pair
    sim = name_similarity(fa.names[i], fb.names[j]) if model.name_sim else 0.0  # d may carry only the pair
    return (adjustment - _shape_offset(fa.names[i], fb.names[j], level, model) - _sim_offset(sim, level, model)
            - _alias_offset(i, j, level, model))


def _strongest_name(fa: Features, fb: Features, d: _Detail, levels: tuple[int, ...], model: MatchModel):
    """Among name × alias combinations, the one with the most evidence (level weight + rarity)."""
    best_w, best = None, None
    for i, ta in enumerate(fa.names):
        for j, tb in enumerate(fb.names):
            sim = name_similarity(ta, tb)
            lvl = _name_level(sim)
            probe = _Detail(name_pair=(i, j), name_sim=sim)
            w = model.weight("nama", lvl) + _name_adjustment(fa, fb, probe, lvl, model)
            if best_w is None or w > best_w:
                best_w, best = w, (lvl, i, j, sim)
    lvl, i, j, sim = best
    d.name_pair, d.name_sim = (i, j), sim
    return (lvl, *levels[1:])


def _shared_token_probability(ta: Sequence[str], tb: Sequence[str], model: MatchModel) -> float:
    """P(a random record shares the name parts these two names actually share).

    Only the parts that found a partner count (the commoner spelling of the
    two), so "Dewi Painati" ≈ "Siti Dewi" is judged by "dewi" alone.
    """
    short, long = (ta, tb) if len(ta) <= len(tb) else (tb, ta)
    core = [t for t in short if t not in WEAK_TOKENS] or list(short)
    others = [t for t in long if t not in WEAK_TOKENS] or list(long)
    p_share, matched = 1.0, 0
    for t in core:
        best, partner = 0.0, None
        for u in others:
            sim = token_similarity(t, u)
            if sim > best:
                best, partner = sim, u
        if partner is not None and best >= 0.85:
            p_share *= max(model.tf(t), model.tf(partner))
            matched += 1
    if not matched:  # joined forms ("Nur Hayati" / "Nurhayati"): judge the whole shorter name
        for t in core:
            p_share *= model.tf(t)
    return p_share


def conflicts_of(fa: Features, fb: Features, levels: Sequence[int]) -> tuple[str, ...]:
    """Hard conflicts between two records (codes)."""
    out = []
    if levels[1] == 3:
        out.append("nik")
    if levels[4] == 2:
        out.append("jenis_kelamin")
    if fa.birth_date and fb.birth_date and fa.birth_date != fb.birth_date:
        out.append("tanggal_lahir")
    if fa.year is not None and fb.year is not None and abs(fa.year - fb.year) > fa.year_tol + fb.year_tol + 0:
        if "tanggal_lahir" not in out:
            out.append("tahun_lahir")
    if levels[5] == 3:
        out.append("nama_ibu")
    return tuple(out)


def name_evidence(fa: Features, fb: Features, model: MatchModel, d: _Detail | None = None) -> tuple[int, float]:
    """Name level and name adjustment (rarity + name-shape correction) of a pair.

    Depends only on the two records' names. The most similar name × alias
    combination sets the level; with aliases, the combination with the most
    evidence (level weight + adjustment) is used instead.
    """
    d = d if d is not None else _Detail()
    if not (fa.names and fb.names):
        return 0, 0.0
    sim, i, j = _best_name(fa, fb)
    d.name_sim, d.name_pair = sim, (i, j)
    lvl = _name_level(sim)
    if len(fa.names) > 1 or len(fb.names) > 1:
        lvl = _strongest_name(fa, fb, d, (lvl,), model)[0]
    return lvl, _name_adjustment(fa, fb, d, lvl, model)


def round6(score: float) -> float:
    """Round a weight to 6 decimals the same way numpy does it element-wise in score_batch."""
    return math.floor(score * 1e6 + 0.5) / 1e6


def score_features(
    fa: Features, fb: Features, model: MatchModel, place_names: Mapping[str, str] | None = None, explain: bool = True
) -> MatchResult:
    """Score two prepared records; the single scoring routine of both paths.

    :func:`score_batch` reproduces this arithmetic in the same order, so both give
    bit-identical scores.
    """
    d = _Detail()
    name_lvl, tf_adj = name_evidence(fa, fb, model, d)
    levels = (name_lvl, *_other_levels(fa, fb, d))
    score = model.prior_weight
    for comp, lvl in zip(_COMP_NAMES, levels):
        score += model.weight(comp, lvl)
    score += tf_adj
    decisive = levels[1] == 1
    if decisive:
        score = max(score, model.decisive_weight)
    score = round6(score)
    prob = 1.0 / (1.0 + 2.0 ** (-score)) if score > -60 else 0.0
    res = MatchResult(score=score, probability=prob, decisive=decisive, conflicts=conflicts_of(fa, fb, levels))
    if explain:
        res.levels = {c: COMPARISONS[c][lv] for c, lv in zip(_COMP_NAMES, levels)}
        res.reasons = _reasons(fa, fb, levels, d, rarity_part(fa, fb, d, name_lvl, tf_adj, model), place_names)
    return res


def score_batch(feats: Sequence[Features], ia, ib, model: MatchModel):
    """Scores of the pairs (feats[ia[k]], feats[ib[k]]) as a float numpy array.

    Element-wise bit-identical to ``score_features(feats[i], feats[j], model).score``;
    the batch scan's entry point (vectorised in :mod:`app.services.match_batch`;
    ``feats`` may also be a prebuilt ``match_batch.FeatureTable``).
    """
    from app.services.match_batch import score_batch as _score_batch

    return _score_batch(feats, ia, ib, model)


def score_pair(
    a: PersonRecord, b: PersonRecord, model: MatchModel | None = None, place_names: Mapping[str, str] | None = None
) -> MatchResult:
    """Score two records. ``place_names`` maps kelurahan kode -> name for reasons."""
    return score_features(features(a), features(b), model or MatchModel.default(), place_names)


# --------------------------------------------------------------------------- reasons

_BIRTH_REASONS = {
    1: "tanggal lahir sama",
    2: "tahun lahir sama",
    3: "tahun lahir ±1",
    4: "tahun lahir ±{d}",
    5: "tahun lahir ±{d} (perkiraan umur)",
    6: "tahun lahir berbeda jauh (selisih {d} tahun)",
    7: "tahun lahir tidak cocok (selisih {d} tahun)",
}


def _reasons(fa, fb, levels, d: _Detail, tf_adj: float, place_names) -> list[str]:
    """Indonesian explanations of the evidence, strongest first."""
    r: list[str] = []
    name, nik, kk, birth, gender, mother, asal, place = levels
    if nik == 1:
        r.append("NIK sama")
    elif nik == 2:
        r.append("NIK hampir sama (beda 1 digit)")
    elif nik == 3:
        r.append("NIK berbeda")
    if name:
        a_raw, b_raw = fa.raw_names[d.name_pair[0]], fb.raw_names[d.name_pair[1]]
        if name == 1 and a_raw.lower() == b_raw.lower():
            r.append(f"nama sama: {a_raw}")
        elif name <= 4:
            r.append(f"nama mirip: {a_raw} ≈ {b_raw}")
        else:
            r.append(f"nama berbeda: {a_raw} / {b_raw}")
        if tf_adj <= -1.0:
            r.append("nama umum: bukti lemah")
        elif tf_adj >= 3.0:
            r.append("nama jarang: bukti kuat")
    if kk == 1:
        r.append("No. KK sama")
    if birth:
        if fa.birth_date and fb.birth_date and fa.birth_date != fb.birth_date:
            r.append("tanggal lahir berbeda")
        else:
            r.append(_BIRTH_REASONS[birth].format(d=d.year_diff))
    if gender == 2:
        r.append("jenis kelamin berbeda")
    if mother:
        r.append({1: "nama ibu sama", 2: "nama ibu mirip", 3: "nama ibu berbeda"}[mother])
    if asal in (1, 2):
        r.append("asal daerah sama" if asal == 1 else "asal provinsi sama")
    if place == 1:
        name_of = _place_name(d.shared_kel, place_names)
        r.append(f"pernah terjaring di {name_of}")
    elif place == 2:
        r.append("pernah terjaring di kecamatan yang sama")
    return r


def _place_name(code: str | None, place_names: Mapping[str, str] | None) -> str:
    """Kelurahan name for a code, accepting dotted or undotted lookup keys."""
    if not code:
        return "-"
    if place_names:
        for key in (code, f"{code[:2]}.{code[2:4]}.{code[4:6]}.{code[6:]}"):
            if key in place_names:
                return place_names[key]
    return code


# --------------------------------------------------------------------------- blocking


def _decades(f: Features) -> list[int]:
    """Birth decades a record can fall into given its estimate tolerance (max 2)."""
    if f.year is None:
        return list(range(192, 203))
    return sorted({(f.year - 3) // 10, (f.year + 3) // 10})


def raw_blocking_keys(rec: PersonRecord | Features) -> set[str]:
    """Blocking keys before common-key compounding."""
    f = rec if isinstance(rec, Features) else features(rec)
    keys: set[str] = set()
    for toks in f.names:
        core = [t for t in toks if t not in WEAK_TOKENS] or list(toks)
        for t in core:
            if len(t) >= 2:
                keys.add("n:" + t)
            if len(t) >= 3:
                keys.add("s:" + consonant_skeleton(t))
            if len(t) >= 4:
                keys.add("x:" + t[-4:])  # nickname from the last syllables: Mulyanto ~ Yanto
            if len(t) >= 6:
                keys.add("f:" + t[:4])  # typos late in long names
            if 3 <= len(t) <= 7:  # symmetric-deletion keys catch one-letter typos in short names
                keys.update("d:" + t[:i] + t[i + 1 :] for i in range(len(t)))
                keys.add("d:" + t)
        if len(toks) >= 2:
            keys.add("n:" + "".join(toks))
        for t in toks:  # weak parts (Siti, Muhammad, ...) block only within gender + birth decade
            if t in WEAK_TOKENS:
                keys.update(compound_key("w:" + t, f))
        uniq = sorted(set(core))[:5]
        for i, x in enumerate(uniq):
            for y in uniq[i + 1 :]:
                keys.add(f"p:{x}|{y}")
    if f.nik and len(f.nik) == 16:
        keys.update(("nik:" + f.nik, "nk1:" + f.nik[:12], "nk2:" + f.nik[6:]))
    if f.birth_date:  # exact birth date (as Splink's block_on(dob)); compounded when common
        keys.add("dob:" + f.birth_date.isoformat())
    if f.kk and len(f.kk) == 16:
        keys.add("kk:" + f.kk)
    if f.mother:
        core = [t for t in f.mother if t not in WEAK_TOKENS] or list(f.mother)
        keys.add("ib:" + "".join(sorted(core)))
    return keys


def compound_key(key: str, f: Features) -> set[str]:
    """Split a common key by gender and birth decade (estimates span 2 decades)."""
    genders = [f.gender] if f.gender else ["L", "P"]
    return {f"{key}|{g}|{dec}" for g in genders for dec in _decades(f)}


_NEVER_COMPOUND = ("nik:", "nk1:", "nk2:", "kk:", "w:")


def blocking_keys(rec: PersonRecord | Features, common_keys: frozenset[str] | set[str] | None = None) -> set[str]:
    """Multi-key blocking keys of a record.

    Names (each canonical token, its consonant skeleton, token pairs and the
    joined name) over the name and every alias, NIK (whole and two halves for
    typos), No. KK and mother's name. Keys listed in ``common_keys`` (blocks
    that would be too large, e.g. "n:budi") are replaced by compound keys
    with gender and birth decade, so common names stay cheap while rare
    names block alone.
    """
    f = rec if isinstance(rec, Features) else features(rec)
    keys = raw_blocking_keys(f)
    if not common_keys:
        return keys
    out: set[str] = set()
    for k in keys:
        if k in common_keys and not k.startswith(_NEVER_COMPOUND):
            out |= compound_key(k, f)
        else:
            out.add(k)
    return out


def common_keys_for(key_counts: Mapping[str, int], max_block: int) -> frozenset[str]:
    """Keys whose block would exceed ``max_block`` records."""
    return frozenset(k for k, c in key_counts.items() if c > max_block)


# --------------------------------------------------------------------------- training


def token_frequencies(records: Iterable[PersonRecord], min_count: int = 2) -> tuple[dict[str, float], float]:
    """Share of records whose names contain each canonical token, plus the unseen rate."""
    counts: Counter[str] = Counter()
    n = 0
    for rec in records:
        n += 1
        toks: set[str] = set()
        for t in features(rec).names:
            toks.update(t)
        counts.update(toks)
    n = max(n, 1)
    freq = {t: c / n for t, c in counts.items() if c >= min_count}
    return freq, 1.0 / n


def _as_map(records) -> dict:
    return records if isinstance(records, Mapping) else {r.id: r for r in records}


def _random_u(recs: list[PersonRecord], n_pairs: int, rng: random.Random) -> dict[str, list[float]]:
    """u probabilities from random record pairs (as Splink's random sampling)."""
    counts = {c: [0.0] * len(lv) for c, lv in COMPARISONS.items()}
    for _ in range(n_pairs):
        a, b = rng.sample(recs, 2)
        levels, _ = compare_levels(features(a), features(b))
        for c, lv in zip(_COMP_NAMES, levels):
            counts[c][lv] += 1
    return _normalise(counts, smoothing=1.0)


def _normalise(counts: Mapping[str, list[float]], smoothing: float) -> dict[str, list[float]]:
    """Turn per-level counts (level 0 ignored) into probabilities."""
    out = {}
    for c, row in counts.items():
        vals = [row[i] + smoothing for i in range(1, len(row))]
        tot = sum(vals)
        out[c] = [1.0] + [v / tot for v in vals]
    return out


def train_em(
    records: Iterable[PersonRecord] | Mapping,
    candidate_pairs: Iterable[tuple],
    model: MatchModel | None = None,
    max_iter: int = 25,
    u_pairs: int = 30_000,
    seed: int = 0,
) -> MatchModel:
    """Unsupervised training, as Splink does it.

    1. u by random sampling of record pairs (fixed afterwards).
    2. EM session on ``candidate_pairs`` (name-blocked, (id_a, id_b)): the
       name comparison is the blocking variable, so it is left out and the
       other comparisons' m plus the match rate are estimated.
    3. EM session on pairs with the same birth date: estimates the name
       comparison's m with birth and gender left out.
    Thresholds are kept; the token-frequency table comes from ``records``.
    """
    base = model or MatchModel.initial()
    recs = _as_map(records)
    rec_list = list(recs.values())
    rng = random.Random(seed)
    u = _random_u(rec_list, u_pairs, rng) if len(rec_list) > 50 else _copy(base.u)
    cand = _patterns((recs[a], recs[b]) for a, b in candidate_pairs)
    n_cand = sum(cand.values())
    # Session 1: candidate pairs whose names agree closely (Splink's block_on(name)); the name
    # comparison is the blocking variable, so it is ignored. A loose blocking set (1 % matches)
    # lets EM lock onto the wrong class, hence the tight subset.
    named = Counter({k: v for k, v in cand.items() if k[0] in (1, 2)})
    if sum(named.values()) < _EM_MIN_PAIRS:  # too little to learn from: keep the base model's m and prior
        return replace(base, trained_on=f"EM on {len(rec_list)} records: only {sum(named.values())} closely-named "
                                        "pairs, base model kept")
    m1, lam1 = _em_session(named, base.m, u, 0.1, {"nama"}, max_iter)
    # Session 2: pairs with the same birth date (block_on(dob)); estimates the name's m with
    # birth and gender ignored.
    demo = Counter({k: v for k, v in _patterns(_demographic_pairs(rec_list, rng)).items() if k[3] == 1})
    enough = sum(demo.values()) >= _EM_MIN_PAIRS
    m2, _ = _em_session(demo, m1, u, 0.3, {"lahir", "jenis_kelamin"}, max_iter) if enough else (m1, 0.0)
    lam = lam1 * sum(named.values()) / max(n_cand, 1)
    m = {c: (m2[c] if c == "nama" else m1[c]) for c in COMPARISONS}
    n = len(rec_list)
    prior = min(0.5, max(1e-9, lam * n_cand / max(n * (n - 1) / 2, 1.0)))
    freq, unseen = token_frequencies(rec_list)
    return replace(base, m=m, u=u, prior=prior, token_freq=freq, tf_unseen=unseen, prior_records=n,
                   trained_on=f"EM on {n} records, {n_cand} candidate pairs")


_EM_MIN_PAIRS = 20


def _em_session(patterns, m, u, lam, ignore: set[str], max_iter: int):
    """EM over aggregated patterns with ``u`` fixed (from random sampling), as Splink does.

    Comparisons in ``ignore`` (the session's blocking variables) neither vote in
    the E-step nor get re-estimated.
    """
    m = _copy(m)
    for _ in range(max_iter):
        new_m, lam = _em_step(patterns, m, u, lam, ignore)
        m = {c: (m[c] if c in ignore else new_m[c]) for c in COMPARISONS}
    return m, lam


def _patterns(pairs: Iterable[tuple[PersonRecord, PersonRecord]]) -> Counter:
    """Aggregated comparison vectors of record pairs."""
    out: Counter[tuple[int, ...]] = Counter()
    for a, b in pairs:
        out[compare_levels(features(a), features(b))[0]] += 1
    return out


def _demographic_pairs(recs: list[PersonRecord], rng: random.Random, limit: int = 100_000):
    """Pairs sharing an exact birth date (a second, name-independent blocking)."""
    groups: dict[date, list[PersonRecord]] = {}
    for r in recs:
        f = features(r)
        if f.birth_date:
            groups.setdefault(f.birth_date, []).append(r)
    pairs = []
    for g in groups.values():
        for i in range(len(g)):
            for j in range(i + 1, len(g)):
                pairs.append((g[i], g[j]))
    rng.shuffle(pairs)
    return pairs[:limit]


def _em_step(patterns, m, u, lam, ignore: set[str] = frozenset()):
    """One EM iteration over aggregated comparison patterns: new m and lambda (u kept)."""
    cm = {c: [0.0] * len(lv) for c, lv in COMPARISONS.items()}
    cu = {c: [0.0] * len(lv) for c, lv in COMPARISONS.items()}
    tot_p, tot = 0.0, 0.0
    lm0, lu0 = math.log(lam), math.log(1 - lam)
    for levels, n in patterns.items():
        lm, lu = lm0, lu0
        for c, lv in zip(_COMP_NAMES, levels):
            if lv and c not in ignore:
                lm += math.log(m[c][lv])
                lu += math.log(u[c][lv])
        p = 1.0 / (1.0 + math.exp(max(-50.0, min(50.0, lu - lm))))
        tot_p += p * n
        tot += n
        for c, lv in zip(_COMP_NAMES, levels):
            cm[c][lv] += p * n
            cu[c][lv] += (1 - p) * n
    lam = min(0.5, max(1e-6, tot_p / max(tot, 1)))
    return _normalise(cm, smoothing=0.5), lam


def update_from_decisions(
    model: MatchModel, labelled_pairs: Iterable[tuple[PersonRecord, PersonRecord, bool]],
    m_strength: float = 200.0, u_strength: float = 2000.0,
) -> MatchModel:
    """Blend reviewer decisions into m (from "sama") and u (from "berbeda").

    Each decision is a pseudo-observation; the current parameters act as a
    prior worth ``m_strength`` / ``u_strength`` pairs per comparison, so a
    handful of decisions nudges the model without overturning it. "berbeda"
    pairs are hard negatives, hence the heavier u prior.
    """
    same = {c: [0.0] * len(lv) for c, lv in COMPARISONS.items()}
    diff = {c: [0.0] * len(lv) for c, lv in COMPARISONS.items()}
    for a, b, is_same in labelled_pairs:
        levels, _ = compare_levels(features(a), features(b))
        target = same if is_same else diff
        for c, lv in zip(_COMP_NAMES, levels):
            target[c][lv] += 1
    return replace(model, m=_blend(model.m, same, m_strength), u=_blend(model.u, diff, u_strength))


def _blend(probs: Mapping[str, list[float]], counts: Mapping[str, list[float]], strength: float) -> dict:
    """Posterior mean of level probabilities with a Dirichlet prior from ``probs``."""
    out = {}
    for c, p in probs.items():
        obs = counts[c]
        n = sum(obs[1:])
        out[c] = [1.0] + [(strength * p[i] + obs[i]) / (strength + n) for i in range(1, len(p))]
    return out
