"""NIK and No. KK validation (Dukcapil rules), without `stdnum.id.nik`.

NIK = PPKKCC DDMMYY SSSS: region of first registration (Kemendagri codes),
birth date with 40 added to the day for women, serial (never 0000).
There is no checksum. The two-digit year is resolved with the recorded birth
date or age when known, else the most recent year not in the future.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

# The 38 province codes (Kemendagri). Kept in code: the product never reads ../shared.
PROVINCE_CODES = frozenset({
    "11", "12", "13", "14", "15", "16", "17", "18", "19", "21",
    "31", "32", "33", "34", "35", "36", "51", "52", "53", "61",
    "62", "63", "64", "65", "71", "72", "73", "74", "75", "76",
    "81", "82", "91", "92", "93", "94", "95", "96",
})

_NON_DIGIT_SEPARATORS = re.compile(r"[\s.\-]")


class NikError(ValueError):
    """An invalid NIK/KK; the message is Indonesian and shown to the user."""


@dataclass(frozen=True)
class NikInfo:
    nik: str
    province_code: str
    region_code: str  # PP.KK.CC as Kemendagri writes it, e.g. 32.75.08
    birth_date: dt.date
    gender: str  # "L" or "P"
    serial: str
    warnings: tuple[str, ...] = field(default=())


def clean_number(raw: str | None) -> str | None:
    """Strip spaces, dots and dashes people type into ID numbers; None/'' -> None."""
    if raw is None:
        return None
    value = _NON_DIGIT_SEPARATORS.sub("", str(raw))
    return value or None


def _resolve_century(yy: int, day: int, month: int, *, hint_year: int | None, today: dt.date) -> int:
    candidates = [c + yy for c in (1900, 2000)]
    if hint_year is not None:
        return min(candidates, key=lambda y: abs(y - hint_year))
    year = 2000 + yy
    if (year, month, day) > (today.year, today.month, today.day):
        year -= 100
    return year


def parse_nik(raw: str | None, *, hint_year: int | None = None,
              today: dt.date | None = None) -> NikInfo:
    """Validate a NIK and derive birth date and gender. Raises NikError (Indonesian)."""
    today = today or dt.date.today()
    nik = clean_number(raw)
    if not nik:
        raise NikError("NIK kosong.")
    if not nik.isdigit():
        raise NikError("NIK hanya boleh berisi angka.")
    if len(nik) != 16:
        raise NikError(f"NIK harus 16 digit (yang diisi {len(nik)} digit).")
    province = nik[:2]
    if province not in PROVINCE_CODES:
        raise NikError(f"Kode provinsi NIK ({province}) tidak dikenal.")
    if nik[2:4] == "00":
        raise NikError("Kode kabupaten/kota pada NIK tidak boleh 00.")
    if nik[4:6] == "00":
        raise NikError("Kode kecamatan pada NIK tidak boleh 00.")
    day, month, yy = int(nik[6:8]), int(nik[8:10]), int(nik[10:12])
    gender = "L"
    if day > 40:
        gender, day = "P", day - 40
    year = _resolve_century(yy, day, month, hint_year=hint_year, today=today)
    try:
        birth = dt.date(year, month, day)
    except ValueError:
        raise NikError("Tanggal lahir pada NIK tidak valid.") from None
    if birth > today:
        raise NikError("Tanggal lahir pada NIK ada di masa depan.")
    if nik[12:] == "0000":
        raise NikError("Nomor urut NIK tidak boleh 0000.")
    region = f"{nik[0:2]}.{nik[2:4]}.{nik[4:6]}"
    return NikInfo(nik=nik, province_code=province, region_code=region,
                   birth_date=birth, gender=gender, serial=nik[12:])


def check_against(info: NikInfo, *, gender: str | None, birth_date: dt.date | None,
                  birth_year: int | None) -> list[str]:
    """Warnings (not errors) when the NIK contradicts the entered data."""
    warnings: list[str] = []
    if gender in ("L", "P") and gender != info.gender:
        warnings.append(
            "Jenis kelamin yang diisi berbeda dengan NIK (NIK menunjukkan "
            + ("laki-laki" if info.gender == "L" else "perempuan") + ")."
        )
    if birth_date and birth_date != info.birth_date:
        warnings.append(
            f"Tanggal lahir yang diisi ({birth_date:%d-%m-%Y}) berbeda dengan NIK "
            f"({info.birth_date:%d-%m-%Y})."
        )
    elif birth_year and not birth_date and abs(birth_year - info.birth_date.year) > 2:
        warnings.append(
            f"Perkiraan tahun lahir ({birth_year}) jauh dari tahun lahir pada NIK "
            f"({info.birth_date.year})."
        )
    return warnings


def parse_kk(raw: str | None) -> str:
    """Validate a No. KK (16 digits, known province, serial not 0000)."""
    kk = clean_number(raw)
    if not kk:
        raise NikError("Nomor KK kosong.")
    if not kk.isdigit():
        raise NikError("Nomor KK hanya boleh berisi angka.")
    if len(kk) != 16:
        raise NikError(f"Nomor KK harus 16 digit (yang diisi {len(kk)} digit).")
    if kk[:2] not in PROVINCE_CODES:
        raise NikError(f"Kode provinsi Nomor KK ({kk[:2]}) tidak dikenal.")
    if kk[12:] == "0000":
        raise NikError("Nomor urut KK tidak boleh 0000.")
    return kk
