"""Flask-free report rendering: data structures (``document``), Indonesian
formatting (``formatting``), PDF (``pdf``), XLSX (``xlsx``) and single-record
letters (``letters``). Nothing in this package imports Flask or the app.
"""
from .document import (  # noqa: F401
    BarChart, Column, HeaderCell, KeyValue, Letterhead, PageBreak, Paragraph,
    ReportDataError, ReportDocument, Section, Signature, Table,
)
