"""Indonesian formatting helpers shared by the report renderers and the web UI.

All functions are pure, accept ``None`` (returning ``"-"``) and never depend on
the process locale, so output is identical on every server.

Conventions (Pedoman Umum Ejaan Bahasa Indonesia / common government usage):

* thousands separator ``.``, decimal separator ``,``  -> ``1.234.567,89``
* dates ``28 November 2026`` (long) or ``28 Nov 2026`` (short)
* times with a dot: ``14.05``
"""
from __future__ import annotations

import datetime as _dt
from decimal import Decimal, ROUND_HALF_UP
from typing import Optional, Union

DASH = "-"

MONTHS = (
    "Januari", "Februari", "Maret", "April", "Mei", "Juni",
    "Juli", "Agustus", "September", "Oktober", "November", "Desember",
)
# Short forms as used on Indonesian government documents ("Agu", "Okt", "Des").
MONTHS_SHORT = (
    "Jan", "Feb", "Mar", "Apr", "Mei", "Jun",
    "Jul", "Agu", "Sep", "Okt", "Nov", "Des",
)
DAYS = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")

Number = Union[int, float, Decimal]


def month_name(month: Optional[int], short: bool = False) -> str:
    """``month_name(10) -> "Oktober"``; ``short=True -> "Okt"``."""
    if month is None:
        return DASH
    m = int(month)
    if not 1 <= m <= 12:
        raise ValueError(f"month out of range: {month!r}")
    return (MONTHS_SHORT if short else MONTHS)[m - 1]


def day_name(d: Optional[_dt.date]) -> str:
    """``day_name(date(2026, 11, 28)) -> "Sabtu"``."""
    if d is None:
        return DASH
    return DAYS[d.weekday()]


def period_label(year: Optional[int], month: Optional[int] = None) -> str:
    """``period_label(2026, 10) -> "Oktober 2026"``; without month -> ``"2026"``."""
    if year is None:
        return DASH
    if month is None:
        return str(int(year))
    return f"{month_name(month)} {int(year)}"


def _as_date(d):
    if isinstance(d, _dt.datetime):
        return d.date()
    return d


def format_date(d: Optional[_dt.date]) -> str:
    """``"28 Nov 2026"`` (short month name)."""
    if d is None:
        return DASH
    d = _as_date(d)
    return f"{d.day} {MONTHS_SHORT[d.month - 1]} {d.year}"


def format_date_long(d: Optional[_dt.date]) -> str:
    """``"28 November 2026"``."""
    if d is None:
        return DASH
    d = _as_date(d)
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}"


def format_datetime(dt: Optional[_dt.datetime], seconds: bool = False) -> str:
    """``"28 Nov 2026 14.05"``. The value is rendered as given (convert it to
    Asia/Jakarta before calling if it is timezone-aware UTC)."""
    if dt is None:
        return DASH
    if not isinstance(dt, _dt.datetime):
        return format_date(dt)
    t = f"{dt.hour:02d}.{dt.minute:02d}"
    if seconds:
        t += f".{dt.second:02d}"
    return f"{format_date(dt)} {t}"


def format_datetime_long(dt: Optional[_dt.datetime], tz_label: str = "") -> str:
    """``"28 November 2026 pukul 14.05 WIB"`` (tz_label optional)."""
    if dt is None:
        return DASH
    s = f"{format_date_long(dt)} pukul {dt.hour:02d}.{dt.minute:02d}"
    return f"{s} {tz_label}".rstrip()


def _group_thousands(digits: str) -> str:
    out = []
    while len(digits) > 3:
        out.append(digits[-3:])
        digits = digits[:-3]
    out.append(digits)
    return ".".join(reversed(out))


def format_decimal(value: Optional[Number], places: int = 2) -> str:
    """``format_decimal(1234.5, 2) -> "1.234,50"``; rounding is half-up
    (as people round by hand, not banker's rounding)."""
    if value is None:
        return DASH
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return DASH
    q = Decimal(1).scaleb(-places) if places > 0 else Decimal(1)
    d = Decimal(str(value)) if not isinstance(value, Decimal) else value
    d = d.quantize(q, rounding=ROUND_HALF_UP)
    negative = d < 0
    s = f"{abs(d):f}"
    if "." in s:
        int_part, frac = s.split(".")
    else:
        int_part, frac = s, ""
    res = _group_thousands(int_part)
    if places > 0:
        res += "," + frac.ljust(places, "0")[:places]
    if negative and d != 0:
        res = "-" + res
    return res


def format_number(value: Optional[Number]) -> str:
    """``format_number(1234) -> "1.234"``; non-integers are rounded half-up."""
    return format_decimal(value, 0)


def format_percent(value: Optional[Number], places: int = 2) -> str:
    """``format_percent(87.5) -> "87,50%"``. ``value`` is already in percent
    (87.5 means 87.5 %), matching how SPM capaian is computed (x/y*100)."""
    if value is None:
        return DASH
    s = format_decimal(value, places)
    return DASH if s == DASH else s + "%"


def percent(numerator: Optional[Number], denominator: Optional[Number]) -> Optional[float]:
    """``numerator / denominator * 100`` or ``None`` when the denominator is 0
    or missing (rendered as "-", never as a division error)."""
    if numerator is None or not denominator:
        return None
    return float(numerator) * 100.0 / float(denominator)


__all__ = [
    "MONTHS", "MONTHS_SHORT", "DAYS", "month_name", "day_name", "period_label",
    "format_date", "format_date_long", "format_datetime", "format_datetime_long",
    "format_number", "format_decimal", "format_percent", "percent",
]
