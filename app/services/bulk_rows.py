"""Appending many rows through the database driver, without per-row SQLAlchemy work.

SQLite takes one `executemany` of tuples; PostgreSQL takes `COPY … FROM STDIN` of
tab-separated lines that the caller formats (text values through :func:`copy_escape`).
Used for the tables written by the million: match keys, stored features, scan pairs.
"""
from __future__ import annotations

import io
from typing import Iterable, Sequence


def copy_escape(value: str) -> str:
    """A text value escaped for COPY's text format."""
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def insert_rows(conn, table: str, columns: Sequence[str], rows: list[tuple]) -> None:
    """SQLite (or any qmark driver): one executemany of plain tuples."""
    marks = ", ".join("?" * len(columns))
    conn.exec_driver_sql(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)


def copy_lines(conn, table: str, columns: Sequence[str], lines: Iterable[str]) -> None:
    """PostgreSQL: COPY the given tab-separated lines (each ending in a newline) into `table`."""
    buf = io.StringIO()
    buf.writelines(lines)
    buf.seek(0)
    cur = conn.connection.dbapi_connection.cursor()
    try:
        cur.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buf)
    finally:
        cur.close()
