"""The person page's timeline as display rows, prepared once in Python.

Rendering 60 encounters in Jinja cost a filter or function call per field
(date, three enum labels, photo URL); here each row is one tuple of text.
"""
from __future__ import annotations

from typing import NamedTuple

from flask import url_for

from reports.formatting import format_datetime


class TimelineItem(NamedTuple):
    when: str
    place: str
    lokasi: str | None
    sumber: str
    petugas: str | None
    aktivitas: str | None
    hasil: str | None
    photo_url: str | None


def timeline_items(rows, enum_text, unknown_place: str) -> list[TimelineItem]:
    """Rows of `timeline.person_timeline` ((encounter, kelurahan name)) as display text."""
    items = []
    for enc, kelurahan_nama in rows:
        items.append(TimelineItem(
            format_datetime(enc.waktu), kelurahan_nama or unknown_place, enc.lokasi,
            enum_text(enc.sumber, "sumber"), enc.petugas_nama,
            enum_text(enc.aktivitas, "aktivitas") if enc.aktivitas else None,
            enum_text(enc.hasil, "hasil") if enc.hasil else None,
            url_for("PhotoView.encounter", pk=enc.id) if enc.photo else None))
    return items
