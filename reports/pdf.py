"""PDF rendering of a :class:`reports.document.ReportDocument` with ReportLab.

Only built-in PDF fonts (Helvetica) and ``reportlab.graphics`` are used, so
rendering works offline and needs no font files. Layout follows common
Indonesian government practice: kop surat with a double rule on the first
page, centred title and period, full-grid tables with repeated headers,
signature block on the right, "Halaman X dari Y" on every page.

The flowable builders here are reused by :mod:`reports.letters`.
"""
from __future__ import annotations

import datetime as _dt
import io
import unicodedata
from typing import Any, Callable, List, Optional, Sequence
from xml.sax.saxutils import escape as _xml_escape

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT
from reportlab.lib.pagesizes import A4, landscape, portrait
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas as _canvas
from reportlab.platypus import (
    CondPageBreak, Flowable, Image, KeepTogether, LongTable, PageBreak as RLPageBreak,
    Paragraph as RLParagraph, SimpleDocTemplate, Spacer, Table as RLTable, TableStyle,
)

from .document import (
    BarChart, Column, HeaderCell, KeyValue, Letterhead, PageBreak, Paragraph,
    ReportDocument, Section, Signature, Table,
)
from .formatting import (
    format_date, format_date_long, format_datetime, format_decimal, format_number,
    format_percent,
)

FONT = "Helvetica"
FONT_BOLD = "Helvetica-Bold"
FONT_ITALIC = "Helvetica-Oblique"

F4 = (215 * mm, 330 * mm)  # "folio", common in Indonesian offices

HEADER_FILL = colors.HexColor("#D9E2F3")
ZEBRA_FILL = colors.HexColor("#F3F6FA")
TOTAL_FILL = colors.HexColor("#E7E6E6")
GRID = colors.HexColor("#404040")
MUTED = colors.HexColor("#595959")
CHART_COLORS = [
    colors.HexColor(c) for c in
    ("#1F4E79", "#C55A11", "#548235", "#BF9000", "#7030A0", "#2E75B6", "#A5A5A5", "#843C0C")
]

TABLE_FONT_SIZE = 8.5
CELL_PAD = 3


# --------------------------------------------------------------------------- #
# Text helpers
# --------------------------------------------------------------------------- #
def safe_text(text: str) -> str:
    """Make text printable with the built-in (WinAnsi) Helvetica: characters
    outside cp1252 are transliterated (``ŝ`` -> ``s``) or replaced by ``?``
    instead of being drawn as black boxes."""
    if text.isascii():
        return text
    out = []
    for ch in text:
        try:
            ch.encode("cp1252")
            out.append(ch)
        except UnicodeEncodeError:
            base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
            try:
                base.encode("cp1252")
                out.append(base or "?")
            except UnicodeEncodeError:
                out.append("?")
    return "".join(out)


def esc(text: Any) -> str:
    """Escape text for ReportLab paragraph markup; keep line breaks."""
    if text is None:
        return ""
    return _xml_escape(safe_text(str(text))).replace("\r\n", "\n").replace("\n", "<br/>")


def format_cell(value: Any, column: Column) -> str:
    """Format a cell value for display according to its column kind."""
    if value is None:
        return "-"
    if isinstance(value, str):
        return safe_text(value)
    kind = column.kind
    try:
        if kind == "int":
            return format_number(value)
        if kind == "decimal":
            return format_decimal(value, column.places)
        if kind == "percent":
            return format_percent(value, column.places)
        if kind == "date":
            return format_date(value)
    except (TypeError, ValueError, ArithmeticError):
        return str(value)
    if isinstance(value, bool):
        return "Ya" if value else "Tidak"
    if isinstance(value, (_dt.date, _dt.datetime)):
        return format_datetime(value) if isinstance(value, _dt.datetime) else format_date(value)
    if isinstance(value, (int, float)):
        return format_number(value) if float(value).is_integer() else format_decimal(value, 2)
    return str(value)


def _is_number_col_header(header: str) -> bool:
    return header.strip().lower().rstrip(".") in ("no", "nomor", "#")


# --------------------------------------------------------------------------- #
# Styles
# --------------------------------------------------------------------------- #
class Styles:
    def __init__(self):
        base = dict(fontName=FONT, fontSize=10, leading=13)
        self.body = ParagraphStyle("body", alignment=TA_JUSTIFY, spaceAfter=4, **base)
        self.body_left = ParagraphStyle("body_left", alignment=TA_LEFT, **base)
        self.note = ParagraphStyle("note", fontName=FONT_ITALIC, fontSize=8.5, leading=11,
                                   textColor=MUTED, spaceAfter=4)
        self.title = ParagraphStyle("title", fontName=FONT_BOLD, fontSize=13, leading=17,
                                    alignment=TA_CENTER, spaceAfter=2)
        self.subtitle = ParagraphStyle("subtitle", fontName=FONT_BOLD, fontSize=10.5, leading=14,
                                       alignment=TA_CENTER, spaceAfter=1)
        self.period = ParagraphStyle("period", fontName=FONT, fontSize=10, leading=13,
                                     alignment=TA_CENTER)
        self.heading = ParagraphStyle("heading", fontName=FONT_BOLD, fontSize=11, leading=14,
                                      spaceBefore=8, spaceAfter=4)
        self.subheading = ParagraphStyle("subheading", fontName=FONT_BOLD, fontSize=10, leading=13,
                                         spaceBefore=4, spaceAfter=3, keepWithNext=1)
        self.caption = ParagraphStyle("caption", fontName=FONT_BOLD, fontSize=9.5, leading=12,
                                      spaceBefore=4, spaceAfter=3)
        self.th = ParagraphStyle("th", fontName=FONT_BOLD, fontSize=TABLE_FONT_SIZE,
                                 leading=TABLE_FONT_SIZE + 2, alignment=TA_CENTER)
        self.td = ParagraphStyle("td", fontName=FONT, fontSize=TABLE_FONT_SIZE,
                                 leading=TABLE_FONT_SIZE + 2, alignment=TA_LEFT)
        self.td_bold = ParagraphStyle("td_bold", parent=self.td, fontName=FONT_BOLD)
        self.kv = ParagraphStyle("kv", fontName=FONT, fontSize=9.5, leading=12.5)
        self.kv_small = ParagraphStyle("kv_small", fontName=FONT, fontSize=8.5, leading=11)
        self.sig = ParagraphStyle("sig", fontName=FONT, fontSize=10, leading=13, alignment=TA_CENTER)
        self.sig_name = ParagraphStyle("sig_name", parent=self.sig, fontName=FONT_BOLD)
        self.lh_line = ParagraphStyle("lh_line", fontName=FONT_BOLD, fontSize=13, leading=16,
                                      alignment=TA_CENTER)
        self.lh_main = ParagraphStyle("lh_main", fontName=FONT_BOLD, fontSize=16, leading=20,
                                      alignment=TA_CENTER)
        self.lh_addr = ParagraphStyle("lh_addr", fontName=FONT, fontSize=8.5, leading=11,
                                      alignment=TA_CENTER)
        self.letter_title = ParagraphStyle("letter_title", fontName=FONT_BOLD, fontSize=12,
                                           leading=15, alignment=TA_CENTER)
        self.letter_number = ParagraphStyle("letter_number", fontName=FONT, fontSize=10,
                                            leading=13, alignment=TA_CENTER, spaceAfter=6)
        self.photo_caption = ParagraphStyle("photo_caption", fontName=FONT, fontSize=8,
                                            leading=10, alignment=TA_CENTER, textColor=MUTED)


# --------------------------------------------------------------------------- #
# Flowables
# --------------------------------------------------------------------------- #
class DoubleRule(Flowable):
    """Thick line over a thin line: the classic kop surat separator."""

    def __init__(self, width: float, thick: float = 2.2, thin: float = 0.7, gap: float = 1.6):
        super().__init__()
        self.width = width
        self.thick, self.thin, self.gap = thick, thin, gap
        self.height = thick + gap + thin + 2

    def wrap(self, aw, ah):
        return self.width, self.height

    def draw(self):
        c = self.canv
        c.saveState()
        c.setStrokeColor(colors.black)
        y_top = self.height - self.thick / 2
        c.setLineWidth(self.thick)
        c.line(0, y_top, self.width, y_top)
        y_thin = y_top - self.thick / 2 - self.gap - self.thin / 2
        c.setLineWidth(self.thin)
        c.line(0, y_thin, self.width, y_thin)
        c.restoreState()


def page_size_for(page_size: str, orientation: str):
    size = F4 if page_size == "F4" else A4
    return landscape(size) if orientation == "landscape" else portrait(size)


class Renderer:
    """Turns document blocks into ReportLab flowables for a given frame width."""

    def __init__(self, avail_width: float, styles: Optional[Styles] = None):
        self.width = avail_width
        self.st = styles or Styles()

    # ---- letterhead ------------------------------------------------------ #
    def letterhead(self, lh: Optional[Letterhead]) -> List[Flowable]:
        if lh is None or lh.empty:
            return []
        st = self.st
        paras: List[Flowable] = []
        lines = list(lh.lines)
        for i, line in enumerate(lines):
            style = st.lh_main if i == len(lines) - 1 else st.lh_line
            paras.append(RLParagraph(esc(line), style))
        for line in lh.address_lines:
            paras.append(RLParagraph(esc(line), st.lh_addr))
        logo = image_flowable(lh.logo, 22 * mm, 24 * mm) if lh.logo else None
        if logo is not None:
            logo_w = 26 * mm
            t = RLTable([[logo, paras, ""]], colWidths=[logo_w, self.width - 2 * logo_w, logo_w])
            t.setStyle(TableStyle([
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 0), ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
            ]))
            out: List[Flowable] = [t]
        else:
            out = list(paras)
        out += [Spacer(1, 2 * mm), DoubleRule(self.width), Spacer(1, 5 * mm)]
        return out

    # ---- title block ----------------------------------------------------- #
    def title_block(self, doc: ReportDocument) -> List[Flowable]:
        st = self.st
        out: List[Flowable] = [RLParagraph(esc(doc.title), st.title)]
        if doc.subtitle:
            out.append(RLParagraph(esc(doc.subtitle), st.subtitle))
        if doc.period_label:
            out.append(RLParagraph("Periode: " + esc(doc.period_label), st.period))
        out.append(Spacer(1, 4 * mm))
        if doc.metadata:
            out.append(self.key_values(KeyValue(list(doc.metadata)), small=True))
            out.append(Spacer(1, 3 * mm))
        return out

    # ---- blocks ---------------------------------------------------------- #
    def section(self, section: Section) -> List[Flowable]:
        out: List[Flowable] = []
        if section.heading:
            # no keepWithNext (it would glue the heading to a whole long table);
            # a conditional break avoids orphaned headings instead
            out.append(CondPageBreak(45 * mm))
            out.append(RLParagraph(esc(section.heading), self.st.heading))
        for block in section.blocks:
            out += self.block(block)
        return out

    def block(self, block) -> List[Flowable]:
        if isinstance(block, Table):
            return self.table(block)
        if isinstance(block, Paragraph):
            return [self.paragraph(block)]
        if isinstance(block, BarChart):
            return self.bar_chart(block)
        if isinstance(block, KeyValue):
            return [self.key_values(block), Spacer(1, 2 * mm)]
        if isinstance(block, PageBreak):
            return [RLPageBreak()]
        raise TypeError(f"unsupported block type: {type(block).__name__}")

    def paragraph(self, p: Paragraph) -> Flowable:
        style = {"note": self.st.note, "heading": self.st.subheading}.get(p.style, self.st.body)
        return RLParagraph(esc(p.text), style)

    def key_values(self, kv: KeyValue, small: bool = False) -> Flowable:
        style = self.st.kv_small if small else self.st.kv
        items = [(str(k), "-" if v is None else (format_date_long(v) if isinstance(v, _dt.date) and not isinstance(v, _dt.datetime) else (format_datetime(v) if isinstance(v, _dt.datetime) else str(v)))) for k, v in kv.items]
        if not items:
            return Spacer(1, 0)
        label_w = max(stringWidth(k, style.fontName, style.fontSize) for k, _ in items) + 6
        label_w = min(max(label_w, 25 * mm), self.width * 0.4)
        colon_w = 8
        data = [[RLParagraph(esc(k), style), ":", RLParagraph(esc(v), style)] for k, v in items]
        t = RLTable(data, colWidths=[label_w, colon_w, self.width - label_w - colon_w], hAlign="LEFT")
        t.setStyle(TableStyle([
            ("FONT", (0, 0), (-1, -1), style.fontName, style.fontSize),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 2),
            ("TOPPADDING", (0, 0), (-1, -1), 0.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 0.5),
        ]))
        return t

    # ---- tables ---------------------------------------------------------- #
    def _column_widths(self, table: Table, header_texts: List[List[Optional[str]]],
                       body: List[List[str]]) -> List[float]:
        cols = table.columns
        n = len(cols)
        if all(c.width_hint for c in cols):
            total = sum(c.width_hint for c in cols)
            return [self.width * c.width_hint / total for c in cols]
        fs = TABLE_FONT_SIZE
        pad = 2 * CELL_PAD + 2
        natural = [0.0] * n
        minimum = [0.0] * n
        # header: longest word (headers may wrap) and full text for single cells
        for row in header_texts:
            for i, txt in enumerate(row):
                if not txt:
                    continue
                words = txt.split()
                longest = max((stringWidth(w, FONT_BOLD, fs) for w in words), default=0)
                minimum[i] = max(minimum[i], longest + pad)
                natural[i] = max(natural[i], min(stringWidth(txt, FONT_BOLD, fs), 120) + pad)
        sample = body[:400]
        for i, c in enumerate(cols):
            for row in sample:
                w = stringWidth(row[i], FONT, fs) + pad
                if c.numeric or c.kind == "date":
                    minimum[i] = max(minimum[i], w)
                    natural[i] = max(natural[i], w)
                else:
                    longest_word = max((stringWidth(x, FONT, fs) for x in row[i].split()), default=0) + pad
                    minimum[i] = max(minimum[i], min(longest_word, 40 * mm))
                    natural[i] = max(natural[i], min(w, self.width * 0.45))
        widths = [max(a, b, 8 * mm if not _is_number_col_header(c.header) else 7 * mm)
                  for a, b, c in zip(natural, minimum, cols)]
        for i, c in enumerate(cols):
            if c.width_hint:
                widths[i] = max(widths[i], minimum[i])
        total = sum(widths)
        if total <= self.width:
            # spread the slack over text columns (or all if there are none)
            text_idx = [i for i, c in enumerate(cols) if not c.numeric and not _is_number_col_header(c.header)]
            targets = text_idx or list(range(n))
            slack = self.width - total
            tw = sum(widths[i] for i in targets) or 1
            for i in targets:
                widths[i] += slack * widths[i] / tw
            return widths
        # too wide: shrink flexible (text) columns towards their minimum first
        flex = [i for i, c in enumerate(cols) if not c.numeric]
        excess = total - self.width
        room = sum(widths[i] - minimum[i] for i in flex)
        if room > 0:
            take = min(excess, room)
            for i in flex:
                widths[i] -= take * (widths[i] - minimum[i]) / room
            excess -= take
        if excess > 0.5:
            scale = self.width / sum(widths)
            widths = [w * scale for w in widths]
        return widths

    def table(self, table: Table) -> List[Flowable]:
        st = self.st
        cols = table.columns
        n = len(cols)
        grid = table.header_grid()
        nh = len(grid)
        header_texts = [[hc.text if isinstance(hc, HeaderCell) else None for hc in row] for row in grid]
        body = [[format_cell(v, c) for v, c in zip(r, cols)] for r in table.rows]
        total = None
        if table.total_row is not None:
            total = [("" if v is None and not cols[i].numeric else format_cell(v, cols[i]))
                     for i, v in enumerate(table.total_row)]
        widths = self._column_widths(table, header_texts, body + ([total] if total else []))

        cmds: List[tuple] = [
            ("FONT", (0, 0), (-1, -1), FONT, TABLE_FONT_SIZE),
            ("LEADING", (0, 0), (-1, -1), TABLE_FONT_SIZE + 2),
            ("GRID", (0, 0), (-1, -1), 0.5, GRID),
            ("BOX", (0, 0), (-1, -1), 0.9, colors.black),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("LEFTPADDING", (0, 0), (-1, -1), CELL_PAD), ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PAD),
            ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
            ("BACKGROUND", (0, 0), (-1, nh - 1), HEADER_FILL),
            ("VALIGN", (0, 0), (-1, nh - 1), "MIDDLE"),
            ("LINEBELOW", (0, nh - 1), (-1, nh - 1), 0.9, colors.black),
        ]
        data: List[List[Any]] = []
        for r, row in enumerate(grid):
            out_row: List[Any] = []
            for c, hc in enumerate(row):
                if isinstance(hc, HeaderCell):
                    out_row.append(RLParagraph(esc(hc.text), st.th))
                    if hc.colspan > 1 or hc.rowspan > 1:
                        cmds.append(("SPAN", (c, r), (c + hc.colspan - 1, r + hc.rowspan - 1)))
                else:
                    out_row.append("")
            data.append(out_row)

        def cell(txt: str, i: int, bold: bool = False):
            c = cols[i]
            if c.numeric or c.kind == "date":
                return txt
            if stringWidth(txt, FONT_BOLD if bold else FONT, TABLE_FONT_SIZE) <= widths[i] - 2 * CELL_PAD - 1 \
                    and "\n" not in txt:
                return txt
            return RLParagraph(esc(txt), st.td_bold if bold else st.td)

        for row in body:
            data.append([cell(t, i) for i, t in enumerate(row)])
        first_body, last_body = nh, nh + len(body) - 1
        for i, c in enumerate(cols):
            if _is_number_col_header(c.header):
                cmds.append(("ALIGN", (i, nh), (i, -1), "CENTER"))
            elif c.numeric:
                cmds.append(("ALIGN", (i, nh), (i, -1), "RIGHT"))
            elif c.kind == "date":
                cmds.append(("ALIGN", (i, nh), (i, -1), "CENTER"))
        if body:
            cmds.append(("ROWBACKGROUNDS", (0, first_body), (-1, last_body), [colors.white, ZEBRA_FILL]))
        else:
            data.append([RLParagraph("<i>Tidak ada data untuk periode ini.</i>", st.td)] + [""] * (n - 1))
            cmds.append(("SPAN", (0, nh), (-1, nh)))
        if total is not None:
            tr = len(data)
            # merge a leading label ("Jumlah") over the empty text cells after it
            span_end = 0
            if isinstance(table.total_row[0], str):
                j = 1
                while j < n and table.total_row[j] in (None, "") and not cols[j].numeric:
                    j += 1
                span_end = j - 1
            row_cells = [cell(t, i, bold=True) for i, t in enumerate(total)]
            data.append(row_cells)
            cmds += [
                ("BACKGROUND", (0, tr), (-1, tr), TOTAL_FILL),
                ("FONT", (0, tr), (-1, tr), FONT_BOLD, TABLE_FONT_SIZE),
                ("LINEABOVE", (0, tr), (-1, tr), 0.9, colors.black),
            ]
            if span_end > 0:
                cmds += [("SPAN", (0, tr), (span_end, tr)), ("ALIGN", (0, tr), (span_end, tr), "CENTER")]
        klass = LongTable if len(data) > 300 else RLTable
        t = klass(data, colWidths=widths, repeatRows=nh, hAlign="LEFT", splitByRow=1)
        t.setStyle(TableStyle(cmds))
        out: List[Flowable] = []
        if table.title:
            out.append(CondPageBreak(30 * mm))
            out.append(RLParagraph(esc(table.title), st.caption))
        out += [t, Spacer(1, 4 * mm)]
        return out

    # ---- charts ---------------------------------------------------------- #
    def bar_chart(self, chart: BarChart) -> List[Flowable]:
        fmt: Callable[[Any], str]
        if chart.value_kind == "percent":
            fmt = lambda v: format_percent(v, 1)  # noqa: E731
        elif chart.value_kind == "decimal":
            fmt = lambda v: format_decimal(v, 1)  # noqa: E731
        else:
            fmt = format_number
        cats = [safe_text(str(c)) for c in chart.categories]
        n_cat = max(len(cats), 1)
        n_series = max(len(chart.series), 1)
        width = self.width
        longest_label = max((stringWidth(c, FONT, 7.5) for c in cats), default=0)
        slot = (width - 60) / n_cat
        rotate = longest_label > slot - 4
        label_h = min(longest_label * 0.75 + 8, 40 * mm) if rotate else 14
        legend_h = 14
        plot_h = 55 * mm
        height = plot_h + label_h + legend_h + 14
        d = Drawing(width, height)
        bc = VerticalBarChart()
        bc.x = 45
        bc.y = label_h + 4
        bc.width = width - 55
        bc.height = plot_h
        data = [tuple(None if v is None else float(v) for v in vals) for _, vals in chart.series] or [(0,) * n_cat]
        bc.data = data
        all_vals = [v for s in data for v in s if v is not None]
        vmax = max(all_vals, default=0)
        bc.valueAxis.valueMin = 0
        if chart.value_kind == "percent" and vmax <= 100:
            bc.valueAxis.valueMax = 110  # room for the "100,0%" bar labels
            bc.valueAxis.valueStep = 20
        elif vmax <= 0:
            bc.valueAxis.valueMax = 1
        else:
            bc.valueAxis.valueMax = vmax * 1.15
        bc.valueAxis.labels.fontName = FONT
        bc.valueAxis.labels.fontSize = 7.5
        axis_fmt = (lambda v: format_percent(v, 0)) if chart.value_kind == "percent" else fmt
        bc.valueAxis.labelTextFormat = axis_fmt
        bc.valueAxis.gridStrokeColor = colors.HexColor("#D0D0D0")
        bc.valueAxis.gridStrokeWidth = 0.4
        bc.valueAxis.visibleGrid = 1
        bc.categoryAxis.categoryNames = cats
        bc.categoryAxis.labels.fontName = FONT
        bc.categoryAxis.labels.fontSize = 7.5
        if rotate:
            bc.categoryAxis.labels.angle = 40
            bc.categoryAxis.labels.boxAnchor = "ne"
            bc.categoryAxis.labels.dx = 2
            bc.categoryAxis.labels.dy = -3
        else:
            bc.categoryAxis.labels.boxAnchor = "n"
            bc.categoryAxis.labels.dy = -3
        bc.barSpacing = 1
        bc.groupSpacing = max(4, min(14, slot * 0.25))
        for i in range(n_series):
            bc.bars[i].fillColor = CHART_COLORS[i % len(CHART_COLORS)]
            bc.bars[i].strokeColor = None
        if n_cat * n_series <= 48:
            bc.barLabelFormat = lambda v: fmt(v)
            bc.barLabels.fontName = FONT
            bc.barLabels.fontSize = 6.5 if n_cat * n_series > 20 else 7
            bc.barLabels.nudge = 6
        d.add(bc)
        if len(chart.series) > 1:
            lg = Legend()
            lg.fontName = FONT
            lg.fontSize = 8
            lg.alignment = "right"
            lg.columnMaximum = 1
            lg.dx = lg.dy = 7
            lg.deltax = 12
            lg.x = 45
            lg.y = height - 2
            lg.boxAnchor = "nw"
            lg.colorNamePairs = [(CHART_COLORS[i % len(CHART_COLORS)], safe_text(lbl))
                                 for i, (lbl, _) in enumerate(chart.series)]
            d.add(lg)
        elif chart.series:
            d.add(String(45, height - 9, safe_text(chart.series[0][0]), fontName=FONT_ITALIC, fontSize=7.5,
                         fillColor=MUTED))
        out: List[Flowable] = []
        if chart.title:
            out.append(RLParagraph(esc(chart.title), self.st.caption))
        out.append(d)
        out.append(Spacer(1, 4 * mm))
        return [KeepTogether(out)]

    # ---- signature ------------------------------------------------------- #
    def _signature_cells(self, sig: Signature) -> List[Flowable]:
        st = self.st
        out: List[Flowable] = []
        if sig.place or sig.date:
            date_txt = format_date_long(sig.date) if sig.date else "...................."
            place = f"{sig.place}, " if sig.place else ""
            out.append(RLParagraph(esc(place + date_txt), st.sig))
        if sig.caption:
            out.append(RLParagraph(esc(sig.caption), st.sig))
        if sig.title_line:
            out.append(RLParagraph(esc(sig.title_line), st.sig))
        out.append(Spacer(1, 20 * mm))
        name = sig.name or "(.................................)"
        out.append(RLParagraph(f"<u>{esc(name)}</u>", st.sig_name))
        if sig.rank:
            out.append(RLParagraph(esc(sig.rank), st.sig))
        if sig.nip:
            out.append(RLParagraph("NIP. " + esc(sig.nip), st.sig))
        return out

    def signatures(self, sigs: Sequence[Signature]) -> List[Flowable]:
        sigs = [s for s in sigs if s is not None]
        if not sigs:
            return []
        if len(sigs) == 1:
            block_w = min(85 * mm, self.width * 0.5)
            t = RLTable([["", self._signature_cells(sigs[0])]],
                        colWidths=[self.width - block_w, block_w])
        else:
            w = self.width / len(sigs)
            t = RLTable([[self._signature_cells(s) for s in sigs]], colWidths=[w] * len(sigs))
        t.setStyle(TableStyle([
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 2), ("RIGHTPADDING", (0, 0), (-1, -1), 2),
        ]))
        return [Spacer(1, 6 * mm), KeepTogether([t])]

    # ---- photos ---------------------------------------------------------- #
    def photo_grid(self, photos: Sequence[Any], per_row: int = 2,
                   max_height: float = 65 * mm) -> List[Flowable]:
        """``photos``: bytes or ``(bytes, caption)``. Unreadable images are
        skipped (counted in ``self.skipped_photos``). Returns one flowable per
        row of photos."""
        self.skipped_photos = 0
        cells: List[List[Flowable]] = []
        col_w = self.width / per_row
        for item in photos:
            data, caption = (item if isinstance(item, (tuple, list)) else (item, None))
            img = image_flowable(data, col_w - 6 * mm, max_height)
            if img is None:
                self.skipped_photos += 1
                continue
            cell: List[Flowable] = [img]
            if caption:
                cell.append(RLParagraph(esc(caption), self.st.photo_caption))
            cells.append(cell)
        if not cells:
            return []
        out: List[Flowable] = []
        for i in range(0, len(cells), per_row):  # one table per row: rows never split
            r = cells[i:i + per_row]
            r += [""] * (per_row - len(r))
            t = RLTable([r], colWidths=[col_w] * per_row)
            t.setStyle(TableStyle([
                ("VALIGN", (0, 0), (-1, -1), "TOP"), ("ALIGN", (0, 0), (-1, -1), "CENTER"),
                ("TOPPADDING", (0, 0), (-1, -1), 3), ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
            ]))
            out.append(t)
        return out


def image_flowable(data: Optional[bytes], max_w: float, max_h: float) -> Optional[Image]:
    """A ReportLab Image from bytes, scaled to fit; ``None`` if unreadable.

    Photos are EXIF-rotated and downscaled (max 1600 px) and re-encoded as
    JPEG so that phone pictures do not bloat the PDF."""
    if not data:
        return None
    try:
        from PIL import Image as PILImage, ImageOps
        with PILImage.open(io.BytesIO(data)) as im:
            im.load()
            im = ImageOps.exif_transpose(im)
            if im.mode in ("RGBA", "LA", "P"):
                im = im.convert("RGBA")
                bg = PILImage.new("RGB", im.size, (255, 255, 255))
                bg.paste(im, mask=im.split()[-1])
                im = bg
            elif im.mode != "RGB":
                im = im.convert("RGB")
            im.thumbnail((1600, 1600))
            w, h = im.size
            buf = io.BytesIO()
            im.save(buf, format="JPEG", quality=82)
        buf.seek(0)
    except Exception:  # unreadable/corrupt image: skip it, never fail the document
        return None
    if w <= 0 or h <= 0:
        return None
    scale = min(max_w / w, max_h / h)
    img = Image(buf, width=w * scale, height=h * scale)
    img.hAlign = "CENTER"
    return img


# --------------------------------------------------------------------------- #
# Page decoration: "Halaman X dari Y", timestamp, running header
# --------------------------------------------------------------------------- #
class _PageInfo:
    def __init__(self, footer_left: str, running_header: Optional[str]):
        self.footer_left = footer_left
        self.running_header = running_header


def _make_canvas_class(info: _PageInfo):
    class NumberedCanvas(_canvas.Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._saved_page_states: List[dict] = []

        def showPage(self):
            self._saved_page_states.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._saved_page_states)
            for state in self._saved_page_states:
                self.__dict__.update(state)
                self._decorate(total)
                super().showPage()
            super().save()

        def _decorate(self, total: int):
            w, h = self._pagesize
            page = self._pageNumber
            left, right = 20 * mm, w - 15 * mm
            self.saveState()
            self.setStrokeColor(colors.HexColor("#808080"))
            self.setLineWidth(0.4)
            self.line(left, 13 * mm, right, 13 * mm)
            self.setFont(FONT, 7.5)
            self.setFillColor(MUTED)
            self.drawString(left, 9 * mm, info.footer_left)
            self.setFont(FONT_BOLD, 7.5)
            self.drawRightString(right, 9 * mm, f"Halaman {page} dari {total}")
            if page > 1 and info.running_header:
                self.setFont(FONT_ITALIC, 7.5)
                self.drawString(left, h - 10 * mm, info.running_header)
                self.line(left, h - 11.5 * mm, right, h - 11.5 * mm)
            self.restoreState()

    return NumberedCanvas


def _truncate(text: str, font: str, size: float, max_w: float) -> str:
    if stringWidth(text, font, size) <= max_w:
        return text
    while text and stringWidth(text + "...", font, size) > max_w:
        text = text[:-1]
    return text + "..."


def build_pdf(story: List[Flowable], *, page_size: str = "A4", orientation: str = "portrait",
              title: str = "", generated_at: Optional[_dt.datetime] = None,
              timezone_label: str = "WIB", application_name: str = "PALU KEBAB",
              running_header: Optional[str] = None, author: str = "Dinas Sosial Kota Bekasi") -> bytes:
    """Lay out ``story`` on numbered pages and return the PDF bytes."""
    size = page_size_for(page_size, orientation)
    buf = io.BytesIO()
    gen = generated_at or _dt.datetime.now().replace(microsecond=0)
    footer = f"Dibuat pada {format_datetime(gen)} {timezone_label}".rstrip()
    if application_name:
        footer += f" oleh {application_name}"
    usable = size[0] - 35 * mm - 45 * mm
    info = _PageInfo(safe_text(footer),
                     _truncate(safe_text(running_header), FONT_ITALIC, 7.5, usable) if running_header else None)
    doc = SimpleDocTemplate(
        buf, pagesize=size, leftMargin=20 * mm, rightMargin=15 * mm,
        topMargin=15 * mm, bottomMargin=18 * mm,
        title=title, author=author, creator=application_name or "ReportLab",
        subject=title,
    )
    doc.build(story, canvasmaker=_make_canvas_class(info))
    return buf.getvalue()


def frame_width(page_size: str = "A4", orientation: str = "portrait") -> float:
    return page_size_for(page_size, orientation)[0] - 35 * mm


def render_pdf(doc: ReportDocument, letterhead: Optional[Letterhead] = None) -> bytes:
    """Render a report to PDF bytes.

    ``letterhead=None`` uses the default Dinas Sosial kop (see
    :class:`Letterhead`); pass ``Letterhead.none()`` to print without one."""
    if letterhead is None:
        letterhead = Letterhead.default()
    r = Renderer(frame_width(doc.page_size, doc.orientation))
    story: List[Flowable] = []
    story += r.letterhead(letterhead)
    story += r.title_block(doc)
    for section in doc.sections:
        story += r.section(section)
    if doc.signature is not None:
        story += r.signatures([doc.signature])
    running = doc.title + (f" - Periode {doc.period_label}" if doc.period_label else "")
    return build_pdf(story, page_size=doc.page_size, orientation=doc.orientation, title=doc.title,
                     generated_at=doc.generated_at, timezone_label=doc.timezone_label,
                     application_name=doc.application_name, running_header=running)


__all__ = ["render_pdf", "build_pdf", "Renderer", "Styles", "format_cell", "image_flowable",
           "frame_width", "DoubleRule"]
