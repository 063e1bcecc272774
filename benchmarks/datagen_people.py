"""Labelled synthetic registry of Indonesian street PPKS for matcher benchmarks.

Each true person is recorded 1–6 times with field noise: old spellings,
Muhammad/Siti/Abdul variants, nicknames and alias-only records, dropped or
swapped name parts, typos, titles, NIK/KK mostly missing, exact birth dates
for a minority and estimated ages for the rest, different kelurahan of Kota
Bekasi, and many distinct people sharing common single names.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from app.services.matching import PersonRecord
from benchmarks import name_pools_id as NP

# Kota Bekasi kelurahan (Kemendagri codes, Kepmendagri 2025), copied from the reference list.
KELURAHAN: dict[str, str] = dict(
    line.split(",")
    for line in """32.75.01.1001,Bekasijaya 32.75.01.1002,Margahayu 32.75.01.1003,Durenjaya
32.75.01.1004,Arenjaya 32.75.02.1001,Bintara 32.75.02.1002,Kranji 32.75.02.1003,Kotabaru
32.75.02.1004,Bintarajaya 32.75.02.1005,Jakasampurna 32.75.03.1001,Kaliabang_Tengah
32.75.03.1002,Perwira 32.75.03.1003,Harapanbaru 32.75.03.1004,Teluk_Pucung 32.75.03.1005,Margamulya
32.75.03.1006,Harapanjaya 32.75.04.1001,Pekayonjaya 32.75.04.1002,Margajaya 32.75.04.1003,Jakamulya
32.75.04.1004,Jakasetia 32.75.04.1005,Kayuringinjaya 32.75.05.1001,Bojong_Rawalumbu
32.75.05.1002,Pengasinan 32.75.05.1003,Sepanjangjaya 32.75.05.1004,Bojongmenteng
32.75.06.1001,Medansatria 32.75.06.1002,Harapanmulya 32.75.06.1003,Pejuang 32.75.06.1004,Kalibaru
32.75.07.1003,Bantargebang 32.75.07.1004,Cikiwul 32.75.07.1007,Ciketingudik 32.75.07.1008,Sumurbatu
32.75.08.1001,Jatiwaringin 32.75.08.1002,Jatibening 32.75.08.1003,Jatimakmur 32.75.08.1006,Jatibening_Baru
32.75.08.1007,Jaticempaka 32.75.09.1001,Jatimekar 32.75.09.1002,Jatiasih 32.75.09.1003,Jatikramat
32.75.09.1004,Jatirasa 32.75.09.1005,Jatiluhur 32.75.09.1006,Jatisari 32.75.10.1001,Jatisampurna
32.75.10.1002,Jatikarya 32.75.10.1003,Jatiranggon 32.75.10.1004,Jatirangga 32.75.10.1005,Jatiraden
32.75.11.1001,Padurenan 32.75.11.1002,Cimuning 32.75.11.1003,Mustikajaya 32.75.11.1004,Mustikasari
32.75.12.1001,Jatirahayu 32.75.12.1002,Jatiwarna 32.75.12.1003,Jatimelati 32.75.12.1004,Jatimurni""".split()
)
KELURAHAN = {k: v.replace("_", " ") for k, v in KELURAHAN.items()}
_KEC: dict[str, list[str]] = {}
for _k in KELURAHAN:
    _KEC.setdefault(_k[:8], []).append(_k)

# Common places of origin (Kemendagri kab/kota codes).
ASAL = ("32.75 32.16 32.01 32.76 31.75 31.72 32.15 32.12 32.09 32.05 32.03 32.02 33.29 33.28 33.27 "
        "33.01 33.02 33.05 36.03 36.71 18.01 12.71 35.78 32.10 32.14").split()

STREET_NICKS = NP.STREET_NICKS
MUHAMMAD = ("Muhammad Muhamad Mohammad Mohamad Mochammad Mochamad Muchammad Mukhammad Mohamed Muhamat "
            "Moh. Moch. Muh. M. Mhd. Mhd Moh Mochd. Md. Muhammed Muhammat").split()
SITI = ["Siti", "Sitti", "St."]
TITLES = ["Bpk", "Pak", "Ibu", "Bu", "Mbah", "H.", "Hj.", "Bang", "Mas", "Kang"]
_OLD = [("u", "oe"), ("j", "dj"), ("c", "tj"), ("y", "j"), ("kh", "ch"), ("ny", "nj"), ("sy", "sj")]


@dataclass
class Person:
    """The hidden truth about one person."""

    pid: int
    gender: str
    name: list[str]
    nick: str | None
    birth: date
    nik: str | None
    kk: str | None
    mother: str | None
    asal: str
    home_kec: str


_CUM: dict[tuple, list[float]] = {}


def _zipf_pick(rng: random.Random, pool: list[str], s: float = 1.0, q: float = 2.0) -> str:
    """Pick with a Zipf–Mandelbrot skew (weight 1/(rank+1+q)^s): few common names, long tail."""
    key = (id(pool), len(pool), s, q)
    if key not in _CUM:
        _CUM[key] = NP.zipf_cum(len(pool), s, q)
    return rng.choices(pool, cum_weights=_CUM[key])[0]


def _last_two_syllables(t: str) -> str:
    """Rough last two syllables: 'Mulyanto' -> 'yanto', 'Sutrisno' -> 'trisno'."""
    low = t.lower()
    groups = [i for i, c in enumerate(low) if c in "aeiou" and (i == 0 or low[i - 1] not in "aeiou")]
    if len(groups) < 3:
        return low
    i = groups[-2]
    j = i - 1 if low[i - 2:i] not in ("tr", "pr", "kr", "br", "gr", "dr", "ng", "ny", "sw", "kh", "sy") else i - 2
    return low[j:]


class Generator:
    """Builds persons and noisy records reproducibly from a seed."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.given = NP.given_pools(seed)
        self.second = {"L": list(NP.SECOND_M), "P": list(NP.SECOND_F)}
        self.arabic = {"L": list(NP.ARABIC_M), "P": list(NP.ARABIC_F)}
        self.stats: dict[str, int] = {}

    # ----------------------------------------------------------------- persons
    def person(self, pid: int) -> Person:
        rng = self.rng
        g = "L" if rng.random() < 0.6 else "P"
        name = self._name(g)
        age = int(rng.triangular(4, 85, 35))
        birth = date(2025 - age, 1, 1) + timedelta(days=rng.randrange(365))
        nick = None
        if rng.random() < 0.5:
            nick = rng.choice(STREET_NICKS) if rng.random() < 0.4 else self._short(name)
        return Person(
            pid=pid, gender=g, name=name, nick=nick, birth=birth,
            nik=self._nik(g, birth) if rng.random() < 0.6 else None,
            kk="3275" + "".join(rng.choice("0123456789") for _ in range(12)) if rng.random() < 0.4 else None,
            mother=self._mother() if rng.random() < 0.8 else None,
            asal=rng.choice(ASAL), home_kec=rng.choice(sorted(_KEC)),
        )

    def _name(self, g: str) -> list[str]:
        """A 1–3 part name; the mix and pools are documented in docs/matching.md."""
        rng = self.rng
        x = rng.random()
        given = lambda: _zipf_pick(rng, self.given[g], 1.0, 8.0)  # noqa: E731
        if x < 0.05:  # Batak: given name + marga
            kind, parts = "batak", [rng.choice(NP.BATAK_M if g == "L" else NP.BATAK_F), _zipf_pick(rng, NP.MARGA, 0.8)]
        elif x < 0.08:  # Chinese-Indonesian
            if rng.random() < 0.4:
                given_cn = rng.choice(NP.CHINESE_GIVEN_M if g == "L" else NP.CHINESE_GIVEN_F)
                kind, parts = "chinese", [rng.choice(NP.CHINESE_SUR), *given_cn.split()]
            else:
                kind = "chinese"
                parts = [rng.choice(NP.CHINESE_FIRST_M if g == "L" else NP.CHINESE_FIRST_F), rng.choice(NP.CHINESE_INDO)]
        elif x < 0.10:  # Balinese: I/Ni + birth-order name + given name
            kind = "bali"
            parts = ["I" if g == "L" else "Ni", rng.choice(NP.BALI_ORDER), rng.choice(NP.BALI_M if g == "L" else NP.BALI_F)]
        elif x < 0.24:  # Arabic-derived with Muhammad / Abdul / Siti / Nur prefix
            kind = "arabic"
            if g == "L":
                pre = "Muhammad" if rng.random() < 0.75 else "Abdul"
            else:
                pre = "Siti" if rng.random() < 0.7 else "Nur"
            parts = [pre, _zipf_pick(rng, self.arabic[g], 0.9) if rng.random() < 0.6 else given()]
            if rng.random() < 0.25:
                parts.append(_zipf_pick(rng, self.second[g], 0.9))
        else:  # Javanese / Sundanese / Betawi / modern: 1–3 parts
            y = rng.random()
            kind = "single" if y < 0.42 else "double" if y < 0.88 else "triple"
            parts = [given()]
            if kind != "single":
                parts.append(_zipf_pick(rng, self.second[g], 0.9) if rng.random() < 0.6 else given())
            if kind == "triple":
                parts.insert(1, given())
            if len(set(parts)) < len(parts):
                parts = list(dict.fromkeys(parts))
        self.stats[kind] = self.stats.get(kind, 0) + 1
        return parts

    def _short(self, name: list[str]) -> str:
        """Javanese/Sundanese-style short form from the last syllables of a name part."""
        core = [t for t in name if t not in ("Muhammad", "Abdul", "Siti", "Nur", "I", "Ni", *NP.BALI_ORDER)]
        t = self.rng.choice(core or name)
        return _last_two_syllables(t).capitalize() if len(t) > 5 else t

    def _mother(self) -> str:
        f = _zipf_pick(self.rng, self.given["P"], 1.0, 8.0)
        return f if self.rng.random() < 0.6 else f"{f} {_zipf_pick(self.rng, self.second['P'], 0.9)}"

    def _nik(self, g: str, b: date) -> str:
        rng = self.rng
        region = rng.choice(["3275", "3216", "3201", "3175", "3329", "3212"]) + f"{rng.randint(1, 12):02d}"
        day = b.day + (40 if g == "P" else 0)
        return f"{region}{day:02d}{b.month:02d}{b.year % 100:02d}{rng.randint(1, 9999):04d}"

    # ----------------------------------------------------------------- records
    def record(self, rid: int, p: Person) -> PersonRecord:
        rng = self.rng
        aliases: tuple[str, ...] = ()
        if p.nick and rng.random() < 0.06:
            nama = p.nick
        else:
            nama = self._noisy_name(p.name)
            if p.nick and rng.random() < 0.45:
                aliases = (p.nick,)
        tgl, thn, est = None, None, False
        x = rng.random()
        if x < 0.25:
            tgl = p.birth if rng.random() > 0.03 else p.birth.replace(day=max(1, min(28, p.birth.day + rng.choice([-1, 1, 10]))))
        elif x < 0.87:
            thn, est = p.birth.year + max(-6, min(6, round(rng.gauss(0, 2.5)))), True
        kode = rng.choice(_KEC[p.home_kec]) if rng.random() < 0.65 else rng.choice(list(KELURAHAN))
        when = date(2023, 1, 1) + timedelta(days=rng.randrange(1000))
        return PersonRecord(
            id=rid, nama=nama, aliases=aliases,
            nik=self._maybe_typo_digits(p.nik) if p.nik and rng.random() < 0.2 else None,
            no_kk=p.kk if p.kk and rng.random() < 0.12 else None,
            jenis_kelamin=p.gender if rng.random() > 0.03 else "U",
            tanggal_lahir=tgl, tahun_lahir=thn, tahun_lahir_perkiraan=est,
            nama_ibu=self._noisy_name(p.mother.split(), light=True) if p.mother and rng.random() < 0.25 else None,
            asal_wilayah_kode=p.asal if rng.random() < 0.4 else None,
            kelurahan_kodes=(kode,), encounter_dates=(when,),
        )

    def _maybe_typo_digits(self, nik: str) -> str:
        if self.rng.random() < 0.03:
            i = self.rng.randrange(12, 16)
            return nik[:i] + str((int(nik[i]) + 1) % 10) + nik[i + 1:]
        return nik

    def _noisy_name(self, parts: list[str], light: bool = False) -> str:
        rng = self.rng
        toks = list(parts)
        scale = 0.4 if light else 1.0
        toks = [self._variant(t) for t in toks]
        if rng.random() < 0.22 * scale:
            i = rng.randrange(len(toks))
            toks[i] = self._old_spelling(toks[i])
        if len(toks) >= 2 and rng.random() < 0.15 * scale:
            toks.pop(rng.randrange(len(toks)))
        if len(toks) >= 2 and rng.random() < 0.08 * scale:
            toks.reverse()
        if rng.random() < 0.15 * scale:
            i = rng.randrange(len(toks))
            toks[i] = self._typo(toks[i])
        if rng.random() < 0.05 * scale:
            i = rng.randrange(len(toks))
            toks[i] = self._double(toks[i])
        if rng.random() < 0.08 * scale:
            toks.insert(0, rng.choice(TITLES))
        s = " ".join(toks)
        x = rng.random()
        return s.upper() if x < 0.2 else s.lower() if x < 0.3 else s

    def _variant(self, t: str) -> str:
        if t == "Muhammad":
            return self.rng.choice(MUHAMMAD) if self.rng.random() < 0.7 else t
        if t == "Siti":
            return self.rng.choice(SITI) if self.rng.random() < 0.3 else t
        return t

    def _old_spelling(self, t: str) -> str:
        low = t.lower()
        for new, old in self.rng.sample(_OLD, len(_OLD)):
            if new in low:
                return low.replace(new, old).capitalize()
        return t

    def _typo(self, t: str) -> str:
        rng = self.rng
        if len(t) < 4:
            return t
        i = rng.randrange(1, len(t) - 1)
        op = rng.random()
        if op < 0.3:
            return t[:i] + t[i + 1:]
        if op < 0.6:
            return t[:i] + rng.choice("aiueonrstkm") + t[i + 1:]
        if op < 0.8:
            return t[:i] + t[i + 1] + t[i] + t[i + 2:]
        return t[:i] + rng.choice("aiueo") + t[i:]

    def _double(self, t: str) -> str:
        if len(t) < 3:
            return t
        for i in range(1, len(t) - 1):
            if t[i] == t[i + 1]:
                return t[:i] + t[i + 1:]
        i = self.rng.randrange(1, len(t))
        return t[:i] + t[i] + t[i:]


def generate(n_persons: int, seed: int = 1) -> tuple[list[PersonRecord], dict, list[Person]]:
    """Records (shuffled), truth {record_id: person_id} and the persons."""
    gen = Generator(seed)
    weights = [0.45, 0.25, 0.13, 0.08, 0.05, 0.04]
    persons, records, truth = [], [], {}
    rid = 0
    for pid in range(n_persons):
        p = gen.person(pid)
        persons.append(p)
        k = gen.rng.choices(range(1, 7), weights)[0]
        for _ in range(k):
            records.append(gen.record(rid, p))
            truth[rid] = pid
            rid += 1
    gen.rng.shuffle(records)
    return records, truth, persons
