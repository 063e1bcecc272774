"""Isolated report test data in a past year, and an independent Python reference count."""
from __future__ import annotations

import datetime as dt
import uuid

K1, K2 = "32.75.01", "32.75.02"  # Bekasi Timur, Bekasi Barat
YEAR = 2011
D = dt.datetime

# name: (gender, kecamatan, ppks type nomor list, archived, merged_into, [(waktu, sumber, archived)])
PERSONS = {
    "A": ("L", K1, [4, 22], False, None, [(D(YEAR, 10, 1, 0, 0, 0), "patroli", False),
                                          (D(YEAR, 10, 15, 9), "razia", False),
                                          (D(YEAR, 8, 1, 10), "patroli", False)]),
    "B": ("P", K1, [21], False, None, [(D(YEAR, 10, 31, 23, 59, 59), "razia", False)]),
    "B2": ("P", K2, [21], False, "B", [(D(YEAR, 10, 12, 8), "laporan", False)]),
    "C": ("P", K2, [21], False, None, [(D(YEAR, 10, 10, 8), "laporan", False)]),
    "C2": ("P", K2, [21], False, "C", [(D(YEAR, 10, 20, 8), "patroli", False)]),
    "E": ("L", K2, [22], True, None, [(D(YEAR, 10, 3, 8), "razia", False)]),
    "F": ("L", K1, [22], False, None, [(D(YEAR, 10, 3, 8), "razia", True)]),
    "G": ("L", K1, [22], False, None, [(D(YEAR, 11, 1, 0, 0, 0), "razia", False)]),
    "H": ("L", K1, [22], False, None, [(D(YEAR, 9, 30, 23, 59, 59), "razia", False)]),
    "I": ("U", K2, [], False, None, [(D(YEAR, 10, 5, 8), "datang_sendiri", False)]),
}


def create(session) -> dict[str, int]:
    """Insert the scenario; returns name -> person id."""
    from app.models import Encounter, JenisPPKS, Person

    types = {j.nomor: j for j in session.query(JenisPPKS)}
    ids: dict[str, int] = {}
    tag = uuid.uuid4().hex[:6]
    for name, (g, kec, jenis, archived, _m, encs) in PERSONS.items():
        p = Person(nama=f"Rpt {name} {tag}", jenis_kelamin=g, kecamatan_kode=kec,
                   kelurahan_kode=f"{kec}.1001", is_archived=archived,
                   jenis_ppks=[types[n] for n in jenis])
        session.add(p)
        session.flush()
        ids[name] = p.id
        for waktu, sumber, enc_arch in encs:
            session.add(Encounter(person_id=p.id, waktu=waktu, sumber=sumber,
                                  kecamatan_kode=kec, kelurahan_kode=f"{kec}.1001",
                                  latitude=-6.25, longitude=107.0, is_archived=enc_arch))
    for name, spec in PERSONS.items():
        if spec[4]:
            session.get(Person, ids[name]).merged_into_id = ids[spec[4]]
    session.commit()
    return ids


def expected_rekap(year: int, month: int, kecamatan: str | None, type_names: dict[int, str]):
    """Reference figures computed in plain Python from PERSONS."""
    start = D(year, month, 1)
    end = D(year + (month == 12), month % 12 + 1, 1)
    survivor = {n: (s[4] or n) for n, s in PERSONS.items()}
    valid = {n for n, s in PERSONS.items() if not s[3] and s[4] is None
             and (kecamatan is None or s[1] == kecamatan)}
    met, before, enc_src = set(), set(), {}
    for n, s in PERSONS.items():
        for waktu, sumber, arch in s[5]:
            sv = survivor[n]
            if arch or sv not in valid:
                continue
            if start <= waktu < end:
                met.add(sv)
                e = enc_src.setdefault(sumber, [0, set()])
                e[0] += 1
                e[1].add(sv)
            elif waktu < start:
                before.add(sv)

    def gcount(names):
        out = {"L": 0, "P": 0, "U": 0}
        for n in names:
            out[PERSONS[n][0]] += 1
        out["J"] = len(names)
        return out

    by_jenis: dict[str, set] = {}
    by_kec: dict[str, set] = {}
    matrix: dict[tuple, set] = {}
    for n in met:
        kec = PERSONS[n][1]
        by_kec.setdefault(kec, set()).add(n)
        for j in PERSONS[n][2] or [None]:
            jn = type_names[j] if j else "-"
            by_jenis.setdefault(jn, set()).add(n)
            matrix.setdefault((kec, jn), set()).add(n)
    return {
        "total": gcount(met), "returners": len(met & before), "new": len(met - before),
        "by_jenis": {k: gcount(v) for k, v in by_jenis.items()},
        "by_kecamatan": {k: gcount(v) for k, v in by_kec.items()},
        "matrix": {k: gcount(v) for k, v in matrix.items()},
        "by_source": {k: {"encounters": v[0], "persons": len(v[1])} for k, v in enc_src.items()},
    }
