"""NIK/KK rules (app/services/nik.py) and the duplicate-NIK refusal through form and API."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from app.services.nik import NikError, check_against, parse_kk, parse_nik
from tests.conftest import PASSWORD, unique_name

TODAY = dt.date(2026, 11, 28)

VALID = [
    # nik, hint year, birth date, gender
    ("3275011708850001", None, dt.date(1985, 8, 17), "L"),
    ("3275015708850002", None, dt.date(1985, 8, 17), "P"),      # day + 40 = woman
    ("32.7501 1708 850003", None, dt.date(1985, 8, 17), "L"),   # separators typed
    ("3275010101100004", None, dt.date(2010, 1, 1), "L"),       # 10 -> 2010 (not future)
    ("3275010101100005", 1912, dt.date(1910, 1, 1), "L"),       # hint picks the 1900s
    ("3275014112300006", None, dt.date(1930, 12, 1), "P"),      # 30 -> 1930 (2030 is future)
    ("3275012902000007", None, dt.date(2000, 2, 29), "L"),      # leap day
    ("9601010101900008", None, dt.date(1990, 1, 1), "L"),       # newest province (Papua Barat Daya)
]
INVALID = [
    ("327501170885001", "16 digit"),        # 15 digits
    ("32750117088500011", "16 digit"),      # 17 digits
    ("32750117O8850001", "angka"),          # letter O
    ("9975011708850001", "provinsi"),       # province 99
    ("3200011708850001", "kabupaten"),      # regency 00
    ("3275013208850001", "Tanggal lahir"),  # day 32
    ("3275011713850001", "Tanggal lahir"),  # month 13
    ("3275017202850001", "Tanggal lahir"),  # women day 32 (72)
    ("3275013002850001", "Tanggal lahir"),  # 30 Feb
    ("3275011708850000", "0000"),           # serial 0000
    ("3275011712260001", "masa depan"),     # 17-12-2026 > today (hint forces 2026)
    ("", "kosong"),
]


@pytest.mark.parametrize("nik,hint,birth,gender", VALID)
def test_valid_nik(nik, hint, birth, gender):
    info = parse_nik(nik, hint_year=hint, today=TODAY)
    assert (info.birth_date, info.gender) == (birth, gender)
    assert info.nik.isdigit() and len(info.nik) == 16


@pytest.mark.parametrize("nik,message", INVALID)
def test_invalid_nik(nik, message):
    hint = 2026 if message == "masa depan" else None
    with pytest.raises(NikError, match=message):
        parse_nik(nik, hint_year=hint, today=TODAY)


def test_contradictions_are_warnings():
    info = parse_nik("3275015708850002", today=TODAY)  # woman, 17-08-1985
    warnings = check_against(info, gender="L", birth_date=dt.date(1986, 8, 17), birth_year=None)
    assert len(warnings) == 2
    assert "perempuan" in warnings[0] and "17-08-1985" in warnings[1]
    assert check_against(info, gender="P", birth_date=dt.date(1985, 8, 17), birth_year=None) == []
    assert check_against(info, gender="U", birth_date=None, birth_year=1970)  # estimate far off
    assert not check_against(info, gender="U", birth_date=None, birth_year=1986)


def test_kk():
    assert parse_kk("3275 0112 3456 0001") == "3275011234560001"
    for bad, msg in (("327501123456000", "16 digit"), ("9975011234560001", "provinsi"),
                     ("3275011234560000", "0000"), ("32750112345600a1", "angka")):
        with pytest.raises(NikError, match=msg):
            parse_kk(bad)


def _nik(serial: int, *, woman=False, day=17) -> str:
    return f"327501{day + (40 if woman else 0):02d}0885{serial:04d}"


def _unique_serial() -> int:
    import random

    return random.randint(1, 9999)


def _form(name, **extra):
    from tests.test_bad_input import person_form

    return person_form(name, **extra)


def _person_by_name(session_ctx, name):
    from app.models import Person

    with session_ctx() as s:
        p = s.scalars(select(Person).where(Person.nama == name)).one_or_none()
        return None if p is None else (p.id, p.nik, p.jenis_kelamin, p.tanggal_lahir, p.nik_status)


def _fresh_nik(session_ctx, woman=False):
    from app.models import Person

    with session_ctx() as s:
        while True:
            nik = _nik(_unique_serial(), woman=woman, day=_unique_serial() % 28 + 1)
            if not s.scalar(select(Person.id).where(Person.nik == nik)):
                return nik


def test_form_derives_birth_date_and_gender(login, session_ctx):
    c = login("operator")
    nik = _fresh_nik(session_ctx, woman=True)
    name = unique_name("Nik")
    r = c.post("/personview/add", data=_form(name, nik=nik))
    assert r.status_code == 302, r.get_data(as_text=True)[-3000:]
    pid, saved_nik, gender, birth, status = _person_by_name(session_ctx, name)
    assert (saved_nik, gender, status) == (nik, "P", "ada")
    assert birth == dt.date(1985, 8, int(nik[6:8]) - 40)


def test_form_refuses_invalid_nik(login, session_ctx):
    c = login("operator")
    for bad in ("327501170885000", "9975011708850001", "3275013208850001", "3275011708850000"):
        name = unique_name("NikSalah")
        r = c.post("/personview/add", data=_form(name, nik=bad))
        assert r.status_code == 200
        assert "NIK" in r.get_data(as_text=True)
        assert _person_by_name(session_ctx, name) is None


def test_form_contradiction_saves_with_warning(login, session_ctx):
    c = login("operator")
    nik = _fresh_nik(session_ctx)  # a man
    name = unique_name("NikBeda")
    r = c.post("/personview/add", data=_form(name, nik=nik, jenis_kelamin="P"),
               follow_redirects=True)
    assert r.status_code == 200
    assert "berbeda dengan NIK" in r.get_data(as_text=True)
    _, saved, gender, _, _ = _person_by_name(session_ctx, name)
    assert saved == nik and gender == "P"  # the entered value is kept, only warned


def test_duplicate_nik_refused_form_and_api(app, login, session_ctx, make_person):
    from app.models import Person

    nik = _fresh_nik(session_ctx)
    first = make_person(nik=nik)
    with session_ctx() as s:
        total = s.scalar(select(func.count()).select_from(Person))
    c = login("operator")
    name = unique_name("Dobel")
    r = c.post("/personview/add", data=_form(name, nik=nik[:4] + " " + nik[4:]))
    page = r.get_data(as_text=True)
    from tests.test_scope import _alerts
    assert r.status_code == 200 and f"#{first}" in page and "sudah terdaftar" in page, _alerts(r)
    token = app.test_client().post("/api/v1/security/login", json={
        "username": "operator", "password": PASSWORD, "provider": "db"}).get_json()["access_token"]
    r = app.test_client().post("/api/v1/person/", json={"nama": name, "nik": nik},
                               headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 422
    assert f"#{first}" in r.get_json()["message"]["nik"]
    # editing another person to take the NIK is refused as well
    other = make_person()
    with session_ctx() as s:
        other_version = s.get(Person, other).version
    r = app.test_client().put(f"/api/v1/person/{other}", json={"nik": nik, "version": other_version},
                              headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 422
    with session_ctx() as s:
        assert s.scalar(select(func.count()).select_from(Person)) == total + 1  # only `other`
        assert s.get(Person, other).nik is None
