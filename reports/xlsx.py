"""XLSX rendering of a :class:`reports.document.ReportDocument` with openpyxl.

Workbook layout (stable: tests and users rely on it):

* Sheet 1 ``"Keterangan"``: title, subtitle, period, metadata (filters),
  generation time, signatory, the list of table sheets and the text sections
  (notes such as "kendala dan solusi"), so the archived file is complete.
* One sheet per :class:`~reports.document.Table`, in document order, named
  from ``Table.name`` (illegal characters ``[]:*?/\\`` replaced, max 31
  chars, made unique case-insensitively with a `` (2)`` suffix).
  - header rows start at row 1 (``Table.header_row_count`` rows, merged
    cells for spans), data starts at row ``header_row_count + 1``;
  - the totals row (if any) directly follows the last data row, bold;
  - panes are frozen below the header, the autofilter covers the last
    header row and the data rows (not the totals row);
  - column widths are estimated from the content.
* One sheet per :class:`~reports.document.BarChart` (``"Grafik 1"`` ...)
  holding the chart data and a native Excel bar chart (``include_charts``).

Cell values:

* ``int`` columns: Python ``int``, format ``#,##0``;
* ``decimal`` columns: ``float``, format ``#,##0.00`` (``Column.places``);
* ``percent`` columns: **stored as a real Excel percentage, i.e. the
  fraction** (document value 87.5 -> cell value 0.875) with format
  ``0.00%``. Excel/LibreOffice show "87,50%" in an Indonesian locale and
  formulas on the cell behave correctly (``=B2*C2``). Readers comparing
  figures must multiply by 100 (see :func:`percent_cell_value`).
* ``date`` columns: ``datetime.date`` with format ``DD/MM/YYYY``;
* ``None``: empty cell. Non-numeric values in numeric columns (e.g. a
  "Jumlah" label) are written as text.
"""
from __future__ import annotations

import datetime as _dt
import io
import numbers
import re
from decimal import Decimal
from typing import Any, List, Optional

from openpyxl import Workbook
from openpyxl.chart import BarChart as XLBarChart, Reference
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from .document import (
    BarChart, Column, HeaderCell, KeyValue, Paragraph, ReportDocument, Table,
)
from .formatting import format_datetime, format_decimal, format_number, format_percent, format_date

INFO_SHEET = "Keterangan"
MAX_SHEET_NAME = 31
_ILLEGAL_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")

HEADER_FILL = PatternFill("solid", start_color="FFD9E2F3", end_color="FFD9E2F3")
TOTAL_FILL = PatternFill("solid", start_color="FFE7E6E6", end_color="FFE7E6E6")
TITLE_FONT = Font(bold=True, size=14)
BOLD = Font(bold=True)
THIN = Side(style="thin", color="FF808080")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
TOTAL_BORDER = Border(left=THIN, right=THIN, top=Side(style="medium", color="FF000000"), bottom=THIN)

NUMBER_FORMATS = {
    "int": "#,##0",
    "date": "DD/MM/YYYY",
}


def number_format_for(column: Column) -> Optional[str]:
    if column.kind == "decimal":
        return "#,##0" + ("." + "0" * column.places if column.places > 0 else "")
    if column.kind == "percent":
        return "0" + ("." + "0" * column.places if column.places > 0 else "") + "%"
    return NUMBER_FORMATS.get(column.kind)


def percent_cell_value(value: Optional[float]) -> Optional[float]:
    """How a document percent (87.5) is stored in a cell (0.875)."""
    return None if value is None else float(value) / 100.0


def sanitize_sheet_name(name: str, taken: Optional[set] = None) -> str:
    """Valid, unique (case-insensitive against ``taken``) Excel sheet name."""
    base = _ILLEGAL_SHEET_CHARS.sub("-", str(name or "")).strip().strip("'").strip()
    if not base:
        base = "Tabel"
    base = base[:MAX_SHEET_NAME].rstrip()
    taken_l = {t.lower() for t in (taken or set())}
    candidate = base
    i = 2
    while candidate.lower() in taken_l:
        suffix = f" ({i})"
        candidate = base[:MAX_SHEET_NAME - len(suffix)].rstrip() + suffix
        i += 1
    if taken is not None:
        taken.add(candidate)
    return candidate


def _cell_value(value: Any, column: Column) -> Any:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "Ya" if value else "Tidak"
    kind = column.kind
    if kind in ("int", "decimal", "percent") and isinstance(value, (numbers.Number, Decimal)):
        if kind == "percent":
            return percent_cell_value(value)
        if kind == "int":
            if isinstance(value, numbers.Integral):
                return int(value)
            f = float(value)
            return int(f) if f.is_integer() else f
        return float(value)
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    return str(value)


def _display_len(value: Any, column: Column) -> int:
    """Rough displayed length, used for auto column widths."""
    if value is None:
        return 1
    if isinstance(value, str):
        return max((len(line) for line in value.splitlines()), default=0)
    try:
        if column.kind == "int":
            return len(format_number(value))
        if column.kind == "decimal":
            return len(format_decimal(value, column.places))
        if column.kind == "percent":
            return len(format_percent(value, column.places))
        if column.kind == "date":
            return 10
    except (TypeError, ValueError, ArithmeticError):
        pass
    return len(str(value))


def _write_table(ws: Worksheet, table: Table, orientation: str) -> None:
    cols = table.columns
    n = len(cols)
    grid = table.header_grid()
    nh = len(grid)
    center = Alignment(horizontal="center", vertical="center", wrap_text=True)
    widths = [0.0] * n

    for r, row in enumerate(grid, start=1):
        for c, hc in enumerate(row, start=1):
            cell = ws.cell(row=r, column=c)
            cell.fill = HEADER_FILL
            cell.font = BOLD
            cell.alignment = center
            cell.border = BORDER
            if isinstance(hc, HeaderCell):
                cell.value = hc.text
                if hc.colspan > 1 or hc.rowspan > 1:
                    ws.merge_cells(start_row=r, start_column=c,
                                   end_row=r + hc.rowspan - 1, end_column=c + hc.colspan - 1)
                if hc.colspan == 1:
                    words = hc.text.split()
                    longest = max((len(w) for w in words), default=0)
                    widths[c - 1] = max(widths[c - 1], longest + 2, min(len(hc.text), 18) + 2)

    formats = [number_format_for(c) for c in cols]
    aligns = []
    for c in cols:
        if c.header.strip().lower().rstrip(".") in ("no", "nomor"):
            aligns.append(Alignment(horizontal="center", vertical="top"))
        elif c.numeric:
            aligns.append(Alignment(horizontal="right", vertical="top"))
        else:
            aligns.append(Alignment(vertical="top", wrap_text=True))

    first_data = nh + 1
    r = first_data
    for row in table.rows:
        for c, (v, col) in enumerate(zip(row, cols)):
            cell = ws.cell(row=r, column=c + 1, value=_cell_value(v, col))
            if formats[c] and not isinstance(cell.value, str):
                cell.number_format = formats[c]
            cell.border = BORDER
            cell.alignment = aligns[c]
            widths[c] = max(widths[c], _display_len(v, col) + 2)
        r += 1
    last_data = r - 1

    if table.total_row is not None:
        for c, (v, col) in enumerate(zip(table.total_row, cols)):
            cell = ws.cell(row=r, column=c + 1, value=_cell_value(v, col))
            if formats[c] and not isinstance(cell.value, str):
                cell.number_format = formats[c]
            cell.font = BOLD
            cell.fill = TOTAL_FILL
            cell.border = TOTAL_BORDER
            cell.alignment = aligns[c] if not isinstance(cell.value, str) else Alignment(vertical="top")
        # merge a leading label over following empty text cells (as in the PDF)
        if isinstance(table.total_row[0], str):
            j = 1
            while j < n and table.total_row[j] in (None, "") and not cols[j].numeric:
                j += 1
            if j > 1:
                ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=j)
                ws.cell(row=r, column=1).alignment = Alignment(horizontal="center")
            else:
                widths[0] = max(widths[0], len(table.total_row[0]) + 2)
        for c, (v, col) in enumerate(zip(table.total_row, cols)):
            if not isinstance(v, str):
                widths[c] = max(widths[c], _display_len(v, col) + 2)

    for c, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(c)].width = max(5.0, min(w * 1.1, 60.0))

    ws.freeze_panes = ws.cell(row=first_data, column=1).coordinate
    last_col = get_column_letter(n)
    ws.auto_filter.ref = f"A{nh}:{last_col}{max(last_data, nh)}"
    ws.print_title_rows = f"1:{nh}"
    ws.page_setup.orientation = orientation
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _write_chart(ws: Worksheet, chart: BarChart) -> None:
    ws.cell(row=1, column=1, value="Kategori").font = BOLD
    pct = chart.value_kind == "percent"
    for j, (label, _) in enumerate(chart.series, start=2):
        ws.cell(row=1, column=j, value=label).font = BOLD
    for i, cat in enumerate(chart.categories, start=2):
        ws.cell(row=i, column=1, value=str(cat))
        for j, (_, vals) in enumerate(chart.series, start=2):
            v = vals[i - 2]
            if v is not None:
                v = percent_cell_value(v) if pct else (int(v) if float(v).is_integer() and chart.value_kind == "int" else float(v))
            cell = ws.cell(row=i, column=j, value=v)
            cell.number_format = "0.0%" if pct else ("#,##0" if chart.value_kind == "int" else "#,##0.00")
    for c in range(1, len(chart.series) + 2):
        cells = [ws.cell(row=r, column=c).value for r in range(1, len(chart.categories) + 2)]
        ws.column_dimensions[get_column_letter(c)].width = min(max(len(str(x or "")) for x in cells) + 4, 45)
    ws.freeze_panes = "A2"
    if not chart.categories or not chart.series:
        return
    xc = XLBarChart()
    xc.type = "col"
    xc.title = chart.title
    xc.height = 9
    xc.width = max(16, min(32, 1.6 * len(chart.categories)))
    xc.y_axis.numFmt = "0%" if pct else "#,##0"
    xc.y_axis.delete = False
    xc.x_axis.delete = False
    data = Reference(ws, min_col=2, max_col=len(chart.series) + 1, min_row=1,
                     max_row=len(chart.categories) + 1)
    cats = Reference(ws, min_col=1, min_row=2, max_row=len(chart.categories) + 1)
    xc.add_data(data, titles_from_data=True)
    xc.set_categories(cats)
    ws.add_chart(xc, f"{get_column_letter(len(chart.series) + 3)}2")


def _write_info(ws: Worksheet, doc: ReportDocument, table_sheets: List[tuple],
                chart_sheets: List[tuple]) -> None:
    ws["A1"] = doc.title
    ws["A1"].font = TITLE_FONT
    row = 3
    label_font = BOLD

    def put(label: str, value: Any):
        nonlocal row
        ws.cell(row=row, column=1, value=label).font = label_font
        c = ws.cell(row=row, column=2, value=value)
        c.alignment = Alignment(wrap_text=True, vertical="top")
        ws.cell(row=row, column=1).alignment = Alignment(vertical="top")
        row += 1

    put("Judul", doc.title)
    if doc.subtitle:
        put("Subjudul", doc.subtitle)
    put("Periode", doc.period_label or "-")
    for k, v in doc.metadata:
        put(str(k), "-" if v is None else str(v))
    put("Dibuat pada", f"{format_datetime(doc.generated_at)} {doc.timezone_label}".strip())
    if doc.application_name:
        put("Aplikasi", doc.application_name)
    if doc.signature is not None:
        s = doc.signature
        who = s.name or "-"
        if s.nip:
            who += f" (NIP. {s.nip})"
        put("Penandatangan", f"{s.title_line}: {who}" if s.title_line else who)
    put("Format persentase", "Persentase disimpan sebagai nilai persen Excel (0,875 ditampilkan 87,50%).")

    row += 1
    ws.cell(row=row, column=1, value="Daftar lembar").font = label_font
    row += 1
    for hdr_col, hdr in enumerate(("Lembar", "Judul", "Jumlah baris data"), start=1):
        c = ws.cell(row=row, column=hdr_col, value=hdr)
        c.font = BOLD
        c.fill = HEADER_FILL
        c.border = BORDER
    row += 1
    for sheet_name, table in table_sheets:
        ws.cell(row=row, column=1, value=sheet_name).border = BORDER
        ws.cell(row=row, column=2, value=table.title or table.name).border = BORDER
        ws.cell(row=row, column=3, value=len(table.rows)).border = BORDER
        row += 1
    for sheet_name, chart in chart_sheets:
        ws.cell(row=row, column=1, value=sheet_name).border = BORDER
        ws.cell(row=row, column=2, value=chart.title).border = BORDER
        ws.cell(row=row, column=3, value=len(chart.categories)).border = BORDER
        row += 1

    # text content (notes, kendala dan solusi ...) so the archive is complete
    notes = []
    for section in doc.sections:
        texts = []
        for b in section.blocks:
            if isinstance(b, Paragraph):
                texts.append(b.text)
            elif isinstance(b, KeyValue):
                texts.append("\n".join(f"{k}: {'-' if v is None else (format_date(v) if isinstance(v, _dt.date) else v)}" for k, v in b.items))
        if texts:
            notes.append((section.heading or "", "\n\n".join(texts)))
    if notes:
        row += 1
        ws.cell(row=row, column=1, value="Uraian").font = label_font
        row += 1
        for heading, text in notes:
            put(heading or "-", text)

    ws.column_dimensions["A"].width = 24
    ws.column_dimensions["B"].width = 90
    ws.column_dimensions["C"].width = 18
    ws.sheet_view.showGridLines = False


def render_xlsx(doc: ReportDocument, include_charts: bool = True) -> bytes:
    """Render a report to XLSX bytes (see the module docstring for the layout)."""
    wb = Workbook()
    info = wb.active
    info.title = INFO_SHEET
    taken = {INFO_SHEET}
    table_sheets = []
    for table in doc.tables():
        name = sanitize_sheet_name(table.name, taken)
        ws = wb.create_sheet(name)
        _write_table(ws, table, doc.orientation)
        table_sheets.append((name, table))
    chart_sheets = []
    if include_charts:
        for i, chart in enumerate(doc.charts(), start=1):
            name = sanitize_sheet_name(f"Grafik {i}", taken)
            ws = wb.create_sheet(name)
            _write_chart(ws, chart)
            chart_sheets.append((name, chart))
    _write_info(info, doc, table_sheets, chart_sheets)
    wb.properties.title = doc.title
    wb.properties.subject = doc.period_label or ""
    wb.properties.creator = doc.application_name or "PALU KEBAB"
    if doc.generated_at is not None:
        wb.properties.created = doc.generated_at
        wb.properties.modified = doc.generated_at
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


__all__ = ["render_xlsx", "sanitize_sheet_name", "percent_cell_value", "number_format_for", "INFO_SHEET"]
