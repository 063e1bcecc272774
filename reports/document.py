"""Plain data structures describing a report, independent of the output format.

Report builders (SQL side) fill these; :mod:`reports.pdf` and
:mod:`reports.xlsx` render them. Nothing here imports Flask or the app.

Cell values in :class:`Table` rows are plain Python values:

* ``kind="text"``    -> ``str`` (anything else is ``str()``-ed)
* ``kind="int"``     -> ``int`` (counts of persons, encounters ...)
* ``kind="decimal"`` -> ``int``/``float``/``Decimal`` (``Column.places`` digits)
* ``kind="percent"`` -> a number **in percent units**: ``87.5`` means 87,5 %
  (i.e. ``x / y * 100``, exactly as the SPM capaian is defined)
* ``kind="date"``    -> ``datetime.date``

``None`` in any cell means "no value" and is rendered as ``-`` in the PDF and
as an empty cell in the XLSX.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Any, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

COLUMN_KINDS = ("text", "int", "percent", "decimal", "date")
NUMERIC_KINDS = ("int", "percent", "decimal")
ORIENTATIONS = ("portrait", "landscape")
PAGE_SIZES = ("A4", "F4")

# Generic, clearly-not-real defaults: the deployment sets the real address
# (see Letterhead.from_config).
DEFAULT_LETTERHEAD_LINES = ("PEMERINTAH KOTA BEKASI", "DINAS SOSIAL")
DEFAULT_LETTERHEAD_ADDRESS = (
    "Alamat kantor belum diatur (REPORT_LETTERHEAD_ADDRESS) - Kota Bekasi, Jawa Barat",
)


class ReportDataError(ValueError):
    """A document is structurally invalid (row length, header grid ...)."""


@dataclass
class Column:
    header: str
    kind: str = "text"
    # Relative width weight used by the PDF (None = estimated from content).
    width_hint: Optional[float] = None
    # Decimal places for "decimal" and "percent" columns.
    places: int = 2

    def __post_init__(self):
        if self.kind not in COLUMN_KINDS:
            raise ReportDataError(f"unknown column kind {self.kind!r} (expected one of {COLUMN_KINDS})")

    @property
    def numeric(self) -> bool:
        return self.kind in NUMERIC_KINDS


@dataclass
class HeaderCell:
    """A header cell spanning ``colspan`` columns and ``rowspan`` header rows.

    In ``Table.header_rows`` every row has exactly one entry per column; the
    positions covered by a span hold ``None``.
    """
    text: str
    colspan: int = 1
    rowspan: int = 1


HeaderEntry = Union[str, HeaderCell, None]


@dataclass
class Table:
    """A table; becomes one XLSX sheet named ``name`` (sanitised, <= 31 chars).

    ``header_rows`` (optional) replaces the single header row built from the
    column headers, e.g. for "Laki-laki / Perempuan / Jumlah" under a group::

        header_rows=[
            [HeaderCell("No", rowspan=2), HeaderCell("Kecamatan", rowspan=2),
             HeaderCell("Anak telantar", colspan=3), None, None],
            [None, None, "L", "P", "Jumlah"],
        ]
    """
    name: str
    columns: List[Column]
    rows: List[List[Any]]
    total_row: Optional[List[Any]] = None
    header_rows: Optional[List[List[HeaderEntry]]] = None
    title: Optional[str] = None  # caption shown above the table in the PDF

    def __post_init__(self):
        n = len(self.columns)
        if n == 0:
            raise ReportDataError(f"table {self.name!r} has no columns")
        self.rows = [list(r) for r in self.rows]
        for i, r in enumerate(self.rows):
            if len(r) != n:
                raise ReportDataError(f"table {self.name!r}: row {i} has {len(r)} cells, expected {n}")
        if self.total_row is not None:
            self.total_row = list(self.total_row)
            if len(self.total_row) != n:
                raise ReportDataError(f"table {self.name!r}: total_row has {len(self.total_row)} cells, expected {n}")
        if self.header_rows is not None:
            self._validate_header()

    def _validate_header(self):
        n = len(self.columns)
        grid = self.header_grid()  # raises on inconsistencies
        for r, row in enumerate(grid):
            if len(row) != n:
                raise ReportDataError(f"table {self.name!r}: header row {r} has {len(row)} cells, expected {n}")

    def header_grid(self) -> List[List[HeaderEntry]]:
        """Header as a grid of ``HeaderCell``/``None`` (always at least 1 row)."""
        if not self.header_rows:
            return [[HeaderCell(c.header) for c in self.columns]]
        n = len(self.columns)
        nrows = len(self.header_rows)
        grid: List[List[HeaderEntry]] = []
        covered = set()
        for r, row in enumerate(self.header_rows):
            if len(row) != n:
                raise ReportDataError(f"table {self.name!r}: header row {r} has {len(row)} cells, expected {n}")
            out: List[HeaderEntry] = []
            for c, cell in enumerate(row):
                if cell is None:
                    if (r, c) not in covered:
                        raise ReportDataError(f"table {self.name!r}: header cell ({r},{c}) is None but not covered by a span")
                    out.append(None)
                    continue
                if (r, c) in covered:
                    raise ReportDataError(f"table {self.name!r}: header cell ({r},{c}) is covered by a span but has text")
                hc = cell if isinstance(cell, HeaderCell) else HeaderCell(str(cell))
                if c + hc.colspan > n or r + hc.rowspan > nrows or hc.colspan < 1 or hc.rowspan < 1:
                    raise ReportDataError(f"table {self.name!r}: header span at ({r},{c}) leaves the table")
                for dr in range(hc.rowspan):
                    for dc in range(hc.colspan):
                        if dr or dc:
                            covered.add((r + dr, c + dc))
                out.append(hc)
            grid.append(out)
        return grid

    @property
    def header_row_count(self) -> int:
        return len(self.header_rows) if self.header_rows else 1


@dataclass
class Paragraph:
    """Plain text (no markup; newlines are kept). ``style``: body | note | heading."""
    text: str
    style: str = "body"


@dataclass
class BarChart:
    """Grouped bar chart. ``series`` is ``[(label, [value per category]), ...]``.
    ``value_kind`` ("int" | "percent" | "decimal") drives axis/label formatting."""
    title: str
    categories: List[str]
    series: List[Tuple[str, List[Optional[float]]]]
    value_kind: str = "int"

    def __post_init__(self):
        self.series = [(str(lbl), list(vals)) for lbl, vals in self.series]
        for lbl, vals in self.series:
            if len(vals) != len(self.categories):
                raise ReportDataError(f"chart {self.title!r}: series {lbl!r} has {len(vals)} values for {len(self.categories)} categories")


@dataclass
class KeyValue:
    """Label/value pairs rendered as ``Label : value`` lines (identity blocks,
    report filters ...)."""
    items: List[Tuple[str, Any]]


@dataclass
class PageBreak:
    """Force a new page in the PDF (ignored by the XLSX renderer)."""


Block = Union[Paragraph, Table, BarChart, KeyValue, PageBreak]


@dataclass
class Section:
    heading: Optional[str]
    blocks: List[Block] = field(default_factory=list)


@dataclass
class Signature:
    """Signature block::

        Bekasi, 28 November 2026        <- place + date (omitted if both empty)
        Mengetahui,                     <- caption (optional)
        Kepala Dinas Sosial Kota Bekasi <- title_line
        (space to sign)
        NAMA LENGKAP                    <- name (bold, underlined)
        Pembina Utama Muda (IV/c)       <- rank (optional)
        NIP. 19700101 199503 1 001      <- nip (optional)

    ``date=None`` with a place prints ``Bekasi, ..................`` for a
    hand-written date.
    """
    place: Optional[str] = "Bekasi"
    date: Optional[_dt.date] = None
    title_line: str = ""
    name: str = ""
    nip: Optional[str] = None
    caption: Optional[str] = None
    rank: Optional[str] = None


@dataclass
class Letterhead:
    """Kop surat. ``lines`` are the bold institution lines (the last one is the
    largest, e.g. "DINAS SOSIAL"); ``address_lines`` are small lines under
    them. ``logo`` is optional image bytes (PNG/JPEG) drawn on the left.
    A Letterhead with no lines renders nothing."""
    lines: Sequence[str] = DEFAULT_LETTERHEAD_LINES
    address_lines: Sequence[str] = DEFAULT_LETTERHEAD_ADDRESS
    logo: Optional[bytes] = None

    @classmethod
    def default(cls) -> "Letterhead":
        return cls()

    @classmethod
    def none(cls) -> "Letterhead":
        return cls(lines=(), address_lines=())

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> "Letterhead":
        """Build from a mapping such as ``app.config``. Keys (all optional):
        ``REPORT_LETTERHEAD_LINES`` (list of str),
        ``REPORT_LETTERHEAD_ADDRESS`` (str or list of str: address, phone,
        e-mail, website), ``REPORT_LETTERHEAD_LOGO`` (path to an image file)."""
        lines = config.get("REPORT_LETTERHEAD_LINES") or DEFAULT_LETTERHEAD_LINES
        addr = config.get("REPORT_LETTERHEAD_ADDRESS") or DEFAULT_LETTERHEAD_ADDRESS
        if isinstance(addr, str):
            addr = [addr]
        logo = None
        logo_path = config.get("REPORT_LETTERHEAD_LOGO")
        if logo_path:
            try:
                with open(logo_path, "rb") as fh:
                    logo = fh.read()
            except OSError:
                logo = None
        return cls(lines=tuple(lines), address_lines=tuple(addr), logo=logo)

    @property
    def empty(self) -> bool:
        return not self.lines and not self.address_lines and not self.logo


@dataclass
class ReportDocument:
    title: str
    subtitle: Optional[str] = None
    period_label: Optional[str] = None
    metadata: List[Tuple[str, str]] = field(default_factory=list)
    sections: List[Section] = field(default_factory=list)
    signature: Optional[Signature] = None
    generated_at: Optional[_dt.datetime] = None  # local (Asia/Jakarta) time
    orientation: str = "portrait"
    page_size: str = "A4"
    timezone_label: str = "WIB"
    application_name: str = "PALU KEBAB"

    def __post_init__(self):
        if self.orientation not in ORIENTATIONS:
            raise ReportDataError(f"orientation must be one of {ORIENTATIONS}")
        if self.page_size not in PAGE_SIZES:
            raise ReportDataError(f"page_size must be one of {PAGE_SIZES}")
        if self.generated_at is None:
            self.generated_at = _dt.datetime.now().replace(microsecond=0)

    def iter_blocks(self) -> Iterable[Tuple[Section, Block]]:
        for s in self.sections:
            for b in s.blocks:
                yield s, b

    def tables(self) -> List[Table]:
        return [b for _, b in self.iter_blocks() if isinstance(b, Table)]

    def charts(self) -> List[BarChart]:
        return [b for _, b in self.iter_blocks() if isinstance(b, BarChart)]


__all__ = [
    "COLUMN_KINDS", "NUMERIC_KINDS", "ReportDataError", "Column", "HeaderCell",
    "Table", "Paragraph", "BarChart", "KeyValue", "PageBreak", "Section",
    "Signature", "Letterhead", "ReportDocument", "Block",
]
