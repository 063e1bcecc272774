"""Single-record documents for case handling: surat rujukan, berita acara
serah terima (pemulangan), case dossier. Rendered with the same building
blocks as the reports (:mod:`reports.pdf`), with the Dinsos kop surat.

Typical uses::

    # surat rujukan
    render_letter(lh, "SURAT RUJUKAN", "460/123/Dinsos.Rehsos/X/2026",
                  ["Dengan hormat,", "Bersama ini kami rujuk ..."],
                  key_values=[("Nama", "Budi"), ("NIK", "3275...")],
                  signature=Signature(...), recipient=["Kepada Yth.", "Kepala UPTD ...", "di", "Tempat"])

    # berita acara serah terima: two parties side by side (+ optional "Mengetahui")
    render_letter(lh, "BERITA ACARA SERAH TERIMA", "...", [...],
                  signature=[Signature(caption="PIHAK PERTAMA", ...),
                             Signature(caption="PIHAK KEDUA", ...)],
                  acknowledged_by=Signature(caption="Mengetahui,", ...))

    # case dossier with photos (JPEG/PNG bytes or (bytes, caption));
    # unreadable photos are skipped and counted in a note
    render_letter(lh, "DOSIER KASUS", "KASUS-2026-00042", [...], sections=[...],
                  photos=[(jpeg, "Penjangkauan 3 Okt 2026, Bekasi Timur")], signature=...)

``paragraphs`` items may be plain strings or any report block
(:class:`~reports.document.Paragraph`, ``KeyValue``, ``Table``, ``BarChart``,
``PageBreak``) or :class:`Photos`, so callers control the order freely.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Any, List, Optional, Sequence, Tuple, Union

from reportlab.lib.units import mm
from reportlab.platypus import (
    Flowable, KeepTogether, Paragraph as RLParagraph, Spacer, Table as RLTable, TableStyle,
)

from .document import KeyValue, Letterhead, Section, Signature, Table
from .pdf import Renderer, build_pdf, esc, frame_width

PhotoItem = Union[bytes, Tuple[bytes, Optional[str]]]


@dataclass
class Photos:
    """A grid of photos inside a letter/dossier. Items are image bytes or
    ``(bytes, caption)``; unreadable ones are skipped with a note."""
    items: List[PhotoItem] = field(default_factory=list)
    heading: Optional[str] = None
    per_row: int = 2


def _photos(r: Renderer, photos: Photos) -> List[Flowable]:
    out: List[Flowable] = []
    grid = r.photo_grid(photos.items, per_row=max(1, photos.per_row))
    skipped = getattr(r, "skipped_photos", 0)
    if not grid and not skipped:
        return out
    if photos.heading and grid:
        out.append(KeepTogether([RLParagraph(esc(photos.heading), r.st.heading), grid[0]]))
        out += grid[1:]
    else:
        out += grid
    if skipped:
        out.append(RLParagraph(
            esc(f"{skipped} foto tidak dapat ditampilkan (berkas rusak atau formatnya tidak dikenali)."),
            r.st.note))
    return out


def _item(r: Renderer, item: Any) -> List[Flowable]:
    if item is None:
        return []
    if isinstance(item, str):
        return [RLParagraph(esc(item), r.st.body)]
    if isinstance(item, Photos):
        return _photos(r, item)
    if isinstance(item, Section):
        return r.section(item)
    return r.block(item)


def render_letter(
    letterhead: Optional[Letterhead],
    title: str,
    number: Optional[str] = None,
    paragraphs: Sequence[Any] = (),
    key_values: Union[Sequence[Tuple[str, Any]], KeyValue, None] = None,
    tables: Sequence[Table] = (),
    signature: Union[Signature, Sequence[Signature], None] = None,
    photos: Optional[Sequence[PhotoItem]] = None,
    *,
    recipient: Optional[Sequence[str]] = None,
    sections: Sequence[Section] = (),
    closing_paragraphs: Sequence[Any] = (),
    acknowledged_by: Optional[Signature] = None,
    photos_heading: str = "Dokumentasi",
    generated_at: Optional[_dt.datetime] = None,
    page_size: str = "A4",
    timezone_label: str = "WIB",
    application_name: str = "PALU KEBAB",
) -> bytes:
    """Render a single-record document to PDF bytes.

    Order on the page: kop surat (``letterhead=None`` -> default Dinsos kop,
    ``Letterhead.none()`` -> none), centred ``title`` and ``Nomor: number``,
    ``recipient`` lines, ``paragraphs``, ``key_values``, ``tables``,
    ``sections``, ``closing_paragraphs``, ``photos`` (under
    ``photos_heading``), then the signature block(s): one ``Signature`` on
    the right, or several side by side (Pihak Pertama / Pihak Kedua), and
    ``acknowledged_by`` centred underneath ("Mengetahui,").
    """
    if letterhead is None:
        letterhead = Letterhead.default()
    r = Renderer(frame_width(page_size, "portrait"))
    st = r.st
    story: List[Flowable] = []
    story += r.letterhead(letterhead)
    story.append(RLParagraph(f"<u>{esc(title)}</u>", st.letter_title))
    if number:
        story.append(RLParagraph("Nomor: " + esc(number), st.letter_number))
    story.append(Spacer(1, 4 * mm))
    if recipient:
        for line in recipient:
            story.append(RLParagraph(esc(line), st.body_left))
        story.append(Spacer(1, 4 * mm))
    for p in paragraphs:
        story += _item(r, p)
    if key_values:
        kv = key_values if isinstance(key_values, KeyValue) else KeyValue(list(key_values))
        story += [Spacer(1, 1 * mm)] + r.block(kv)
    for t in tables:
        story += r.table(t)
    for s in sections:
        story += r.section(s)
    for p in closing_paragraphs:
        story += _item(r, p)
    if photos:
        story += _photos(r, Photos(list(photos), heading=photos_heading))
    sigs: List[Signature] = []
    if isinstance(signature, Signature):
        sigs = [signature]
    elif signature:
        sigs = [s for s in signature if s is not None]
    story += r.signatures(sigs)
    if acknowledged_by is not None:
        sub = Renderer(r.width * 0.5, st)
        inner = sub._signature_cells(acknowledged_by)
        t = RLTable([[inner]], colWidths=[r.width * 0.5], hAlign="CENTER")
        t.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
        story += [Spacer(1, 4 * mm), KeepTogether([t])]
    running = title + (f" - Nomor {number}" if number else "")
    return build_pdf(story, page_size=page_size, orientation="portrait", title=title,
                     generated_at=generated_at, timezone_label=timezone_label,
                     application_name=application_name, running_header=running)


__all__ = ["render_letter", "Photos"]
