"""Demo data: generated with Faker id_ID — never real people.

Persons get realistic PPKS types and kecamatan, several encounters each; some
are registered again under another spelling or without NIK, so the duplicate
review has real work to show.  Everything goes through the intake service.
"""
from __future__ import annotations

import datetime as dt
import random
from typing import Callable

from faker import Faker
from sqlalchemy import select

from app.models import JenisPPKS, Wilayah
from app.models.base import now_local
from app.services import intake
from app.services.scope import Scope

STREET_WEIGHTS = {11: 30, 12: 25, 4: 18, 13: 12, 8: 6, 9: 5, 2: 4}
KECAMATAN_WEIGHTS = {"32.75.01": 14, "32.75.02": 14, "32.75.03": 12, "32.75.04": 16,
                     "32.75.05": 6, "32.75.06": 7, "32.75.07": 8, "32.75.08": 8,
                     "32.75.09": 6, "32.75.10": 3, "32.75.11": 4, "32.75.12": 2}
SPELLING_VARIANTS = [("u", "oe"), ("j", "dj"), ("y", "j"), ("c", "tj"), ("kh", "ch")]
NICKNAMES = ["Ujang", "Asep", "Entong", "Udin", "Mamat", "Ucok", "Iwan", "Bejo", "Tole", "Mbok",
             "Cici", "Neng", "Acil", "Gendut", "Kribo", "Item", "Botak", "Ipin", "Otong"]


def _variant(name: str, rng: random.Random) -> str:
    for modern, old in rng.sample(SPELLING_VARIANTS, len(SPELLING_VARIANTS)):
        if modern in name.lower():
            return name.replace(modern, old, 1).replace(modern.capitalize(), old.capitalize(), 1)
    return name + rng.choice(["h", "i"])


def _nik(kel_kode: str, birth: dt.date, gender: str, rng: random.Random) -> str:
    day = birth.day + (40 if gender == "P" else 0)
    region = kel_kode.replace(".", "")[:6]
    return f"{region}{day:02d}{birth.month:02d}{birth.year % 100:02d}{rng.randint(1, 9999):04d}"


def generate(session, persons: int, seed: int = 2026,
             progress: Callable[[int], None] | None = None) -> dict[str, int]:
    """Create `persons` demo persons with encounters; returns counts."""
    fake = Faker("id_ID")
    fake.seed_instance(seed)
    rng = random.Random(seed)
    ppks = {j.nomor: j for j in session.scalars(select(JenisPPKS))}
    kelurahan = {}
    for w in session.scalars(select(Wilayah).where(Wilayah.level == "kelurahan",
                                                   Wilayah.kode.startswith("32.75."))):
        kelurahan.setdefault(w.parent_kode, []).append(w.kode)
    provinces = [w.kode for w in session.scalars(select(Wilayah).where(Wilayah.level == "provinsi"))]
    scope = Scope.everything()
    today = now_local()
    counts = {"persons": 0, "encounters": 0, "variants": 0}
    kec_codes, kec_weights = zip(*KECAMATAN_WEIGHTS.items())
    for index in range(persons):
        gender = rng.choice("LLLP")
        first = fake.first_name_male() if gender == "L" else fake.first_name_female()
        name = f"{first} {fake.last_name()}" if rng.random() < 0.6 else first
        age = rng.choice([rng.randint(7, 17), rng.randint(18, 59), rng.randint(60, 85)])
        birth = dt.date(today.year - age, rng.randint(1, 12), rng.randint(1, 28))
        kec = rng.choices(kec_codes, kec_weights)[0]
        kel = rng.choice(kelurahan[kec])
        ppks_no = rng.choices(list(STREET_WEIGHTS), list(STREET_WEIGHTS.values()))[0]
        if age < 18 and ppks_no in (11, 12, 13, 8):
            ppks_no = 4
        has_nik = rng.random() < 0.3
        data = {
            "nama": name, "jenis_kelamin": gender if rng.random() < 0.95 else "U",
            "aliases": rng.choice(NICKNAMES) if rng.random() < 0.35 else None,
            "nik": _nik(kel, birth, gender, rng) if has_nik else None,
            "nik_status": "ada" if has_nik else rng.choice(["tidak_diketahui", "hilang", "belum_dibuat", "menolak"]),
            "tanggal_lahir": birth if has_nik or rng.random() < 0.2 else None,
            "perkiraan_umur": age + rng.randint(-3, 3) if not has_nik else None,
            "tempat_lahir": fake.city() if rng.random() < 0.4 else None,
            "nama_ibu": fake.first_name_female() if rng.random() < 0.25 else None,
            "asal_wilayah_kode": rng.choice(provinces) if rng.random() < 0.5 else None,
            "ciri_fisik": rng.choice([None, "Rambut gondrong", "Tato di lengan kiri",
                                      "Bekas luka di pipi", "Berjalan pincang", "Kurus, kulit gelap"]),
            "domisili_kelurahan_kode": kel if rng.random() < 0.3 else None,
        }
        if data["tanggal_lahir"] and has_nik:
            data["perkiraan_umur"] = None
        try:
            result = intake.register(session, data, _encounter(kel, today, rng, fake), scope=scope)
        except intake.IntakeError:
            continue  # e.g. a generated NIK collided with another: skip, as a user would
        person = result.person
        person.jenis_ppks = [ppks[ppks_no]]
        counts["persons"] += 1
        counts["encounters"] += 1
        for _ in range(rng.choices([0, 1, 2, 3, 5], [45, 25, 15, 10, 5])[0]):
            kel2 = kel if rng.random() < 0.6 else rng.choice(kelurahan[rng.choices(kec_codes, kec_weights)[0]])
            intake.add_encounter(session, person, _encounter(kel2, today, rng, fake), scope=scope)
            counts["encounters"] += 1
        if rng.random() < 0.12:  # met again, registered again under another spelling
            again = dict(data, nama=_variant(name, rng), nik=None, nik_status="tidak_diketahui",
                         tanggal_lahir=None, perkiraan_umur=age + rng.randint(-2, 2), aliases=None)
            intake.register(session, again, _encounter(kel, today, rng, fake), scope=scope).person.jenis_ppks = [ppks[ppks_no]]
            counts["variants"] += 1
            counts["encounters"] += 1
        if index % 50 == 0:
            session.flush()
        if progress:
            progress(1)
    session.flush()
    return counts


def _encounter(kel: str, today: dt.datetime, rng: random.Random, fake: Faker) -> dict:
    when = today - dt.timedelta(days=rng.randint(0, 400), hours=rng.randint(0, 23),
                                minutes=rng.randint(0, 59))
    return {
        "waktu": when.replace(second=0, microsecond=0), "kelurahan_kode": kel,
        "lokasi": rng.choice(["Perempatan lampu merah", "Depan stasiun", "Terminal",
                              "Pasar", "Kolong jembatan tol", "Depan pusat perbelanjaan"])
        + " " + fake.street_name(),
        "sumber": rng.choices(["razia", "patroli", "laporan", "datang_sendiri", "rujukan"],
                              [40, 35, 15, 5, 5])[0],
        "aktivitas": rng.choice(["mengemis", "mengamen", "memulung", "tidur_di_jalan", "asongan"]),
        "hasil": rng.choice(["rumah_singgah", "pembinaan", "dipulangkan", "dilepas"]),
        "petugas_nama": fake.name(), "tim": rng.choice(["Tim Reaksi Cepat", "Tim Patroli 1", "Tim Patroli 2"]),
        "latitude": round(-6.24 + rng.uniform(-0.08, 0.06), 5),
        "longitude": round(106.99 + rng.uniform(-0.07, 0.06), 5),
    }
