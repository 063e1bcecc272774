"""Excel/CSV import of field data: each row is an encounter with its person (see docs/import.md)."""
from __future__ import annotations

import datetime as dt
import re

_DATE_FORMATS = (("%Y-%m-%d", re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$")),
                 ("%d-%m-%Y", re.compile(r"^\d{1,2}-\d{1,2}-\d{4}$")),
                 ("%d/%m/%Y", re.compile(r"^\d{1,2}/\d{1,2}/\d{4}$")))


class DateParseError(ValueError):
    pass


def parse_date(value) -> dt.date | None:
    """YYYY-MM-DD, DD-MM-YYYY or DD/MM/YYYY (or an Excel date) -> date; blank -> None."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    if " " in text and re.match(r"^\d{4}-\d{2}-\d{2} 00:00(:00)?$", text):
        text = text.split()[0]
    for fmt, pattern in _DATE_FORMATS:
        if pattern.match(text):
            try:
                return dt.datetime.strptime(text, fmt).date()
            except ValueError:
                raise DateParseError(f"Tanggal '{text}' tidak ada di kalender.") from None
    raise DateParseError(f"Format tanggal '{text}' tidak dikenal; gunakan YYYY-MM-DD, DD-MM-YYYY atau DD/MM/YYYY.")
